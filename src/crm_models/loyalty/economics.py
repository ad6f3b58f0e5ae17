"""Retention economics: CLV, customer equity, the value of +5 points of retention, and the ladder.

A transparent annual model of one customer (every mechanism is a parameter, all money in the
same currency, all rates per year):

    margin_t = annual_margin · (1 + spend_growth)^min(t−1, growth_years)   rising spend
             + cost_to_serve · (1 − (1 − cost_decline)^(t−1))              falling cost to serve
             + referral_profit · [t ≥ 2]                                   referrals
             + price_premium · min(t−1, growth_years)                      loyal customers pay more

for tenure years t = 1, 2, …, horizon_years. A newly won customer costs ``acquisition_cost`` at
t = 0, earns margin_t at the end of year t if still a customer, and stays from one year to the
next with probability ``retention``. Hence

    CLV_gross(r) = Σ_t margin_t · r^(t−1) / (1 + d)^t,
    CLV_net(r) = CLV_gross(r) − acquisition_cost.

The Reichheld & Sasser (1990) claim — cutting defections by 5 points raises profits 25–85% —
is the relative change of CLV_net when r rises by 0.05. With a constant margin and no
acquisition cost the change is (1 + d − r)/(1 + d − r − 0.05) − 1, i.e. +20% at r = 0.80 and
d = 0.10: the claim needs margins that grow with tenure and acquisition costs that are
recovered only by customers who stay (``mechanism_ladder`` adds them one at a time).

Customer equity (Gupta, Lehmann & Stuart 2004) sums the value of today's customers and of the
cohorts still to be acquired. ``relationship_ladder`` values the acquaintance → friend →
partner levels and the gain from moving a customer up one level.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import Result

__all__ = ["RetentionEconomics", "RetentionLift", "mechanism_ladder", "relationship_ladder"]

RS_LOW, RS_HIGH = 0.25, 0.85  # Reichheld & Sasser's range of profit effects
LEVELS = ("acquaintance", "friend", "partner")


@dataclass(frozen=True, repr=False)
class RetentionLift(Result):
    """CLV of a new customer before and after a rise of the retention rate, and the relative effect.

    Money in the currency of ``RetentionEconomics``; rates are shares in [0, 1].

    Attributes
    ----------
    retention, retention_after : float
        Annual retention rate before and after the rise.
    clv_gross, clv_gross_after : float
        CLV before acquisition cost, before and after (currency per customer).
    clv_net, clv_net_after : float
        CLV net of the acquisition cost, before and after (currency per customer).
    profit_effect_net : float
        Relative change of the net CLV (0.25 = +25%); NaN when the net CLV before is not
        positive.
    profit_effect_gross : float
        Relative change of the gross CLV.
    """

    retention: float
    retention_after: float
    clv_gross: float
    clv_gross_after: float
    clv_net: float
    clv_net_after: float
    profit_effect_net: float
    profit_effect_gross: float

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the figures as an estimate table (a deterministic model: no SE, no interval).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (checked; the intervals are NaN).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row per figure.
        """
        names = [f.name for f in fields(self)]
        return self._fields_table(names, level)


@dataclass(frozen=True)
class RetentionEconomics:
    """Parameters of the customer-profit model (see the module docstring for the formulas).

    A frozen parameter set (like ``WorldParams``), not an estimate: its methods value
    customers under these parameters.

    Parameters
    ----------
    annual_margin : float, default 100
        Year-1 margin of one customer in one year (currency per year).
    acquisition_cost : float, default 0
        One-off cost to win a customer (currency).
    annual_discount_rate : float, default 0.10
        Discount rate per year.
    spend_growth : float, default 0
        Annual growth of the margin from rising spend, for ``growth_years`` years.
    growth_years : int, default 5
        Years over which spend and the price premium keep growing.
    cost_to_serve : float, default 0
        Year-1 cost to serve (already in ``annual_margin``) that falls by ``cost_decline`` per year.
    cost_decline : float, default 0
        Annual decline of the cost to serve (0–1).
    referral_profit : float, default 0
        Annual profit from referrals from year 2.
    price_premium : float, default 0
        Extra margin per year of tenure (up to ``growth_years``).
    horizon_years : int, default 200
        Years summed (the tail beyond is negligible when retention < 1).
    """

    annual_margin: float = 100.0
    acquisition_cost: float = 0.0
    annual_discount_rate: float = 0.10
    spend_growth: float = 0.0
    growth_years: int = 5
    cost_to_serve: float = 0.0
    cost_decline: float = 0.0
    referral_profit: float = 0.0
    price_premium: float = 0.0
    horizon_years: int = 200

    def __post_init__(self) -> None:
        checks = [
            ("annual_margin", self.annual_margin > 0),
            ("acquisition_cost", self.acquisition_cost >= 0),
            ("annual_discount_rate", self.annual_discount_rate > -1),
            ("spend_growth", self.spend_growth > -1),
            (
                "growth_years",
                isinstance(self.growth_years, (int, np.integer)) and self.growth_years >= 0,
            ),
            ("cost_to_serve", self.cost_to_serve >= 0),
            ("cost_decline", 0 <= self.cost_decline <= 1),
            ("referral_profit", self.referral_profit >= 0),
            ("price_premium", self.price_premium >= 0),
            (
                "horizon_years",
                isinstance(self.horizon_years, (int, np.integer)) and self.horizon_years >= 1,
            ),
        ]
        for name, ok in checks:
            if not ok:
                raise ParameterError(
                    f"RetentionEconomics.{name} out of range: {getattr(self, name)!r}"
                )

    # -- margins --------------------------------------------------------------------------
    def margin_profile(self, years: int | None = None) -> pd.DataFrame:
        """Margin by tenure year, split into its mechanisms (currency per year).

        Parameters
        ----------
        years : int, optional
            Tenure years shown (default ``horizon_years``).

        Returns
        -------
        pandas.DataFrame
            Columns ``year, base_margin, rising_spend, lower_cost_to_serve, referrals,
            price_premium, annual_margin`` (the sum).
        """
        t = np.arange(1, (years or self.horizon_years) + 1)
        grown = np.minimum(t - 1, self.growth_years)
        base = np.full(t.shape, float(self.annual_margin))
        spend = self.annual_margin * ((1 + self.spend_growth) ** grown - 1)
        cost = self.cost_to_serve * (1 - (1 - self.cost_decline) ** (t - 1))
        referral = np.where(t >= 2, self.referral_profit, 0.0)
        premium = self.price_premium * grown
        return pd.DataFrame(
            {
                "year": t,
                "base_margin": base,
                "rising_spend": spend,
                "lower_cost_to_serve": cost,
                "referrals": referral,
                "price_premium": premium,
                "annual_margin": base + spend + cost + referral + premium,
            }
        )

    def _margins(self) -> np.ndarray:
        return self.margin_profile()["annual_margin"].to_numpy()

    # -- values ---------------------------------------------------------------------------
    def clv(self, retention: float | np.ndarray, net: bool = True) -> np.ndarray:
        """CLV of a newly acquired customer for annual retention rate(s) in [0, 1) (currency).

        Parameters
        ----------
        retention : float or numpy.ndarray
            Annual retention rate(s) in [0, 1).
        net : bool, default True
            Subtract the acquisition cost.

        Returns
        -------
        numpy.ndarray
            CLV per retention rate (shape of ``retention``).
        """
        r = np.asarray(retention, dtype=float)
        if np.any((r < 0) | (r >= 1)):
            raise ParameterError(f"retention must lie in [0, 1), got {retention!r}")
        t = np.arange(1, self.horizon_years + 1)
        survival = r[..., None] ** (t - 1)
        value = (survival * self._margins() / (1 + self.annual_discount_rate) ** t).sum(axis=-1)
        return value - self.acquisition_cost if net else value

    def existing_customer_value(self, retention: float | np.ndarray, tenure: int = 1) -> np.ndarray:
        """Value of a current customer at tenure year ``tenure`` who must still survive this year.

        Parameters
        ----------
        retention : float or numpy.ndarray
            Annual retention rate(s).
        tenure : int, default 1
            The customer's tenure year today.

        Returns
        -------
        numpy.ndarray
            Value per retention rate (currency).
        """
        r = np.asarray(retention, dtype=float)
        t = np.arange(1, self.horizon_years + 1)
        h = self.horizon_years
        m = self.margin_profile(h + tenure)["annual_margin"].to_numpy()[tenure : tenure + h]
        return ((r[..., None] ** t) * m / (1 + self.annual_discount_rate) ** t).sum(axis=-1)

    def profit_effect(
        self, retention: float | np.ndarray, delta: float = 0.05, net: bool = True
    ) -> np.ndarray:
        """Relative change of CLV when retention rises by ``delta`` (0.25 = +25%); NaN if CLV ≤ 0.

        Parameters
        ----------
        retention : float or numpy.ndarray
            Annual retention rate(s) before the improvement.
        delta : float, default 0.05
            Rise of the retention rate.
        net : bool, default True
            Use the CLV net of the acquisition cost.

        Returns
        -------
        numpy.ndarray
            Relative change per retention rate.
        """
        r = np.asarray(retention, dtype=float)
        before, after = self.clv(r, net), self.clv(np.minimum(r + delta, 0.999999), net)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(before > 0, (after - before) / before, np.nan)

    def retention_lift(self, retention: float, delta: float = 0.05) -> RetentionLift:
        """Headline: CLV before/after +``delta`` retention, gross and net, and the relative effects.

        Parameters
        ----------
        retention : float
            Annual retention rate before the improvement.
        delta : float, default 0.05
            Rise of the retention rate (``retention + delta`` must stay below 1).

        Returns
        -------
        RetentionLift
            CLV gross and net before and after, and the relative profit effects.
        """
        return RetentionLift(
            retention=float(retention),
            retention_after=float(retention + delta),
            clv_gross=float(self.clv(retention, net=False)),
            clv_gross_after=float(self.clv(retention + delta, net=False)),
            clv_net=float(self.clv(retention)),
            clv_net_after=float(self.clv(retention + delta)),
            profit_effect_net=float(self.profit_effect(retention, delta, net=True)),
            profit_effect_gross=float(self.profit_effect(retention, delta, net=False)),
        )

    def customer_equity(
        self,
        retention: float | np.ndarray,
        current_customers: float,
        new_customers_per_year: float = 0.0,
        acquisition_years: int = 10,
    ) -> np.ndarray:
        """Compute customer equity (currency) from current customers and future cohorts.

        Customer equity is current customers' value plus ``acquisition_years`` future cohorts.
        Current customers are valued as tenure-1 customers who must survive the coming year;
        each future cohort (acquired at the start of years 1, 2, …) contributes its net CLV,
        discounted to today.

        Parameters
        ----------
        retention : float or numpy.ndarray
            Annual retention rate(s).
        current_customers : float
            Customers today.
        new_customers_per_year : float, default 0
            Customers acquired each year.
        acquisition_years : int, default 10
            Future cohorts counted.

        Returns
        -------
        numpy.ndarray
            Customer equity per retention rate (currency).
        """
        if current_customers < 0 or new_customers_per_year < 0 or acquisition_years < 0:
            raise ParameterError("customer counts and acquisition_years must be non-negative")
        r = np.asarray(retention, dtype=float)
        cohorts = (1 + self.annual_discount_rate) ** -np.arange(acquisition_years)
        return (
            current_customers * self.existing_customer_value(r)
            + new_customers_per_year * self.clv(r) * cohorts.sum()
        )

    def curve(self, retention: np.ndarray | None = None, delta: float = 0.05) -> pd.DataFrame:
        """CLV (gross, net) and the +``delta`` profit effect over a grid of retention rates.

        Parameters
        ----------
        retention : numpy.ndarray, optional
            Retention rates (default 0.50, 0.51, …, 0.94).
        delta : float, default 0.05
            Rise of the retention rate.

        Returns
        -------
        pandas.DataFrame
            Columns ``retention, clv_gross, clv_net, profit_effect``.
        """
        r = np.linspace(0.50, 0.94, 45) if retention is None else np.asarray(retention, dtype=float)
        return pd.DataFrame(
            {
                "retention": r,
                "clv_gross": self.clv(r, net=False),
                "clv_net": self.clv(r),
                "profit_effect": self.profit_effect(r, delta),
            }
        )


def mechanism_ladder(
    full: RetentionEconomics, retention: float = 0.80, delta: float = 0.05
) -> pd.DataFrame:
    """Profit effect of +``delta`` retention as the mechanisms of ``full`` switch on one by one.

    Rows: constant margin only → + acquisition cost → + rising spend → + falling cost to serve →
    + referrals → + price premium (= ``full``). ``in_rs_range`` says whether the effect lies in
    Reichheld & Sasser's 25–85%.

    Parameters
    ----------
    full : RetentionEconomics
        The model with every mechanism switched on.
    retention : float, default 0.80
        Annual retention rate before the improvement.
    delta : float, default 0.05
        Rise of the retention rate.

    Returns
    -------
    pandas.DataFrame
        Columns ``model, clv_net, clv_net_after, profit_effect, in_rs_range``.
    """
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "constant margin only",
            dict(
                acquisition_cost=0.0,
                spend_growth=0.0,
                cost_to_serve=0.0,
                referral_profit=0.0,
                price_premium=0.0,
            ),
        ),
        (
            "+ acquisition cost",
            dict(spend_growth=0.0, cost_to_serve=0.0, referral_profit=0.0, price_premium=0.0),
        ),
        ("+ rising spend", dict(cost_to_serve=0.0, referral_profit=0.0, price_premium=0.0)),
        ("+ falling cost to serve", dict(referral_profit=0.0, price_premium=0.0)),
        ("+ referrals", dict(price_premium=0.0)),
        ("+ price premium (all mechanisms)", {}),
    ]
    rows = []
    for name, off in steps:
        econ = replace(full, **off)
        lift = econ.retention_lift(retention, delta)
        rows.append(
            {
                "model": name,
                "clv_net": lift.clv_net,
                "clv_net_after": lift.clv_net_after,
                "profit_effect": lift.profit_effect_net,
                "in_rs_range": bool(RS_LOW <= lift.profit_effect_net <= RS_HIGH),
            }
        )
    return pd.DataFrame(rows)


def relationship_ladder(
    frame: pd.DataFrame,
    economics: RetentionEconomics,
    margin_rate: float = 0.3,
    level: str = "relationship_level",
    retained: str = "retained",
    spend: str = "annual_spend",
    tenure: str = "tenure_years",
    levels: tuple[str, ...] = LEVELS,
) -> pd.DataFrame:
    """Value per relationship level and the value of moving a customer up one level.

    Per level: customers, observed retention over the window, annual retention
    (= retained share ^ (1 / mean tenure in years)), annual spend, annual margin
    (= spend × ``margin_rate``) and the value of an existing customer of that level
    (``economics`` with the level's margin and retention). ``value_up_one_level`` is the next
    level's value minus this level's, per customer; ``total_value_up`` multiplies by customers.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer with the columns named below.
    economics : RetentionEconomics
        The profit model; each level gets its own ``annual_margin``.
    margin_rate : float, default 0.3
        Gross margin as a share of revenue (spend).
    level, retained, spend, tenure : str
        Column names: relationship level, retained flag, annual spend, tenure in years.
    levels : tuple of str
        The levels, lowest first.

    Returns
    -------
    pandas.DataFrame
        One row per level.
    """
    for col in (level, retained, spend, tenure):
        if col not in frame.columns:
            raise DataValidationError(f"relationship_ladder: column {col!r} is missing")
    if not 0 < margin_rate <= 1:
        raise ParameterError(f"margin_rate must be in (0, 1], got {margin_rate!r}")
    g = frame.groupby(frame[level].astype(str), observed=True)
    stats = pd.DataFrame(
        {
            "customers": g.size(),
            "retention_window": g[retained].mean(),
            "tenure_years": g[tenure].mean(),
            "annual_spend": g[spend].mean(),
        }
    ).reindex(list(levels))
    stats["annual_retention"] = np.clip(
        stats["retention_window"] ** (1 / stats["tenure_years"]), 0, 0.99
    )
    stats["annual_margin"] = stats["annual_spend"] * margin_rate
    values = []
    for lvl in levels:
        row = stats.loc[lvl]
        if not np.isfinite(row["annual_margin"]) or row["annual_margin"] <= 0:
            values.append(np.nan)
            continue
        econ = replace(economics, annual_margin=float(row["annual_margin"]))
        values.append(float(econ.existing_customer_value(float(row["annual_retention"]))))
    stats["customer_value"] = values
    stats["value_up_one_level"] = stats["customer_value"].shift(-1) - stats["customer_value"]
    stats["total_value_up"] = stats["value_up_one_level"] * stats["customers"]
    stats.index.name = "level"
    return stats.reset_index()
