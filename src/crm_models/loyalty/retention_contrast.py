"""Retention of the top vs the bottom customers by satisfaction, with Wilson / Newcombe intervals.

``retention_contrast(score, retained, q)`` compares the top and bottom ``1/q`` of customers by
score: each group's retention with a Wilson interval and the difference with Newcombe's hybrid
score interval (``RetentionContrast``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError
from crm_models.loyalty.retention import _wilson
from crm_models.results import Result, estimate_table

__all__ = ["RetentionContrast", "retention_contrast"]


@dataclass(frozen=True, repr=False)
class RetentionContrast(Result):
    """Retention of the top vs the bottom share of customers by score, with ``level`` intervals.

    Rates are shares in [0, 1]; group intervals are Wilson intervals, the difference's is
    Newcombe's hybrid score interval.

    Attributes
    ----------
    bottom_rate, bottom_low, bottom_high : float
        Retention of the bottom group and its interval.
    bottom_n : int
        Customers in the bottom group.
    top_rate, top_low, top_high : float
        Retention of the top group and its interval.
    top_n : int
        Customers in the top group.
    difference, difference_low, difference_high : float
        ``top_rate − bottom_rate`` and its interval.
    level : float
        Confidence level of the intervals.
    """

    bottom_rate: float
    bottom_low: float
    bottom_high: float
    bottom_n: int
    top_rate: float
    top_low: float
    top_high: float
    top_n: int
    difference: float
    difference_low: float
    difference_high: float
    level: float = field(default=0.95, metadata={"json": False})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Top rate, bottom rate and their difference with ``level`` intervals (Wilson / Newcombe).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; rows ``top_rate, bottom_rate, difference``.
        """
        n = np.array([self.top_n, self.bottom_n])
        p = np.array([self.top_rate, self.bottom_rate])
        values = _newcombe(np.round(p * n), n, p, level)
        return estimate_table(
            [self.top_rate, self.bottom_rate, self.difference],
            ci_low=[values[1], values[4], values[7]],
            ci_high=[values[2], values[5], values[8]],
            level=level,
            index=["top_rate", "bottom_rate", "difference"],
        )


def _newcombe(k: np.ndarray, n: np.ndarray, p: np.ndarray, level: float) -> list[float]:
    """[top, top_low, top_high, bottom, bottom_low, bottom_high, difference, low, high]."""
    (l1, l2), (u1, u2) = _wilson(k, n, level)
    p1, p2 = p
    d = p1 - p2
    return [
        float(v)
        for v in (
            p1,
            l1,
            u1,
            p2,
            l2,
            u2,
            d,
            d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
        )
    ]


def retention_contrast(
    frame: pd.DataFrame,
    score: str = "satisfaction_index",
    retained: str = "retained",
    q: int = 4,
    level: float = 0.95,
) -> RetentionContrast:
    """Retention of the top vs the bottom ``1/q`` of customers by score, with intervals.

    Wilson intervals for each rate and Newcombe's hybrid score interval for the difference
    (top − bottom).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer.
    score, retained : str
        Columns of the score and of the retained flag.
    q : int, default 4
        Compare the top and bottom 1/q (quarters by default).
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    RetentionContrast
        The two rates and their difference with intervals.
    """
    if q < 2:
        raise ParameterError(f"q must be >= 2, got {q!r}")
    lo_cut, hi_cut = frame[score].quantile([1 / q, 1 - 1 / q])
    low = frame.loc[frame[score] <= lo_cut, retained].astype(float)
    high = frame.loc[frame[score] >= hi_cut, retained].astype(float)
    t, t_low, t_high, b, b_low, b_high, d, d_low, d_high = _newcombe(
        np.array([high.sum(), low.sum()]),
        np.array([len(high), len(low)]),
        np.array([high.mean(), low.mean()]),
        level,
    )
    return RetentionContrast(
        b, b_low, b_high, len(low), t, t_low, t_high, len(high), d, d_low, d_high, float(level)
    )
