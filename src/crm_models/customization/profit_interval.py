"""Sampling interval of the optimal profit and of its gain over the standard product.

At the chosen decision (not re-optimized), customers are resampled with Poisson bootstrap
weights (``n_boot`` resamples of the data); each resample's profit and gain are recomputed
with the optimizer's own purchase and cost model.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from crm_models.customization.optimize import VarietyOptimizer
from crm_models.results import Result, check_fitted, check_level, estimate_table

__all__ = ["ProfitInterval", "profit_interval"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ProfitInterval(Result):
    """Bootstrap distribution of the optimal profit and of its gain over the standard product.

    Attributes
    ----------
    face : str
        The customization type valued.
    profit : float
        Profit of its optimal offer (PV over the horizon, currency).
    gain : float
        Profit minus the standard product's profit (currency).
    n_boot : int
        Bootstrap resamples.
    profit_draws, gain_draws : numpy.ndarray
        The resampled values (left out of ``to_dict``).
    """

    face: str
    profit: float
    gain: float
    n_boot: int
    profit_draws: np.ndarray = dataclasses.field(metadata={"json": False}, repr=False)
    gain_draws: np.ndarray = dataclasses.field(metadata={"json": False}, repr=False)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Profit and gain with the bootstrap SD as ``se`` and percentile ``level`` intervals.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Rows ``profit, gain``; columns ``estimate, se, ci_low, ci_high`` (currency).
        """
        check_level(level)
        q = [(1 - level) / 2, 1 - (1 - level) / 2]
        draws = [self.profit_draws, self.gain_draws]
        low, high = np.array([np.quantile(d, q) for d in draws]).T
        return estimate_table(
            [self.profit, self.gain],
            [np.std(d, ddof=1) for d in draws],
            low,
            high,
            level=level,
            index=["profit", "gain"],
        )


def _boot(opt: VarietyOptimizer, face_name: str, weights: np.ndarray) -> tuple[float, np.ndarray]:
    """Point profit of ``face_name``'s optimum and its value under each row of ``weights``."""
    k, prem, face, pw, margin = opt._purchase_and_margin(face_name)
    c, e = opt.costs_, opt.economics_
    a_f, e_f, d = e.lifetime_factors(face)
    scale = opt.market_size_ / opt.market_.n_customers
    fixed = c.complexity_cost(k) * d + c.fixed_cost(k) + e.fixed_cost(face)

    def profit(units, margin_sum):
        unit_cost = c.unit_cost(np.broadcast_to(k, (len(units), len(k))), units)
        return (margin_sum - units * unit_cost) * a_f + prem * units * e_f - fixed

    point = profit(np.atleast_1d(scale * pw.sum()), np.atleast_1d(scale * pw @ margin))[0]
    return float(point), profit(scale * weights @ pw, scale * weights @ (pw * margin))


def profit_interval(
    optimizer: VarietyOptimizer, face: str | None = None, n_boot: int = 500, seed: int = 0
) -> ProfitInterval:
    """Bootstrap the optimal profit of ``face`` and its gain over the standard product.

    Parameters
    ----------
    optimizer : VarietyOptimizer
        A fitted optimizer.
    face : str, optional
        The customization type (default: the best).
    n_boot : int, default 500
        Bootstrap resamples of the customers (Poisson weights).
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    ProfitInterval
        Point values and draws; ``summary(level)`` gives the intervals.
    """
    check_fitted(optimizer, "best_")
    face = face or optimizer.best_.face
    rng = np.random.default_rng(seed)
    n = optimizer.market_.n_customers
    weights = rng.poisson(1.0, size=(int(n_boot), n)).astype(float)
    p_point, p_draws = _boot(optimizer, face, weights)
    s_point, s_draws = _boot(optimizer, "standard", weights)
    return ProfitInterval(face, p_point, p_point - s_point, int(n_boot), p_draws, p_draws - s_draws)
