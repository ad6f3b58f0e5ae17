"""Customization: variety optimization speed, and the conjoint estimators side by side.

1. **Variety optimizer** (``VarietyOptimizer``, coordinate search over 4 attributes ×
   up to 12 modules × a 16-point premium grid × 4 faces + standard): time vs customers at 12
   modules per attribute, and vs modules per attribute at the largest customer count, with
   the fitted growth exponent (time ∝ size^b). Default up to 100,000 customers.
2. **Configurator value** for one 4 × 12 offer (20,736 configurations): the factorized
   inclusive value (O(customers × modules)) vs explicit enumeration of every configuration
   (O(customers × configurations)) — same numbers, time ratio.
3. **Conjoint** (300 respondents × 8 tasks × 3 alternatives + no-choice): statsmodels
   ``ConditionalLogit`` vs the vectorized Newton engine — time and largest coefficient gap.

    .venv/bin/python benchmarks/bench_customization.py --quick
    .venv/bin/python benchmarks/bench_customization.py          # 100k customers (≈1 minute)
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from scipy import special

from crm_models.customization import (
    ChoiceMarket,
    ConjointModel,
    VarietyCosts,
    VarietyOptimizer,
    design_choice_experiment,
    simulate_answers,
)

MARKET = 1_000_000  # customers the simulated sample represents (same problem at every n)


def _timed(fn, repeat: int = 1):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def bench_optimizer(customers: list[int], modules: list[int]) -> None:
    costs = VarietyCosts()
    VarietyOptimizer(costs).fit(ChoiceMarket.simulate([3] * 4, 200, seed=0))  # warm-up
    print(
        "1. Variety optimizer (coordinate search, 4 attributes, premium grid 16, 5 faces; "
        "evaluated = distinct (face, k, premium) candidates)"
    )
    print(
        f"{'customers':>10} {'modules/attr':>12} {'configs':>8} {'seconds':>8} "
        f"{'best face':>14} {'best k':>12} {'evaluated':>10}"
    )
    times_n = []
    for n in customers:
        market = ChoiceMarket.simulate([12] * 4, n_customers=n, seed=1)
        t, opt = _timed(
            lambda m=market: VarietyOptimizer(costs, market_size=MARKET, method="coordinate").fit(m)
        )
        times_n.append(t)
        k = "×".join(str(v) for v in opt.best_.modules_per_attribute.values())
        print(
            f"{n:>10,} {12:>12} {12**4:>8,} {t:>8.2f} {opt.best_.face:>14} {k:>12} "
            f"{len(opt.evaluations_):>10,}"
        )
    times_k = []
    n = customers[-1]
    for k_max in modules:
        market = ChoiceMarket.simulate([k_max] * 4, n_customers=n, seed=1)
        t, opt = _timed(
            lambda m=market: VarietyOptimizer(costs, market_size=MARKET, method="coordinate").fit(m)
        )
        times_k.append(t)
        k = "×".join(str(v) for v in opt.best_.modules_per_attribute.values())
        print(
            f"{n:>10,} {k_max:>12} {k_max**4:>8,} {t:>8.2f} {opt.best_.face:>14} {k:>12} "
            f"{len(opt.evaluations_):>10,}"
        )
    if len(customers) > 1:
        print(f"   growth with customers: time ∝ n^{_slope(customers, times_n):.2f}")
    if len(modules) > 1:
        print(
            f"   growth with modules per attribute: time ∝ K^{_slope(modules, times_k):.2f} "
            f"(configurations grow as K^4)"
        )


def bench_configurator(n: int) -> None:
    market = ChoiceMarket.simulate([12] * 4, n_customers=n, seed=2)
    lam = market.fit_scale

    def factorized():
        ivs, _ = market._cumulative_tables()
        return sum(t[-1] for t in ivs)

    def explicit():
        v = market.module_utilities()
        blocks = [v[:, s : s + 12] for s in market._starts]
        total = np.zeros((n, 12**4))
        for j, combo in enumerate(itertools.product(range(12), repeat=4)):
            total[:, j] = sum(b[:, c] for b, c in zip(blocks, combo, strict=True))
        return lam * special.logsumexp(total / lam, axis=1)

    t_f, iv_f = _timed(factorized, repeat=3)
    t_e, iv_e = _timed(explicit)
    print(
        "\n2. Configurator inclusive value, 4 × 12 modules = 20,736 configurations, "
        f"{n:,} customers"
    )
    print(
        f"   factorized {t_f:.4f} s | explicit enumeration {t_e:.2f} s | ratio {t_e / t_f:,.0f}× "
        f"| max |Δ| {np.max(np.abs(iv_f - iv_e)):.1e}"
    )


def bench_conjoint(n_resp: int) -> None:
    attrs = {
        "rate": ["r0", "r1", "r2"],
        "fee": ["f0", "f1"],
        "design": ["d0", "d1", "d2"],
        "rewards": ["w0", "w1", "w2"],
    }
    truth = {"r1": 0.6, "r2": 0.9, "f1": 0.8, "d1": 0.3, "d2": 0.5, "w1": 0.7, "w2": 0.5}
    design = design_choice_experiment(attrs, [5, 10, 15, 20], n_resp, 8, 3, seed=3)
    answers = simulate_answers(design, truth, -0.08, -1.0, seed=4)
    t_sm, sm = _timed(lambda: ConjointModel(engine="statsmodels").fit(answers))
    t_nw, nw = _timed(lambda: ConjointModel(engine="newton").fit(answers), repeat=3)
    gap = np.max(np.abs(sm.params_ - nw.params_))
    se_gap = np.max(np.abs(sm.se_ / nw.se_ - 1))
    print(f"\n3. Conjoint conditional logit, {n_resp} respondents × 8 tasks × (3 + none)")
    print(
        f"   statsmodels ConditionalLogit {t_sm:.2f} s | newton {t_nw:.3f} s | "
        f"ratio {t_sm / t_nw:,.0f}× | max |Δcoef| {gap:.1e} | max SE rel. gap {se_gap:.1e}"
    )
    w = nw.result_.wtp().table()
    print(
        "   WTP (currency) newton:",
        ", ".join(f"{r.level} {r.estimate:.1f}" for r in w.itertuples()),
        "| true:",
        ", ".join(f"{k} {v / 0.08:.1f}" for k, v in truth.items()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (≈10 s)")
    args = parser.parse_args()
    if args.quick:
        bench_optimizer([2_000, 5_000, 10_000], [3, 6, 12])
        bench_configurator(500)
        bench_conjoint(100)
    else:
        bench_optimizer([10_000, 30_000, 100_000], [3, 6, 9, 12])
        bench_configurator(2_000)
        bench_conjoint(300)


if __name__ == "__main__":
    main()
