"""Segment value: lifetimes' own CLV path vs crm_models' path, side by side in one run.

Both paths start from the same transactions frame (the synthetic world, 1M customers /
~5M transactions by default; ``--quick``: 100k) and compute, for every customer, the 12-month
CLV at 1% per month:

- lifetimes: ``summary_data_from_transaction_data`` (pandas) → ``BetaGeoFitter.fit`` →
  ``GammaGammaFitter.fit`` (repeat buyers) → ``GammaGammaFitter.customer_lifetime_value``;
- ours: ``crm_models.data.summary.rfm_summary`` (DuckDB) → ``BGNBD().fit`` (unique patterns,
  weights, analytic gradient/Hessian) → ``GammaGamma().fit`` → ``customer_lifetime_value``.

Each path runs in its own process so that peak memory (max RSS) is measured separately.
Prints stage times, the two speed ratios of issue 16 next to their targets (the daily summary
alone, >= 8x; the whole CLV path, >= 12x), parameter and CLV agreement, and peak memory.

    .venv/bin/python benchmarks/bench_value.py --quick
    .venv/bin/python benchmarks/bench_value.py            # 1M customers (≈1-2 minutes)
    .venv/bin/python benchmarks/bench_value.py --n 10000000 --only ours   # 10M customers
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import peak_rss_mb, reset_peak, write_transactions

HORIZON_MONTHS = 12
MONTHLY_DISCOUNT = 0.01


def _run_lifetimes(tx: pd.DataFrame, end: pd.Timestamp) -> dict:
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    times = {}
    t = time.perf_counter()
    s = summary_data_from_transaction_data(
        tx,
        "customer_id",
        "timestamp",
        monetary_value_col="amount",
        observation_period_end=end,
        freq="D",
    )
    times["summary"] = time.perf_counter() - t
    t = time.perf_counter()
    # NumPy arrays, not Series: lifetimes' fit can misfire on Series
    # (see crm_models.value.models._base)
    bgf = BetaGeoFitter().fit(s["frequency"].to_numpy(), s["recency"].to_numpy(), s["T"].to_numpy())
    times["bgnbd_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    rep = s[s["frequency"] > 0]
    ggf = GammaGammaFitter().fit(rep["frequency"].to_numpy(), rep["monetary_value"].to_numpy())
    times["gamma_gamma_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    clv = ggf.customer_lifetime_value(
        bgf,
        s["frequency"],
        s["recency"],
        s["T"],
        s["monetary_value"],
        time=HORIZON_MONTHS,
        discount_rate=MONTHLY_DISCOUNT,
        freq="D",
    )
    times["clv"] = time.perf_counter() - t
    return {
        "times": times,
        "bgnbd": bgf.params_.to_dict(),
        "gamma_gamma": ggf.params_.to_dict(),
        "clv": clv.sort_index().to_numpy(),
    }


def _run_ours(tx: pd.DataFrame, end: pd.Timestamp) -> dict:
    from crm_models.data.summary import rfm_summary
    from crm_models.value import BGNBD, GammaGamma, customer_lifetime_value

    times = {}
    t = time.perf_counter()
    s = rfm_summary(tx, observation_end=end, time_unit="D")
    times["summary"] = time.perf_counter() - t
    t = time.perf_counter()
    bg = BGNBD().fit(s)
    times["bgnbd_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    gg = GammaGamma().fit(s)
    times["gamma_gamma_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    clv = customer_lifetime_value(
        bg, gg, s, HORIZON_MONTHS, monthly_discount_rate=MONTHLY_DISCOUNT, time_unit="D"
    )
    times["clv"] = time.perf_counter() - t
    return {
        "times": times,
        "bgnbd": bg.params_.to_dict(),
        "gamma_gamma": gg.params_.to_dict(),
        "clv": clv.sort_index().to_numpy(),
        "patterns": bg.result_.n_patterns,
    }


def worker(path: str, which: str, out: str) -> None:
    """Child process: load the transactions, run one path, dump results."""
    warnings.filterwarnings("ignore")
    tx = pd.read_parquet(path)
    end = pd.Timestamp(json.loads(Path(path + ".json").read_text())["observation_end"])
    rss_loaded = peak_rss_mb()
    reset = reset_peak()
    result = (_run_lifetimes if which == "lifetimes" else _run_ours)(tx, end)
    np.save(out + ".npy", result.pop("clv"))
    result["rss_loaded_mb"] = rss_loaded
    result["rss_peak_mb"] = peak_rss_mb()
    result["peak_reset"] = reset
    Path(out).write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k customers instead of 1M")
    parser.add_argument(
        "--n", type=int, default=None, help="number of customers (overrides --quick)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only",
        choices=["lifetimes", "ours"],
        default=None,
        help="run one path only (e.g. ours at 10M customers)",
    )
    parser.add_argument(
        "--worker", nargs=3, metavar=("DATA", "PATH", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    n = args.n or (100_000 if args.quick else 1_000_000)

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        data = os.path.join(tmp, "tx.parquet")
        n_transactions = write_transactions(n, args.seed, data)
        print(
            f"synthetic world: {n:,} customers, {n_transactions:,} transactions "
            f"(simulated in {time.perf_counter() - t:.1f} s, not timed below)"
        )
        results = {}
        for which in ["lifetimes", "ours"]:
            if args.only and which != args.only:
                continue
            out = os.path.join(tmp, which + ".json")
            subprocess.run([sys.executable, __file__, "--worker", data, which, out], check=True)
            results[which] = json.loads(Path(out).read_text())
            results[which]["clv"] = np.load(out + ".npy")
    _report(results)


def _report(results: dict) -> None:
    stages = ["summary", "bgnbd_fit", "gamma_gamma_fit", "clv"]
    rows = []
    for stage in [*stages, "total"]:
        row = {"stage": stage}
        for which, res in results.items():
            value = sum(res["times"].values()) if stage == "total" else res["times"][stage]
            row[f"{which} (s)"] = value
        if len(results) == 2:
            row["ratio"] = row["lifetimes (s)"] / row["ours (s)"]
        rows.append(row)
    print()
    print(pd.DataFrame(rows).set_index("stage").round(2).to_string())
    for which, res in results.items():
        scope = "during the path" if res["peak_reset"] else "including loading"
        print(
            f"peak memory {which}: {res['rss_peak_mb']:,.0f} MB {scope} (data loaded: "
            f"{res['rss_loaded_mb']:,.0f} MB peak while reading)"
        )
    if "ours" in results:
        print(
            f"our BG/NBD fit used {results['ours']['patterns']:,} unique "
            "(frequency, recency, T) patterns"
        )
    if len(results) == 2:
        lt, us = results["lifetimes"], results["ours"]
        summary_ratio = lt["times"]["summary"] / us["times"]["summary"]
        total_ratio = sum(lt["times"].values()) / sum(us["times"].values())
        print(f"\nsummary (D): lifetimes / ours = {summary_ratio:.1f}x  (target >= 8x)")
        print(f"whole CLV path = {total_ratio:.1f}x  (target >= 12x)")
        for model in ["bgnbd", "gamma_gamma"]:
            table = pd.DataFrame({"lifetimes": lt[model], "ours": us[model]})
            table["rel_diff"] = (table["ours"] / table["lifetimes"] - 1).abs()
            print(f"\n{model} parameters:\n{table.to_string(float_format=lambda v: f'{v:.6g}')}")
        rel = np.abs(us["clv"] - lt["clv"]) / np.maximum(np.abs(lt["clv"]), 1e-9)
        print(
            f"\nCLV: customer equity lifetimes {lt['clv'].sum():,.0f} "
            f"vs ours {us['clv'].sum():,.0f}; "
            f"max relative difference per customer {rel.max():.2e} (parameters differ only by "
            f"lifetimes' optimizer tolerance)"
        )


if __name__ == "__main__":
    main()
