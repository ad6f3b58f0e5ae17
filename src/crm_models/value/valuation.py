"""Customer lifetime value, customer equity and second lifetime value from fitted models.

CLV follows lifetimes' ``GammaGammaFitter.customer_lifetime_value``:
``Σ_k margin_rate · E[spend] · (E[X(k·f)] − E[X((k−1)·f)]) / (1 + d)^k`` for months
k = 1..H, with f time units per month (``time_unit`` 'D' → 30, 'W' → 4.345) and
``monthly_discount_rate`` d (see :func:`monthly_rate` for an annual rate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError
from crm_models.results import Result, check_fitted, check_level, estimate_table
from crm_models.value.models._base import Model, column, rfm_arrays
from crm_models.value.models._transaction import TransactionModel, discounted_sum
from crm_models.value.models.bgnbd import BGNBD, purchases_if_alive
from crm_models.value.models.gamma_gamma import GammaGamma
from crm_models.value.valuation_checks import (
    PERIODS_PER_MONTH,
    _check_clv_args,
    _check_models,
    model_time_unit,
)

__all__ = [
    "PERIODS_PER_MONTH",
    "CustomerEquity",
    "WinbackTotals",
    "customer_equity",
    "customer_lifetime_value",
    "model_time_unit",
    "monthly_rate",
    "second_lifetime_value",
    "winback_totals",
]


def monthly_rate(annual_discount_rate: float) -> float:
    """Monthly discount rate equivalent to an annual one: (1 + annual)^(1/12) − 1.

    Parameters
    ----------
    annual_discount_rate : float
        Discount rate per year, in [0, 10).

    Returns
    -------
    float
        The equivalent ``monthly_discount_rate``.
    """
    rate = annual_discount_rate
    if not (isinstance(rate, (int, float)) and 0 <= rate < 10):
        raise ParameterError(f"annual_discount_rate must be in [0, 10), got {rate!r}")
    return float((1 + rate) ** (1 / 12) - 1)


def _parameter_draws(model, spend: GammaGamma, n_draws: int, seed: int) -> list[tuple]:
    """``n_draws`` (transaction model, spend model) pairs with parameters drawn from their fits.

    The one source of parameter uncertainty for the customer-equity and win-back intervals.
    """
    if not (isinstance(n_draws, (int, np.integer)) and n_draws >= 20):
        raise ParameterError(f"n_draws must be an integer >= 20, got {n_draws!r}")
    return [
        (model.with_params(pm), spend.with_params(ps))
        for pm, ps in zip(
            model.draw_params(n_draws, seed), spend.draw_params(n_draws, seed + 1), strict=True
        )
    ]


def _alive_cum_purchases(model, times, x, T) -> np.ndarray:
    """E[X(T, T+t] | alive at T, x, T] per time point for a BG/NBD model."""
    if not isinstance(model, BGNBD):
        raise ParameterError("second_lifetime_value needs a BGNBD model")
    params = model.params_.to_numpy()
    out = np.zeros((len(times), len(x)))
    for k, t in enumerate(times):
        if t > 0:
            out[k] = purchases_if_alive(params, x, T, t)
    return out


def _clv_arrays(
    model,
    spend,
    x,
    tx,
    T,
    m,
    horizon_months,
    monthly_discount_rate,
    time_unit,
    margin_rate,
    alive_only=False,
) -> np.ndarray:
    factor = PERIODS_PER_MONTH[time_unit]
    times = np.arange(0, horizon_months + 1) * factor
    disc = (1 + monthly_discount_rate) ** -np.arange(1, horizon_months + 1)
    if alive_only:
        purchases = discounted_sum(disc, _alive_cum_purchases(model, times, x, T))
    else:
        purchases = model._discounted_purchases(times, disc, x, tx, T)
    return margin_rate * spend._expected_spend(x, m) * purchases


def _inputs(model: Model, spend: GammaGamma, data: pd.DataFrame, source: str):
    _check_models(model, spend, source)
    check_fitted(model, "params_")
    check_fitted(spend, "params_")
    x, tx, T = rfm_arrays(data, source)
    needs = "frequency, recency, T, monetary_value"
    return x, tx, T, column(data, "monetary_value", source, needs)


def customer_lifetime_value(
    model: TransactionModel,
    spend: GammaGamma,
    data: pd.DataFrame,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit: str | None = None,
    margin_rate: float = 1.0,
) -> pd.Series:
    """Discounted expected value of each customer over the next ``horizon_months`` months.

    Computed once per distinct (frequency, recency, T) pattern, vectorized (formula in the
    module docstring).

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        Fitted transaction model.
    spend : GammaGamma
        Fitted spend model.
    data : pandas.DataFrame
        Per-customer summary: frequency, recency, T, monetary_value.
    horizon_months : int, default 12
        Months ahead.
    monthly_discount_rate : float, default 0.01
        Discount rate per month, in [0, 1).
    time_unit : {"D", "W", "M", "H"}, optional
        Time unit of recency and T. None (default): the unit the model was fitted in
        (``model.time_unit_``, from the summary's ``attrs``), else days. A unit that
        disagrees with the model's is refused (see :func:`model_time_unit`).
    margin_rate : float, default 1.0
        Gross margin as a share of revenue, in (0, 1].

    Returns
    -------
    pandas.Series
        CLV (currency) indexed like ``data``, named ``clv``.
    """
    _check_models(model, spend, "customer_lifetime_value")
    time_unit = model_time_unit(model, data, time_unit, "customer_lifetime_value")
    _check_clv_args(horizon_months, monthly_discount_rate, time_unit, margin_rate)
    x, tx, T, m = _inputs(model, spend, data, "customer_lifetime_value")
    clv = _clv_arrays(
        model, spend, x, tx, T, m, horizon_months, monthly_discount_rate, time_unit, margin_rate
    )
    return pd.Series(clv, index=data.index, name="clv")


@dataclass(frozen=True, repr=False)
class CustomerEquity(Result):
    """Customer equity (sum of CLV) with an interval from parameter uncertainty.

    Attributes
    ----------
    estimate : float
        Sum of CLV at the estimates.
    ci_low, ci_high : float
        Percentile interval of the draws at ``level``.
    level : float
        Confidence level of ``ci_low, ci_high``.
    n_customers : int
        Customers summed over.
    n_draws : int
        Finite parameter draws behind the interval.
    draws : numpy.ndarray
        Customer equity per parameter draw (left out of ``to_dict`` and the repr).
    """

    estimate: float
    ci_low: float
    ci_high: float
    level: float
    n_customers: int
    n_draws: int
    draws: np.ndarray = field(metadata={"json": False})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return customer equity with the draws' percentile interval at ``level``.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level: the interval is the draws' ``(1 ∓ level) / 2`` quantiles.

        Returns
        -------
        pandas.DataFrame
            One row ``customer_equity``; ``se`` is the standard deviation of the draws.
        """
        level = check_level(level)
        low, high = np.quantile(self.draws, [(1 - level) / 2, (1 + level) / 2])
        se = float(np.std(self.draws, ddof=1)) if len(self.draws) > 1 else np.nan
        return estimate_table(
            [self.estimate], [se], [low], [high], level=level, index=["customer_equity"]
        )


def customer_equity(
    model: TransactionModel,
    spend: GammaGamma,
    data: pd.DataFrame,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit: str | None = None,
    margin_rate: float = 1.0,
    level: float = 0.95,
    n_draws: int = 200,
    seed: int = 0,
    max_customers_per_draw: int = 5_000,
) -> CustomerEquity:
    """Sum of CLV over ``data`` and a ``level`` interval for it.

    The interval reflects estimation uncertainty of both models' parameters: ``n_draws``
    parameter sets are drawn from the asymptotic normal distribution of the log-parameters
    (``FitResult.cov_log``) and customer equity is recomputed for each; the interval is the
    percentile interval of those draws. It does not include the purchase-process noise of
    individual customers (small for large bases). For speed, each draw is evaluated on a
    seeded random subsample of at most ``max_customers_per_draw`` customers as a ratio to the
    subsample's equity at the estimates, times the full-base estimate (parameter uncertainty
    moves every customer's CLV together, so the ratio is what matters).

    Parameters
    ----------
    model, spend, data, horizon_months, monthly_discount_rate, time_unit, margin_rate
        As in :func:`customer_lifetime_value`.
    level : float, default 0.95
        Confidence level of the interval.
    n_draws : int, default 200
        Parameter draws (>= 20).
    seed : int, default 0
        Seed of the draws and of the subsample.
    max_customers_per_draw : int, default 5000
        Subsample size per draw.

    Returns
    -------
    CustomerEquity
        Estimate, interval and the draws.
    """
    _check_models(model, spend, "customer_equity")
    time_unit = model_time_unit(model, data, time_unit, "customer_equity")
    _check_clv_args(horizon_months, monthly_discount_rate, time_unit, margin_rate)
    pairs = _parameter_draws(model, spend, n_draws, seed)
    level = check_level(level)
    x, tx, T, m = _inputs(model, spend, data, "customer_equity")
    args = (horizon_months, monthly_discount_rate, time_unit, margin_rate)
    estimate = float(_clv_arrays(model, spend, x, tx, T, m, *args).sum())
    n_customers = len(x)
    rng = np.random.default_rng(seed)
    if len(x) > max_customers_per_draw:
        sub = np.sort(rng.choice(len(x), max_customers_per_draw, replace=False))
        x, tx, T, m = x[sub], tx[sub], T[sub], m[sub]
    base = float(_clv_arrays(model, spend, x, tx, T, m, *args).sum())
    draws = (
        estimate
        / base
        * np.array([_clv_arrays(mdl, spd, x, tx, T, m, *args).sum() for mdl, spd in pairs])
    )
    draws = draws[np.isfinite(draws)]
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return CustomerEquity(estimate, float(lo), float(hi), level, n_customers, len(draws), draws)


def second_lifetime_value(
    model: BGNBD,
    spend: GammaGamma,
    data: pd.DataFrame,
    reactivation_rate: float,
    cost_per_contact: float,
    lapsed_below: float = 0.3,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit: str | None = None,
    margin_rate: float = 1.0,
) -> pd.DataFrame:
    """Second lifetime value: what winning back each lapsed customer is worth.

    A customer is *lapsed* when P(alive) < ``lapsed_below``. If a win-back contact (cost
    ``cost_per_contact``) reactivates a share ``reactivation_rate`` of them, a reactivated
    customer is alive again with their posterior purchase rate, so their value is the BG/NBD
    CLV *conditional on being alive* (``clv_if_won_back``; ``clv = p_alive · clv_if_won_back``).

    Parameters
    ----------
    model : BGNBD
        Fitted BG/NBD model.
    spend : GammaGamma
        Fitted spend model.
    data : pandas.DataFrame
        Per-customer summary: frequency, recency, T, monetary_value.
    reactivation_rate : float
        Share of contacted lapsed customers reactivated, in [0, 1].
    cost_per_contact : float
        Cost of one win-back contact (currency, >= 0).
    lapsed_below : float, default 0.3
        P(alive) below which a customer counts as lapsed.
    horizon_months, monthly_discount_rate, time_unit, margin_rate
        As in :func:`customer_lifetime_value`.

    Returns
    -------
    pandas.DataFrame
        Per customer: p_alive, lapsed, clv, clv_if_won_back, and for lapsed customers
        ``slv = reactivation_rate · clv_if_won_back − cost_per_contact`` (Stauss & Friege's
        second lifetime value net of the contact cost) and
        ``winback_gain = reactivation_rate · (clv_if_won_back − clv) − cost_per_contact`` (the
        incremental value over doing nothing; contact when positive).
    """
    for name, value in [("reactivation_rate", reactivation_rate), ("lapsed_below", lapsed_below)]:
        if not (isinstance(value, (int, float)) and 0 <= value <= 1):
            raise ParameterError(f"{name} must be in [0, 1], got {value!r}")
    if not (isinstance(cost_per_contact, (int, float)) and cost_per_contact >= 0):
        raise ParameterError(f"cost_per_contact must be >= 0, got {cost_per_contact!r}")
    _check_models(model, spend, "second_lifetime_value", bgnbd_only=True)
    time_unit = model_time_unit(model, data, time_unit, "second_lifetime_value")
    _check_clv_args(horizon_months, monthly_discount_rate, time_unit, margin_rate)
    x, tx, T, m = _inputs(model, spend, data, "second_lifetime_value")
    args = (horizon_months, monthly_discount_rate, time_unit, margin_rate)
    clv = _clv_arrays(model, spend, x, tx, T, m, *args)
    clv_alive = _clv_arrays(model, spend, x, tx, T, m, *args, alive_only=True)
    p_alive = model.p_alive(data)
    lapsed = p_alive < lapsed_below
    out = pd.DataFrame(
        {
            "p_alive": p_alive,
            "lapsed": lapsed,
            "clv": clv,
            "clv_if_won_back": clv_alive,
            "slv": reactivation_rate * clv_alive - cost_per_contact,
            "winback_gain": reactivation_rate * (clv_alive - clv) - cost_per_contact,
        },
        index=data.index,
    )
    out.loc[~lapsed, ["slv", "winback_gain"]] = np.nan
    return out


@dataclass(frozen=True, repr=False)
class WinbackTotals(Result):
    """Totals of a win-back campaign on the lapsed customers of :func:`second_lifetime_value`.

    Attributes
    ----------
    lapsed : int
        Customers with P(alive) below the threshold.
    worth_contacting : int
        Lapsed customers with a positive ``winback_gain``.
    expected_gain : float
        Sum of their ``winback_gain`` (currency).
    ci_low, ci_high : float
        Interval of ``expected_gain`` at ``level`` (NaN when not computed; see
        :func:`~crm_models.value.winback.winback_value`).
    level : float
        Confidence level of the interval.
    n_draws : int
        Parameter draws behind the interval (0: none).
    draws : numpy.ndarray
        Expected gain per parameter draw (not in JSON).
    """

    lapsed: int
    worth_contacting: int
    expected_gain: float
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    level: float = 0.95
    n_draws: int = 0
    draws: np.ndarray | None = field(default=None, metadata={"json": False})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the totals as an estimate table; the gain with its interval when computed.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level: the gain's interval is the draws' quantiles at it.

        Returns
        -------
        pandas.DataFrame
            Rows lapsed, worth_contacting, expected_gain (counts without se or interval).
        """
        table = self._fields_table(["lapsed", "worth_contacting", "expected_gain"], level)
        if self.draws is not None and len(self.draws) > 1:
            level = check_level(level)
            low, high = np.quantile(self.draws, [(1 - level) / 2, (1 + level) / 2])
            table.loc["expected_gain", ["se", "ci_low", "ci_high"]] = [
                float(np.std(self.draws, ddof=1)),
                low,
                high,
            ]
        return table


def winback_totals(slv: pd.DataFrame) -> WinbackTotals:
    """Lapsed customers, those worth contacting (positive gain) and their total gain.

    Parameters
    ----------
    slv : pandas.DataFrame
        The frame of :func:`second_lifetime_value`.

    Returns
    -------
    WinbackTotals
        Counts and the expected gain of contacting those worth it.
    """
    lapsed = slv[slv["lapsed"]]
    worth = lapsed[lapsed["winback_gain"] > 0]
    return WinbackTotals(int(len(lapsed)), int(len(worth)), float(worth["winback_gain"].sum()))
