"""The win-back value with an interval from the models' parameter uncertainty.

:func:`winback_value` totals the expected gain of contacting the lapsed customers worth it
(:func:`~crm_models.value.valuation.winback_totals`) and gives it an interval the way
:func:`~crm_models.value.valuation.customer_equity` does: ``n_draws`` parameter sets of the
BG/NBD and the Gamma-Gamma model are drawn from the asymptotic normal distribution of their
log-parameters, and the gain of the *same* list of customers is recomputed for each (P(alive),
CLV and CLV if won back all move with the parameters).

Why parameter draws and not a bootstrap over customers: the gain is a sum over a fixed,
known list — the customers the report tells the manager to contact — not over a sample from
a population, so resampling customers would measure how the total of a different list would
vary, which is not the question; what is uncertain is the model's forecast for each of them,
which the parameter draws carry (and they reuse the equity interval's machinery). Not
included: the purchase-process noise of single customers, and the reactivation rate, which
is an assumption of the user, not an estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError
from crm_models.results import check_level
from crm_models.value.models.bgnbd import BGNBD
from crm_models.value.models.gamma_gamma import GammaGamma
from crm_models.value.valuation import (
    WinbackTotals,
    _check_clv_args,
    _check_models,
    _clv_arrays,
    _inputs,
    _parameter_draws,
    model_time_unit,
    winback_totals,
)

__all__ = ["winback_value"]


def winback_value(
    model: BGNBD,
    spend: GammaGamma,
    data: pd.DataFrame,
    slv: pd.DataFrame,
    reactivation_rate: float,
    cost_per_contact: float,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit: str | None = None,
    margin_rate: float = 1.0,
    level: float = 0.95,
    n_draws: int = 100,
    seed: int = 0,
) -> WinbackTotals:
    """Win-back totals with a ``level`` interval of the expected gain (module doc).

    Parameters
    ----------
    model : BGNBD
        The fitted BG/NBD model behind ``slv``.
    spend : GammaGamma
        The fitted spend model.
    data : pandas.DataFrame
        Per-customer summary (frequency, recency, T, monetary_value), indexed like ``slv``.
    slv : pandas.DataFrame
        :func:`~crm_models.value.valuation.second_lifetime_value` of ``data``.
    reactivation_rate, cost_per_contact : float
        As given to ``second_lifetime_value``.
    horizon_months, monthly_discount_rate, time_unit, margin_rate
        As in :func:`~crm_models.value.valuation.customer_lifetime_value` (``time_unit=None``:
        the model's unit).
    level : float, default 0.95
        Confidence level of the interval.
    n_draws : int, default 100
        Parameter draws (>= 20).
    seed : int, default 0
        Seed of the draws.

    Returns
    -------
    WinbackTotals
        Lapsed, worth contacting, expected gain (equal to ``winback_totals(slv)``) with
        ``ci_low``, ``ci_high`` and the gain per draw.
    """
    _check_models(model, spend, "winback_value", bgnbd_only=True)
    time_unit = model_time_unit(model, data, time_unit, "winback_value")
    _check_clv_args(horizon_months, monthly_discount_rate, time_unit, margin_rate)
    pairs = _parameter_draws(model, spend, n_draws, seed)
    if not slv.index.equals(data.index):
        raise ParameterError("slv must be second_lifetime_value(data): its index differs")
    level = check_level(level)
    totals = winback_totals(slv)
    worth = (slv["lapsed"] & (slv["winback_gain"] > 0)).to_numpy()
    if not worth.any():
        return WinbackTotals(totals.lapsed, 0, 0.0, 0.0, 0.0, level, n_draws, np.zeros(n_draws))
    x, tx, T, m = (a[worth] for a in _inputs(model, spend, data, "winback_value"))
    args = (horizon_months, monthly_discount_rate, time_unit, margin_rate)
    draws = np.empty(n_draws)
    for k, (mdl, spd) in enumerate(pairs):  # over draws; each is vectorized over customers
        alive = _clv_arrays(mdl, spd, x, tx, T, m, *args, alive_only=True)
        now = _clv_arrays(mdl, spd, x, tx, T, m, *args)
        draws[k] = (reactivation_rate * (alive - now) - cost_per_contact).sum()
    draws = draws[np.isfinite(draws)]
    low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return WinbackTotals(
        totals.lapsed,
        totals.worth_contacting,
        totals.expected_gain,
        float(low),
        float(high),
        level,
        len(draws),
        draws,
    )
