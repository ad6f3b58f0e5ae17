"""Published data and simulated cohorts for the contractual retention models.

- :func:`fader_hardie_2007`: the two cohorts of Fader & Hardie (2007), "How to project customer
  retention", *Journal of Interactive Marketing* 21(1), 76-90: survivors of 1,000 customers
  acquired in year 0, years 0..12, for a "regular" and a "high end" segment. The paper fits
  years 0..7 and keeps years 8..12 as the holdout.
- :func:`simulate_cohorts`: survivor counts of a cohort drawn from the beta-discrete-Weibull
  model (the shifted-beta-geometric when ``c = 1``), for recovery tests and teaching.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError

__all__ = ["fader_hardie_2007", "simulate_cohorts"]

_SURVIVORS = {
    "regular": (1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173),
    "high_end": (1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394),
}

PUBLISHED_SBG = {"regular": (0.704, 1.182), "high_end": (0.668, 3.806)}
"""The paper's sBG estimates (alpha, beta) from years 0..7 of each segment."""


def fader_hardie_2007() -> pd.DataFrame:
    """Return the survivor data of Fader & Hardie (2007), both segments, years 0..12.

    Returns
    -------
    pandas.DataFrame
        26 rows, columns ``segment`` ("regular", "high_end"), ``year`` (0..12, periods of one
        year since acquisition) and ``n_active`` (customers of the 1,000 acquired in year 0
        still active at the start of that year).
    """
    frames = [
        pd.DataFrame({"segment": name, "year": np.arange(len(counts)), "n_active": counts})
        for name, counts in _SURVIVORS.items()
    ]
    return pd.concat(frames, ignore_index=True)


def simulate_cohorts(
    alpha: float,
    beta: float,
    n_customers: int,
    n_periods: int,
    *,
    c: float = 1.0,
    seed: int | None = 0,
) -> np.ndarray:
    """Survivor counts of one cohort drawn from the beta-discrete-Weibull (sBG when c = 1).

    Each customer draws a churn probability ``theta ~ Beta(alpha, beta)``; she is still active
    after ``t`` periods with probability ``(1 - theta) ** (t ** c)``.

    Parameters
    ----------
    alpha, beta : float
        Beta-distribution parameters of the churn probability (> 0).
    n_customers : int
        Cohort size (customers active in period 0, >= 1).
    n_periods : int
        Periods observed after period 0 (>= 1).
    c : float, default 1.0
        Discrete-Weibull shape (> 0): c < 1 churn falls with tenure for each customer, c > 1
        it rises, c = 1 is constant (the shifted-beta-geometric).
    seed : int or None, default 0
        Random seed.

    Returns
    -------
    numpy.ndarray
        Integer counts, shape ``(n_periods + 1,)``: customers active at the start of period
        0, 1, ..., n_periods (the first value is ``n_customers``).
    """
    for name, value in (("alpha", alpha), ("beta", beta), ("c", c)):
        if not (isinstance(value, (int, float, np.number)) and np.isfinite(value) and value > 0):
            raise ParameterError(f"simulate_cohorts: {name} must be a number > 0, got {value!r}")
    for name, count in (("n_customers", n_customers), ("n_periods", n_periods)):
        if not isinstance(count, (int, np.integer)) or count < 1:
            raise ParameterError(f"simulate_cohorts: {name} must be an integer >= 1, got {count!r}")
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, size=int(n_customers))
    u = rng.random(int(n_customers))
    # T > t  <=>  u <= (1 - theta)^(t^c)  <=>  t^c <= log(u) / log(1 - theta)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(u) / np.log1p(-theta)
        last_active = np.floor(np.power(np.where(np.isfinite(x), x, np.inf), 1.0 / c))
    lifetime = np.minimum(last_active, n_periods) + 1  # period of leaving, capped past the end
    left = np.bincount(lifetime.astype(np.int64), minlength=n_periods + 2)[: n_periods + 1]
    return (int(n_customers) - np.cumsum(left)).astype(np.int64)
