"""Benchmark: crm_models.uplift vs scikit-uplift (sklift) on the same data, in one run.

    .venv/bin/python benchmarks/bench_uplift.py            # 1,000,000 customers × 20 features
    .venv/bin/python benchmarks/bench_uplift.py --quick    # 100,000 customers

1. T-learner with logistic regression, fit + predict: ``TLearner`` vs ``sklift.models.
   TwoModels`` (both fit the same two scikit-learn models; the target is "no slower").
2. Curve metrics on the same scores: Qini coefficient + normalized AUUC (+ uplift@30%) vs
   ``sklift.metrics.qini_auc_score`` + ``uplift_auc_score`` (+ ``uplift_at_k``); the target is
   ≥ 2× faster. Our results must equal sklift's (printed differences).

Timings are the best of ``--repeat`` runs (wall clock). Not run in tests.
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
    args = parser.parse_args(argv)
    n = args.n or (100_000 if args.quick else 1_000_000)

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


if __name__ == "__main__":
    main()
