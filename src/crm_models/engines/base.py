"""What every engine shares.

The ``Engine`` interface, ``TransactionsView``, the column-type check of a table or Parquet
input, and the atomic replacement of an output folder.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crm_models.errors import DataValidationError, ParameterError

__all__ = ["Engine", "TransactionsView", "check_column_types", "replacing_folder"]

_DATE_TYPES = ("TIMESTAMP", "DATE")
_NUMBER_TYPES: tuple[str, ...] = ("DOUBLE", "FLOAT", "DECIMAL", "INTEGER", "BIGINT", "REAL")
_NUMBER_TYPES += ("SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")
OUTPUT_TYPES = ("BIGINT", "BOOLEAN", "DOUBLE", "INTEGER", "VARCHAR")
"""SQL types a ``map_batches`` output column may have."""


@dataclass(frozen=True)
class TransactionsView:
    """Transactions readable in an engine's SQL.

    Attributes
    ----------
    name : str
        The view (or table) to name in SQL: columns customer_id, timestamp, amount (if any).
    has_amount : bool
        Whether the view has an ``amount`` column (currency).
    """

    name: str
    has_amount: bool


def check_column_types(types: Mapping[str, str], what: str, caller: str) -> bool:
    """Check the column types of a transactions relation; return whether it has amount.

    Parameters
    ----------
    types : mapping of str to str
        Column name → SQL type in DuckDB's spelling (``TIMESTAMP``, ``DOUBLE``, ``VARCHAR`` …).
    what : str
        How errors name the input (``"table transactions"``, ``"Parquet data /x/tx"``).
    caller : str
        Named first in every error.

    Returns
    -------
    bool
        True when there is a numeric ``amount`` column; raises ``DataValidationError`` for a
        missing customer_id / timestamp or a column of the wrong type.
    """
    types = {name: kind.upper() for name, kind in types.items()}
    missing = [c for c in ("customer_id", "timestamp") if c not in types]
    if missing:
        raise DataValidationError(
            f"{caller}: {what} is missing column(s) {', '.join(map(repr, missing))}; "
            f"found {', '.join(map(repr, types))}"
        )
    expected: dict[str, tuple[tuple[str, ...], str]] = {
        "timestamp": (_DATE_TYPES, "TIMESTAMP or DATE")
    }
    if "amount" in types:
        expected["amount"] = (_NUMBER_TYPES, "a number type (DOUBLE, DECIMAL …)")
    for name, (allowed, words) in expected.items():
        if not types[name].startswith(allowed):
            raise DataValidationError(
                f"{caller}: {what} column {name!r} is {types[name]}; expected {words}. "
                "Load the data with load_table / crm data load (which parse and check it), "
                "or pass a DataFrame"
            )
    return "amount" in types


def check_output_schema(schema: Mapping[str, str]) -> dict[str, str]:
    """Return ``schema`` with upper-case types; refuse an empty one or an unknown type."""
    if not schema:
        raise ParameterError("map_batches: schema must name at least one output column")
    clean = {str(k): str(v).upper() for k, v in schema.items()}
    bad = {k: v for k, v in clean.items() if v not in OUTPUT_TYPES}
    if bad:
        raise ParameterError(
            f"map_batches: unknown type(s) {bad} in schema; expected one of {OUTPUT_TYPES}"
        )
    return clean


@contextmanager
def replacing_folder(out: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh temporary folder next to ``out``; on success it becomes ``out``.

    An existing ``out`` is replaced only after the body succeeded; on failure the temporary
    folder is removed and ``out`` is left as it was.

    Parameters
    ----------
    out : str or os.PathLike
        The folder to write (its parent is created).

    Yields
    ------
    pathlib.Path
        The temporary folder (not yet created) to write into.
    """
    target = Path(out).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        yield temp
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
    if target.exists():
        os.replace(target, old)
    os.replace(temp, target)
    shutil.rmtree(old, ignore_errors=True)


class Engine:
    """An SQL engine that runs the per-customer work: DuckDB (embedded) or Spark.

    Use as a context manager, or call :meth:`stop` at the end. SQL is written once in DuckDB's
    dialect with ``$name`` parameters; the Spark engine transpiles it (``engines.sql``).
    """

    name: str = ""

    def read_transactions(
        self,
        source,
        *,
        column_map: dict | str | None = None,
        allow_returns: bool = False,
        date_format: str | None = None,
        dayfirst: bool = False,
        caller: str = "read_transactions",
    ) -> TransactionsView:
        """Make ``source`` readable in SQL as canonical transactions.

        Parameters
        ----------
        source : pandas.DataFrame, str, os.PathLike or an engine's own table
            A frame (mapped and validated as ``rfm_summary`` does), a Parquet file or folder
            (Hive partition folders such as ``date=2024-01-01/`` are read; column types
            checked), a DuckDB connection with a ``transactions`` table (duckdb engine) or a
            pyspark DataFrame (spark engine).
        column_map : dict or str, optional
            The user's column names → canonical ones (frames only).
        allow_returns : bool, default False
            Admit negative amounts (frames).
        date_format : str, optional
            strftime layout of text dates that are not ISO 8601 (frames).
        dayfirst : bool, default False
            Accept day-first text dates (frames).
        caller : str, default "read_transactions"
            Named first in every error (``"rfm_summary"`` …).

        Returns
        -------
        TransactionsView
            The view's name and whether it has amounts.
        """
        raise NotImplementedError

    def fetch(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Run one query (DuckDB dialect, ``$name`` parameters) and return its rows.

        Parameters
        ----------
        sql : str
            One SELECT statement in DuckDB's dialect.
        params : dict, optional
            Values of its ``$name`` parameters.

        Returns
        -------
        pandas.DataFrame
            The result, one row per result row, in the query's order.
        """
        raise NotImplementedError

    def create_view(
        self, name: str, sql: str, params: dict | None = None, *, materialize: bool = False
    ) -> None:
        """Define (or replace) view ``name`` as ``sql`` in the engine.

        Parameters
        ----------
        name : str
            The view's name.
        sql : str
            One SELECT statement in DuckDB's dialect with ``$name`` parameters.
        params : dict, optional
            Values of its parameters (inlined as literals).
        materialize : bool, default False
            Compute it once and keep the rows (DuckDB temporary table, Spark cache) for views
            read several times.
        """
        raise NotImplementedError

    def map_batches(
        self,
        relation: str,
        func: Callable[[pd.DataFrame], pd.DataFrame],
        schema: dict[str, str],
        out: str | os.PathLike | None = None,
    ) -> pd.DataFrame | None:
        """Apply ``func`` to the rows of ``relation`` batch by batch.

        Parameters
        ----------
        relation : str
            A view or table of the engine.
        func : callable
            Picklable; pandas.DataFrame of input rows → pandas.DataFrame with the columns of
            ``schema``.
        schema : dict of str to str
            Output column → SQL type (``VARCHAR``, ``BIGINT``, ``INTEGER``, ``DOUBLE``,
            ``BOOLEAN``).
        out : str or os.PathLike, optional
            A folder to write the output to as Parquet (atomically: a temporary folder renamed
            into place; an existing folder is replaced only after success).

        Returns
        -------
        pandas.DataFrame or None
            All output rows (``out=None``), or None after writing ``out``.
        """
        raise NotImplementedError

    def stop(self) -> None:
        """Release the engine (close DuckDB's connection, stop the Spark session)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def inherit_docs(cls: type) -> type:
    """Give the methods of an ``Engine`` subclass the docstrings of ``Engine``'s methods.

    Parameters
    ----------
    cls : type
        A subclass of ``Engine``; methods without a ``Parameters`` section take the base's.

    Returns
    -------
    type
        ``cls`` itself (use as a class decorator).
    """
    for name, func in vars(cls).items():
        base = getattr(Engine, name, None)
        if callable(func) and base is not None and "Parameters" not in (func.__doc__ or ""):
            func.__doc__ = base.__doc__
    return cls
