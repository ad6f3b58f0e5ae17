"""Whom to save: a consent-aware retention save list and what it is expected to earn.

Expected profit of making the retention offer to customer i (currency)::

    expected_value_saved[i] = p_leave[i] × value_at_risk[i] × effect
    expected_profit[i]      = expected_value_saved[i] − cost_per_offer

``p_leave`` is the probability that the customer leaves without an offer (share 0–1, e.g. an
early-warning model's score or 1 − P(alive)), ``value_at_risk`` the value lost when the customer
leaves (currency, e.g. the CLV), ``effect`` the share of would-be leavers the offer keeps
(from an experiment, :func:`~crm_models.retention.offer.offer_effect`, or a stated assumption)
and ``cost_per_offer`` the cost of one offer (currency: discount + sending).

Consent follows :mod:`crm_models.uplift.consent` (the one rule): opted-out customers and a
missing or ``unknown`` status never get an offer; with ``require_double_opt_in`` only
``double_opt_in`` customers do. ``consent=None`` means no consent information: everyone counts
as eligible and the plan says so (``consent_known=False``), as in ``plan_targeting``. Eligible
customers with a positive expected profit are chosen best first, within ``max_offers`` and
``budget`` (total offer cost, currency). ``export`` re-checks consent before writing.

Uncertainty: the interval of the plan's expected incremental profit comes from the interval
of the offer's effect only (the list held fixed; the profit is linear in the effect). It does
NOT include the uncertainty of ``p_leave`` and ``value_at_risk`` (plug-in estimates), nor
whether the experiment's average effect holds for these customers. An assumed effect has no
interval; the sensitivity table re-plans over ``effect_range``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_models._files import atomic_path
from crm_models.errors import DataValidationError, ParameterError, format_rows
from crm_models.results import Result, check_level, estimate_table
from crm_models.retention._plan_inputs import (
    _check_limits,
    _check_range,
    _choose,
    _effect_inputs,
    _per_customer,
)
from crm_models.retention.offer import OfferEffect, offer_effect
from crm_models.retention.satisfaction import SatisfactionChurnLink, satisfaction_churn_link
from crm_models.uplift.consent import _consent_array, consent_eligible, exclusion_reasons

__all__ = [
    "SAVE_LIST_COLUMNS",
    "OfferEffect",
    "RetentionPlan",
    "SatisfactionChurnLink",
    "offer_effect",
    "plan_retention",
    "satisfaction_churn_link",
]

SAVE_LIST_COLUMNS = [
    "customer_id",
    "p_leave",
    "value_at_risk",
    "expected_value_saved",
    "expected_profit",
]
N_SENSITIVITY = 11
CONSENT_REASONS = ("opt_out", "not_double_opt_in", "missing_consent")
NOT_INCLUDED = (
    "The profit interval reflects the uncertainty of the offer's effect only; p_leave and "
    "value_at_risk are plug-in estimates whose error is not included, and the experiment's "
    "average effect is assumed to hold for the customers on the list."
)


@dataclass(frozen=True, repr=False)
class RetentionPlan(Result):
    """A consent-checked retention save list, its expected incremental profit and sensitivity.

    Attributes
    ----------
    save_list : pandas.DataFrame
        customer_id, p_leave (share), value_at_risk, expected_value_saved, expected_profit
        (currency), best first. Not in ``to_dict()``: ``export`` writes it.
    excluded : pandas.DataFrame
        customer_id, reason for every other customer: 'opt_out', 'not_double_opt_in',
        'missing_consent' (consent rule), 'not_profitable' (expected profit ≤ 0),
        'max_offers' or 'budget' (over a limit). Not in ``to_dict()``.
    exclusions : pandas.DataFrame
        Per reason: n, n_profitable (expected profit > 0) and their expected profit.
    sensitivity : pandas.DataFrame
        effect (share), n_offers and profit (currency) of the plan re-made at that effect,
        and profit_of_plan: this plan's list at that effect.
    expected_incremental_profit : float
        Sum of expected_profit over the save list (currency).
    ci_low, ci_high, se : float
        Interval and standard error of it from the effect's interval (NaN for an assumed
        effect); see ``note`` for what is not included.
    n_offers : int
        Customers on the save list.
    expected_loss : float
        Sum of p_leave × value_at_risk over the save list: the value expected to be lost
        without offers (currency); the plan's profit at effect e is
        ``expected_loss × e − cost_of_offers``.
    cost_of_offers : float
        Total offer cost of the save list (currency).
    effect, effect_ci_low, effect_ci_high : float
        Effect used (share of would-be leavers kept) and its interval (NaN when assumed).
    effect_assumed : bool
        True when the effect is a stated assumption rather than an experiment's estimate.
    effect_low, effect_high : float
        The effect range of the sensitivity table.
    profit_without_consent_rules : float
        Expected profit of the same limits with everyone eligible (currency).
    consent_known : bool
        False when no consent information was given (everyone counted as eligible).
    require_double_opt_in : bool
        Whether only double opt-in customers were eligible.
    level : float
        Confidence level of the intervals.
    note : str
        What the interval does not include.
    scored : pandas.DataFrame
        Every customer: customer_id, consent_status, eligible, expected_value_saved,
        expected_profit, reason. Not in ``to_dict()``.
    offer : OfferEffect or None
        The experiment's estimate (None for an assumed effect). Not in ``to_dict()``.
    """

    save_list: pd.DataFrame = field(metadata={"json": False})
    excluded: pd.DataFrame = field(metadata={"json": False})
    exclusions: pd.DataFrame
    sensitivity: pd.DataFrame
    expected_incremental_profit: float
    ci_low: float
    ci_high: float
    se: float
    n_offers: int
    expected_loss: float
    cost_of_offers: float
    effect: float
    effect_ci_low: float
    effect_ci_high: float
    effect_assumed: bool
    effect_low: float
    effect_high: float
    profit_without_consent_rules: float
    consent_known: bool
    require_double_opt_in: bool
    level: float
    note: str = NOT_INCLUDED
    scored: pd.DataFrame = field(default_factory=pd.DataFrame, metadata={"json": False})
    offer: OfferEffect | None = field(default=None, metadata={"json": False})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Effect and expected incremental profit with ``level`` intervals, then counts.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals (recomputed from the experiment's counts at
            another level than the plan's).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; index ``quantity``. Effect (share),
            expected incremental profit (currency; interval from the effect only), offers,
            cost of offers, profit without consent rules, excluded per reason (counts).
        """
        level = check_level(level)
        if self.offer is None:
            e_low = e_high = e_se = np.nan
        else:
            e_low, e_high = self.offer.interval(level)
            e_se = self.offer.se
        profit = self.expected_incremental_profit
        rows = [
            ("effect (share of would-be leavers kept)", self.effect, e_se, e_low, e_high),
            (
                "expected incremental profit",
                profit,
                self.expected_loss * e_se,
                self.expected_loss * e_low - self.cost_of_offers,
                self.expected_loss * e_high - self.cost_of_offers,
            ),
            ("offers", self.n_offers, np.nan, np.nan, np.nan),
            ("cost of offers", self.cost_of_offers, np.nan, np.nan, np.nan),
            ("profit without consent rules", self.profit_without_consent_rules, *[np.nan] * 3),
            ("consent information given (1 = yes)", self.consent_known, *[np.nan] * 3),
        ]
        rows += [
            (f"excluded: {r.reason}", r.n, *[np.nan] * 3) for r in self.exclusions.itertuples()
        ]
        columns = list(zip(*rows, strict=True))
        return estimate_table(
            columns[1],
            columns[2],
            columns[3],
            columns[4],
            level=level,
            index=pd.Index(columns[0], name="quantity"),
        )

    def export(self, path: Any, fmt: str | None = None) -> Path:
        """Write the save list atomically as CSV or Parquet, consent re-checked first.

        Parameters
        ----------
        path : str or os.PathLike
            Destination; written beside it and renamed into place (readers never see a
            partial file).
        fmt : str, optional
            'csv' or 'parquet' (default: from the suffix of ``path``).

        Returns
        -------
        pathlib.Path
            The file written.
        """
        out = self.save_list[SAVE_LIST_COLUMNS].reset_index(drop=True)
        if self.consent_known:
            status = self.scored.set_index("customer_id")["consent_status"]
            allowed = consent_eligible(out["customer_id"].map(status), self.require_double_opt_in)
            if not allowed.all():
                bad = out.loc[~allowed, "customer_id"].head(3).tolist()
                raise DataValidationError(
                    f"save list: {int((~allowed).sum())} customer(s) lack consent (e.g. "
                    f"customer_id {bad}); refusing to export"
                )
        path = Path(path)
        fmt = (fmt or path.suffix.lstrip(".")).lower()
        if fmt not in ("csv", "parquet"):
            raise ParameterError(f"export format must be 'csv' or 'parquet', got {fmt!r} ({path})")
        with atomic_path(path) as temporary:
            if fmt == "csv":
                out.to_csv(temporary, index=False)
            else:
                out.to_parquet(temporary, index=False)
        return path


def plan_retention(
    customer_id: Any,
    p_leave: Any,
    value_at_risk: Any,
    *,
    offer_effect: OfferEffect | float,
    cost_per_offer: Any,
    effect_range: tuple[float, float] | None = None,
    consent: Any = None,
    require_double_opt_in: bool = False,
    max_offers: int | None = None,
    budget: float | None = None,
    level: float = 0.95,
) -> RetentionPlan:
    """Choose whom to offer a retention incentive: best expected profit first, consent honoured.

    Parameters
    ----------
    customer_id : array-like
        Unique customer ids, shape (n,).
    p_leave : array-like
        Probability that each customer leaves without an offer, share in [0, 1], shape (n,).
    value_at_risk : array-like
        Value lost when the customer leaves, currency ≥ 0 (e.g. CLV), shape (n,).
    offer_effect : OfferEffect or float
        Share of would-be leavers the offer keeps: an experiment's estimate (its interval
        gives the profit interval) or an assumed number in [-1, 1] (no interval; stated as
        an assumption).
    cost_per_offer : float or array-like
        Cost of one offer, currency ≥ 0; one number or one per customer (n,).
    effect_range : tuple of float, optional
        (low, high) effects of the sensitivity table (11 points). Default: the effect's
        interval at ``level``, or ±50% of an assumed effect (capped at 1).
    consent : array-like, str, bool or None, default None
        Consent status per customer in ``customer_id`` order ('opt_in', 'double_opt_in',
        'opt_out', 'unknown', missing; True / False = 'opt_in' / 'opt_out'), or one value
        for all. None: no consent information — everyone eligible, ``consent_known=False``.
    require_double_opt_in : bool, default False
        Only double opt-in customers may get an offer.
    max_offers : int, optional
        Most offers to make.
    budget : float, optional
        Most total offer cost (currency).
    level : float, default 0.95
        Confidence level of the effect's and the profit's intervals.

    Returns
    -------
    RetentionPlan
        Save list (best first), exclusions with reasons, expected incremental profit with
        its interval, sensitivity table; ``export(path)`` writes the list. Method and what
        the interval leaves out: module docstring.
    """
    level = check_level(level)
    ids = np.asarray(customer_id).ravel()
    n = len(ids)
    p = _per_customer(p_leave, n, "p_leave", ids)
    v = _per_customer(value_at_risk, n, "value_at_risk", ids)
    c = _per_customer(cost_per_offer, n, "cost_per_offer", ids)
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataValidationError(
            f"plan_retention: customer_id has duplicate ids at rows "
            f"{format_rows(np.flatnonzero(dup), labels=pd.Index(ids, name='customer_id'))}; "
            "expected one row per customer"
        )
    _check_range(p, (p >= 0) & (p <= 1), "p_leave", "a probability in [0, 1]", ids)
    _check_range(v, v >= 0, "value_at_risk", ">= 0 (currency)", ids)
    if (c < 0).any():
        raise ParameterError(f"cost_per_offer must be >= 0 (currency), got {cost_per_offer!r}")
    _check_limits(max_offers, budget)
    effect, e_low, e_high, r_low, r_high, offer = _effect_inputs(offer_effect, effect_range, level)

    consent_known = consent is not None
    status = _consent_array(consent, n)
    if consent_known:
        eligible = consent_eligible(status, bool(require_double_opt_in))
        consent_reason = exclusion_reasons(status, bool(require_double_opt_in))
    else:
        eligible, consent_reason = np.ones(n, dtype=bool), np.full(n, "", dtype=object)

    risk = p * v  # expected value lost without an offer, currency
    saved = risk * effect
    profit = saved - c
    chosen, reason = _choose(profit, c, eligible, max_offers, budget)
    reason[reason == "consent"] = consent_reason[reason == "consent"]
    free, _ = _choose(profit, c, np.ones(n, dtype=bool), max_offers, budget)
    if consent_known and (~eligible[chosen]).any():  # pragma: no cover
        raise RuntimeError("internal error: a customer without consent entered the save list")

    at_risk, cost = float(risk[chosen].sum()), float(c[chosen].sum())
    total = float(profit[chosen].sum())
    grid = np.linspace(r_low, r_high, N_SENSITIVITY)
    replanned = [_choose(risk * e - c, c, eligible, max_offers, budget)[0] for e in grid]
    sensitivity = pd.DataFrame(
        {
            "effect": grid,
            "n_offers": [len(k) for k in replanned],
            "profit": [
                float((risk[k] * e - c[k]).sum()) for k, e in zip(replanned, grid, strict=True)
            ],
            "profit_of_plan": at_risk * grid - cost,
        }
    )
    exclusions = pd.DataFrame(
        [
            {
                "reason": r,
                "n": int((reason == r).sum()),
                "n_profitable": int(((reason == r) & (profit > 0)).sum()),
                "expected_profit_excluded": float(profit[(reason == r) & (profit > 0)].sum()),
            }
            for r in (*CONSENT_REASONS, "not_profitable", "max_offers", "budget")
        ]
    )
    others = np.flatnonzero(reason != "")
    return RetentionPlan(
        save_list=pd.DataFrame(
            {
                "customer_id": ids[chosen],
                "p_leave": p[chosen],
                "value_at_risk": v[chosen],
                "expected_value_saved": saved[chosen],
                "expected_profit": profit[chosen],
            }
        ),
        excluded=pd.DataFrame({"customer_id": ids[others], "reason": reason[others]}),
        exclusions=exclusions,
        sensitivity=sensitivity,
        expected_incremental_profit=total,
        ci_low=at_risk * e_low - cost,
        ci_high=at_risk * e_high - cost,
        se=at_risk * offer.se if offer is not None else np.nan,
        n_offers=len(chosen),
        expected_loss=at_risk,
        cost_of_offers=cost,
        effect=effect,
        effect_ci_low=float(e_low),
        effect_ci_high=float(e_high),
        effect_assumed=offer is None,
        effect_low=r_low,
        effect_high=r_high,
        profit_without_consent_rules=float(profit[free].sum()),
        consent_known=consent_known,
        require_double_opt_in=bool(require_double_opt_in),
        level=level,
        scored=pd.DataFrame(
            {
                "customer_id": ids,
                "consent_status": status,
                "eligible": eligible,
                "expected_value_saved": saved,
                "expected_profit": profit,
                "reason": reason,
            }
        ),
        offer=offer,
    )
