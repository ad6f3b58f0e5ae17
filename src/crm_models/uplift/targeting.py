"""Decide whom to contact: expected incremental profit, consent, limits, profit curve, export.

Expected incremental profit of contacting customer i with arm a::

    profit[i, a] = margin[a] × uplift[i, a] − contact_cost[a]

``uplift`` is the predicted uplift in outcome units (e.g. conversion probability points) and
``margin`` the profit per unit of that outcome (e.g. profit per incremental conversion,
currency); ``contact_cost`` is the cost of one contact (currency). Each customer gets the arm
with the largest expected profit; customers are ranked by it and contacted while it is
positive, within an optional contact limit and budget (greedy by profit).

Consent is law. ``opt_out`` customers are never targeted; with ``require_double_opt_in`` only
``double_opt_in`` customers are; a missing consent status counts as no consent. The plan
reports how many customers each rule excluded and the expected profit that costs (profit of
the same plan without the consent rules minus the plan's profit). ``plan_targeting`` re-checks
the final list and ``export_targets`` re-checks it again against the consent column.

``profit_curve`` measures what a ranking is worth on randomized hold-out data (no model
assumption): for the top ``k`` customers, each assigned arm a, the incremental outcome is
estimated as (mean outcome of those who received a − mean of those who received control) ×
(number assigned a), summed over arms — the uplift curve generalized to several arms. A
Poisson bootstrap over hold-out customers (weights ~ Poisson(1), no re-sorting) gives the
interval of the profit-maximizing cut-off and of its profit.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError

__all__ = [
    "ProfitCurve",
    "best_arm_profit",
    "TargetPlan",
    "export_targets",
    "plan_targeting",
    "profit_curve",
    "true_policy_values",
]

CONSENT_VALUES = ("opt_in", "double_opt_in", "opt_out")
TARGET_COLUMNS = ["customer_id", "arm", "expected_uplift", "expected_profit"]


# ------------------------------------------------------------------------------- helpers


def _uplift_matrix(uplift, arms) -> tuple[np.ndarray, list]:
    if isinstance(uplift, pd.DataFrame):
        cols = list(uplift.columns)
        names = [c.removeprefix("uplift_") for c in cols]
        arms = list(arms) if arms is not None else names
        if len(arms) != len(cols):
            raise ParameterError(f"{len(arms)} arm names for {len(cols)} uplift columns {cols}")
        u = uplift.to_numpy(dtype=float)
    else:
        u = np.asarray(uplift, dtype=float)
        if u.ndim == 1:
            u = u[:, None]
        if arms is None:
            arms = ["treatment"] if u.shape[1] == 1 else [f"arm_{j}" for j in range(u.shape[1])]
        arms = list(arms)
        if len(arms) != u.shape[1]:
            raise ParameterError(f"{len(arms)} arm names for {u.shape[1]} uplift columns")
    if u.ndim != 2:
        raise DataValidationError(f"uplift must be (n,) or (n, n_arms), got shape {u.shape}")
    if not np.isfinite(u).all():
        raise DataValidationError(f"uplift has {int((~np.isfinite(u)).sum())} non-finite values")
    return u, arms


def _per_arm(value, arms: list, name: str, n: int | None = None) -> np.ndarray:
    """Scalar, per-arm mapping/sequence -> (k,), or per-customer (n,)/(n, k) -> (n, k)."""
    k = len(arms)
    if isinstance(value, Mapping):
        missing = [a for a in arms if a not in value]
        if missing:
            raise ParameterError(f"{name} has no value for arm(s) {missing}")
        out = np.array([value[a] for a in arms], dtype=float)
    else:
        out = np.asarray(value, dtype=float)
        if out.ndim == 0:
            out = np.full(k, float(out))
        elif n is not None and out.shape in ((n,), (n, k)) and not (out.ndim == 1 and n == k):
            out = out.reshape(n, -1) if out.ndim == 2 else np.repeat(out[:, None], k, axis=1)
        elif out.shape != (k,):
            raise ParameterError(
                f"{name} must be a number, one value per arm {arms}"
                + (" or one per customer" if n is not None else "") + f"; got shape {out.shape}"
            )
    if not np.isfinite(out).all():
        raise ParameterError(f"{name} must be finite, got {value!r}")
    return out


def _consent_array(consent, n: int) -> np.ndarray:
    c = pd.Series(np.asarray(consent, dtype=object)) if not isinstance(consent, pd.Series) \
        else consent.astype(object).reset_index(drop=True)
    if len(c) != n:
        raise DataValidationError(f"consent has {len(c)} values for {n} customers")
    known = c.isna() | c.isin(CONSENT_VALUES)
    if not known.all():
        bad = c[~known].unique()[:5].tolist()
        raise DataValidationError(
            f"consent_status must be one of {list(CONSENT_VALUES)} (or missing), got {bad}"
        )
    return c.to_numpy()


def _eligibility(consent: np.ndarray, require_double_opt_in: bool) -> tuple[np.ndarray, np.ndarray]:
    reason = np.full(len(consent), "", dtype=object)
    missing = pd.isna(consent)
    reason[missing] = "missing_consent"
    reason[consent == "opt_out"] = "opt_out"
    if require_double_opt_in:
        reason[consent == "opt_in"] = "not_double_opt_in"
    return reason == "", reason


def _select(value: np.ndarray, cost: np.ndarray, allowed: np.ndarray, min_profit: float,
            max_contacts: int | None, budget: float | None) -> np.ndarray:
    """Indices chosen greedily by value among ``allowed`` with value > min_profit."""
    cand = np.flatnonzero(allowed & (value > min_profit))
    cand = cand[np.argsort(-value[cand], kind="stable")]
    if max_contacts is not None:
        cand = cand[:max_contacts]
    if budget is not None:
        cand = cand[np.cumsum(cost[cand]) <= budget]
    return cand


def best_arm_profit(uplift, margin, contact_cost, arms: Sequence | None = None,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per customer the arm with the largest expected profit and that profit (currency).

    Same inputs as ``plan_targeting``; returns (arm labels (n,), profit (n,)).
    """
    u, arms = _uplift_matrix(uplift, arms)
    m = _per_arm(margin, arms, "margin", u.shape[0])
    c = _per_arm(contact_cost, arms, "contact_cost")
    profit = m * u - c
    best = profit.argmax(axis=1)
    return np.asarray(arms, dtype=object)[best], profit[np.arange(len(best)), best]


# ---------------------------------------------------------------------------- the plan


@dataclass
class TargetPlan:
    """A consent-checked target list and what it is expected to earn.

    ``targets``: customer_id, arm, expected_uplift (outcome units), expected_profit (currency),
    best first. ``scored``: every customer with consent_status, eligible, exclusion_reason,
    best arm, its uplift and profit. ``curve``: expected (model-based) cumulative profit over
    the eligible customers ranked by profit. ``exclusions``: per consent reason the number
    excluded, how many of them had positive expected profit and that profit.
    ``consent_cost``: expected profit lost to the consent rules under the same limits.
    """

    targets: pd.DataFrame
    scored: pd.DataFrame
    curve: pd.DataFrame
    exclusions: pd.DataFrame
    expected_profit: float
    unconstrained_profit: float
    require_double_opt_in: bool

    @property
    def consent_cost(self) -> float:
        return self.unconstrained_profit - self.expected_profit

    @property
    def n_targets(self) -> int:
        return len(self.targets)

    @property
    def n_opted_out(self) -> int:
        return int((self.scored["exclusion_reason"] == "opt_out").sum())

    def summary(self) -> pd.DataFrame:
        """One row per quantity: targets, expected profit, exclusions and their cost."""
        rows = [("customers scored", len(self.scored)), ("targets", self.n_targets),
                ("expected incremental profit", self.expected_profit),
                ("profit without consent rules", self.unconstrained_profit),
                ("expected profit cost of consent rules", self.consent_cost)]
        rows += [(f"excluded: {r.reason}", r.n) for r in self.exclusions.itertuples()]
        rows += [(f"targets on {a}", n) for a, n in self.targets["arm"].value_counts().items()]
        return pd.DataFrame(rows, columns=["quantity", "value"])

    def export(self, path, fmt: str | None = None) -> Path:
        """Write ``targets`` atomically (see ``export_targets``), consent re-checked."""
        consent = self.scored.set_index("customer_id")["consent_status"]
        return export_targets(self.targets, path, fmt=fmt, consent=consent,
                              require_double_opt_in=self.require_double_opt_in)


def plan_targeting(
    customer_id,
    uplift,
    margin,
    contact_cost,
    consent,
    arms: Sequence | None = None,
    require_double_opt_in: bool = False,
    max_contacts: int | None = None,
    budget: float | None = None,
    min_profit: float = 0.0,
) -> TargetPlan:
    """Choose the best arm per customer and the customers to contact.

    ``customer_id`` (n,); ``uplift``: (n,) / (n, n_arms) array or ``learner.predict_frame(X)``
    (columns ``uplift_<arm>``); ``margin``: profit per unit of outcome — a number, one per arm
    (dict/sequence) or one per customer (n,) / (n, n_arms); ``contact_cost``: currency per
    contact, a number or one per arm; ``consent`` (n,): 'opt_in' / 'double_opt_in' /
    'opt_out' / missing; ``max_contacts``: contact limit; ``budget``: limit on total contact
    cost (currency); ``min_profit``: contact only above this expected profit per customer.
    """
    ids = np.asarray(customer_id)
    n = len(ids)
    u, arms = _uplift_matrix(uplift, arms)
    if u.shape[0] != n:
        raise DataValidationError(f"uplift has {u.shape[0]} rows for {n} customer ids")
    if pd.Series(ids).duplicated().any():
        raise DataValidationError("customer_id values must be unique in a target plan")
    m = _per_arm(margin, arms, "margin", n)
    c = _per_arm(contact_cost, arms, "contact_cost")
    if (c < 0).any():
        raise ParameterError(f"contact_cost must be >= 0, got {contact_cost!r}")
    if max_contacts is not None and (not isinstance(max_contacts, (int, np.integer))
                                     or max_contacts < 0):
        raise ParameterError(f"max_contacts must be a non-negative integer, got {max_contacts!r}")
    if budget is not None and not budget >= 0:
        raise ParameterError(f"budget must be >= 0 (currency), got {budget!r}")
    consent = _consent_array(consent, n)
    eligible, reason = _eligibility(consent, bool(require_double_opt_in))

    profit = m * u - c  # (n, k)
    best = profit.argmax(axis=1)
    rows = np.arange(n)
    value = profit[rows, best]
    best_cost = c[best]
    chosen = _select(value, best_cost, eligible, min_profit, max_contacts, budget)
    free = _select(value, best_cost, np.ones(n, bool), min_profit, max_contacts, budget)
    if (consent[chosen] == "opt_out").any() or (~eligible[chosen]).any():  # pragma: no cover
        raise RuntimeError("internal error: a customer without consent entered the target list")

    arm_names = np.asarray(arms, dtype=object)
    targets = pd.DataFrame({
        "customer_id": ids[chosen],
        "arm": arm_names[best[chosen]],
        "expected_uplift": u[chosen, best[chosen]],
        "expected_profit": value[chosen],
    })
    scored = pd.DataFrame({
        "customer_id": ids, "consent_status": consent, "eligible": eligible,
        "exclusion_reason": reason, "best_arm": arm_names[best],
        "expected_uplift": u[rows, best], "expected_profit": value,
    })
    order = np.flatnonzero(eligible)
    order = order[np.argsort(-value[order], kind="stable")]
    curve = pd.DataFrame({
        "n_contacted": np.arange(len(order) + 1),
        "expected_profit": np.concatenate([[0.0], np.cumsum(value[order])]),
    })
    excl = []
    for r in ("opt_out", "not_double_opt_in", "missing_consent"):
        mask = reason == r
        pos = mask & (value > min_profit)
        excl.append({"reason": r, "n": int(mask.sum()), "n_profitable": int(pos.sum()),
                     "expected_profit_excluded": float(value[pos].sum())})
    return TargetPlan(
        targets=targets, scored=scored, curve=curve, exclusions=pd.DataFrame(excl),
        expected_profit=float(value[chosen].sum()),
        unconstrained_profit=float(value[free].sum()),
        require_double_opt_in=bool(require_double_opt_in),
    )


# ------------------------------------------------------------------------------- export


def export_targets(
    targets: pd.DataFrame,
    path,
    fmt: str | None = None,
    consent: pd.Series | None = None,
    require_double_opt_in: bool = False,
    table: str = "campaign_targets",
) -> Path | str:
    """Write the target list atomically: CSV, Parquet or a DuckDB table.

    ``path``: a file path (format from ``fmt`` or the suffix: .csv / .parquet) — written to a
    temporary file in the same folder, then ``os.replace``d, so readers never see a partial
    file — or a ``duckdb`` connection, where ``table`` is replaced inside one transaction.
    ``consent``: Series customer_id -> consent status; when given, the export refuses any
    target without consent. Columns: customer_id, arm, expected_uplift, expected_profit.
    """
    missing = [col for col in TARGET_COLUMNS if col not in targets.columns]
    if missing:
        raise DataValidationError(f"target list lacks column(s) {missing}")
    out = targets[TARGET_COLUMNS].reset_index(drop=True)
    if consent is not None:
        status = out["customer_id"].map(consent)
        allowed = status.isin(["double_opt_in"] if require_double_opt_in
                              else ["opt_in", "double_opt_in"])
        if not allowed.all():
            bad = out.loc[~allowed, "customer_id"].head(3).tolist()
            raise DataValidationError(
                f"{int((~allowed).sum())} target(s) lack consent (e.g. customer_id {bad}); "
                "refusing to export"
            )
    if hasattr(path, "execute") and not isinstance(path, (str, os.PathLike)):
        con = path
        if not table.replace("_", "").isalnum():
            raise ParameterError(f"table name must be alphanumeric/underscores, got {table!r}")
        con.register("_crm_targets_export", out)
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _crm_targets_export")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("_crm_targets_export")
        return table
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "parquet"):
        raise ParameterError(f"export format must be 'csv' or 'parquet', got {fmt!r} ({path})")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if fmt == "csv":
            out.to_csv(tmp, index=False)
        else:
            out.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# -------------------------------------------------------------------- hold-out evaluation


@dataclass
class ProfitCurve:
    """Hold-out estimate of incremental profit when contacting the top share of customers.

    ``curve``: share, n (per ``population`` customers), profit (currency, scaled to
    ``population``), ci_low, ci_high (bootstrap percentile, pointwise). ``best_share`` /
    ``best_profit``: the profit-maximizing cut-off and its estimated profit (the maximum of a
    noisy curve, so optimistic); ``best_profit_debiased``: bootstrap bias-corrected;
    ``share_interval``: percentile interval of the maximizing share; ``profit_interval``: basic
    (reverse-percentile) bootstrap interval of the maximal profit, which corrects the upward
    bias of a maximum (percentile intervals covered the true optimum in only ~87% of
    simulations, basic ones in ~93%). ``everyone``: profit of contacting everybody with each
    single arm.
    """

    curve: pd.DataFrame
    best_share: float
    best_profit: float
    best_profit_debiased: float
    share_interval: tuple[float, float]
    profit_interval: tuple[float, float]
    everyone: dict
    population: int
    n_boot: int

    def summary(self) -> pd.DataFrame:
        rows = [
            ("recommended share contacted", self.best_share, *self.share_interval),
            ("incremental profit at it (raw maximum)", self.best_profit, np.nan, np.nan),
            ("incremental profit at it (bias-corrected)", self.best_profit_debiased,
             *self.profit_interval),
            ("profit of contacting nobody", 0.0, 0.0, 0.0),
        ]
        rows += [(f"profit of contacting everyone with {a}", v, np.nan, np.nan)
                 for a, v in self.everyone.items()]
        return pd.DataFrame(rows, columns=["quantity", "value", "ci_low", "ci_high"])


def profit_curve(
    y,
    treatment,
    assigned_arm,
    priority,
    margin,
    contact_cost,
    control="control",
    population: int | None = None,
    n_points: int = 101,
    n_boot: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
) -> ProfitCurve:
    """Hold-out incremental profit of contacting the top share by ``priority`` (see module doc).

    ``y`` (n,): observed outcome; ``treatment`` (n,): arm received in the experiment;
    ``assigned_arm`` (n,): arm the policy would send; ``priority`` (n,): ranking score
    (e.g. expected profit), highest first; ``margin`` / ``contact_cost``: number or per-arm
    mapping; ``population``: number of customers the profit is scaled to (default n).
    Ties in ``priority`` are broken by input order (stable sort). Bootstrap: ``n_boot``
    Poisson(1)-weight replicates with generator ``seed``.
    """
    y = np.asarray(y, dtype=float)
    t = np.asarray(treatment, dtype=object)
    assigned = np.asarray(assigned_arm, dtype=object)
    pr = np.asarray(priority, dtype=float)
    n = len(y)
    if not (len(t) == len(assigned) == len(pr) == n) or n == 0:
        raise DataValidationError("y, treatment, assigned_arm and priority must have the same length > 0")
    if not np.isfinite(y).all() or not np.isfinite(pr).all():
        raise DataValidationError("y and priority must be finite")
    arms = sorted({a for a in pd.unique(assigned) if a != control}, key=str)
    if not arms:
        raise ParameterError("assigned_arm names no treated arm")
    missing = [a for a in [control, *arms] if not (t == a).any()]
    if missing:
        raise DataValidationError(f"no hold-out customer received arm(s) {missing}")
    m = _per_arm(margin, arms, "margin")
    c = _per_arm(contact_cost, arms, "contact_cost")
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
            lift = np.divide(ya, na, out=np.zeros_like(ya), where=na > 0) - \
                np.divide(yc, nc, out=np.zeros_like(yc), where=nc > 0)
            out += m[j] * lift * n_assigned - c[j] * n_assigned
        return out / weights.sum(axis=1, keepdims=True) * population

    rng = np.random.default_rng(seed)
    chunk = max(1, 2_000_000 // n)
    blocks = [block_profit(np.ones((1, n)))]
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        blocks.append(block_profit(rng.poisson(1.0, size=(size, n)).astype(float)))
    profit = np.vstack(blocks)
    point = profit[0]
    boots = profit[1:]
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    shares = grid / n
    best = int(np.argmax(point))
    best_boot = boots.argmax(axis=1)
    max_lo, max_hi = np.percentile(boots.max(axis=1), q)
    lo, hi = np.percentile(boots, q, axis=0)

    everyone = {}
    for j, a in enumerate(arms):
        ya_, yc_ = y[t == a].mean(), y[t == control].mean()
        everyone[a] = float((m[j] * (ya_ - yc_) - c[j]) * population)
    curve = pd.DataFrame({"share": shares, "n": shares * population, "profit": point,
                          "ci_low": lo, "ci_high": hi})
    return ProfitCurve(
        curve=curve,
        best_share=float(shares[best]),
        best_profit=float(point[best]),
        share_interval=tuple(float(v) for v in np.percentile(shares[best_boot], q)),
        profit_interval=(float(2 * point[best] - max_hi), float(2 * point[best] - max_lo)),
        best_profit_debiased=float(2 * point[best] - boots.max(axis=1).mean()),
        everyone=everyone,
        population=population,
        n_boot=n_boot,
    )


# ------------------------------------------------------------ policy value with the truth


def true_policy_values(
    true_uplift,
    predicted_uplift,
    margin,
    contact_cost,
    arms: Sequence | None = None,
    shares: Sequence[float] = (0.1, 0.2, 0.3, 0.5, 1.0),
) -> pd.DataFrame:
    """True expected incremental profit of targeting a share by model, by truth, at random.

    Only for simulated data, where ``true_uplift`` (n, n_arms) is known. Model: customers
    ranked by predicted best-arm profit, each sent its predicted best arm. Oracle: the same
    with the true uplift. Random: a random subset of that size, all sent the arm that is
    best on average (its expectation, no draw). Values are totals in currency over the n
    customers; ``optimal`` marks the oracle contacting only its positive-profit customers.
    """
    tu, arms = _uplift_matrix(true_uplift, arms)
    pu, _ = _uplift_matrix(predicted_uplift, arms)
    if tu.shape != pu.shape:
        raise DataValidationError(f"true uplift {tu.shape} and prediction {pu.shape} differ in shape")
    n = tu.shape[0]
    m = _per_arm(margin, arms, "margin", n)
    c = _per_arm(contact_cost, arms, "contact_cost")
    true_profit = m * tu - c
    pred_profit = m * pu - c
    rows = np.arange(n)
    model_arm = pred_profit.argmax(axis=1)
    model_value = np.cumsum(true_profit[rows, model_arm][np.argsort(-pred_profit[rows, model_arm],
                                                                    kind="stable")])
    oracle_best = true_profit.max(axis=1)
    oracle_value = np.cumsum(np.sort(oracle_best)[::-1])
    blanket = true_profit.mean(axis=0).max()
    out = []
    for s in shares:
        k = int(round(s * n))
        out.append({
            "share": s, "n": k,
            "model": float(model_value[k - 1]) if k else 0.0,
            "oracle": float(oracle_value[k - 1]) if k else 0.0,
            "random": float(blanket * k),
        })
    table = pd.DataFrame(out)
    table.attrs["optimal"] = float(oracle_best[oracle_best > 0].sum())
    return table
