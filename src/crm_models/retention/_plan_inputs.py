"""Input checks and the greedy choice of :func:`crm_models.retention.saving.plan_retention`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError, _is_default_range, format_rows
from crm_models.retention.offer import OfferEffect

REASON_LABELS = np.array(["", "consent", "not_profitable", "max_contacts", "budget"], dtype=object)
"""Why a customer is not on the save list, by the code ``_choose`` returns (0: on the list)."""


def _choose(
    profit: np.ndarray,
    cost: np.ndarray,
    eligible: np.ndarray,
    max_contacts: int | None,
    budget: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the chosen positions (best first) and a reason code per customer (REASON_LABELS)."""
    code = np.where(eligible, np.int8(2), np.int8(1))
    cand = np.flatnonzero(eligible & (profit > 0))
    if budget is None and max_contacts is not None and 0 < max_contacts < len(cand):
        # top max_contacts only: partition, then sort the few (ties at the cut: any of them)
        top = np.argpartition(-profit[cand], max_contacts - 1)[:max_contacts]
        code[cand] = 3
        cand = cand[top]
    cand = cand[np.argsort(-profit[cand], kind="stable")]
    if max_contacts is not None:
        code[cand[max_contacts:]] = 3
        cand = cand[:max_contacts]
    if budget is not None:
        within = np.cumsum(cost[cand]) <= budget
        code[cand[~within]] = 4
        cand = cand[within]
    code[cand] = 0
    return cand, code


def _chosen_total(
    risk: np.ndarray,
    effect: float,
    cost: np.ndarray,
    eligible: np.ndarray,
    max_contacts: int | None,
    budget: float | None,
) -> tuple[int, float]:
    """Offers and expected profit of the plan re-made at ``effect`` (no sort without limits)."""
    profit = risk * effect - cost
    if max_contacts is None and budget is None:
        take = eligible & (profit > 0)
        return int(take.sum()), float(profit[take].sum())
    cand, _ = _choose(profit, cost, eligible, max_contacts, budget)
    return len(cand), float(profit[cand].sum())


def _aligned(values: Any, ids: np.ndarray, name: str) -> Any:
    """Reindex a Series with a labelled index to ``ids`` (missing ids become NaN)."""
    if not isinstance(values, pd.Series) or _is_default_range(values.index):
        return values
    if values.index.has_duplicates:
        dup = np.flatnonzero(values.index.duplicated(keep=False))
        raise DataValidationError(
            f"plan_retention: {name} has duplicate customer ids in its index at rows "
            f"{format_rows(dup, labels=values.index)}; expected one value per customer"
        )
    return values.reindex(pd.Index(ids))


def _per_customer(values: Any, n: int, name: str, ids: np.ndarray) -> np.ndarray:
    """Return a float array of length ``n`` (a scalar is broadcast); lengths and NaN checked.

    A Series with a labelled index (e.g. ``predict_proba``'s customer_id index) is matched to
    ``ids`` by its labels; any other array-like is taken in ``customer_id`` order.
    """
    values = _aligned(values, ids, name)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        arr = np.asarray(values, dtype=object)
    if arr.ndim == 0:
        arr = np.full(n, arr.item(), dtype=object)
    arr = arr.ravel()
    if len(arr) != n:
        raise DataValidationError(
            f"plan_retention: {name} has {len(arr)} values for {n} customers (customer_id); "
            "expected one per customer, in customer_id order"
        )
    num = (
        arr
        if arr.dtype == float
        else pd.to_numeric(pd.Series(arr), errors="coerce").to_numpy(dtype=float)
    )
    bad = ~np.isfinite(num)
    if bad.any():
        first = np.flatnonzero(bad)
        raise DataValidationError(
            f"plan_retention: {name} is missing or not a finite number at rows "
            f"{format_rows(first, labels=pd.Index(ids, name='customer_id'))}; expected a number "
            "for every customer (a Series is matched to customer_id by its index)"
        )
    return num


def _check_range(values: np.ndarray, ok: np.ndarray, name: str, want: str, ids: np.ndarray) -> None:
    if not ok.all():
        first = np.flatnonzero(~ok)
        raise DataValidationError(
            f"plan_retention: {name} must be {want}, got {values[first[:3]].tolist()} at rows "
            f"{format_rows(first, labels=pd.Index(ids, name='customer_id'))}"
        )


def _effect_inputs(
    effect: Any, effect_range: Any, level: float
) -> tuple[float, float, float, float, float, OfferEffect | None]:
    """Effect, its interval (NaN when assumed) and the sensitivity range."""
    if isinstance(effect, OfferEffect):
        low, high = effect.interval(level)
        point, offer = effect.effect, effect
    elif isinstance(effect, (int, float, np.integer, np.floating)) and not isinstance(
        effect, (bool, np.bool_)
    ):
        point, offer, low, high = float(effect), None, np.nan, np.nan
        if not -1 <= point <= 1:
            raise ParameterError(
                f"offer_effect must be a share of would-be leavers kept, in [-1, 1], got {effect!r}"
            )
    else:
        raise ParameterError(
            "offer_effect must be an OfferEffect (from offer_effect(experiment)) or a number "
            f"(an assumed share of would-be leavers kept, e.g. 0.2), got {type(effect).__name__}"
        )
    if effect_range is None:
        r_low, r_high = (low, high) if offer else sorted((0.5 * point, min(1.5 * point, 1.0)))
    else:
        try:
            r_low, r_high = (float(v) for v in effect_range)
        except (TypeError, ValueError):
            raise ParameterError(
                f"effect_range must be (low, high) shares, got {effect_range!r}"
            ) from None
        if not (-1 <= r_low <= r_high <= 1):
            raise ParameterError(
                "effect_range must be (low, high) with -1 <= low <= high <= 1, got "
                f"{effect_range!r}"
            )
    return point, low, high, r_low, r_high, offer


def _check_limits(max_contacts: Any, budget: Any) -> None:
    if max_contacts is not None and (
        isinstance(max_contacts, (bool, np.bool_))
        or not isinstance(max_contacts, (int, np.integer))
        or max_contacts < 0
    ):
        raise ParameterError(f"max_contacts must be a non-negative integer, got {max_contacts!r}")
    if budget is not None and not (isinstance(budget, (int, float, np.number)) and budget >= 0):
        raise ParameterError(f"budget must be a number >= 0 (currency), got {budget!r}")
