"""The embedded warehouse: one DuckDB file holding validated canonical tables.

Layout: one DuckDB schema per dataset — ``world`` (the synthetic CRM world, with its truth in
``world_truth``), ``cdnow`` (CDNOW transactions from ``lifetimes``) and ``main`` for the
user's own files. A ledger table ``main._loads`` records every load: dataset, table, content
hash (SHA-256 of the validated rows), row count, source, time and mode (append / replace).

Guarantees:
- ``build`` writes a complete new warehouse into a temporary file and renames it over the old
  one: an interrupted or failing build leaves the previous warehouse untouched.
- ``load`` validates the file first (schema, unknown customer ids, duplicate keys against
  what is already stored), then inserts in one transaction; on any error it rolls back.
- Loading the same content twice is a no-op (the ledger's content hash says so, counting only
  loads since the table was last replaced).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from crm_models._files import atomic_path
from crm_models.data.loaders import read_any
from crm_models.data.schemas import KEYS, MAX_SHOWN_ROWS, check_references, validate
from crm_models.data.summary import rfm_summary
from crm_models.errors import DataValidationError, ParameterError
from crm_models.project import resolve_path

DEFAULT_PATH = Path("data") / "crm.duckdb"
LEDGER = "main._loads"


def content_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's column names and row values (order-sensitive), hex."""
    digest = hashlib.sha256(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ParameterError(f"invalid name {name!r}: use letters, digits and underscores")
    return f'"{name}"'


class Warehouse:
    """A DuckDB warehouse file at ``path`` (default ``data/crm.duckdb`` in the project root).

    A relative ``path`` given explicitly stays relative to the working folder.
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else resolve_path(DEFAULT_PATH)

    # -- reading -----------------------------------------------------------------------
    @contextmanager
    def connect(self, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a DuckDB connection to the warehouse (a context manager); read-only by default.

        Parameters
        ----------
        read_only : bool, default True
            Open without write access (the file must exist).

        Returns
        -------
        Iterator[duckdb.DuckDBPyConnection]
            Yields the connection and closes it on exit.
        """
        if read_only and not self.path.exists():
            raise DataValidationError(
                f"{self.path}: no warehouse yet; build it with `crm data build`"
            )
        con = duckdb.connect(str(self.path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def table(self, name: str, dataset: str = "world") -> pd.DataFrame:
        """Return the whole table ``dataset.name`` as a frame."""
        with self.connect() as con:
            self._require_table(con, dataset, name)
            return con.execute(f"SELECT * FROM {_ident(dataset)}.{_ident(name)}").df()

    def summary(self, dataset: str = "world", **kwargs) -> pd.DataFrame:
        """RFM summary of ``dataset.transactions`` computed in DuckDB (see ``rfm_summary``)."""
        with self.connect() as con:
            self._require_table(con, dataset, "transactions")
            return rfm_summary(con, table=f"{_ident(dataset)}.transactions", **kwargs)

    def info(self) -> pd.DataFrame:
        """One row per stored table: dataset, table, rows."""
        with self.connect() as con:
            tables = con.execute(
                "SELECT schema_name, table_name, estimated_size FROM duckdb_tables() "
                "WHERE NOT (schema_name = 'main' AND table_name = '_loads') ORDER BY 1, 2"
            ).fetchall()
            rows = [
                (s, t, con.execute(f"SELECT count(*) FROM {_ident(s)}.{_ident(t)}").fetchone()[0])
                for s, t, _ in tables
            ]
        return pd.DataFrame(rows, columns=["dataset", "table", "rows"])

    def ledger(self) -> pd.DataFrame:
        """Every load so far: dataset, table_name, content_hash, rows, source, loaded_at, mode."""
        with self.connect() as con:
            return con.execute(f"SELECT * FROM {LEDGER} ORDER BY loaded_at").df()

    def fingerprint(self) -> str:
        """Return a hash of the ledger, which changes whenever stored content changes.

        Used for report caching.
        """
        if not self.path.exists():
            return "absent"
        ledger = self.ledger()[["dataset", "table_name", "content_hash", "rows"]]
        return hashlib.sha256(ledger.to_csv(index=False).encode()).hexdigest()

    # -- writing -----------------------------------------------------------------------
    def build(self, datasets: Mapping[str, Mapping[str, pd.DataFrame]], source: str) -> None:
        """Replace the whole warehouse with ``datasets`` ({dataset: {table: frame}}), atomically.

        Canonical tables (customers, transactions, …) must already be validated; other
        tables (e.g. truth) are stored as given.
        """
        with atomic_path(self.path) as temporary:
            temporary.unlink()  # DuckDB refuses an existing empty file: let it create its own
            try:
                con = duckdb.connect(str(temporary))
                try:
                    self._create_ledger(con)
                    for dataset, tables in datasets.items():
                        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(dataset)}")
                        for name, frame in tables.items():
                            self._write(con, dataset, name, frame, source, replace=True)
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
            finally:
                Path(f"{temporary}.wal").unlink(missing_ok=True)

    def load(
        self,
        path: str | Path,
        table: str,
        dataset: str = "main",
        mode: str = "append",
        allow_returns: bool = False,
    ) -> str:
        """Validate the file at ``path`` as canonical ``table`` and add it to ``dataset``.

        ``mode='append'`` adds rows (keys must not collide with stored rows);
        ``mode='replace'`` replaces the table. Returns a one-line description of what happened.
        """
        if mode not in ("append", "replace"):
            raise ParameterError(f"mode must be 'append' or 'replace', got {mode!r}")
        frame = validate(
            read_any(path, table), table, source=str(path), allow_returns=allow_returns
        )
        digest = content_hash(frame)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        try:
            with self.connect(read_only=False) as con:
                self._create_ledger(con)
                # Same content appended since the table was last replaced: nothing to do.
                already = con.execute(
                    f"SELECT count(*) FROM {LEDGER} WHERE dataset = $d AND table_name = $t "
                    "AND content_hash = $h AND loaded_at >= coalesce((SELECT max(loaded_at) FROM "
                    f"{LEDGER} WHERE dataset = $d AND table_name = $t AND mode = 'replace' "
                    "AND content_hash <> $h), TIMESTAMP '0001-01-01')",
                    {"d": dataset, "t": table, "h": digest},
                ).fetchall()[0][0]
                if already and mode == "append":
                    return (
                        f"{path}: already loaded into {dataset}.{table} (same content); "
                        "nothing to do"
                    )
                self._check_against_stored(con, frame, table, dataset, str(path), mode)
                con.execute("BEGIN TRANSACTION")
                try:
                    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(dataset)}")
                    self._write(
                        con,
                        dataset,
                        table,
                        frame,
                        str(path),
                        replace=mode == "replace",
                        digest=digest,
                    )
                    con.execute("COMMIT")
                except Exception:
                    con.execute("ROLLBACK")
                    raise
        except Exception:
            if created:  # a failed first load leaves no warehouse behind, as before it
                self.path.unlink(missing_ok=True)
                Path(f"{self.path}.wal").unlink(missing_ok=True)
            raise
        return f"{path}: loaded {len(frame):,} rows into {dataset}.{table} ({mode})"

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _create_ledger(con) -> None:
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {LEDGER} (dataset VARCHAR, table_name VARCHAR, "
            "content_hash VARCHAR, rows BIGINT, source VARCHAR, loaded_at TIMESTAMP, mode VARCHAR)"
        )
        con.execute(f"ALTER TABLE {LEDGER} ADD COLUMN IF NOT EXISTS mode VARCHAR")  # older files

    @staticmethod
    def _exists(con, dataset: str, name: str) -> bool:
        return bool(
            con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                [dataset, name],
            ).fetchall()[0][0]
        )  # fetchall: an unfinished result blocks con.register (duckdb 2)

    def _require_table(self, con, dataset: str, name: str) -> None:
        if not self._exists(con, dataset, name):
            raise DataValidationError(
                f"{self.path}: no table {dataset}.{name}; see `crm data info` for what is stored"
            )

    def _check_against_stored(self, con, frame, table, dataset, source, mode) -> None:
        if table != "customers" and "customer_id" in frame.columns:
            if not self._exists(con, dataset, "customers"):
                raise DataValidationError(
                    f"{source}: load {dataset}.customers before {table} (customer ids are checked)"
                )
            ids = con.execute(f"SELECT customer_id FROM {_ident(dataset)}.customers").df()[
                "customer_id"
            ]
            check_references(frame, ids, table, source)
        keys = KEYS.get(table, [])
        if mode == "append" and keys and self._exists(con, dataset, table):
            con.register("_incoming", frame[keys])
            join = " AND ".join(f"s.{_ident(k)} = i.{_ident(k)}" for k in keys)
            clash = con.execute(
                f"SELECT i.* FROM _incoming i JOIN {_ident(dataset)}.{_ident(table)} s ON {join} "
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

    @staticmethod
    def _write(con, dataset, name, frame, source, replace, digest=None) -> None:
        target = f"{_ident(dataset)}.{_ident(name)}"
        con.register("_frame", frame)
        if replace or not Warehouse._exists(con, dataset, name):
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
