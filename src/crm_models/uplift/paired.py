"""Differences between targeting policies on the hold-out, with paired bootstrap intervals.

A *policy* sends each hold-out customer one arm or nothing (the control label). Its hold-out
incremental profit is the estimator of :func:`~crm_models.uplift.holdout_profit_curve`: per
arm a, (mean outcome of the customers the policy sends a who received a − mean of those it
sends a who received control) × (customers it sends a) × margin − contacts × cost, scaled to
``population``. The Poisson(1) bootstrap draws ONE weight matrix (replicates × customers)
and values every policy with it, in matrix form, so the difference of two policies has an
interval of its own: the percentile interval of the per-replicate differences. Identical
policies differ by exactly 0 in every replicate; two unrelated resamples would not.

``consent_cost_interval`` gives the consent cost (a model prediction for customers who were
never in the experiment) the uncertainty the hold-out measures for the chosen policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError
from crm_models.results import Result, check_level, estimate_table
from crm_models.uplift._arms import _per_arm

__all__ = ["PolicyDifference", "consent_cost_interval", "poisson_weights", "policy_profits"]


def poisson_weights(n: int, n_boot: int, seed: int = 0) -> np.ndarray:
    """Bootstrap weights: row 0 all ones (the estimate), then ``n_boot`` Poisson(1) rows.

    Parameters
    ----------
    n : int
        Hold-out customers.
    n_boot : int
        Bootstrap replicates.
    seed : int, default 0
        Seed of the generator.

    Returns
    -------
    numpy.ndarray
        (n_boot + 1, n) weights.
    """
    rng = np.random.default_rng(seed)
    return np.vstack([np.ones((1, n)), rng.poisson(1.0, size=(n_boot, n)).astype(float)])


def policy_profits(
    weights: np.ndarray,
    y: Any,
    treatment: Any,
    policies: Mapping[str, Any],
    margin_per_outcome: Any,
    cost_per_contact: Any,
    control: Any = "control",
    population: int | None = None,
) -> pd.DataFrame:
    """Hold-out incremental profit of each policy under each weight vector (module doc).

    Parameters
    ----------
    weights : numpy.ndarray
        (rows, n) customer weights, e.g. :func:`poisson_weights` (row 0 = the estimate).
    y : array-like
        Observed outcome (n,).
    treatment : array-like
        Arm received in the experiment (n,).
    policies : mapping
        Policy name → (n,) arm sent to each customer (``control`` = not contacted).
    margin_per_outcome, cost_per_contact : float or mapping
        Profit of one incremental outcome and cost of one contact, a number or per arm.
    control : object, default "control"
        Label of the control arm.
    population : int, optional
        Customers the profit is scaled to (default n).

    Returns
    -------
    pandas.DataFrame
        One column per policy, one row per weight vector (currency).
    """
    w = np.asarray(weights, dtype=float)
    y = np.asarray(y, dtype=float)
    t = np.asarray(treatment, dtype=object)
    n = len(y)
    if w.ndim != 2 or w.shape[1] != n or len(t) != n or n == 0:
        raise DataValidationError(
            f"weights {w.shape}, y ({n},) and treatment ({len(t)},) do not fit together"
        )
    sends = {name: np.asarray(p, dtype=object) for name, p in policies.items()}
    bad = [name for name, s in sends.items() if s.shape != (n,)]
    if bad:
        raise DataValidationError(f"policies {bad} do not send one arm to each of {n} customers")
    arms = sorted({a for s in sends.values() for a in pd.unique(s) if a != control}, key=str)
    m = _per_arm(margin_per_outcome, arms, "margin_per_outcome") if arms else np.zeros(0)
    c = _per_arm(cost_per_contact, arms, "cost_per_contact") if arms else np.zeros(0)
    scale = (n if population is None else int(population)) / w.sum(axis=1)
    ctrl = t == control
    out = {}
    for name, send in sends.items():
        total = np.zeros(len(w))
        for j, a in enumerate(arms):
            g = send == a
            got_a, got_c = g & (t == a), g & ctrl
            cols = np.column_stack([y * got_a, got_a, y * got_c, got_c, g]).astype(float)
            ya, na, yc, nc, ng = (w @ cols).T
            lift = np.divide(ya, na, out=np.zeros_like(ya), where=na > 0) - np.divide(
                yc, nc, out=np.zeros_like(yc), where=nc > 0
            )
            total += (m[j] * lift - c[j]) * ng
        out[name] = total * scale
    return pd.DataFrame(out)


@dataclass(frozen=True, repr=False)
class PolicyDifference(Result):
    """Profit of policy ``a`` minus policy ``b`` on the hold-out, with a paired interval.

    Parameters
    ----------
    estimate : float
        Difference at the estimate (currency).
    ci_low, ci_high : float
        Percentile interval of the per-replicate differences at ``level``.
    level : float
        Confidence level.
    n_boot : int
        Bootstrap replicates.
    draws : numpy.ndarray
        Difference per replicate (not in JSON).
    """

    estimate: float
    ci_low: float
    ci_high: float
    level: float
    n_boot: int
    draws: np.ndarray | None = field(default=None, metadata={"json": False})

    @property
    def spans_zero(self) -> bool:
        """Whether the interval contains 0 (the two policies are not clearly different)."""
        return self.ci_low <= 0 <= self.ci_high

    @classmethod
    def from_replicates(
        cls, point: float, draws: np.ndarray, level: float = 0.95, basic: bool = False
    ) -> PolicyDifference:
        """Build the difference from its estimate and its paired per-replicate values.

        Parameters
        ----------
        point : float
            The difference at the estimate.
        draws : numpy.ndarray
            The difference in each bootstrap replicate (same resample for both policies).
        level : float, default 0.95
            Confidence level.
        basic : bool, default False
            Basic (reverse-percentile) interval ``2·point − quantiles``, for a statistic
            that is a maximum (biased upward); else the percentile interval.

        Returns
        -------
        PolicyDifference
            Estimate, interval and replicates.
        """
        level = check_level(level)
        draws = np.asarray(draws, dtype=float)
        lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
        if basic:
            lo, hi = 2 * point - hi, 2 * point - lo
        return cls(float(point), float(lo), float(hi), level, len(draws), draws)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the difference with its interval (at ``self.level``).

        Parameters
        ----------
        level : float, default 0.95
            Kept for the common signature; the interval is the one computed.

        Returns
        -------
        pandas.DataFrame
            One row ``difference``; ``se`` is the standard deviation of the replicates.
        """
        se = float(np.std(self.draws, ddof=1)) if self.draws is not None else np.nan
        return estimate_table(
            [self.estimate], [se], [self.ci_low], [self.ci_high], level=self.level,
            index=["difference"],
        )  # fmt: skip


def consent_cost_interval(
    consent_cost: float,
    profit: float,
    boot_profit: Any,
    level: float = 0.95,
) -> PolicyDifference:
    """Interval of the consent cost from the hold-out replicates of the chosen policy.

    The consent cost (profit of the plan without the consent rule − with it) is a model
    prediction over customers who may not be contacted: they were never in the experiment,
    so the hold-out cannot observe their response, and the only assumption available is that
    they respond like consented customers with the same predicted profit. Its uncertainty
    is then that of the model's profit predictions, which the hold-out measures: in each
    bootstrap replicate b the chosen policy earns ``boot_profit[b]`` against ``profit`` at
    the estimate, and both plans (with and without the rule) are scaled by that same ratio,
    so their difference is ``consent_cost · boot_profit[b] / profit`` (paired: one ratio
    per replicate for both plans).

    Parameters
    ----------
    consent_cost : float
        ``TargetPlan.consent_cost`` (currency).
    profit : float
        Hold-out profit of the chosen policy at the estimate (currency).
    boot_profit : array-like
        The same per bootstrap replicate.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    PolicyDifference
        The consent cost (unchanged) with its percentile interval; a cost of 0 gets [0, 0];
        without a positive hold-out profit the interval is NaN (nothing to scale by).
    """
    boot = np.asarray(boot_profit, dtype=float)
    if consent_cost == 0:
        return PolicyDifference.from_replicates(0.0, np.zeros(max(len(boot), 1)), level)
    if not profit > 0:
        nan = float("nan")
        return PolicyDifference(float(consent_cost), nan, nan, check_level(level), len(boot))
    return PolicyDifference.from_replicates(consent_cost, consent_cost * boot / profit, level)
