"""Checks of the cohort survivor counts the contractual models read, and their aggregation.

Input is one cohort (1-D survivor counts, period 0 first) or a frame of several cohorts
(columns ``cohort, period, n_active``). Both reduce to two arrays over periods ``0..K``:
``churned[t]`` (customers who left in period ``t``, summed over cohorts) and ``censored[t]``
(customers still active at the last observed period ``t`` of their cohort). The likelihood is
``sum(churned * log P(T=t)) + sum(censored * log S(t))``.

Errors name the input, the period or row (1-based data rows) and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, format_rows

COHORT_COLUMNS = ("cohort", "period", "n_active")


def _periods(positions: np.ndarray) -> str:
    """'at period(s) 0, 3': positions of 1-D survivors are the (0-based) periods themselves."""
    shown = ", ".join(str(int(p)) for p in positions[:5])
    more = f" and {positions.size - 5} more" if positions.size > 5 else ""
    return f"at period {shown}{more}"


def _rows(positions: np.ndarray) -> str:
    """'at rows 1, 4': 1-based data rows of a frame."""
    return f"at rows {format_rows(positions)}"


def _counts(values: np.ndarray, source: str, where: Callable[[np.ndarray], str]) -> np.ndarray:
    """Finite, non-negative whole numbers, else one error naming the first bad positions."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataValidationError(
            f"{source}: missing or non-numeric count {where(np.flatnonzero(bad))}; "
            "expected whole numbers of active customers"
        )
    neg = values < 0
    if neg.any():
        first = np.flatnonzero(neg)
        raise DataValidationError(
            f"{source}: negative count ({values[first[0]]:g}) {where(first)}; "
            "expected numbers of active customers >= 0"
        )
    frac = values != np.round(values)
    if frac.any():
        first = np.flatnonzero(frac)
        raise DataValidationError(
            f"{source}: count {values[first[0]]:g} {where(first)} is not a whole "
            "number; expected numbers of customers (for retention percentages, multiply by "
            "the cohort size)"
        )
    return values


def survivor_arrays(
    survivors: Any, min_periods: int, model: str, cohort: Any = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Validate survivor counts and return ``(churned, censored, n_cohorts)`` over periods 0..K.

    Parameters
    ----------
    survivors : array-like or pandas.DataFrame
        1-D counts active at the start of period 0, 1, ..., n, or a frame with columns
        ``cohort, period, n_active``.
    min_periods : int
        Fewest observed periods (after period 0) the model needs: its number of parameters.
    model : str
        Model name for the messages.
    cohort : hashable or sequence, optional
        With a frame: the cohort label(s) to keep (None keeps every cohort).

    Returns
    -------
    tuple
        ``churned`` (float array, length K + 1, index = period; ``churned[0] = 0``),
        ``censored`` (float array, length K + 1) and the number of cohorts.
    """
    if isinstance(survivors, pd.DataFrame):
        return _frame_arrays(survivors, min_periods, model, cohort)
    if cohort is not None:
        raise DataValidationError(
            f"{model}: cohort={cohort!r} selects cohorts of a frame with columns "
            f"{', '.join(COHORT_COLUMNS)}; 1-D survivors are a single cohort"
        )
    source = f"{model} survivors"
    try:
        values = np.asarray(pd.to_numeric(pd.Series(survivors), errors="coerce"), dtype=float)
    except (TypeError, ValueError):
        raise DataValidationError(
            f"{source}: expected a 1-D sequence of counts (period 0 first) or a frame with "
            f"columns {', '.join(COHORT_COLUMNS)}, got {type(survivors).__name__}"
        ) from None
    if values.ndim != 1:
        raise DataValidationError(f"{source}: expected 1-D counts, got shape {values.shape}")
    if values.size < min_periods + 1:
        raise DataValidationError(
            f"{source}: {values.size} value(s) (periods 0..{values.size - 1}); the {model} "
            f"needs at least {min_periods + 1} (periods 0..{min_periods}: the cohort size, then "
            f"the survivors of at least {min_periods} periods)"
        )
    _counts(values, source, _periods)
    if values[0] <= 0:
        raise DataValidationError(
            f"{source}: the cohort size survivors[0] (period 0) is {values[0]:g}; expected > 0"
        )
    up = np.flatnonzero(np.diff(values) > 0)
    if up.size:
        t = int(up[0]) + 1
        raise DataValidationError(
            f"{source}: survivors increase from {values[t - 1]:g} at period {t - 1} to "
            f"{values[t]:g} at period {t}; expected counts that never increase (customers "
            "who leave do not come back into the same cohort)"
        )
    churned = np.concatenate([[0.0], -np.diff(values)])
    censored = np.zeros_like(values)
    censored[-1] = values[-1]
    _check_information(churned, censored, source)
    return churned, censored, 1


def _frame_arrays(
    frame: pd.DataFrame, min_periods: int, model: str, cohort: Any
) -> tuple[np.ndarray, np.ndarray, int]:
    """Validate and aggregate a cohort frame: the multi-cohort branch of :func:`survivor_arrays`."""
    source = f"{model} cohort frame"
    missing = [c for c in COHORT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{source}: missing column(s) {', '.join(map(repr, missing))} (have "
            f"{list(map(str, frame.columns))}); expected one row per cohort and period with "
            f"columns {', '.join(COHORT_COLUMNS)}"
        )
    data = frame.reset_index(drop=True)
    if cohort is not None:
        wanted: Sequence[Hashable] = (
            list(cohort) if isinstance(cohort, (list, tuple, set)) else [cohort]
        )
        keep = data["cohort"].isin(wanted).to_numpy()
        if not keep.any():
            raise DataValidationError(
                f"{source}: no rows of cohort {cohort!r} (cohorts: "
                f"{list(pd.unique(data['cohort']))[:10]})"
            )
        data = data.loc[keep]
    if data.empty:
        raise DataValidationError(f"{source}: no rows; expected survivor counts per period")
    if data["cohort"].isna().any():
        rows = np.flatnonzero(data["cohort"].isna().to_numpy())
        raise DataValidationError(f"{source}: empty 'cohort' at rows {format_rows(rows)}")
    rows = data.index.to_numpy()  # 0-based positions in the frame as given
    period = pd.to_numeric(data["period"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(period) | (period < 0) | (period != np.round(period))
    if bad.any():
        raise DataValidationError(
            f"{source}: column 'period' has non-integer or negative values at rows "
            f"{format_rows(rows[bad])}; expected periods 0, 1, 2, ... since the cohort started"
        )
    n_active = pd.to_numeric(data["n_active"], errors="coerce").to_numpy(dtype=float)
    _counts(n_active, f"{source}: column 'n_active'", lambda pos: _rows(rows[pos]))
    order = np.lexsort((period, data["cohort"].astype(str).to_numpy()))
    codes = pd.factorize(data["cohort"].to_numpy()[order])[0]
    p, n, r = period[order].astype(np.int64), n_active[order], rows[order]
    first = np.r_[True, codes[1:] != codes[:-1]]
    expected = np.arange(p.size) - np.maximum.accumulate(np.where(first, np.arange(p.size), 0))
    gap = p != expected
    if gap.any():
        i = np.flatnonzero(gap)[0]
        raise DataValidationError(
            f"{source}: cohort {data['cohort'].to_numpy()[order][i]!r} has period {p[i]} at row "
            f"{format_rows([r[i]])} where period {expected[i]} was expected; expected each "
            "cohort to have the periods 0, 1, ..., k once each"
        )
    zero = first & (n <= 0)
    if zero.any():
        raise DataValidationError(
            f"{source}: cohort size (period 0) is 0 at rows {format_rows(r[zero])}; "
            "expected > 0 customers in period 0"
        )
    up = ~first & (n > np.r_[np.inf, n[:-1]])
    if up.any():
        i = np.flatnonzero(up)[0]
        raise DataValidationError(
            f"{source}: n_active increases from {n[i - 1]:g} to {n[i]:g} at period {p[i]} of "
            f"cohort {data['cohort'].to_numpy()[order][i]!r} (row {format_rows([r[i]])}); "
            "expected counts that never increase within a cohort"
        )
    if p.max() < min_periods:
        raise DataValidationError(
            f"{source}: the oldest cohort is observed up to period {p.max()}; the {model} "
            f"needs at least one cohort observed up to period {min_periods}"
        )
    last = np.r_[codes[1:] != codes[:-1], True]
    size = p.max() + 1
    churned = np.bincount(p[~first], weights=(np.r_[np.nan, n[:-1]] - n)[~first], minlength=size)
    censored = np.bincount(p[last], weights=n[last], minlength=size)
    _check_information(churned, censored, source)
    return churned.astype(float), censored.astype(float), int(codes.max()) + 1


def _check_information(churned: np.ndarray, censored: np.ndarray, source: str) -> None:
    """Reject data from which no churn process can be estimated (nobody left, or all did)."""
    if churned.sum() == 0:
        raise DataValidationError(
            f"{source}: no customer left in any period; retention cannot be estimated "
            "(expected some churn)"
        )
    if censored.sum() == 0 and np.count_nonzero(churned) == 1:
        raise DataValidationError(
            f"{source}: every customer left in the same period; retention cannot be estimated "
            "(expected survivors after period 1 or churn spread over periods)"
        )
