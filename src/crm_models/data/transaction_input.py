"""The transactions boundary of the per-customer summaries.

A frame is mapped and validated as ``load_table`` does, a table's column types are checked,
the observation end is resolved.

Shared by ``data.summary`` (``rfm_summary``), ``value.rfm`` (``rfm_table``) and the engines
(``crm_models.engines``).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from crm_models.data.columns import MAPPING_ATTR, map_columns
from crm_models.data.schemas import validate
from crm_models.engines.base import check_column_types
from crm_models.errors import DataValidationError, ParameterError

__all__ = [
    "check_table_types",
    "resolve_date",
    "validated_transactions",
]

_USED = ("customer_id", "timestamp", "amount")


def validated_transactions(
    frame: pd.DataFrame,
    caller: str = "rfm_summary",
    *,
    column_map: dict | str | None = None,
    allow_returns: bool = False,
    date_format: str | None = None,
    dayfirst: bool = False,
    copy: bool = True,
) -> pd.DataFrame:
    """Map and validate a transactions frame as ``load_table`` does; amount may be absent.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per purchase: customer id, timestamp and optionally amount, under canonical
        names, common aliases (``date``, ``customer``, ``revenue`` …) or ``column_map``.
    caller : str
        Named first in every error.
    column_map : dict or str, optional
        The user's column names → canonical ones, as in ``load_table`` (``"date=timestamp"``).
    allow_returns : bool, default False
        Admit negative amounts (returns), as ``load_table(allow_returns=True)``.
    date_format : str, optional
        strftime layout of text dates that are not ISO 8601.
    dayfirst : bool, default False
        Accept day-first text dates (31/05/2024).
    copy : bool, default True
        False: columns that need no change are shared with ``frame``, not copied — for a
        caller that only reads the result (the engines scan it); ``frame`` itself is never
        changed either way.

    Returns
    -------
    pandas.DataFrame
        customer_id, timestamp (datetime64) and amount (float, when given), with a fresh
        0-based index; raises ``DataValidationError`` naming the column and the 1-based rows.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            f"{caller}: expected a pandas DataFrame, got {type(frame).__name__}"
        )
    mapped, mapping = map_columns(
        frame, "transactions", column_map, source=caller, optional=("amount",), copy=copy
    )
    has_amount = "amount" in mapped.columns
    used = [c for c in _USED if c in mapped.columns]
    if list(mapped.columns) != used:  # selecting copies every column: only when needed
        mapped = mapped[used]
    if not has_amount:  # the schema requires amount: validate the other columns only
        mapped = mapped.assign(amount=0.0)
    mapped.attrs = {MAPPING_ATTR: mapping}  # errors name the user's columns
    clean = validate(
        mapped,
        "transactions",
        source=caller,
        allow_returns=allow_returns,
        date_format=date_format,
        dayfirst=dayfirst,
        copy=False,  # mapped is map_columns' own frame (its columns replaced, never written)
    )
    clean.attrs = {}
    return clean if has_amount else clean.drop(columns="amount")


def check_table_types(con: duckdb.DuckDBPyConnection, table: str, caller: str) -> bool:
    """Check the column types of a DuckDB transactions table; return whether it has amount.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection holding ``table``.
    table : str
        The relation (e.g. ``transactions`` or ``"main".transactions``).
    caller : str
        Named first in every error.

    Returns
    -------
    bool
        True when the table has a numeric ``amount`` column; raises ``DataValidationError``
        for a missing customer_id / timestamp or a column of the wrong type.
    """
    try:
        relation = con.sql(f"SELECT * FROM {table} LIMIT 0")
    except duckdb.Error as error:
        raise DataValidationError(f"{caller}: cannot read table {table} ({error})") from None
    types = {name: str(kind) for name, kind in zip(relation.columns, relation.types, strict=True)}
    return check_column_types(types, f"table {table}", caller)


def resolve_date(value, con: duckdb.DuckDBPyConnection, relation: str) -> pd.Timestamp:
    """Return ``value`` as a Timestamp; None means the last transaction in ``relation``.

    Parameters
    ----------
    value : date-like or None
        A date (``"2025-06-30"``, Timestamp …) or None.
    con : duckdb.DuckDBPyConnection
        The connection holding ``relation``.
    relation : str
        Transactions with a ``timestamp`` column.

    Returns
    -------
    pandas.Timestamp
        The date; raises ``ParameterError`` for a value that is not one.
    """
    if value is None:
        row = con.execute(f"SELECT max(timestamp) FROM {relation}").fetchone()
        assert row is not None  # an aggregate always returns one row
        return pd.Timestamp(row[0])
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ParameterError(f"expected a date such as '2025-06-30', got {value!r}") from None
