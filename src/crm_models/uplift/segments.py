"""Lift per customer segment, with Cochran's Q test that the lift is equal across segments.

Every segment × arm × outcome cell uses the methods of :func:`crm_models.uplift.lift_table`
(Newcombe score / Welch intervals, Holm-adjusted p-values over the whole segment table).
Heterogeneity: per arm × outcome, Cochran's Q = Σ wᵢ (liftᵢ − pooled)² with inverse-variance
weights wᵢ = 1/seᵢ², seᵢ the standard error implied by the interval (half-width / z(level)),
compared with a chi-square distribution with (segments − 1) degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crm_models.errors import DataValidationError
from crm_models.results import Result, check_level
from crm_models.uplift.checks import DEFAULT_OUTCOMES, _check_frame
from crm_models.uplift.lift import (
    _LIFT_COLUMNS,
    METHOD_NOTE,
    _adjust,
    _implied_se,
    _lift_rows,
    _lift_summary,
)

__all__ = ["SegmentLiftResult", "cochran_q", "segment_lift"]


@dataclass(frozen=True, repr=False)
class SegmentLiftResult(Result):
    """Lift per segment × arm × outcome and the test of equal lift across segments.

    Parameters
    ----------
    table : pandas.DataFrame
        ``segment`` plus the columns of :func:`~crm_models.uplift.lift_table`.
    heterogeneity : pandas.DataFrame
        Per arm × outcome: segments, q (Cochran's Q), p_value (chi-square, segments − 1 df).
    level : float
        Confidence level of the intervals.
    method : str
        The methods, in words.
    """

    table: pd.DataFrame
    heterogeneity: pd.DataFrame
    level: float
    method: str = METHOD_NOTE

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Absolute lift per segment × arm × outcome.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level; at the result's own level the table's intervals, otherwise Wald
            intervals from the implied standard error.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; index (segment, arm, outcome).
        """
        return _lift_summary(self.table, ["segment", "arm", "outcome"], self.level, level)


def cochran_q(estimate: Any, se: Any) -> float:
    """Cochran's Q statistic of estimates with standard errors (inverse-variance weights).

    Parameters
    ----------
    estimate : array-like
        Estimates, one per study / segment.
    se : array-like
        Their standard errors (> 0).

    Returns
    -------
    float
        ``Σ wᵢ (estimateᵢ − pooled)²`` with ``wᵢ = 1/seᵢ²`` and the weighted mean as pooled.
    """
    est = np.asarray(estimate, dtype=float)
    w = 1 / np.asarray(se, dtype=float) ** 2
    pooled = float((w * est).sum() / w.sum())
    return float((w * (est - pooled) ** 2).sum())


def segment_lift(
    frame: pd.DataFrame,
    segment: str,
    arm: str = "arm",
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    control: Any = "control",
    level: float = 0.95,
    correction: str = "holm",
    min_size: int = 30,
) -> SegmentLiftResult:
    """Lift per segment × arm × outcome with intervals (same methods as ``lift_table``).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer: arm, outcomes and the segment column.
    segment : str
        Column of the segment labels (no missing values).
    arm, outcomes, control, level, correction
        As in :func:`~crm_models.uplift.lift_table`.
    min_size : int, default 30
        Segments with fewer customers in an arm or in control get NaN intervals.

    Returns
    -------
    SegmentLiftResult
        ``table`` (``p_adjusted`` over the whole segment table) and ``heterogeneity``
        (Cochran's Q per arm × outcome; see the module docstring).
    """
    level = check_level(level)
    outcomes = list(outcomes)
    treated = _check_frame(frame, arm, outcomes, control)
    if segment not in frame.columns:
        raise DataValidationError(f"segment column '{segment}' not in the campaign frame")
    if frame[segment].isna().any():
        raise DataValidationError(f"segment column '{segment}' has missing values")
    tail = 1 - level
    tables = []
    for name, part in frame.groupby(segment, observed=True, sort=True):
        present = set(part[arm].astype(object))
        if control not in present:
            continue
        rows = _lift_rows(part, arm, outcomes, control, [a for a in treated if a in present], tail)
        for r in rows:
            if min(r["n_arm"], r["n_control"]) < min_size:
                for key in ("abs_ci_low", "abs_ci_high", "rel_ci_low", "rel_ci_high", "p_value"):
                    r[key] = np.nan
        t = pd.DataFrame(rows)
        t.insert(0, "segment", name)
        tables.append(t)
    table = pd.concat(tables, ignore_index=True)
    table = _adjust(table, tail, correction)
    table = table[["segment", *_LIFT_COLUMNS]]
    se = _implied_se(table, level)
    het = []
    for (a, outcome), part in table.assign(se=se).groupby(["arm", "outcome"], sort=False):
        part = part[np.isfinite(part["se"]) & (part["se"] > 0)]
        if len(part) < 2:
            continue
        q = cochran_q(part["abs_lift"], part["se"])
        het.append(
            {
                "arm": a,
                "outcome": outcome,
                "segments": len(part),
                "q": q,
                "p_value": float(stats.chi2.sf(q, len(part) - 1)),
            }
        )
    heterogeneity = pd.DataFrame(het, columns=["arm", "outcome", "segments", "q", "p_value"])
    return SegmentLiftResult(table, heterogeneity, level, METHOD_NOTE)
