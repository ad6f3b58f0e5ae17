"""Benchmark: crm_models.uplift vs scikit-uplift (sklift) on the same data, in one run.

    .venv/bin/python benchmarks/bench_uplift.py            # 1,000,000 customers × 20 features
    .venv/bin/python benchmarks/bench_uplift.py --quick    # 100,000 customers

1. T-learner with logistic regression, fit + predict: ``TLearner`` vs ``sklift.models.
   TwoModels`` (both fit the same two scikit-learn models; the target is "no slower").
2. Curve metrics on the same scores: Qini coefficient + normalized AUUC (+ uplift@30%) vs
   ``sklift.metrics.qini_auc_score`` + ``uplift_auc_score`` (+ ``uplift_at_k``); the target is
   ≥ 2× faster. Our results must equal sklift's (printed differences).

Timings are the best of ``--repeat`` runs (wall clock). Not run in tests.

    .venv/bin/python benchmarks/bench_uplift.py --engine-targets [--n N]

3. ``--engine-targets`` instead: the campaign target list (``campaign_targets``) of N customers
   read from a Parquet folder and written as one, on DuckDB and on a local Spark, without a
   limit (one pass) and with a contact limit of 10% (three passes: bins, the cut's bin, the
   list), against ``plan_targeting`` on the same frame in pandas; the lists must be equal.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression


def simulate(n: int, p: int, seed: int):
    """Binary treatment 50/50, logistic outcome with heterogeneous effect on two features."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    t = rng.integers(0, 2, n)
    beta = rng.normal(0, 0.3, p)
    logit = -2.0 + X @ beta + t * (0.3 + 0.4 * X[:, 0] - 0.3 * X[:, 1])
    y = (rng.random(n) < expit(logit)).astype(np.int64)
    return X, y, t


def best_of(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 customers")
    parser.add_argument("--n", type=int, default=None, help="customers (default 1,000,000)")
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--engine-targets", action="store_true", help="time campaign_targets on DuckDB and Spark"
    )
    args = parser.parse_args(argv)
    n = args.n or (100_000 if args.quick else 1_000_000)
    if args.engine_targets:
        engine_targets(n, args.features, args.seed)
        return

    warnings.simplefilter("ignore", FutureWarning)  # sklift uses sklearn's deprecated stable_cumsum
    from sklift.metrics import qini_auc_score, uplift_at_k, uplift_auc_score
    from sklift.models import TwoModels

    from crm_models.uplift.evaluation import uplift_metrics
    from crm_models.uplift.learners import TLearner
    from crm_models.uplift.metrics import auuc, qini_coefficient

    X, y, t = simulate(n, args.features, args.seed)
    print(
        f"{n:,} customers × {args.features} features, treated share {t.mean():.3f}, "
        f"outcome rate {y.mean():.4f}; best of {args.repeat}"
    )

    def ours_fit():
        return TLearner(LogisticRegression(max_iter=200), control=0).fit(X, y, t).predict(X)

    def sklift_fit():
        m = TwoModels(
            estimator_trmnt=LogisticRegression(max_iter=200),
            estimator_ctrl=LogisticRegression(max_iter=200),
            method="vanilla",
        )
        return m.fit(X, y, t).predict(X)

    learner_repeat = max(1, min(args.repeat, 2))
    t_ours, pred_ours = best_of(ours_fit, learner_repeat)
    t_sk, pred_sk = best_of(sklift_fit, learner_repeat)
    rows = [
        ("T-learner logistic fit+predict", t_ours, t_sk, float(np.abs(pred_ours - pred_sk).max()))
    ]

    score = pred_ours
    t_ours, ours = best_of(lambda: (qini_coefficient(y, score, t), auuc(y, score, t)), args.repeat)
    t_sk, ref = best_of(
        lambda: (qini_auc_score(y, score, t), uplift_auc_score(y, score, t)), args.repeat
    )
    rows.append(
        (
            "Qini coef + AUUC (separate calls)",
            t_ours,
            t_sk,
            max(abs(ours[0] - ref[0]), abs(ours[1] - ref[1])),
        )
    )

    t_ours, m = best_of(lambda: uplift_metrics(y, score, t, k=0.3), args.repeat)
    t_sk, ref3 = best_of(
        lambda: (
            qini_auc_score(y, score, t),
            uplift_auc_score(y, score, t),
            uplift_at_k(y, score, t, strategy="overall", k=0.3),
        ),
        args.repeat,
    )
    rows.append(
        (
            "Qini + AUUC + uplift@30% (+deciles, one sort)",
            t_ours,
            t_sk,
            max(
                abs(m.qini_coefficient - ref3[0]),
                abs(m.auuc - ref3[1]),
                abs(m.uplift_at_k - ref3[2]),
            ),
        )
    )

    print(f"{'task':48s} {'crm_models':>11s} {'sklift':>9s} {'speed-up':>9s} {'max |diff|':>11s}")
    for name, a, b, diff in rows:
        print(f"{name:48s} {a:10.3f}s {b:8.3f}s {b / a:8.2f}× {diff:11.2e}")


def engine_targets(n: int, p: int, seed: int) -> None:
    """Time campaign_targets on DuckDB and Spark (local) against plan_targeting in pandas."""
    import resource
    import tempfile
    from pathlib import Path

    import pandas as pd

    from crm_models.engines import get_engine
    from crm_models.uplift import TLearner, campaign_targets, plan_targeting

    X, y, t = simulate(n, p, seed)
    names = [f"x{j}" for j in range(p)]
    frame = pd.DataFrame(X, columns=names)
    fit_rows = min(n, 100_000)
    arm = np.where(t[:fit_rows] == 1, "email", "control")
    learner = TLearner(LogisticRegression(max_iter=200)).fit(
        frame.iloc[:fit_rows], y[:fit_rows], arm
    )
    rng = np.random.default_rng(seed)
    consent = rng.choice(
        ["opt_in", "double_opt_in", "opt_out", "unknown"], n, p=[0.6, 0.25, 0.1, 0.05]
    )
    customers = frame.assign(customer_id=np.arange(1, n + 1), consent_status=consent)
    money = {"margin_per_outcome": 30.0, "cost_per_contact": 0.5}
    limit = n // 10
    print(f"campaign_targets: {n:,} customers × {p} features (Parquet folder in and out)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "customers"
        source.mkdir()
        for i, part in enumerate(np.array_split(np.arange(n), 8)):
            customers.iloc[part].to_parquet(source / f"part-{i}.parquet", index=False)
        start = time.perf_counter()
        engines = {"duckdb": get_engine("duckdb"), "spark": get_engine("spark")}
        print(f"  engines started in {time.perf_counter() - start:.1f} s (Spark local[*])")
        for rules in ({}, {"max_contacts": limit}):
            start = time.perf_counter()
            ref = plan_targeting(
                customers["customer_id"],
                learner.predict_frame(frame),
                consent=consent,
                **money,
                **rules,
            ).targets
            rows = [("pandas plan_targeting (in memory)", time.perf_counter() - start)]
            for name, engine in engines.items():
                out = Path(tmp) / f"targets_{name}"
                start = time.perf_counter()
                campaign_targets(str(source), learner, engine=engine, out=out, **money, **rules)
                rows.append((f"{name} campaign_targets", time.perf_counter() - start))
                got = pd.read_parquet(out)
                assert set(got["customer_id"]) == set(ref["customer_id"]), engine
            label = f"max_contacts={limit:,}" if rules else "no limit"
            print(f"  {label}: {len(ref):,} targets")
            for name, seconds in rows:
                print(f"    {name:44s} {seconds:8.2f} s")
        for engine in engines.values():
            engine.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process (driver, pandas reference included): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
