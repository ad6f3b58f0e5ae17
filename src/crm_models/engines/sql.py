"""One SQL text for every engine: DuckDB's dialect, parameters inlined, transpiled by sqlglot.

Queries of the per-customer work (``data.summary``, ``value.patterns``) are written once, in
DuckDB's dialect with ``$name`` parameters. :func:`inline_params` replaces each parameter by a
typed literal (a timestamp becomes ``CAST('2024-01-01 00:00:00' AS TIMESTAMP)``);
:func:`to_spark` then rewrites the text for Spark SQL with sqlglot, plus the few functions
sqlglot does not map (DuckDB ``epoch_us`` → Spark ``unix_micros``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import pandas as pd
import sqlglot
from sqlglot import exp

from crm_models.errors import ParameterError

__all__ = ["inline_params", "to_spark"]


def _literal(name: str, value: object) -> exp.Expr:
    """Return a typed SQL literal for one parameter value."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        text = stamp.strftime("%Y-%m-%d %H:%M:%S.%f")
        return exp.Cast(this=exp.Literal.string(text), to=exp.DataType.build("TIMESTAMP"))
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float) and math.isfinite(value):
        return exp.Cast(this=exp.Literal.number(repr(value)), to=exp.DataType.build("DOUBLE"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise ParameterError(
        f"SQL parameter ${name}: expected a date, number or text, got {type(value).__name__}"
    )


def _parse(sql: str) -> exp.Expr:
    """Parse one DuckDB statement."""
    return sqlglot.parse_one(sql, read="duckdb")


def _inline(tree: exp.Expr, params: Mapping[str, object] | None) -> exp.Expr:
    """Replace every ``$name`` placeholder of ``tree`` by the literal of ``params[name]``."""
    values = dict(params or {})

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, (exp.Placeholder, exp.Parameter)):
            name = str(node.name)
            if name not in values:
                raise ParameterError(f"SQL parameter ${name} has no value; got {sorted(values)}")
            return _literal(name, values[name])
        return node

    return tree.transform(replace)


def inline_params(sql: str, params: Mapping[str, object] | None = None) -> str:
    """Return ``sql`` (DuckDB dialect) with its ``$name`` parameters as typed literals.

    Parameters
    ----------
    sql : str
        One DuckDB statement with ``$name`` parameters.
    params : mapping of str to object, optional
        Parameter values: dates / timestamps, ints, floats, text.

    Returns
    -------
    str
        The statement in DuckDB's dialect, without parameters (usable in a view).
    """
    if not params:
        return sql
    return _inline(_parse(sql), params).sql(dialect="duckdb")


def _spark_functions(node: exp.Expr) -> exp.Expr:
    """Rewrite the DuckDB functions sqlglot leaves as they are into their Spark equivalents."""
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "epoch_us":
        (argument,) = node.expressions
        stamp = exp.Cast(this=argument, to=exp.DataType.build("TIMESTAMP", dialect="spark"))
        return exp.Anonymous(this="UNIX_MICROS", expressions=[stamp])
    return node


def to_spark(sql: str, params: Mapping[str, object] | None = None) -> str:
    """Transpile one DuckDB statement to Spark SQL, parameters inlined.

    Parameters
    ----------
    sql : str
        One DuckDB statement with ``$name`` parameters.
    params : mapping of str to object, optional
        Parameter values (see :func:`inline_params`).

    Returns
    -------
    str
        The statement in Spark SQL.
    """
    tree = _inline(_parse(sql), params).transform(_spark_functions)
    return tree.sql(dialect="spark")
