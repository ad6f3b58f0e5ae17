"""``crm data summary``: the per-customer RFM summary of the warehouse, a file or a folder.

The summary is computed on the engine the user chooses (``--engine duckdb``, the default, or
``spark`` with ``--spark-master URL``, default a local Spark in this process) from the
warehouse's transactions (``--dataset``) or from ``--source PATH`` (a CSV or Parquet file, or
a folder of Parquet files, which the engine reads directly). ``--out`` writes a CSV file, a
Parquet file (``.parquet``/``.pq``) or, for a path without a suffix (``rfm/``), a folder of
Parquet files written by the engine (Spark's part files on ``--engine spark``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from crm_models.errors import ParameterError

__all__ = ["add_summary_parser", "run_summary"]

ENGINES = ("duckdb", "spark")
FOLDER_TYPES = {"int64": "BIGINT", "float64": "DOUBLE"}  # any other dtype: VARCHAR


def add_summary_parser(data_sub, warehouse_help: str) -> argparse.ArgumentParser:
    """Add ``crm data summary`` to the ``crm data`` subcommands.

    Parameters
    ----------
    data_sub : argparse._SubParsersAction
        The subcommands of ``crm data``.
    warehouse_help : str
        Help text of ``--path``.

    Returns
    -------
    argparse.ArgumentParser
        The ``summary`` parser.
    """
    summary = data_sub.add_parser(
        "summary",
        help="per-customer frequency/recency/T/monetary summary (DuckDB or Spark)",
        description="Per-customer RFM summary (the same numbers as lifetimes' "
        "summary_data_from_transaction_data) of the warehouse's transactions or of --source, "
        "computed on --engine; prints a description or writes --out.",
    )
    summary.add_argument(
        "--dataset", default="world", help="warehouse schema (default: %(default)s)"
    )
    summary.add_argument(
        "--source",
        metavar="PATH",
        help="transactions to summarise instead of the warehouse: a CSV or Parquet file, or a "
        "folder of Parquet files (Hive partitions such as month=2024-01/ allowed)",
    )
    summary.add_argument(
        "--time-unit",
        "--freq",
        dest="time_unit",
        choices=["D", "W"],
        default="W",
        help="time unit of recency and T: D days or W weeks (--freq: old name)",
    )
    summary.add_argument(
        "--observation-end", help="last date to include (default: last transaction)"
    )
    summary.add_argument(
        "--engine",
        choices=ENGINES,
        default="duckdb",
        help="where the summary is computed: duckdb (embedded, default) or spark (needs Java "
        "17+; a local Spark unless --spark-master)",
    )
    summary.add_argument(
        "--spark-master",
        metavar="URL",
        help="with --engine spark: the cluster's master, e.g. spark://host:7077 "
        "(default: a local Spark in this process)",
    )
    summary.add_argument(
        "--map",
        dest="column_map",
        metavar="COL=CANONICAL,…",
        help="with --source: name your columns, e.g. 'Datum=timestamp,Kunde=customer_id'",
    )
    summary.add_argument(
        "--out",
        help="write the summary: FILE.csv, FILE.parquet, or DIR/ (no suffix) for a folder of "
        "Parquet files written by the engine",
    )
    summary.add_argument("--path", help=warehouse_help)
    return summary


def _is_folder(out: str) -> bool:
    """Whether ``--out`` names a folder of Parquet files: a trailing slash or no suffix."""
    return out.endswith(("/", "\\")) or not Path(out).suffix or Path(out).is_dir()


def _engine_source(args, warehouse_path: Path):
    """Return what the engine reads: Parquet as it is, else a validated frame.

    A Parquet file or folder with the canonical columns (``engine_readable``) is read by the
    engine itself; other columns (``date``, ``CustomerID`` …, ``--map``) and CSV files are
    mapped and validated here first (``load_table``, ``read_parquet_folder``).
    """
    from crm_models.data.lake import engine_readable, read_parquet_folder

    if args.source is None:
        from crm_models.data.warehouse import Warehouse

        return Warehouse(warehouse_path).table("transactions", dataset=args.dataset)
    source = Path(args.source).expanduser()
    if source.is_dir():
        if args.column_map is None and engine_readable(source):
            return source
        return read_parquet_folder(source, "transactions", column_map=args.column_map)
    if not source.is_file():
        raise ParameterError(f"--source {args.source}: no such file or folder")
    if args.column_map is None and engine_readable(source):
        return source
    from crm_models.data.loaders import load_table

    return load_table(source, "transactions", column_map=args.column_map)


def _summary_frame(args, warehouse_path: Path) -> pd.DataFrame:
    """Return the summary as a frame indexed by customer_id, computed on ``args.engine``."""
    if args.source is None and args.engine == "duckdb":
        from crm_models.data.warehouse import Warehouse

        return Warehouse(warehouse_path).summary(
            dataset=args.dataset, time_unit=args.time_unit, observation_end=args.observation_end
        )
    from crm_models.data.summary import rfm_summary

    return rfm_summary(
        _engine_source(args, warehouse_path),
        observation_end=args.observation_end,
        time_unit=args.time_unit,
        engine=args.engine,
        spark_master=args.spark_master or None,
    )


def _same_rows(batch: pd.DataFrame) -> pd.DataFrame:
    """Return the batch as it is (the engine writes the summary view's rows to Parquet)."""
    return batch


def _write_folder(args, warehouse_path: Path, out: Path) -> int:
    """Write the summary as a folder of Parquet files from the engine; return its row count."""
    from crm_models.data.summary import summary_view
    from crm_models.engines import get_engine

    source = _engine_source(args, warehouse_path)
    engine = get_engine(args.engine, spark_master=args.spark_master or None)
    try:
        transactions = engine.read_transactions(source)
        name = summary_view(engine, transactions, args.observation_end, args.time_unit)
        empty = engine.fetch(f"SELECT * FROM {name} LIMIT 0")
        schema = {c: FOLDER_TYPES.get(str(t), "VARCHAR") for c, t in empty.dtypes.items()}
        engine.map_batches(name, _same_rows, schema, out=out)
        return int(engine.fetch(f"SELECT count(*) AS n FROM {name}")["n"].iloc[0])
    finally:
        engine.stop()


def run_summary(args, warehouse_path: Path) -> int:
    """Run ``crm data summary`` with parsed ``args``; print or write the summary.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments of ``crm data summary``.
    warehouse_path : pathlib.Path
        The warehouse file (``--path`` or the project's default).

    Returns
    -------
    int
        Exit status 0 (errors raise ``CRMError`` subclasses, printed by ``crm``).
    """
    if args.spark_master and args.engine != "spark":
        raise ParameterError("--spark-master needs --engine spark")
    if args.column_map and args.source is None:
        raise ParameterError("--map needs --source (the warehouse's columns are canonical)")
    if args.out and _is_folder(args.out):
        out = Path(args.out)
        n = _write_folder(args, warehouse_path, out)
        print(f"{n:,} customers written to {out}/ (Parquet files, {args.engine})")
        return 0
    frame = _summary_frame(args, warehouse_path)
    if not args.out:
        print(frame.describe().round(2).to_string())
        return 0
    from crm_models._files import atomic_path

    out = Path(args.out)
    try:
        with atomic_path(out) as temporary:  # creates a missing folder
            if out.suffix.lower() in (".parquet", ".pq"):
                frame.to_parquet(temporary)
            else:
                frame.to_csv(temporary)
    except OSError as error:
        raise ParameterError(f"{out}: cannot write the summary ({error})") from None
    print(f"{len(frame):,} customers written to {out}")
    return 0
