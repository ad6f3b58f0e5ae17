"""Decide whom to contact: expected incremental profit per arm, consent, limits.

Expected incremental profit of contacting customer i with arm a::

    profit[i, a] = margin_per_outcome[a] × uplift[i, a] − cost_per_contact[a]

``uplift`` is the predicted uplift in outcome units (e.g. conversion probability points),
``margin_per_outcome`` the profit of one incremental outcome (e.g. profit per incremental
conversion, currency) and ``cost_per_contact`` the cost of one contact (currency). Each
customer gets the arm with the largest expected profit; customers are ranked by it and
contacted while it is positive, within an optional contact limit and budget (greedy by profit).

Consent follows :mod:`crm_models.uplift.consent` (the one rule). ``consent=None`` means "no
consent information": everyone is eligible and the plan says so (``consent_known=False``,
shown by its summary and repr). The plan reports how many
customers each rule excluded and the expected profit that costs (profit of the same plan
without the consent rules minus the plan's profit). ``plan_targeting`` re-checks the final
list and ``export_targets`` re-checks it again against the consent column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import Result, check_level, estimate_table
from crm_models.uplift._arms import _per_arm, _uplift_matrix
from crm_models.uplift.consent import _consent_array, consent_eligible, exclusion_reasons
from crm_models.uplift.export import export_targets

__all__ = ["TargetPlan", "best_arm_profit", "plan_targeting"]


def _select(
    value: np.ndarray,
    cost: np.ndarray,
    allowed: np.ndarray,
    min_profit: float,
    max_contacts: int | None,
    budget: float | None,
) -> np.ndarray:
    """Choose indices greedily by value among ``allowed`` with value > min_profit."""
    cand = np.flatnonzero(allowed & (value > min_profit))
    cand = cand[np.argsort(-value[cand], kind="stable")]
    if max_contacts is not None:
        cand = cand[:max_contacts]
    if budget is not None:
        cand = cand[np.cumsum(cost[cand]) <= budget]
    return cand


def _best_arm(u: np.ndarray, m: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best arm index (n,) and its expected profit (n,) of uplift ``u`` (n, k).

    ``m``: margin per outcome, (k,) or (n, k); ``c``: cost per contact (k,). The one
    per-customer formula of every plan (``plan_targeting``, ``campaign_targets`` batches).
    """
    profit = m * u - c  # (n, k)
    best = profit.argmax(axis=1)
    return best, profit[np.arange(len(best)), best]


def _check_limits(cost: np.ndarray, raw_cost: Any, max_contacts: Any, budget: Any) -> None:
    """Refuse a negative cost, a bad contact limit or a negative budget (one line each)."""
    if (cost < 0).any():
        raise ParameterError(f"cost_per_contact must be >= 0, got {raw_cost!r}")
    if max_contacts is not None and (
        not isinstance(max_contacts, (int, np.integer)) or max_contacts < 0
    ):
        raise ParameterError(f"max_contacts must be a non-negative integer, got {max_contacts!r}")
    if budget is not None and not budget >= 0:
        raise ParameterError(f"budget must be >= 0 (currency), got {budget!r}")


def best_arm_profit(
    uplift: Any,
    margin_per_outcome: Any,
    cost_per_contact: Any,
    arms: Sequence | None = None,
) -> pd.DataFrame:
    """Per customer the arm with the largest expected profit and that profit (currency).

    Parameters
    ----------
    uplift, margin_per_outcome, cost_per_contact, arms
        As in :func:`plan_targeting`.

    Returns
    -------
    pandas.DataFrame
        Columns ``arm`` (best arm label) and ``expected_profit`` (currency), one row per
        customer.
    """
    u, arms = _uplift_matrix(uplift, arms, labels_required=True)
    m = _per_arm(margin_per_outcome, arms, "margin_per_outcome", u.shape[0])
    c = _per_arm(cost_per_contact, arms, "cost_per_contact")
    best, value = _best_arm(u, m, c)
    return pd.DataFrame({"arm": np.asarray(arms, dtype=object)[best], "expected_profit": value})


@dataclass(frozen=True, repr=False)
class TargetPlan(Result):
    """A consent-checked target list and what it is expected to earn.

    Parameters
    ----------
    targets : pandas.DataFrame
        customer_id, arm, expected_uplift (outcome units), expected_profit (currency), best
        first.
    scored : pandas.DataFrame
        Every customer with consent_status, eligible, exclusion_reason, best arm, its
        uplift and profit.
    curve : pandas.DataFrame
        Expected (model-based) cumulative profit over the eligible customers ranked by profit.
    exclusions : pandas.DataFrame
        Per consent reason the number excluded, how many of them had positive expected
        profit and that profit.
    expected_profit : float
        Expected incremental profit of the plan (currency).
    unconstrained_profit : float
        The same without the consent rules.
    require_double_opt_in : bool
        Whether only double opt-in customers were eligible.
    consent_known : bool, default True
        False when the plan was made without consent information (``consent=None``):
        everyone was eligible and no consent rule was applied.
    """

    targets: pd.DataFrame
    scored: pd.DataFrame
    curve: pd.DataFrame
    exclusions: pd.DataFrame
    expected_profit: float
    unconstrained_profit: float
    require_double_opt_in: bool
    consent_known: bool = True

    @property
    def consent_cost(self) -> float:
        """Expected profit lost to the consent rules under the same limits (currency)."""
        return self.unconstrained_profit - self.expected_profit

    @property
    def n_targets(self) -> int:
        """Customers on the target list."""
        return len(self.targets)

    @property
    def n_opted_out(self) -> int:
        """Customers who opted out (never contacted)."""
        return int((self.scored["exclusion_reason"] == "opt_out").sum())

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """One row per quantity: targets, expected profit, exclusions and their cost.

        The figures are model predictions without a sampling error: ``se`` and the interval
        are NaN.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (kept for the common signature).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; index ``quantity``.
        """
        check_level(level)
        rows = [
            ("consent information given (1 = yes, 0 = no: everyone eligible)", self.consent_known),
            ("customers scored", len(self.scored)),
            ("targets", self.n_targets),
            ("expected incremental profit", self.expected_profit),
            ("profit without consent rules", self.unconstrained_profit),
            ("expected profit cost of consent rules", self.consent_cost),
        ]
        rows += [(f"excluded: {r.reason}", r.n) for r in self.exclusions.itertuples()]
        rows += [(f"targets on {a}", n) for a, n in self.targets["arm"].value_counts().items()]
        return estimate_table(
            [v for _, v in rows], level=level, index=pd.Index([q for q, _ in rows], name="quantity")
        )

    def export(self, path: Any, fmt: str | None = None) -> Path | str:
        """Write ``targets`` atomically (see ``export_targets``), consent re-checked.

        Parameters
        ----------
        path : str, os.PathLike or duckdb connection
            Destination (see :func:`~crm_models.uplift.export_targets`).
        fmt : str, optional
            'csv' or 'parquet' (default: from the suffix).

        Returns
        -------
        pathlib.Path or str
            The file written, or the DuckDB table name.
        """
        consent = self.scored.set_index("customer_id")["consent_status"]
        return export_targets(
            self.targets,
            path,
            fmt=fmt,
            consent=consent if self.consent_known else None,
            require_double_opt_in=self.require_double_opt_in,
        )


def plan_targeting(
    customer_id: Any,
    uplift: Any,
    margin_per_outcome: Any,
    cost_per_contact: Any,
    consent: Any = None,
    arms: Sequence | None = None,
    require_double_opt_in: bool = False,
    max_contacts: int | None = None,
    budget: float | None = None,
    min_profit: float = 0.0,
) -> TargetPlan:
    """Choose the best arm per customer and the customers to contact.

    Parameters
    ----------
    customer_id : array-like
        Unique customer ids (n,).
    uplift : array-like or pandas.DataFrame
        (n,) / (n, n_arms) predicted uplift, or ``learner.predict_frame(X)`` (columns
        ``uplift_<arm>``).
    margin_per_outcome : float, mapping, sequence or array
        Profit of one incremental outcome (currency): a number, one per arm (dict /
        sequence) or one per customer (n,) / (n, n_arms).
    cost_per_contact : float, mapping or sequence
        Cost of one contact (currency): a number or one per arm.
    consent : array-like, str, bool or None, default None
        (n,) 'opt_in' / 'double_opt_in' / 'opt_out' / 'unknown' / missing (True / False
        mean 'opt_in' / 'opt_out'), in ``customer_id`` order; a single value applies to
        everyone. None: no consent information — everyone is eligible and the plan states
        it (``consent_known=False``). Missing statuses inside an array still mean no consent.
    arms : sequence, optional
        Arm names, e.g. ``learner.arms_``. Default: from the uplift columns
        (``predict_frame`` columns ``uplift_<arm>``, or a Series' name); a bare array needs
        them.
    require_double_opt_in : bool, default False
        Only double opt-in customers may be contacted.
    max_contacts : int, optional
        Contact limit.
    budget : float, optional
        Limit on the total contact cost (currency).
    min_profit : float, default 0
        Contact only above this expected profit per customer.

    Returns
    -------
    TargetPlan
        Targets, scored customers, exclusions and expected profit.
    """
    ids = np.asarray(customer_id)
    n = len(ids)
    u, arms = _uplift_matrix(uplift, arms, labels_required=True)
    if u.shape[0] != n:
        raise DataValidationError(f"uplift has {u.shape[0]} rows for {n} customer ids")
    if pd.Series(ids).duplicated().any():
        raise DataValidationError("customer_id values must be unique in a target plan")
    m = _per_arm(margin_per_outcome, arms, "margin_per_outcome", n)
    c = _per_arm(cost_per_contact, arms, "cost_per_contact")
    _check_limits(c, cost_per_contact, max_contacts, budget)
    consent_known = consent is not None
    consent = _consent_array(consent, n)
    if consent_known:
        eligible = consent_eligible(consent, bool(require_double_opt_in))
        reason = exclusion_reasons(consent, bool(require_double_opt_in))
    else:
        eligible, reason = np.ones(n, dtype=bool), np.full(n, "", dtype=object)

    best, value = _best_arm(u, m, c)
    rows = np.arange(n)
    best_cost = c[best]
    chosen = _select(value, best_cost, eligible, min_profit, max_contacts, budget)
    free = _select(value, best_cost, np.ones(n, bool), min_profit, max_contacts, budget)
    if (consent[chosen] == "opt_out").any() or (~eligible[chosen]).any():  # pragma: no cover
        raise RuntimeError("internal error: a customer without consent entered the target list")

    arm_names = np.asarray(arms, dtype=object)
    targets = pd.DataFrame(
        {
            "customer_id": ids[chosen],
            "arm": arm_names[best[chosen]],
            "expected_uplift": u[chosen, best[chosen]],
            "expected_profit": value[chosen],
        }
    )
    scored = pd.DataFrame(
        {
            "customer_id": ids,
            "consent_status": consent,
            "eligible": eligible,
            "exclusion_reason": reason,
            "best_arm": arm_names[best],
            "expected_uplift": u[rows, best],
            "expected_profit": value,
        }
    )
    order = np.flatnonzero(eligible)
    order = order[np.argsort(-value[order], kind="stable")]
    curve = pd.DataFrame(
        {
            "n_contacted": np.arange(len(order) + 1),
            "expected_profit": np.concatenate([[0.0], np.cumsum(value[order])]),
        }
    )
    excl = []
    for r in ("opt_out", "not_double_opt_in", "missing_consent"):
        mask = reason == r
        pos = mask & (value > min_profit)
        excl.append(
            {
                "reason": r,
                "n": int(mask.sum()),
                "n_profitable": int(pos.sum()),
                "expected_profit_excluded": float(value[pos].sum()),
            }
        )
    return TargetPlan(
        targets=targets,
        scored=scored,
        curve=curve,
        exclusions=pd.DataFrame(excl),
        expected_profit=float(value[chosen].sum()),
        unconstrained_profit=float(value[free].sum()),
        require_double_opt_in=bool(require_double_opt_in),
        consent_known=consent_known,
    )
