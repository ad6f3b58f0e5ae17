"""The whole CLV path on DuckDB and on Spark, side by side, from a partitioned Parquet folder.

Writes the synthetic world (the same generator as ``bench_value``; 10M customers, ~47M
transactions by default, ``--quick``: 200k) as a Hive-partitioned Parquet folder by purchase
month (``month=YYYY-MM/``), one world of at most 1M customers in memory at a time. Then runs
``crm_models.value.engine_path.customer_values`` on each engine in its own process (scores
written as a Parquet folder, never collected) and prints:

- seconds per stage (read, summary, patterns, fit, threshold, score) per engine;
- peak memory: the Python driver process (max RSS) and, for Spark, the JVM (the java processes
  below the driver, RSS polled every 0.2 s; in local mode the executors live in that JVM);
- pattern counts: customers → unique (frequency, recency, T) patterns → spend patterns;
- agreement of the engines: max relative difference of CLV per customer, thresholds, levels.

    .venv/bin/python benchmarks/bench_scale.py --quick
    .venv/bin/python benchmarks/bench_scale.py                      # 10M customers
    .venv/bin/python benchmarks/bench_scale.py --n 1000000 --keep /tmp/tx1m --engines duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import pandas as pd
from _common import peak_rss_mb, reset_peak, write_transactions_parquet_folder

POLL_SECONDS = 0.2


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _rss_mb(pid: int) -> tuple[str, float]:
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return "", 0.0
    name = next((ln.split()[1] for ln in status if ln.startswith("Name:")), "")
    rss = next((float(ln.split()[1]) / 1024 for ln in status if ln.startswith("VmRSS:")), 0.0)
    return name, rss


class JvmPeak(threading.Thread):
    """Peak summed RSS (MB) of the java processes below this process, polled every 0.2 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            todo, total = _children(os.getpid()), 0.0
            while todo:
                pid = todo.pop()
                name, rss = _rss_mb(pid)
                total += rss if name == "java" else 0.0
                todo += _children(pid)
            self.peak_mb = max(self.peak_mb, total)
            self._stop_event.wait(POLL_SECONDS)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.peak_mb


def worker(data: str, engine: str, out: str, master: str) -> None:
    """Child process: run the whole path on one engine, write its figures as JSON."""
    warnings.filterwarnings("ignore")
    from crm_models.value.engine_path import customer_values

    end = pd.Timestamp(json.loads(Path(data + ".json").read_text())["observation_end"])
    reset = reset_peak()
    jvm = JvmPeak()
    jvm.start()
    t = time.perf_counter()
    res = customer_values(
        data,
        engine=engine,
        spark_master=master or None,
        spark_config=(
            {"spark.driver.memory": os.environ["CRM_BENCH_DRIVER_MEMORY"]}
            if engine == "spark"
            else None
        ),
        observation_end=end,
        time_unit="D",
        out=out + ".scores",
    )
    wall = time.perf_counter() - t
    figures = {
        "stage_seconds": res.stage_seconds,
        "wall_seconds": wall,
        "n_customers": res.n_customers,
        "n_patterns": res.n_patterns,
        "n_spend_patterns": res.n_spend_patterns,
        "threshold": res.high_value_threshold,
        "params": {**res.model.params_.to_dict(), **res.spend.params_.to_dict()},
        "driver_peak_mb": peak_rss_mb(),
        "jvm_peak_mb": jvm.stop(),
        "peak_reset": reset,
    }
    Path(out).write_text(json.dumps(figures))


def _agreement(folders: dict[str, str]) -> str:
    """Max relative CLV difference per customer between two engines' score folders."""
    import duckdb

    (a, fa), (b, fb) = folders.items()
    row = duckdb.sql(
        f"""
        SELECT count(*) AS n,
               max(abs(x.clv - y.clv) / greatest(abs(y.clv), 1e-9)) AS clv_rel,
               max(abs(x.p_alive - y.p_alive)) AS p_alive_abs,
               sum(CASE WHEN x.value_level <> y.value_level THEN 1 ELSE 0 END) AS level_diff,
               sum(CASE WHEN x.action <> y.action THEN 1 ELSE 0 END) AS action_diff
        FROM read_parquet('{fa}/**/*.parquet') x
        JOIN read_parquet('{fb}/**/*.parquet') y USING (customer_id)
        """
    ).fetchall()[0]
    n, rel, p_abs, levels, actions = row
    return (
        f"agreement {a} vs {b} on {n:,} customers: max relative CLV difference {rel:.2e}, "
        f"max P(alive) difference {p_abs:.2e}, value levels differing {levels}, "
        f"actions differing {actions}"
    )


def _report(results: dict[str, dict], folders: dict[str, str]) -> None:
    table = pd.DataFrame({e: r["stage_seconds"] for e, r in results.items()})
    table.loc["total"] = table.sum()
    table.loc["wall (incl. engine start/stop)"] = [r["wall_seconds"] for r in results.values()]
    print("\nseconds per stage")
    print(table.round(2).to_string())
    print("\npeak memory (MB)")
    mem = pd.DataFrame(
        {
            e: {"driver (Python, max RSS)": r["driver_peak_mb"], "JVM (java RSS)": r["jvm_peak_mb"]}
            for e, r in results.items()
        }
    )
    print(mem.round(0).to_string())
    for engine, r in results.items():
        print(
            f"\n{engine}: {r['n_customers']:,} customers → {r['n_patterns']:,} unique "
            f"(frequency, recency, T) patterns → {r['n_spend_patterns']:,} spend patterns; "
            f"high-value threshold {r['threshold']:.6f}"
        )
    if len(results) == 2:
        (a, ra), (b, rb) = results.items()
        params = pd.DataFrame({a: ra["params"], b: rb["params"]})
        params["rel_diff"] = (params[a] / params[b] - 1).abs()
        print(f"\nparameters:\n{params.to_string(float_format=lambda v: f'{v:.10g}')}")
        print("\n" + _agreement(folders))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200k customers instead of 10M")
    parser.add_argument("--n", type=int, default=None, help="customers (overrides --quick)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default="duckdb,spark", help="comma-separated engines")
    parser.add_argument("--spark-master", default="", help="Spark master URL (default local)")
    parser.add_argument(
        "--spark-driver-memory", default="6g", help="spark.driver.memory (local mode: all of it)"
    )
    parser.add_argument("--keep", default=None, help="Parquet folder to write once and reuse")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    n = args.n or (200_000 if args.quick else 10_000_000)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        data = args.keep or os.path.join(tmp, "transactions")
        if args.keep and Path(data + ".json").exists():
            meta = json.loads(Path(data + ".json").read_text())
            print(f"reusing {data} ({meta.get('n_transactions', '?')} transactions)")
        else:
            t = time.perf_counter()
            n_tx = write_transactions_parquet_folder(n, args.seed, data)
            meta = json.loads(Path(data + ".json").read_text())
            Path(data + ".json").write_text(json.dumps({**meta, "n_transactions": n_tx}))
            months = len(list(Path(data).glob("month=*")))
            print(
                f"synthetic world: {n:,} customers, {n_tx:,} transactions in {months} month "
                f"partitions (written in {time.perf_counter() - t:.1f} s, not timed below)"
            )
        env = {
            **os.environ,
            "CRM_BENCH_DRIVER_MEMORY": args.spark_driver_memory,
        }
        results, folders = {}, {}
        for engine in engines:
            out = os.path.join(tmp, engine + ".json")
            cmd = [sys.executable, __file__, "--worker", data, engine, out, args.spark_master]
            subprocess.run(cmd, check=True, env=env)
            results[engine] = json.loads(Path(out).read_text())
            folders[engine] = out + ".scores"
        _report(results, folders)


if __name__ == "__main__":
    main()
