"""Shared by the benchmark scripts: peak memory (Linux /proc, else rusage) and the synthetic
transactions they time."""

from __future__ import annotations

import json
import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (VmHWM; unlike ru_maxrss it is not
    inherited from the parent across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Reset the peak-RSS mark (Linux >= 4.0) so a later peak measures only what follows."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def write_transactions(n: int, seed: int, path: str, chunk: int = 1_000_000) -> int:
    """Simulate ``n`` customers in worlds of at most ``chunk`` customers (seeds seed, seed+1, …;
    customer ids offset) and stream their transactions to one Parquet file, so that 10M
    customers fit in memory. Returns the number of transactions."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from crm_models.data.synthetic import simulate_world

    writer, total = None, 0
    for k, start in enumerate(range(0, n, chunk)):
        world = simulate_world(min(chunk, n - start), seed=seed + k)
        tx = world.transactions[["customer_id", "timestamp", "amount"]].copy()
        tx["customer_id"] += start
        table = pa.Table.from_pandas(tx, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        total += len(tx)
        end = world.observation_end
    writer.close()
    Path(path + ".json").write_text(json.dumps({"observation_end": str(end)}))
    return total


def write_transactions_parquet_folder(
    n: int, seed: int, folder: str, chunk: int = 1_000_000
) -> int:
    """The same synthetic transactions as :func:`write_transactions` (same worlds, seeds and id
    offsets), written as a Hive-partitioned Parquet folder by purchase month
    (``folder/month=YYYY-MM/part-<chunk>-<i>.parquet``), one world of at most ``chunk``
    customers in memory at a time. Timestamps are stored in microseconds (Spark cannot read
    nanosecond Parquet timestamps); ``folder + ".json"`` holds the observation end. Returns the
    number of transactions."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as ds

    from crm_models.data.synthetic import simulate_world

    total, end = 0, None
    partitioning = ds.partitioning(pa.schema([("month", pa.string())]), flavor="hive")
    for k, start in enumerate(range(0, n, chunk)):
        world = simulate_world(min(chunk, n - start), seed=seed + k)
        tx = world.transactions[["customer_id", "timestamp", "amount"]].copy()
        tx["customer_id"] += start
        tx["timestamp"] = tx["timestamp"].astype("datetime64[us]")
        months, codes = np.unique(
            tx["timestamp"].to_numpy().astype("datetime64[M]"), return_inverse=True
        )
        tx["month"] = pd.Categorical.from_codes(codes, [str(m) for m in months])  # "YYYY-MM"
        ds.write_dataset(
            pa.Table.from_pandas(tx, preserve_index=False),
            folder,
            format="parquet",
            partitioning=partitioning,
            basename_template=f"part-{k:05d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
        )
        total += len(tx)
        end = world.observation_end
    Path(folder + ".json").write_text(json.dumps({"observation_end": str(end)}))
    return total
