"""What a ranking is worth on randomized hold-out data, and (simulation only) with the truth.

``holdout_profit_curve`` measures a ranking without a model assumption: for the top ``k``
customers, each assigned arm a, the incremental outcome is estimated as (mean outcome of those
who received a − mean of those who received control) × (number assigned a), summed over arms —
the uplift curve generalized to several arms — and turned into profit with
``margin_per_outcome`` and ``cost_per_contact``. A Poisson bootstrap over hold-out customers
(weights ~ Poisson(1), no re-sorting) gives the interval of the profit-maximizing cut-off and
of its profit. The same replicates value mailing everyone with each single arm
(``boot_everyone``), so the model's gain over mailing everyone has a paired interval
(:meth:`HoldoutProfitResult.gain_over_everyone`): the difference is resampled, not the two
profits separately.

``true_policy_values`` (simulated data, where the true uplift is known) compares targeting by
the model, by the truth (oracle) and at random.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import Result, check_level, estimate_table
from crm_models.uplift._arms import _per_arm, _uplift_matrix
from crm_models.uplift.paired import PolicyDifference

__all__ = ["HoldoutProfitResult", "PolicyValueResult", "holdout_profit_curve", "true_policy_values"]


def _percentiles(level: float) -> list[float]:
    """Lower and upper percentile (0–100) of a two-sided ``level`` interval."""
    tail = 1 - check_level(level)
    return [100 * tail / 2, 100 * (1 - tail / 2)]


@dataclass(frozen=True, repr=False)
class HoldoutProfitResult(Result):
    """Hold-out estimate of incremental profit when contacting the top share of customers.

    Parameters
    ----------
    curve : pandas.DataFrame
        share, n (per ``population`` customers), profit (currency, scaled to
        ``population``), ci_low, ci_high (bootstrap percentile at ``level``, pointwise).
    best_share, best_profit : float
        The profit-maximizing cut-off and its estimated profit (the maximum of a noisy
        curve, so optimistic).
    best_profit_debiased : float
        Bootstrap bias-corrected maximal profit.
    share_interval : tuple of float
        Percentile interval of the maximizing share at ``level``.
    profit_interval : tuple of float
        Basic (reverse-percentile) bootstrap interval of the maximal profit at ``level``,
        which corrects the upward bias of a maximum (percentile intervals covered the true
        optimum in only ~87% of simulations, basic ones in ~93%).
    everyone : mapping
        Arm → profit of contacting everybody with that single arm.
    population, n_boot : int
        Customers the profit is scaled to; bootstrap replicates.
    level : float
        Confidence level of the intervals.
    boot_best_share, boot_best_profit : numpy.ndarray
        Per bootstrap replicate the maximizing share and the maximal profit (not in JSON).
    everyone_interval : mapping
        Arm → percentile interval of the profit of contacting everybody with it.
    boot_everyone : numpy.ndarray
        (n_boot, arms) that profit per replicate, columns in ``everyone`` order (not in JSON).
    boot_curve : numpy.ndarray
        (n_boot, len(curve)) the curve per replicate (not in JSON).
    """

    curve: pd.DataFrame
    best_share: float
    best_profit: float
    best_profit_debiased: float
    share_interval: tuple[float, float]
    profit_interval: tuple[float, float]
    everyone: Mapping[str, float]
    population: int
    n_boot: int
    level: float = 0.95
    boot_best_share: np.ndarray | None = field(default=None, metadata={"json": False})
    boot_best_profit: np.ndarray | None = field(default=None, metadata={"json": False})
    everyone_interval: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    boot_everyone: np.ndarray | None = field(default=None, metadata={"json": False})
    boot_curve: np.ndarray | None = field(default=None, metadata={"json": False})

    def gain_over_everyone(
        self, arm: str | None = None, share: float | None = None
    ) -> PolicyDifference:
        """Return the model's profit minus mailing everyone ``arm``, with a paired interval.

        Parameters
        ----------
        arm : str, optional
            The blanket arm (default :attr:`best_everyone_arm`).
        share : float, optional
            Compare the model at this contacted share (the nearest curve point; percentile
            interval). Default: at the recommended cut-off, bias-corrected like
            ``best_profit_debiased`` with a basic interval of (maximum − everyone).

        Returns
        -------
        PolicyDifference
            Difference (currency), interval at ``level``, per-replicate differences.
        """
        arm = self.best_everyone_arm if arm is None else arm
        j = list(self.everyone).index(arm)
        if self.boot_everyone is None or self.boot_curve is None or self.boot_best_profit is None:
            nan = float("nan")
            point = self.best_profit_debiased - self.everyone[arm]
            return PolicyDifference(point, nan, nan, self.level, 0)
        if share is not None:
            i = int(np.abs(self.curve["share"].to_numpy() - share).argmin())
            point = float(self.curve["profit"].iloc[i]) - self.everyone[arm]
            draws = self.boot_curve[:, i] - self.boot_everyone[:, j]
            return PolicyDifference.from_replicates(point, draws, self.level)
        draws = self.boot_best_profit - self.boot_everyone[:, j]
        raw = PolicyDifference.from_replicates(
            self.best_profit - self.everyone[arm], draws, self.level, basic=True
        )
        return PolicyDifference(
            self.best_profit_debiased - self.everyone[arm],
            raw.ci_low,
            raw.ci_high,
            self.level,
            self.n_boot,
            draws,
        )

    @property
    def best_everyone_arm(self) -> str:
        """The single arm whose contact of everybody earns most."""
        return max(self.everyone, key=lambda arm: self.everyone[arm])

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the recommended cut-off, its profit and the blanket policies.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the bootstrap intervals (recomputed from the replicates).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; index ``quantity``. ``se`` is the
            bootstrap standard deviation where there is one.
        """
        boot_share, boot_profit, boot_everyone = (
            self.boot_best_share,
            self.boot_best_profit,
            self.boot_everyone,
        )
        if boot_share is None or boot_profit is None or boot_everyone is None:
            raise ParameterError("summary() needs the bootstrap replicates (n_boot > 0)")
        q = _percentiles(level)
        s_lo, s_hi = np.percentile(boot_share, q)
        m_lo, m_hi = np.percentile(boot_profit, q)
        rows = [
            (
                "recommended share contacted",
                self.best_share,
                np.std(boot_share, ddof=1),
                s_lo,
                s_hi,
            ),
            ("incremental profit at it (raw maximum)", self.best_profit, np.nan, np.nan, np.nan),
            (
                "incremental profit at it (bias-corrected)",
                self.best_profit_debiased,
                np.std(boot_profit, ddof=1),
                2 * self.best_profit - m_hi,
                2 * self.best_profit - m_lo,
            ),
            ("profit of contacting nobody", 0.0, 0.0, 0.0, 0.0),
        ]
        rows += [
            (f"profit of contacting everyone with {a}", v, np.std(b, ddof=1), *np.percentile(b, q))
            for (a, v), b in zip(self.everyone.items(), boot_everyone.T, strict=True)
        ]
        est, se, lo, hi = (np.array([r[i] for r in rows], dtype=float) for i in range(1, 5))
        return estimate_table(
            est, se, lo, hi, level=level, index=pd.Index([r[0] for r in rows], name="quantity")
        )


def _pair(values: np.ndarray) -> tuple[float, float]:
    """Two percentiles as a (low, high) tuple of floats."""
    return float(values[0]), float(values[1])


def holdout_profit_curve(
    y: Any,
    treatment: Any,
    assigned_arm: Any,
    priority: Any,
    margin_per_outcome: Any,
    cost_per_contact: Any,
    control: Any = "control",
    population: int | None = None,
    n_points: int = 101,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> HoldoutProfitResult:
    """Hold-out incremental profit of contacting the top share by ``priority`` (module doc).

    Parameters
    ----------
    y : array-like
        Observed outcome (n,).
    treatment : array-like
        Arm received in the experiment (n,).
    assigned_arm : array-like
        Arm the policy would send (n,).
    priority : array-like
        Ranking score (e.g. expected profit), highest first; ties broken by input order.
    margin_per_outcome, cost_per_contact : float or mapping
        Profit of one incremental outcome and cost of one contact (currency), a number or
        one per arm.
    control : object, default "control"
        Label of the control arm.
    population : int, optional
        Customers the profit is scaled to (default n).
    n_points : int, default 101
        Points of the share grid.
    n_boot : int, default 200
        Poisson(1)-weight bootstrap replicates.
    level : float, default 0.95
        Confidence level of the intervals.
    seed : int, default 0
        Seed of the bootstrap generator.

    Returns
    -------
    HoldoutProfitResult
        Curve, recommended cut-off with intervals, blanket policies.
    """
    level = check_level(level)
    y = np.asarray(y, dtype=float)
    t = np.asarray(treatment, dtype=object)
    assigned = np.asarray(assigned_arm, dtype=object)
    pr = np.asarray(priority, dtype=float)
    n = len(y)
    if not (len(t) == len(assigned) == len(pr) == n) or n == 0:
        raise DataValidationError(
            "y, treatment, assigned_arm and priority must have the same length > 0"
        )
    if not np.isfinite(y).all() or not np.isfinite(pr).all():
        raise DataValidationError("y and priority must be finite")
    arms = sorted({a for a in pd.unique(assigned) if a != control}, key=str)
    if not arms:
        raise ParameterError("assigned_arm names no treated arm")
    missing = [a for a in [control, *arms] if not (t == a).any()]
    if missing:
        raise DataValidationError(f"no hold-out customer received arm(s) {missing}")
    m = _per_arm(margin_per_outcome, arms, "margin_per_outcome")
    c = _per_arm(cost_per_contact, arms, "cost_per_contact")
    if not 2 <= n_points:
        raise ParameterError(f"n_points must be >= 2, got {n_points}")
    population = n if population is None else int(population)

    order = np.argsort(-pr, kind="stable")
    grid = np.unique(np.round(np.linspace(0, n, n_points)).astype(int))
    ys, ts, asg = y[order], t[order], assigned[order]
    ctrl = ts == control

    starts = grid[:-1]  # grid[0] == 0: reduceat segments between consecutive grid points

    def block_profit(weights: np.ndarray) -> np.ndarray:
        """(rows, len(grid)) profit per weighted customer for a block of weight vectors."""

        def cum(values: np.ndarray) -> np.ndarray:
            seg = np.add.reduceat(weights * values[None, :], starts, axis=1)
            return np.concatenate([np.zeros((len(weights), 1)), np.cumsum(seg, axis=1)], axis=1)

        out = np.zeros((len(weights), len(grid)))
        for j, a in enumerate(arms):
            is_a = asg == a
            got_a = is_a & (ts == a)
            got_c = is_a & ctrl
            n_assigned = cum(is_a.astype(float))
            ya, na = cum(np.where(got_a, ys, 0.0)), cum(got_a.astype(float))
            yc, nc = cum(np.where(got_c, ys, 0.0)), cum(got_c.astype(float))
            lift = np.divide(ya, na, out=np.zeros_like(ya), where=na > 0) - np.divide(
                yc, nc, out=np.zeros_like(yc), where=nc > 0
            )
            out += m[j] * lift * n_assigned - c[j] * n_assigned
        return out / weights.sum(axis=1, keepdims=True) * population

    # everyone with arm a, per weight vector: (m·(weighted lift of a over control) − c)·pop;
    # in ranked order like the curve, so both see the same resample (paired)
    got = np.column_stack(
        [col for a in [*arms, control] for col in (np.where(ts == a, ys, 0.0), ts == a)]
    ).astype(float)

    def block_everyone(weights: np.ndarray) -> np.ndarray:
        sums = weights @ got  # (rows, 2·(arms + 1)): outcome sum and count per arm
        rate = sums[:, 0::2] / sums[:, 1::2]
        return (m * (rate[:, :-1] - rate[:, -1:]) - c) * population

    rng = np.random.default_rng(seed)
    chunk = max(1, 2_000_000 // n)
    blocks, ev_blocks = [block_profit(np.ones((1, n)))], []
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        weights = rng.poisson(1.0, size=(size, n)).astype(float)
        blocks.append(block_profit(weights))
        ev_blocks.append(block_everyone(weights))
    profit = np.vstack(blocks)
    boot_everyone = np.vstack(ev_blocks)
    point = profit[0]
    boots = profit[1:]
    q = _percentiles(level)
    shares = grid / n
    best = int(np.argmax(point))
    best_boot = boots.argmax(axis=1)
    boot_max = boots.max(axis=1)
    max_lo, max_hi = np.percentile(boot_max, q)
    lo, hi = np.percentile(boots, q, axis=0)

    everyone = {}
    for j, a in enumerate(arms):
        ya_, yc_ = y[t == a].mean(), y[t == control].mean()
        everyone[a] = float((m[j] * (ya_ - yc_) - c[j]) * population)
    curve = pd.DataFrame(
        {"share": shares, "n": shares * population, "profit": point, "ci_low": lo, "ci_high": hi}
    )
    return HoldoutProfitResult(
        curve=curve,
        best_share=float(shares[best]),
        best_profit=float(point[best]),
        share_interval=_pair(np.percentile(shares[best_boot], q)),
        profit_interval=(float(2 * point[best] - max_hi), float(2 * point[best] - max_lo)),
        best_profit_debiased=float(2 * point[best] - boot_max.mean()),
        everyone=everyone,
        population=population,
        n_boot=n_boot,
        level=level,
        boot_best_share=shares[best_boot],
        boot_best_profit=boot_max,
        everyone_interval={
            a: _pair(np.percentile(boot_everyone[:, j], q)) for j, a in enumerate(arms)
        },
        boot_everyone=boot_everyone,
        boot_curve=boots,
    )


@dataclass(frozen=True, repr=False)
class PolicyValueResult(Result):
    """True expected incremental profit of targeting by model, by truth and at random.

    Parameters
    ----------
    table : pandas.DataFrame
        Per share: share, n, model, oracle, random (currency totals over the customers).
    optimal : float
        The oracle contacting only its positive-profit customers, each with its best arm.
    """

    table: pd.DataFrame
    optimal: float

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the true profit per policy and share (known values: no se, no interval).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (kept for the common signature).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; index (policy, share).
        """
        long = self.table.melt(
            id_vars=["share"],
            value_vars=["model", "oracle", "random"],
            var_name="policy",
            value_name="profit",
        )
        index = pd.MultiIndex.from_frame(long[["policy", "share"]])
        return estimate_table(long["profit"].to_numpy(), level=level, index=index)


def true_policy_values(
    true_uplift: Any,
    predicted_uplift: Any,
    margin_per_outcome: Any,
    cost_per_contact: Any,
    arms: Sequence | None = None,
    shares: Sequence[float] = (0.1, 0.2, 0.3, 0.5, 1.0),
) -> PolicyValueResult:
    """Compute the true expected incremental profit of targeting a share of the customers.

    The share is targeted by model, by truth and at random.

    Only for simulated data, where the true uplift is known. Model: customers ranked by
    predicted best-arm profit, each sent its predicted best arm. Oracle: the same with the
    true uplift. Random: a random subset of that size, all sent the arm that is best on
    average (its expectation, no draw).

    Parameters
    ----------
    true_uplift, predicted_uplift : array-like or pandas.DataFrame
        (n, n_arms) true and predicted uplift.
    margin_per_outcome, cost_per_contact : float or mapping
        As in :func:`~crm_models.uplift.plan_targeting`.
    arms : sequence, optional
        Arm names.
    shares : sequence of float
        Shares of the customers targeted.

    Returns
    -------
    PolicyValueResult
        ``table`` (totals in currency over the n customers) and ``optimal``.
    """
    tu, arms = _uplift_matrix(true_uplift, arms)
    pu, _ = _uplift_matrix(predicted_uplift, arms)
    if tu.shape != pu.shape:
        raise DataValidationError(
            f"true uplift {tu.shape} and prediction {pu.shape} differ in shape"
        )
    n = tu.shape[0]
    m = _per_arm(margin_per_outcome, arms, "margin_per_outcome", n)
    c = _per_arm(cost_per_contact, arms, "cost_per_contact")
    true_profit = m * tu - c
    pred_profit = m * pu - c
    rows = np.arange(n)
    model_arm = pred_profit.argmax(axis=1)
    model_value = np.cumsum(
        true_profit[rows, model_arm][np.argsort(-pred_profit[rows, model_arm], kind="stable")]
    )
    oracle_best = true_profit.max(axis=1)
    oracle_value = np.cumsum(np.sort(oracle_best)[::-1])
    blanket = true_profit.mean(axis=0).max()
    out = []
    for s in shares:
        k = int(round(s * n))
        out.append(
            {
                "share": s,
                "n": k,
                "model": float(model_value[k - 1]) if k else 0.0,
                "oracle": float(oracle_value[k - 1]) if k else 0.0,
                "random": float(blanket * k),
            }
        )
    return PolicyValueResult(pd.DataFrame(out), float(oracle_best[oracle_best > 0].sum()))
