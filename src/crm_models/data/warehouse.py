"""The embedded warehouse: one DuckDB file holding validated canonical tables.

Layout: one DuckDB schema per dataset — ``world`` (the synthetic CRM world, with its truth in
``world_truth``), ``cdnow`` (CDNOW transactions from ``lifetimes``) and ``main`` for the
user's own files. A ledger table ``main._loads`` records every load: dataset, table, content
hash (order-insensitive SHA-256 of the validated rows), row count, source, time and mode
(append / replace / delete — rows removed by a cascading replace).

Guarantees (see :mod:`crm_models.data.locking` for the mechanics):

- every write holds the lock ``{path}.lock``; a second writer waits or fails with one line;
- every write goes to a staged copy renamed over the file: any failure (refused file, DuckDB
  error, full disk) leaves the warehouse byte-for-byte as it was;
- ``build`` replaces only the datasets it builds; every other dataset (``main`` …) and its
  ledger rows are kept as they were;
- ``load`` validates the file first (schema, customer id type, duplicate keys against what
  is stored); customer ids not yet in ``customers`` are added there (id only, consent
  ``unknown``); ``replace`` of customers refuses to orphan rows unless ``cascade=True``;
- loading the same rows twice, in any order, is a no-op (the ledger's content hash says so,
  counting only loads since the table was last replaced).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from crm_models.data.integrity import (
    CHILD_TABLES,
    LEDGER,
    add_columns,
    add_new_customers,
    check_id_kind,
    exists,
    fill_placeholders,
    ident,
    keep_other_datasets,
    orphans,
)
from crm_models.data.loaders import load_table
from crm_models.data.locking import (
    WarehouseError,
    check_warehouse_file,
    duckdb_failure,
    staged,
    warehouse_lock,
)
from crm_models.data.schemas import KEYS, MAX_SHOWN_ROWS
from crm_models.data.summary import rfm_summary
from crm_models.errors import DataValidationError, ParameterError
from crm_models.project import resolve_path

__all__ = ["DEFAULT_PATH", "LEDGER", "Warehouse", "WarehouseError", "content_hash"]

DEFAULT_PATH = Path("data") / "crm.duckdb"
_PROGRAMMING_ERRORS = (duckdb.CatalogException, duckdb.BinderException, duckdb.ParserException)


def content_hash(frame: pd.DataFrame) -> str:
    """SHA-256 (hex) of a frame's columns and rows, whatever the row and column order.

    Values are hashed in one representation whatever their dtype's flavour (datetimes in ns,
    text as Python strings), so the same rows hash alike from a file, from DuckDB, and on
    pandas 2 or 3.
    """
    columns = sorted(frame.columns, key=str)
    digest = hashlib.sha256(json.dumps([str(c) for c in columns]).encode())
    normal = frame[columns].copy()
    for column in columns:
        values = normal[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            normal[column] = values.astype("datetime64[ns]")
        elif pd.api.types.is_string_dtype(values):
            normal[column] = values.astype(object).where(values.notna(), None)
    rows = pd.util.hash_pandas_object(normal, index=False).to_numpy()
    digest.update(np.sort(rows).tobytes())  # the multiset of row hashes
    return digest.hexdigest()


class Warehouse:
    """A DuckDB warehouse file at ``path`` (default ``data/crm.duckdb`` in the project root).

    A relative ``path`` given explicitly stays relative to the working folder. After
    :meth:`build`, ``kept`` lists the datasets it kept unchanged (one note each).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The ``.duckdb`` file (default: ``data/crm.duckdb`` of the project).
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else resolve_path(DEFAULT_PATH)
        self.kept: list[str] = []

    # -- reading -----------------------------------------------------------------------
    @contextmanager
    def connect(self, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a DuckDB connection to the warehouse (a context manager); read-only by default.

        Parameters
        ----------
        read_only : bool, default True
            Open without write access (the file must exist). A writable connection holds
            the warehouse lock and writes the file in place: use :meth:`load` instead.

        Returns
        -------
        Iterator[duckdb.DuckDBPyConnection]
            Yields the connection and closes it on exit. A file that is not a DuckDB
            database, is corrupt or is locked by another program raises one
            :class:`WarehouseError` line.
        """
        check_warehouse_file(self.path)
        if read_only and not self.path.exists():
            raise DataValidationError(
                f"{self.path}: no warehouse yet; build it with `crm data build`"
            )
        if read_only:
            with self._open(self.path, read_only=True) as con:
                yield con
        else:
            with warehouse_lock(self.path), self._open(self.path, read_only=False) as con:
                yield con

    @staticmethod
    @contextmanager
    def _open(
        path: Path, read_only: bool, shown: Path | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """Connect to ``path``; DuckDB errors become one line naming ``shown`` (the warehouse)."""
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as error:
            raise duckdb_failure(shown or path, error) from None
        try:
            yield con
        except _PROGRAMMING_ERRORS:
            raise
        except duckdb.Error as error:
            raise duckdb_failure(shown or path, error) from None
        finally:
            con.close()

    def table(self, name: str, dataset: str = "world") -> pd.DataFrame:
        """Return the whole table ``dataset.name`` as a frame.

        Parameters
        ----------
        name : str
            The table (``transactions``, ``customers`` …).
        dataset : str, default "world"
            The dataset (DuckDB schema) holding it.

        Returns
        -------
        pandas.DataFrame
            Every row of the table, with its stored column types.
        """
        with self.connect() as con:
            self._require_table(con, dataset, name)
            return con.execute(f"SELECT * FROM {ident(dataset)}.{ident(name)}").df()

    def summary(self, dataset: str = "world", **kwargs) -> pd.DataFrame:
        """Return the RFM summary of ``dataset.transactions``, computed in DuckDB.

        Parameters
        ----------
        dataset : str, default "world"
            The dataset whose transactions are summarised.
        **kwargs
            ``observation_end``, ``time_unit``, ``calibration_end`` of ``rfm_summary``.

        Returns
        -------
        pandas.DataFrame
            One row per customer indexed by customer_id (see ``rfm_summary``); the table was
            validated on load, so only its column types are checked.
        """
        with self.connect() as con:
            self._require_table(con, dataset, "transactions")
            return rfm_summary(con, table=f"{ident(dataset)}.transactions", **kwargs)

    def info(self) -> pd.DataFrame:
        """Return one row per stored table.

        Returns
        -------
        pandas.DataFrame
            Columns dataset, table, rows.
        """
        with self.connect() as con:
            tables = con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() "
                "WHERE NOT (schema_name = 'main' AND table_name = '_loads') ORDER BY 1, 2"
            ).fetchall()
            rows = [
                (s, t, con.execute(f"SELECT count(*) FROM {ident(s)}.{ident(t)}").fetchall()[0][0])
                for s, t in tables
            ]
        return pd.DataFrame(rows, columns=["dataset", "table", "rows"])

    def ledger(self) -> pd.DataFrame:
        """Return every load so far.

        Returns
        -------
        pandas.DataFrame
            Columns dataset, table_name, content_hash, rows, source, loaded_at, mode.
        """
        with self.connect() as con:
            return con.execute(f"SELECT * FROM {LEDGER} ORDER BY loaded_at").df()

    def fingerprint(self) -> str:
        """Return a hash of the ledger, which changes whenever stored content changes.

        Used for report caching.

        Returns
        -------
        str
            A hex digest, or ``"absent"`` when the file does not exist.
        """
        if not self.path.exists():
            return "absent"
        ledger = self.ledger()[["dataset", "table_name", "content_hash", "rows"]]
        return hashlib.sha256(ledger.to_csv(index=False).encode()).hexdigest()

    # -- writing -----------------------------------------------------------------------
    def build(
        self, datasets: Mapping[str, Mapping[str, pd.DataFrame]], source: str, wait: bool = True
    ) -> list[str]:
        """Replace the datasets in ``datasets`` ({dataset: {table: frame}}), atomically.

        Canonical tables (customers, transactions, …) must already be validated; other
        tables (e.g. truth) are stored as given. Every other dataset of the current file
        (the user's ``main`` …) is kept with its ledger rows, unchanged.

        Parameters
        ----------
        datasets : mapping
            The datasets to (re)create, each a mapping of table name to frame.
        source : str
            Recorded in the ledger.
        wait : bool, default True
            Wait for another writer; ``False`` fails at once with one line.

        Returns
        -------
        list of str
            One note per kept dataset (or about a corrupt old file kept aside).
        """
        check_warehouse_file(self.path)
        with warehouse_lock(self.path, wait=wait), staged(self.path, copy=False) as stage:
            with self._open(stage, False, self.path) as con:
                self._create_ledger(con)
                notes = keep_other_datasets(con, self.path, list(datasets))
                for dataset, tables in datasets.items():
                    con.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(dataset)}")
                    for name, frame in tables.items():
                        self._write(con, dataset, name, frame, source, replace=True)
                con.execute("CHECKPOINT")
        self.kept = notes
        return notes

    def load(
        self,
        path: str | Path,
        table: str,
        dataset: str = "main",
        mode: str = "append",
        allow_returns: bool = False,
        *,
        cascade: bool = False,
        wait: bool = True,
        **read_options,
    ) -> str:
        """Validate the file at ``path`` as canonical ``table`` and add it to ``dataset``.

        Parameters
        ----------
        path : str or Path
            CSV, Parquet or DuckDB file (see :func:`~crm_models.data.loaders.load_table`).
        table : str
            Canonical table name.
        dataset : str, default 'main'
            Warehouse schema to load into.
        mode : {'append', 'replace'}
            ``append`` adds rows (keys must not collide with stored rows; the same rows again,
            in any order, add nothing); ``replace`` replaces the table.
        allow_returns : bool, default False
            Admit negative amounts and quantities (returns).
        cascade : bool, default False
            With ``replace`` of customers: delete the rows of other tables whose customer is
            no longer there (otherwise such a replace is refused with their count).
        wait : bool, default True
            Wait for another writer; ``False`` fails at once with one line.
        **read_options
            Passed to ``load_table`` (e.g. ``column_map``, ``date_format``, ``dayfirst``).

        Returns
        -------
        str
            A one-line description of what happened.
        """
        if mode not in ("append", "replace"):
            raise ParameterError(f"mode must be 'append' or 'replace', got {mode!r}")
        ident(dataset)
        check_warehouse_file(self.path)
        frame = load_table(path, table, allow_returns=allow_returns, **read_options)
        digest = content_hash(frame)
        source = str(path)
        with warehouse_lock(self.path, wait=wait):
            check_warehouse_file(self.path)
            if mode == "append" and self.path.exists():
                with self.connect() as con:
                    if self._already_loaded(con, dataset, table, digest):
                        return (
                            f"{path}: already loaded into {dataset}.{table} (same content); "
                            "nothing to do"
                        )
            with staged(self.path) as stage, self._open(stage, False, self.path) as con:
                try:
                    notes = self._load_into(
                        con, frame, table, dataset, mode, source, cascade, digest
                    )
                    self._write(con, dataset, table, frame, source, mode == "replace", digest)
                    con.execute("CHECKPOINT")
                except (duckdb.ConversionException, duckdb.ConstraintException) as error:
                    raise DataValidationError(
                        f"{source}: cannot add these rows to {dataset}.{table} "
                        f"({str(error).splitlines()[0]})"
                    ) from None
        message = f"{path}: loaded {len(frame):,} rows into {dataset}.{table} ({mode})"
        return "; ".join([message, *notes])

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _create_ledger(con) -> None:
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {LEDGER} (dataset VARCHAR, table_name VARCHAR, "
            "content_hash VARCHAR, rows BIGINT, source VARCHAR, loaded_at TIMESTAMP, mode VARCHAR)"
        )
        con.execute(f"ALTER TABLE {LEDGER} ADD COLUMN IF NOT EXISTS mode VARCHAR")  # older files

    def _already_loaded(self, con, dataset: str, table: str, digest: str) -> bool:
        """Return whether these rows were appended since the last replace or cascade."""
        if not exists(con, "main", "_loads"):
            return False
        return bool(
            con.execute(
                f"SELECT count(*) FROM {LEDGER} WHERE dataset = $d AND table_name = $t "
                "AND content_hash = $h AND loaded_at >= coalesce((SELECT max(loaded_at) FROM "
                f"{LEDGER} WHERE dataset = $d AND table_name = $t "
                "AND mode IN ('replace', 'delete') AND content_hash <> $h), "
                "TIMESTAMP '0001-01-01')",
                {"d": dataset, "t": table, "h": digest},
            ).fetchall()[0][0]
        )

    def _require_table(self, con, dataset: str, name: str) -> None:
        if not exists(con, dataset, name):
            raise DataValidationError(
                f"{self.path}: no table {dataset}.{name}; see `crm data info` for what is stored"
            )

    def _load_into(self, con, frame, table, dataset, mode, source, cascade, digest) -> list[str]:
        """Check ``frame`` against the stored tables and make room for it; return notes."""
        self._create_ledger(con)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(dataset)}")
        notes: list[str] = []
        if "customer_id" in frame.columns:
            check_id_kind(con, frame, table, dataset, source, mode)
        if table in CHILD_TABLES and "customer_id" in frame.columns:
            notes += add_new_customers(con, frame, dataset, source, self._write)
        if table == "customers" and mode == "replace":
            notes += orphans(con, frame, dataset, source, cascade, digest)
        if table == "customers" and mode == "append" and exists(con, dataset, table):
            notes += fill_placeholders(con, frame, dataset)
        if mode == "append" and exists(con, dataset, table):
            notes += add_columns(con, frame, dataset, table)
        keys = KEYS.get(table, [])
        if mode == "append" and keys and exists(con, dataset, table):
            con.register("_incoming", frame[keys])
            join = " AND ".join(f"s.{ident(k)} = i.{ident(k)}" for k in keys)
            clash = con.execute(
                f"SELECT i.* FROM _incoming i JOIN {ident(dataset)}.{ident(table)} s ON {join} "
                f"LIMIT {MAX_SHOWN_ROWS}"
            ).df()
            con.unregister("_incoming")
            if len(clash):
                raise DataValidationError(
                    f"{source}: {table} column(s) {keys}: "
                    "expected keys not already in the warehouse; "
                    f"duplicate keys e.g. {clash.to_dict(orient='records')} "
                    "(use mode='replace' to replace)"
                )
        return notes

    @staticmethod
    def _write(con, dataset, name, frame, source, replace, digest=None) -> None:
        target = f"{ident(dataset)}.{ident(name)}"
        con.register("_frame", frame)
        if replace or not exists(con, dataset, name):
            con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM _frame")
        else:
            con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _frame")
        con.unregister("_frame")
        con.execute(
            f"INSERT INTO {LEDGER} "
            "(dataset, table_name, content_hash, rows, source, loaded_at, mode) "
            "VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, ?)",
            [
                dataset,
                name,
                digest or content_hash(frame),
                len(frame),
                source,
                "replace" if replace else "append",
            ],
        )
