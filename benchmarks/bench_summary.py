"""RFM summary: crm_models (DuckDB SQL) vs lifetimes (pandas), side by side in one run.

Both compute the per-customer frequency, recency, T and monetary value from the same
transactions (the synthetic world, 1M customers / ~5M transactions by default; ``--quick``:
100k customers) with ``freq='D'`` and ``freq='W'``:

- lifetimes: ``lifetimes.utils.summary_data_from_transaction_data``;
- ours: ``crm_models.data.summary.rfm_summary`` on a pandas frame (DuckDB scans it in place)
  and on a DuckDB warehouse table (how ``crm`` uses it).

Each path runs in its own process so that peak memory is measured separately. Prints the
loading and summary times, the speed ratio of the summaries (target: at least 8x), the peak
memory (loading included) and whether the outputs agree.

    .venv/bin/python benchmarks/bench_summary.py --quick
    .venv/bin/python benchmarks/bench_summary.py            # 1M customers (about 2 minutes)
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

COLUMNS = ["frequency", "recency", "T", "monetary_value"]
PATHS = ["lifetimes", "ours (frame)", "ours (warehouse)"]


def _load(which: str, data: str):
    """The input of one path: a DuckDB connection to the warehouse file, or a pandas frame."""
    if which == "ours (warehouse)":
        import duckdb

        return duckdb.connect(data.replace(".parquet", ".duckdb"), read_only=True)
    return pd.read_parquet(data)


def _summarize(which: str, source, end: pd.Timestamp, freq: str) -> pd.DataFrame:
    if which == "lifetimes":
        from lifetimes.utils import summary_data_from_transaction_data

        return summary_data_from_transaction_data(
            source,
            "customer_id",
            "timestamp",
            monetary_value_col="amount",
            observation_period_end=end,
            freq=freq,
        )
    from crm_models.data.summary import rfm_summary

    return rfm_summary(source, observation_end=end, time_unit=freq)


def worker(data: str, which: str, out: str) -> None:
    """Child process: time loading and the D and W summaries of one path, save the outputs."""
    warnings.filterwarnings("ignore")
    import lifetimes.utils  # noqa: F401

    import crm_models.data.summary  # noqa: F401  (imports are not timed)

    end = pd.Timestamp(json.loads(Path(data + ".json").read_text())["observation_end"])
    reset = reset_peak()
    start = time.perf_counter()
    source = _load(which, data)
    times = {"load": time.perf_counter() - start}
    for freq in ["D", "W"]:
        start = time.perf_counter()
        frame = _summarize(which, source, end, freq)
        times[freq] = time.perf_counter() - start
        frame[COLUMNS].sort_index().to_parquet(f"{out}.{freq}.parquet")
    Path(out).write_text(
        json.dumps({"times": times, "rss_peak_mb": peak_rss_mb(), "peak_reset": reset})
    )


def _prepare(n: int, seed: int, tmp: str) -> str:
    """Synthetic transactions as a Parquet file and as a DuckDB warehouse table."""
    import duckdb

    t = time.perf_counter()
    data = os.path.join(tmp, "tx.parquet")
    n_transactions = write_transactions(n, seed, data)
    with duckdb.connect(data.replace(".parquet", ".duckdb")) as con:
        con.execute("CREATE TABLE transactions AS SELECT * FROM read_parquet(?)", [data])
    print(
        f"synthetic world: {n:,} customers, {n_transactions:,} transactions "
        f"(simulated in {time.perf_counter() - t:.1f} s, not timed below)"
    )
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k customers instead of 1M")
    parser.add_argument(
        "--n", type=int, default=None, help="number of customers (overrides --quick)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--worker", nargs=3, metavar=("DATA", "PATH", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    n = args.n or (100_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        data = _prepare(n, args.seed, tmp)
        rows, outputs = [], {}
        for i, which in enumerate(PATHS):
            out = os.path.join(tmp, f"out{i}.json")
            subprocess.run([sys.executable, __file__, "--worker", data, which, out], check=True)
            result = json.loads(Path(out).read_text())
            outputs[which] = {f: pd.read_parquet(f"{out}.{f}.parquet") for f in ["D", "W"]}
            times = result["times"]
            rows.append(
                {
                    "path": which,
                    "load (s)": times["load"],
                    "summary D (s)": times["D"],
                    "summary W (s)": times["W"],
                    "summary D + W (s)": times["D"] + times["W"],
                    "peak memory (MB)": result["rss_peak_mb"],
                }
            )
    table = pd.DataFrame(rows).set_index("path")
    summary_seconds = table["summary D + W (s)"]
    table["speed-up vs lifetimes"] = summary_seconds.iloc[0] / summary_seconds
    print()
    print(table.round(2).to_string())
    reference = outputs["lifetimes"]
    for which in PATHS[1:]:
        for freq in ["D", "W"]:
            ours, theirs = outputs[which][freq], reference[freq]
            same_index = ours.index.equals(theirs.index)
            diff = np.abs(ours.to_numpy() - theirs.to_numpy()).max() if same_index else np.inf
            print(
                f"{which}, freq={freq}: same customers {same_index}, "
                f"max |difference| {diff:.2e} over {len(ours):,} rows"
            )


if __name__ == "__main__":
    main()
