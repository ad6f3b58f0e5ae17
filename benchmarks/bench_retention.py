"""Churn and retention: fit times of crm_models.retention side by side with the reference
libraries, on the same simulated customers in one run (1M customers by default; ``--quick``:
100k).

- sBG (``retention.contractual.ShiftedBetaGeometric``) on the survivor counts of 24 monthly
  cohorts vs the same model's likelihood written naively per customer with scipy (BFGS on one
  log-likelihood term per customer): the cohort counts are sufficient statistics;
- Kaplan–Meier (``retention.survival.kaplan_meier``) vs lifelines' ``KaplanMeierFitter``
  called directly: the wrapper's overhead (checks, tables, median interval);
- Cox (``retention.cox.CoxModel``, 4 covariates, one of them text) vs lifelines'
  ``CoxPHFitter`` on a hand-encoded design vs statsmodels' ``PHReg`` (Efron ties);
- the early-warning model (``retention.early_warning.EarlyWarningModel``: logistic regression
  with isotonic calibration over 3 folds) vs a plain scikit-learn ``LogisticRegression``.

Each line prints ours, the reference and how far their estimates agree.

    .venv/bin/python benchmarks/bench_retention.py --quick
    .venv/bin/python benchmarks/bench_retention.py             # 1M customers
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from _common import peak_rss_mb

SBG_TRUE = {"alpha": 0.704, "beta": 1.182}  # Fader & Hardie (2007), "regular" segment
N_COHORTS = 24
COX_TRUE = {"satisfaction": -0.30, "consent": -0.25, "channel=store": 0.30, "channel=web": 0.60}


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


# ---- data -------------------------------------------------------------------------------


def simulate_contract_customers(n: int, seed: int) -> pd.DataFrame:
    """Per customer: cohort (0..23, cohort k observed for 24 - k periods), lifetime in periods
    from the sBG (theta ~ Beta(alpha, beta), renewals geometric), and whether it was observed."""
    rng = np.random.default_rng(seed)
    cohort = rng.integers(0, N_COHORTS, n)
    age = N_COHORTS - cohort
    theta = rng.beta(SBG_TRUE["alpha"], SBG_TRUE["beta"], n)
    lifetime = rng.geometric(theta)  # churns at the end of period 1, 2, ...
    return pd.DataFrame(
        {
            "cohort": cohort,
            "age": age,
            "lifetime": np.minimum(lifetime, age),
            "churned": lifetime <= age,
        }
    )


def cohort_counts(customers: pd.DataFrame) -> pd.DataFrame:
    """Survivor counts per cohort and period 0..age (the input of the sBG): customers still
    active after p renewals = cohort size - churned with lifetime <= p."""
    rows = []
    for cohort, part in customers.groupby("cohort"):
        age = int(part["age"].iloc[0])
        leaving = np.bincount(part.loc[part["churned"], "lifetime"], minlength=age + 1)
        active = len(part) - np.cumsum(leaving[: age + 1])
        rows.append(
            pd.DataFrame({"cohort": cohort, "period": np.arange(age + 1), "n_active": active})
        )
    return pd.concat(rows, ignore_index=True)


def naive_sbg_fit(customers: pd.DataFrame) -> dict:
    """The reference: one sBG log-likelihood term per customer, scipy BFGS on log-parameters."""
    from scipy import optimize, special

    t = customers["lifetime"].to_numpy(dtype=float)
    churned = customers["churned"].to_numpy()

    def negloglik(x: np.ndarray) -> float:
        a, b = np.exp(x)
        base = special.betaln(a, b)
        ll = np.where(
            churned,
            special.betaln(a + 1, b + t - 1) - base,  # P(T = t)
            special.betaln(a, b + t) - base,  # P(T > t)
        )
        return -float(ll.sum()) / len(t)

    res = optimize.minimize(negloglik, np.zeros(2), method="BFGS")
    return dict(zip(["alpha", "beta"], np.exp(res.x).tolist(), strict=True))


def simulate_survival(n: int, seed: int) -> pd.DataFrame:
    """Weibull proportional hazards with COX_TRUE, whole days, uniform censoring to 730 days."""
    rng = np.random.default_rng(seed)
    satisfaction = rng.normal(5.0, 1.2, n)
    consent = rng.integers(0, 2, n)
    channel = rng.choice(["app", "store", "web"], n, p=[0.3, 0.4, 0.3])
    eta = (
        COX_TRUE["satisfaction"] * (satisfaction - 5)
        + COX_TRUE["consent"] * consent
        + COX_TRUE["channel=store"] * (channel == "store")
        + COX_TRUE["channel=web"] * (channel == "web")
    )
    churn = 365.0 * (rng.exponential(1.0, n) * np.exp(-eta)) ** (1 / 1.5)
    censor = rng.uniform(0, 730, n)
    return pd.DataFrame(
        {
            "duration": np.ceil(np.minimum(churn, censor)),
            "churned": (churn <= censor).astype(int),
            "satisfaction": satisfaction,
            "consent": consent,
            "channel": channel,
        }
    )


def simulate_warning(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Early-warning features (like churn_features) and 0/1 labels from a logistic model."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "recency_days": rng.exponential(60, n),
            "frequency": rng.poisson(4, n).astype(float),
            "monetary_mean": rng.gamma(2.0, 30.0, n),
            "spend_trend": rng.normal(0, 1, n),
            "overdue_ratio": rng.exponential(1.0, n),
            "channel": rng.choice(["app", "store", "web"], n),
        }
    )
    eta = -1.0 + 0.015 * x["recency_days"] - 0.2 * x["frequency"] + 0.5 * x["overdue_ratio"]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
    return x, y.to_numpy()


# ---- stages -----------------------------------------------------------------------------


def bench_sbg(n: int, seed: int) -> list[dict]:
    try:
        from crm_models.retention.contractual import ShiftedBetaGeometric
    except ImportError:  # TODO(lead): merge wt-contract before running this benchmark
        return [
            {"model": "sBG", "note": "crm_models.retention.contractual missing (merge wt-contract)"}
        ]
    customers = simulate_contract_customers(n, seed)
    counts = cohort_counts(customers)
    ours, t_ours = _timed(lambda: ShiftedBetaGeometric().fit(counts).params_)
    ref, t_ref = _timed(lambda: naive_sbg_fit(customers))
    diff = max(abs(ours[k] / ref[k] - 1) for k in ref)
    return [
        {
            "model": "sBG (24 cohorts)",
            "ours (s)": t_ours,
            "reference": "per-customer scipy",
            "reference (s)": t_ref,
            "agreement": f"params rel. diff {diff:.1e}; alpha {ours['alpha']:.3f} (true 0.704)",
        }
    ]


def bench_survival(n: int, seed: int) -> list[dict]:
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from statsmodels.duration.hazard_regression import PHReg

    from crm_models.retention.cox import FIT_OPTIONS, CoxModel
    from crm_models.retention.survival import kaplan_meier

    frame = simulate_survival(n, seed)
    ours, t_ours = _timed(lambda: kaplan_meier(frame))
    ref, t_ref = _timed(lambda: KaplanMeierFitter().fit(frame["duration"], frame["churned"]))
    km_diff = np.max(
        np.abs(ours.table["survival"].to_numpy() - ref.survival_function_.iloc[:, 0].to_numpy())
    )
    rows = [
        {
            "model": "Kaplan-Meier",
            "ours (s)": t_ours,
            "reference": "lifelines KMF",
            "reference (s)": t_ref,
            "agreement": f"max |dS| {km_diff:.1e}",
        }
    ]
    model, t_ours = _timed(lambda: CoxModel().fit(frame))
    design = pd.DataFrame(
        {
            "satisfaction": frame["satisfaction"],
            "consent": frame["consent"].astype(float),
            "channel=store": (frame["channel"] == "store").astype(float),
            "channel=web": (frame["channel"] == "web").astype(float),
        }
    )
    direct_df = design.assign(duration=frame["duration"], churned=frame["churned"])
    direct, t_direct = _timed(
        lambda: CoxPHFitter().fit(direct_df, "duration", "churned", fit_options=dict(FIT_OPTIONS))
    )
    ph, t_ph = _timed(
        lambda: PHReg(frame["duration"], design, status=frame["churned"], ties="efron").fit()
    )
    beta = model.params_[list(design.columns)].to_numpy()
    d_direct = np.max(np.abs(beta - direct.params_[design.columns].to_numpy()))
    rows += [
        {
            "model": "Cox (4 covariates)",
            "ours (s)": t_ours,
            "reference": "lifelines CoxPHFitter",
            "reference (s)": t_direct,
            "agreement": f"max |db| {d_direct:.1e}",
        },
        {
            "model": "Cox (4 covariates)",
            "ours (s)": t_ours,
            "reference": "statsmodels PHReg",
            "reference (s)": t_ph,
            "agreement": f"max |db| {np.max(np.abs(beta - np.asarray(ph.params))):.1e}",
        },
    ]
    return rows


def bench_warning(n: int, seed: int) -> list[dict]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    try:
        from crm_models.retention.early_warning import EarlyWarningModel
    except ImportError:  # TODO(lead): merge wt-warning before running this benchmark
        return [
            {
                "model": "early warning",
                "note": "crm_models.retention.early_warning missing (merge wt-warning)",
            }
        ]
    x, y = simulate_warning(n, seed)
    ours, t_ours = _timed(lambda: EarlyWarningModel().fit(x, y))
    dummies = pd.get_dummies(x, dtype=float)
    dummies = (dummies - dummies.mean()) / dummies.std()
    ref, t_ref = _timed(lambda: LogisticRegression(max_iter=2000).fit(dummies, y))
    auc_ours = roc_auc_score(y, ours.predict_proba(x))
    auc_ref = roc_auc_score(y, ref.predict_proba(dummies)[:, 1])
    return [
        {
            "model": "early warning (logistic + isotonic, 3 folds)",
            "ours (s)": t_ours,
            "reference": "sklearn LogisticRegression",
            "reference (s)": t_ref,
            "agreement": f"in-sample AUC {auc_ours:.4f} vs {auc_ref:.4f}",
        }
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k customers instead of 1M")
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers per model")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n = 100_000 if args.quick else args.customers
    warnings.filterwarnings("ignore")
    print(f"{n:,} simulated customers per model (simulation not timed)\n")
    rows = bench_sbg(n, args.seed) + bench_survival(n, args.seed) + bench_warning(n, args.seed)
    table = pd.DataFrame(rows)
    if "ours (s)" in table:
        table["reference / ours"] = table["reference (s)"] / table["ours (s)"]
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(table.round(3).to_string(index=False))
    print(f"\npeak memory: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
