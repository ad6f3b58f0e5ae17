"""The DuckDB engine (default, embedded): frames, Parquet files / Hive folders, connections."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crm_models.data.transaction_input import check_table_types, validated_transactions
from crm_models.engines.base import (
    Engine,
    TransactionsView,
    check_column_types,
    check_output_schema,
    inherit_docs,
    replacing_folder,
)
from crm_models.engines.sql import inline_params
from crm_models.errors import DataValidationError, ParameterError

__all__ = ["DuckDBEngine"]

_ARROW = {
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "DOUBLE": pa.float64(),
    "INTEGER": pa.int32(),
    "VARCHAR": pa.string(),
}
BATCH_ROWS = 1_000_000
"""Rows per batch of ``map_batches`` on DuckDB."""
_COUNTER = itertools.count()


def arrow_schema(schema: dict[str, str]) -> pa.Schema:
    """Return the Arrow schema of a ``map_batches`` output schema (column → SQL type)."""
    return pa.schema([(name, _ARROW[kind]) for name, kind in check_output_schema(schema).items()])


def parquet_glob(path: str | os.PathLike, caller: str) -> tuple[list[str], Path]:
    """Return the Parquet files of a file or folder (``data.lake.parquet_files``) and the path.

    A folder's files are listed as the driver-side reader lists them: ``*.parquet`` / ``*.pq``
    in it and its partition folders, skipping ``_SUCCESS``, ``.crc`` and ``_temporary/``.
    """
    from crm_models.data.lake import parquet_files

    target = Path(path).expanduser()
    if target.is_dir():
        files = parquet_files(target)
        if not files:
            raise DataValidationError(
                f"{caller}: folder {target} holds no Parquet file (*.parquet, *.pq)"
            )
        return [str(f) for f in files], target
    if not target.is_file():
        raise DataValidationError(f"{caller}: no Parquet file or folder at {target}")
    return [str(target)], target


def batch_frame(
    func: Callable[[pd.DataFrame], pd.DataFrame], batch: pd.DataFrame, schema: pa.Schema
) -> pa.Table:
    """Apply ``func`` to one batch and return its output as an Arrow table of ``schema``."""
    result = func(batch)
    missing = [c for c in schema.names if c not in result.columns]
    if missing:
        raise ParameterError(
            f"map_batches: the function's output lacks column(s) {missing}; "
            f"got {list(result.columns)}"
        )
    return pa.Table.from_pandas(result[schema.names], schema=schema, preserve_index=False)


@inherit_docs
class DuckDBEngine(Engine):
    """The embedded engine: one DuckDB connection (its own in-memory one by default).

    Parameters
    ----------
    connection : duckdb.DuckDBPyConnection, optional
        A connection to work in (e.g. the warehouse); it is not closed by :meth:`stop`.
    """

    name = "duckdb"

    def __init__(self, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        self._owned = connection is None
        self.con = duckdb.connect() if connection is None else connection

    def _new_name(self) -> str:
        return f"_crm_tx_{next(_COUNTER)}"

    def read_transactions(
        self,
        source,
        *,
        column_map: dict | str | None = None,
        allow_returns: bool = False,
        date_format: str | None = None,
        dayfirst: bool = False,
        table: str = "transactions",
        caller: str = "read_transactions",
    ) -> TransactionsView:
        """Make ``source`` readable in SQL as canonical transactions.

        Parameters
        ----------
        source : pandas.DataFrame, str, os.PathLike or the engine's own table
            A frame (validated as ``rfm_summary`` does), a Parquet file or folder (Hive
            partitions read; column types checked), or a DuckDB connection (duckdb; it
            becomes the engine's connection, not closed by ``stop``) / a pyspark DataFrame
            (spark).
        column_map : dict or str, optional
            The user's column names → canonical ones (frames only).
        allow_returns : bool, default False
            Admit negative amounts (frames).
        date_format : str, optional
            strftime layout of text dates that are not ISO 8601 (frames).
        dayfirst : bool, default False
            Accept day-first text dates (frames).
        table : str, default "transactions"
            The table of a DuckDB connection.
        caller : str, default "read_transactions"
            Named first in every error.

        Returns
        -------
        TransactionsView
            The view's name and whether it has amounts.
        """
        if isinstance(source, pd.DataFrame):
            frame = validated_transactions(
                source,
                caller,
                column_map=column_map,
                allow_returns=allow_returns,
                date_format=date_format,
                dayfirst=dayfirst,
                copy=False,  # only scanned by the engine
            )
            name = self._new_name()
            self.con.register(name, frame)
            return TransactionsView(name, "amount" in frame.columns)
        if column_map is not None:
            raise ParameterError(
                f"{caller}: column_map applies to a DataFrame; tables and Parquet files are "
                "read with the canonical names customer_id, timestamp, amount"
            )
        if isinstance(source, duckdb.DuckDBPyConnection):
            if source is not self.con:
                self.stop()
                self.con, self._owned = source, False
            return TransactionsView(table, check_table_types(self.con, table, caller))
        if isinstance(source, (str, os.PathLike)):
            return self._read_parquet(source, caller)
        raise DataValidationError(
            f"{caller}: expected a pandas DataFrame of transactions, a Parquet file or folder, "
            f"or a DuckDB connection; got {type(source).__name__}"
        )

    def _read_parquet(self, path: str | os.PathLike, caller: str) -> TransactionsView:
        files, target = parquet_glob(path, caller)
        quoted = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        reader = f"read_parquet([{quoted}], hive_partitioning=true)"
        try:
            rel = self.con.sql(f"SELECT * FROM {reader} LIMIT 0")
        except duckdb.Error as error:
            message = str(error).splitlines()[0]
            raise DataValidationError(
                f"{caller}: cannot read Parquet {target} ({message})"
            ) from None
        types = {n: str(t) for n, t in zip(rel.columns, rel.types, strict=True)}
        has_amount = check_column_types(types, f"Parquet data {target}", caller)
        amount = ", amount" if has_amount else ""
        name = self._new_name()
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT customer_id, "
            f"CAST(timestamp AS TIMESTAMP) AS timestamp{amount} FROM {reader}"
        )
        return TransactionsView(name, has_amount)

    def fetch(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Run one query and return its rows (see ``Engine.fetch``)."""
        return self.con.execute(sql, params or None).df()

    def create_view(
        self, name: str, sql: str, params: dict | None = None, *, materialize: bool = False
    ) -> None:
        """Define view ``name`` (see ``Engine.create_view``); a temp table if ``materialize``."""
        text = inline_params(sql, params)
        for kind in ("VIEW", "TABLE"):  # whichever the name is now (DROP of the other kind fails)
            try:
                self.con.execute(f"DROP {kind} IF EXISTS {name}")
            except duckdb.CatalogException:
                pass
        kind = "TEMP TABLE" if materialize else "TEMP VIEW"
        self.con.execute(f"CREATE {kind} {name} AS {text}")

    def map_batches(
        self,
        relation: str,
        func: Callable[[pd.DataFrame], pd.DataFrame],
        schema: dict[str, str],
        out: str | os.PathLike | None = None,
    ) -> pd.DataFrame | None:
        """Apply ``func`` batch by batch (Arrow record batches; see ``Engine.map_batches``)."""
        target = arrow_schema(schema)
        reader = self.con.sql(f"SELECT * FROM {relation}").to_arrow_reader(BATCH_ROWS)
        if out is None:
            parts = [batch_frame(func, batch.to_pandas(), target) for batch in reader]
            return pa.concat_tables(parts or [target.empty_table()]).to_pandas()
        with replacing_folder(out) as temp:
            temp.mkdir()
            for i, batch in enumerate(reader):
                pq.write_table(
                    batch_frame(func, batch.to_pandas(), target), temp / f"part-{i:05d}.parquet"
                )
            if not any(temp.iterdir()):
                pq.write_table(target.empty_table(), temp / "part-00000.parquet")
        return None

    def stop(self) -> None:
        """Close the engine's own connection (a connection passed in stays open)."""
        if self._owned:
            self.con.close()
