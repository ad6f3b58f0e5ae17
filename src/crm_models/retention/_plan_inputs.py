"""Input checks and the greedy choice of :func:`crm_models.retention.saving.plan_retention`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError, format_rows
from crm_models.retention.offer import OfferEffect


def _choose(
    profit: np.ndarray,
    cost: np.ndarray,
    eligible: np.ndarray,
    max_offers: int | None,
    budget: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Chosen positions (best first) and why each other customer is not chosen ('' if chosen)."""
    reason = np.full(len(profit), "not_profitable", dtype=object)
    reason[~eligible] = "consent"
    cand = np.flatnonzero(eligible & (profit > 0))
    cand = cand[np.argsort(-profit[cand], kind="stable")]
    if max_offers is not None:
        reason[cand[max_offers:]] = "max_offers"
        cand = cand[:max_offers]
    if budget is not None:
        within = np.cumsum(cost[cand]) <= budget
        reason[cand[~within]] = "budget"
        cand = cand[within]
    reason[cand] = ""
    return cand, reason


def _per_customer(values: Any, n: int, name: str, ids: np.ndarray) -> np.ndarray:
    """Return a float array of length ``n`` (a scalar is broadcast); lengths and NaN checked."""
    arr = np.asarray(values, dtype=object)
    if arr.ndim == 0:
        arr = np.full(n, arr.item(), dtype=object)
    arr = arr.ravel()
    if len(arr) != n:
        raise DataValidationError(
            f"plan_retention: {name} has {len(arr)} values for {n} customers (customer_id); "
            "expected one per customer, in customer_id order"
        )
    num = pd.to_numeric(pd.Series(arr), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(num)
    if bad.any():
        first = np.flatnonzero(bad)
        raise DataValidationError(
            f"plan_retention: {name} is missing or not a finite number at rows "
            f"{format_rows(first, labels=pd.Index(ids, name='customer_id'))}; expected a number "
            "for every customer"
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


def _check_limits(max_offers: Any, budget: Any) -> None:
    if max_offers is not None and (
        isinstance(max_offers, (bool, np.bool_))
        or not isinstance(max_offers, (int, np.integer))
        or max_offers < 0
    ):
        raise ParameterError(f"max_offers must be a non-negative integer, got {max_offers!r}")
    if budget is not None and not (isinstance(budget, (int, float, np.number)) and budget >= 0):
        raise ParameterError(f"budget must be a number >= 0 (currency), got {budget!r}")
