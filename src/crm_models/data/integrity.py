"""The rules a load keeps against the stored tables (used by ``Warehouse.load``/``build``).

- customer ids keep their kind: integer ids cannot be appended to text ids or the reverse;
- ids of child rows (transactions, campaign, survey) missing from ``customers`` are added
  there, id only, consent ``unknown`` (never contacted); a later customers file completes
  those id-only rows;
- replacing ``customers`` refuses to orphan child rows, or deletes them when cascading;
- an appended file may bring a new optional column: it is added, empty for earlier rows;
- ``build`` keeps every dataset it does not build, with its ledger rows.

Every function works on an open DuckDB connection (a staged copy of the warehouse) and
returns notes (one sentence each) for the load message, or raises one clear line.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from crm_models.data.schemas import UNKNOWN_CONSENT
from crm_models.errors import DataValidationError, ParameterError

__all__ = [
    "CHILD_TABLES",
    "LEDGER",
    "add_columns",
    "add_new_customers",
    "check_id_kind",
    "columns",
    "exists",
    "fill_placeholders",
    "id_kind",
    "ident",
    "keep_other_datasets",
    "orphans",
    "quote",
    "stored_id_types",
]

LEDGER = "main._loads"
CHILD_TABLES = ("transactions", "campaign", "survey")  # tables whose customer_id is a reference


def ident(name: str) -> str:
    """Return a dataset or table name quoted, after checking it is a plain name."""
    if not name.replace("_", "").isalnum():
        raise ParameterError(f"invalid name {name!r}: use letters, digits and underscores")
    return f'"{name}"'


def quote(column: str) -> str:
    """Return any column name as a DuckDB identifier (quotes doubled)."""
    return '"' + str(column).replace('"', '""') + '"'


def id_kind(dtype: object) -> str:
    """Return 'integer' or 'text' for a pandas dtype (int64 / object) or DuckDB type (BIGINT)."""
    return "integer" if "INT" in str(dtype).upper() else "text"


def exists(con, dataset: str, name: str) -> bool:
    """Return whether ``dataset.name`` is a table of the connection's database."""
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = ? AND table_name = ?",
            [dataset, name],
        ).fetchall()[0][0]
    )  # fetchall: an unfinished result blocks con.register (duckdb 2)


def keep_other_datasets(con, path: Path, built: list[str]) -> list[str]:
    """Copy every dataset not in ``built`` (and its ledger rows) from the current file.

    A current file DuckDB cannot read (corrupt) is copied aside as ``{path}.unreadable``
    before the build replaces it; the note says so.
    """
    if not path.exists():
        return []
    created: list[str] = []
    try:
        return _copy_datasets(con, path, built, created)
    except duckdb.Error as error:
        for schema_name in created:
            con.execute(f"DROP SCHEMA IF EXISTS {quote(schema_name)} CASCADE")
        con.execute(f"DELETE FROM {LEDGER}")
        aside = Path(f"{path}.unreadable")
        shutil.copyfile(path, aside)
        return [
            f"could not read the previous warehouse ({str(error).splitlines()[0]}); nothing "
            f"of it was kept — its bytes are saved as {aside}"
        ]


def _copy_datasets(con, path: Path, built: list[str], created: list[str]) -> list[str]:
    con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS _old (READ_ONLY)")
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = '_old' "
            "AND NOT (schema_name = 'main' AND table_name = '_loads') ORDER BY 1, 2"
        ).fetchall()
        kept: dict[str, int] = {}
        for schema_name, name in tables:
            if schema_name in built:
                continue
            target = f"{quote(schema_name)}.{quote(name)}"
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema_name)}")
            created.append(schema_name)
            con.execute(f"CREATE TABLE {target} AS SELECT * FROM _old.{target}")
            kept[schema_name] = kept.get(schema_name, 0) + 1
        has_ledger = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = '_old' "
            "AND schema_name = 'main' AND table_name = '_loads'"
        ).fetchall()[0][0]
        if has_ledger and kept:
            con.execute(
                f"INSERT INTO {LEDGER} BY NAME SELECT * FROM _old.{LEDGER} "
                f"WHERE dataset IN ({', '.join('?' * len(kept))}) ORDER BY loaded_at",
                list(kept),
            )
    finally:
        con.execute("DETACH _old")
    return [f"kept dataset {s} ({n} table(s)) unchanged" for s, n in kept.items()]


def stored_id_types(con, dataset: str) -> dict[str, str]:
    """Return {table: DuckDB type of its customer_id} for the tables of ``dataset``."""
    rows = con.execute(
        "SELECT table_name, data_type FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = ? AND column_name = 'customer_id'",
        [dataset],
    ).fetchall()
    return dict(rows)


def check_id_kind(con, frame, table, dataset, source, mode) -> None:
    """Integer ids cannot join text ids: refuse a file whose ids differ in kind."""
    given = id_kind(frame["customer_id"].dtype)
    for stored_table, stored_type in stored_id_types(con, dataset).items():
        if stored_table == table and mode == "replace":
            continue
        stored = id_kind(stored_type)
        if stored != given:
            raise DataValidationError(
                f"{source}: {table} column 'customer_id': expected {stored} ids like those "
                f"stored in {dataset}.{stored_table}; found {given} ids (e.g. "
                f"{frame['customer_id'].tolist()[0]!r}); load into another dataset (--dataset)"
            )


def add_new_customers(con, frame, dataset, source, write: Callable) -> list[str]:
    """Add the ids not yet in ``dataset.customers`` (id only, consent unknown)."""
    ids = frame[["customer_id"]].drop_duplicates()
    if exists(con, dataset, "customers"):
        con.register("_ids", ids)
        ids = con.execute(
            f"SELECT customer_id FROM _ids EXCEPT SELECT customer_id FROM "
            f"{ident(dataset)}.customers ORDER BY 1"
        ).df()
        con.unregister("_ids")
    if ids.empty:
        return []
    new = ids.assign(consent_status=UNKNOWN_CONSENT).reset_index(drop=True)
    write(con, dataset, "customers", new, f"{source} (new customer ids)", False)
    return [f"added {len(new):,} new customer(s) to {dataset}.customers (id only, consent "
            f"{UNKNOWN_CONSENT}: never contacted)"]  # fmt: skip


def fill_placeholders(con, frame, dataset) -> list[str]:
    """Id-only customers (added by a transactions load) make way for their full rows."""
    stored = columns(con, dataset, "customers")
    others = [c for c in stored if c not in ("customer_id", "consent_status")]
    empty = " AND ".join([f"c.{quote(c)} IS NULL" for c in others] or ["TRUE"])
    con.register("_ids", frame[["customer_id"]])
    deleted = con.execute(
        f"DELETE FROM {ident(dataset)}.customers c WHERE c.consent_status = "
        f"'{UNKNOWN_CONSENT}' AND {empty} AND c.customer_id IN (SELECT customer_id FROM _ids)"
    ).fetchall()[0][0]
    con.unregister("_ids")
    return [f"completed {deleted:,} id-only customer(s)"] if deleted else []


def orphans(con, frame, dataset, source, cascade, digest) -> list[str]:
    """Rows of child tables whose customer the replace removes: refuse, or delete them."""
    con.register("_ids", frame[["customer_id"]])
    counts = {}
    for child in CHILD_TABLES:
        if exists(con, dataset, child):
            counts[child] = con.execute(
                f"SELECT count(*) FROM {ident(dataset)}.{ident(child)} WHERE customer_id "
                "NOT IN (SELECT customer_id FROM _ids)"
            ).fetchall()[0][0]
    counts = {child: n for child, n in counts.items() if n}
    described = ", ".join(f"{n:,} {child} row(s)" for child, n in counts.items())
    if counts and not cascade:
        con.unregister("_ids")
        raise DataValidationError(
            f"{source}: replacing {dataset}.customers would orphan {described} (their "
            "customer ids are not in this file); add those customers to the file, or use "
            "--cascade to delete those rows too"
        )
    for child, n in counts.items():
        con.execute(
            f"DELETE FROM {ident(dataset)}.{ident(child)} WHERE customer_id "
            "NOT IN (SELECT customer_id FROM _ids)"
        )
        con.execute(
            f"INSERT INTO {LEDGER} (dataset, table_name, content_hash, rows, source, "
            "loaded_at, mode) VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, 'delete')",
            [dataset, child, f"cascade:{digest}", n, f"{source} (--cascade)"],
        )
    con.unregister("_ids")
    return [f"deleted {described} of customers no longer present (--cascade)"] if counts else []


def columns(con, dataset: str, name: str) -> list[str]:
    """Return the column names of ``dataset.name`` in table order."""
    return [
        row[0]
        for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index",
            [dataset, name],
        ).fetchall()
    ]


def add_columns(con, frame, dataset, name) -> list[str]:
    """Add the new optional columns of an appended file (empty for the earlier rows)."""
    stored = set(columns(con, dataset, name))
    con.register("_frame", frame)
    described = con.execute("DESCRIBE SELECT * FROM _frame").fetchall()
    con.unregister("_frame")
    added = [(c, t) for c, t, *_ in described if c not in stored]
    for column, kind in added:
        kind = "VARCHAR" if kind.strip('"') == "NULL" else kind
        con.execute(f"ALTER TABLE {ident(dataset)}.{ident(name)} ADD COLUMN {quote(column)} {kind}")
    if not added:
        return []
    names = ", ".join(repr(c) for c, _ in added)
    return [f"added column(s) {names} to {dataset}.{name} (empty for earlier rows)"]
