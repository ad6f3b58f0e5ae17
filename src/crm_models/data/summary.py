"""Per-customer RFM summaries computed in DuckDB: frequency, recency, T, monetary value.

The definitions are those of ``lifetimes.utils.summary_data_from_transaction_data`` and
``calibration_and_holdout_data`` (tests check equality on CDNOW, daily and weekly):

- transactions are truncated to periods (``time_unit='D'`` days, ``'W'`` weeks starting Monday);
  several transactions in one period count once and their amounts are summed;
- ``frequency`` = number of periods with a purchase − 1 (repeat periods);
- ``recency`` = last − first purchase period, ``T`` = observation end period − first period,
  both in units of ``time_unit``;
- ``monetary_value`` = mean amount per repeat period (the first period excluded), 0 without
  repeats.

The SQL is plain (GROUP BY over integer period numbers), so the same query runs on other
SQL engines. Input is a DuckDB connection holding a ``transactions`` table or a pandas frame with
columns customer_id, timestamp and (optionally) amount.

**One boundary.** A frame goes through the same column mapping (``columns.map_columns``:
``date`` → timestamp, ``customer`` → customer_id, or an explicit ``column_map``) and the same
validation (``schemas.validate`` on table ``transactions``) as ``load_table`` and
``crm data load``: missing or negative amounts (unless ``allow_returns``), unparseable or
future dates, empty ids are refused with the rows; text dates are parsed as the loaders parse
them; text ids stay text. A DuckDB table was validated when it was loaded: only its column
types are checked. Without an amount column the summary has no ``monetary_value`` (enough for
BG/NBD, Pareto/NBD, MBG/NBD, BG/BB).

**Units travel with the data.** The summary's ``attrs["time_unit"]`` holds its unit; models
fitted on it keep it as ``time_unit_``. pandas keeps ``attrs`` through slicing, ``.loc``,
``.copy()``, ``.assign`` and column arithmetic on the frame; a frame rebuilt from columns
(``pd.DataFrame({...})``), ``merge`` / ``join`` with a frame without the attribute, and files
written and read back lose it (then pass ``time_unit`` explicitly).
"""

from __future__ import annotations

import warnings

import duckdb
import pandas as pd

from crm_models.data.columns import MAPPING_ATTR, map_columns
from crm_models.data.schemas import validate
from crm_models.errors import DataValidationError, ParameterError

TIME_UNIT_ATTR = "time_unit"
"""Key of ``DataFrame.attrs`` holding the time unit of a per-customer summary (``D``, ``W``)."""
_USED = ("customer_id", "timestamp", "amount")
_DATE_TYPES = ("TIMESTAMP", "DATE")
_NUMBER_TYPES: tuple[str, ...] = ("DOUBLE", "FLOAT", "DECIMAL", "INTEGER", "BIGINT", "REAL")
_NUMBER_TYPES += ("SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")

# Periods are integers: days since 1970-01-01, or weeks starting on Monday (1970-01-01 was a
# Thursday, so day + 3 counts from Monday 1969-12-29) — as pandas' to_period('W') in lifetimes.
# Integer arithmetic is several times faster than date_trunc on timestamps.
_DAY = "CAST(floor(epoch_us({ts}) / 86400000000) AS BIGINT)"
PERIODS = {"D": _DAY, "W": f"CAST(floor(({_DAY} + 3) / 7) AS BIGINT)"}
# Amounts are summed as DECIMAL (exact, so independent of DuckDB's parallel summation order:
# same data => bit-identical summaries), at 1e-9 currency units.
_AMOUNT = "CAST(amount AS DECIMAL(38, 9))"


def _unit(time_unit: str) -> str:
    """Return the SQL template for the period number of a timestamp expression ``{ts}``."""
    if time_unit not in PERIODS:
        raise ParameterError(
            f"time_unit must be one of {sorted(PERIODS)} (days, weeks), got {time_unit!r}"
        )
    return PERIODS[time_unit]


def validated_transactions(
    frame: pd.DataFrame,
    caller: str = "rfm_summary",
    *,
    column_map: dict | str | None = None,
    allow_returns: bool = False,
    date_format: str | None = None,
    dayfirst: bool = False,
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
        frame, "transactions", column_map, source=caller, optional=("amount",)
    )
    has_amount = "amount" in mapped.columns
    mapped = mapped[[c for c in _USED if c in mapped.columns]]
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
    types = {
        name: str(kind).upper() for name, kind in zip(relation.columns, relation.types, strict=True)
    }
    missing = [c for c in ("customer_id", "timestamp") if c not in types]
    if missing:
        raise DataValidationError(
            f"{caller}: table {table} is missing column(s) {', '.join(map(repr, missing))}; "
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
                f"{caller}: table {table} column {name!r} is {types[name]}; expected {words}. "
                "Load the table with load_table / crm data load (which parse and check it), "
                "or pass a DataFrame"
            )
    return "amount" in types


def transactions_relation(
    source: duckdb.DuckDBPyConnection | pd.DataFrame,
    caller: str,
    table: str = "transactions",
    *,
    column_map: dict | str | None = None,
    allow_returns: bool = False,
    date_format: str | None = None,
    dayfirst: bool = False,
) -> tuple[duckdb.DuckDBPyConnection, str, bool]:
    """Return the connection and relation to query for ``source``, and whether it has amounts.

    A frame is mapped and validated (:func:`validated_transactions`) and registered as a view
    of a fresh in-memory DuckDB; a connection's ``table`` has its column types checked
    (:func:`check_table_types`) and is read as it is.

    Parameters
    ----------
    source : pandas.DataFrame or duckdb.DuckDBPyConnection
        The user's transactions, or a warehouse connection.
    caller : str
        Named first in every error (``"rfm_summary"``).
    table : str, default "transactions"
        The table of a connection.
    column_map : dict or str, optional
        The user's column names → canonical ones (frames only).
    allow_returns : bool, default False
        Admit negative amounts.
    date_format : str, optional
        strftime layout of text dates that are not ISO 8601.
    dayfirst : bool, default False
        Accept day-first text dates.

    Returns
    -------
    tuple of (duckdb.DuckDBPyConnection, str, bool)
        Connection, relation name, and True when the relation has an ``amount`` column.
    """
    if isinstance(source, pd.DataFrame):
        frame = validated_transactions(
            source,
            caller,
            column_map=column_map,
            allow_returns=allow_returns,
            date_format=date_format,
            dayfirst=dayfirst,
        )
        con, relation = duckdb.connect(), "_transactions_frame"
        con.register(relation, frame)
        return con, relation, "amount" in frame.columns
    if isinstance(source, duckdb.DuckDBPyConnection):
        if column_map is not None:
            raise ParameterError(
                f"{caller}: column_map applies to a DataFrame; a DuckDB table is read with "
                "the canonical names it was loaded with"
            )
        return source, table, check_table_types(source, table, caller)
    raise DataValidationError(
        f"{caller}: expected a pandas DataFrame of transactions or a DuckDB connection, "
        f"got {type(source).__name__}"
    )


def resolve_date(value, con: duckdb.DuckDBPyConnection, relation: str) -> pd.Timestamp:
    """``value`` as a Timestamp; None means the last transaction in ``relation``."""
    if value is None:
        row = con.execute(f"SELECT max(timestamp) FROM {relation}").fetchone()
        assert row is not None  # an aggregate always returns one row
        return pd.Timestamp(row[0])
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ParameterError(f"expected a date such as '2025-06-30', got {value!r}") from None


def summary_sql(relation: str, period: str, upper_filter: str, amount: bool = True) -> str:
    """Return the RFM summary query over ``relation``.

    ``period`` is a ``_unit`` template and ``$end`` the observation end (a query parameter);
    without ``amount`` the query counts purchases only (no monetary_value).
    """
    tx_period = period.format(ts="timestamp")
    end_period = period.format(ts="$end::TIMESTAMP")
    if not amount:
        return f"""
        WITH periods AS (
            SELECT DISTINCT customer_id, {tx_period} AS period FROM {relation} WHERE {upper_filter}
        )
        SELECT customer_id,
               CAST(count(*) - 1 AS DOUBLE) AS frequency,
               CAST(max(period) - min(period) AS DOUBLE) AS recency,
               CAST({end_period} - min(period) AS DOUBLE) AS "T"
        FROM periods
        GROUP BY customer_id
        ORDER BY customer_id
    """
    return f"""
        WITH periods AS (
            SELECT customer_id, {tx_period} AS period, sum({_AMOUNT}) AS amount
            FROM {relation}
            WHERE {upper_filter}
            GROUP BY customer_id, period
        ), customers AS (
            SELECT customer_id,
                   min(period) AS first_period,
                   max(period) AS last_period,
                   count(*) AS n_periods,
                   sum(amount) AS total_amount,
                   arg_min(amount, period) AS first_amount
            FROM periods
            GROUP BY customer_id
        )
        SELECT customer_id,
               CAST(n_periods - 1 AS DOUBLE) AS frequency,
               CAST(last_period - first_period AS DOUBLE) AS recency,
               CAST({end_period} - first_period AS DOUBLE) AS "T",
               CASE WHEN n_periods > 1
                    THEN CAST((total_amount - first_amount) AS DOUBLE) / (n_periods - 1)
                    ELSE 0.0 END AS monetary_value
        FROM customers
        ORDER BY customer_id
    """


def rfm_summary(
    source: duckdb.DuckDBPyConnection | pd.DataFrame,
    observation_end=None,
    time_unit: str = "D",
    calibration_end=None,
    table: str = "transactions",
    *,
    column_map: dict | str | None = None,
    allow_returns: bool = False,
    date_format: str | None = None,
    dayfirst: bool = False,
    freq: str | None = None,
) -> pd.DataFrame:
    """Return the per-customer BTYD summary, one row per customer indexed by customer_id.

    Parameters
    ----------
    source : pandas.DataFrame or duckdb.DuckDBPyConnection
        One row per purchase with customer_id, timestamp and, optionally, amount (currency;
        the user's names work as in ``load_table``: ``date``, ``customer``, ``revenue`` … or
        ``column_map``). A frame is validated like a loaded file (module docstring); a
        connection's ``table`` only has its column types checked.
    observation_end : date-like, optional
        End of observation (default: the last transaction); transactions in later periods
        are ignored.
    time_unit : {"D", "W"}, default "D"
        Days, or calendar weeks starting Monday: purchases are counted per period and
        recency, T are in this unit. Stored in ``attrs["time_unit"]`` of the result.
    calibration_end : date-like, optional
        Split into a calibration and a holdout period (see Returns).
    table : str, default "transactions"
        The table of a DuckDB ``source``.
    column_map : dict or str, optional
        The user's column names → canonical ones (``{"Datum": "timestamp"}`` or
        ``"Datum=timestamp,Kunde=customer_id"``), as ``load_table(column_map=)``.
    allow_returns : bool, default False
        Admit negative amounts (returns): they are netted per period.
    date_format : str, optional
        strftime layout of text dates that are not ISO 8601 (``"%d/%m/%Y"``).
    dayfirst : bool, default False
        Accept day-first text dates.
    freq : str, optional
        Deprecated name of ``time_unit`` (FutureWarning).

    Returns
    -------
    pandas.DataFrame
        Float columns ``frequency`` (repeat periods), ``recency`` and ``T`` (``time_unit``)
        and ``monetary_value`` (mean spend per repeat period, currency; only with amounts).
        With ``calibration_end``: the same columns suffixed ``_cal`` (transactions at or
        before ``calibration_end``; ``fit`` of every value model reads them directly), plus
        ``frequency_holdout`` (repeat periods in (calibration_end, observation_end]),
        ``monetary_value_holdout`` (mean transaction amount there, with amounts) and
        ``duration_holdout`` (periods between the two ends): ready for ``holdout_metrics``.
    """
    if freq is not None:
        warnings.warn(
            "rfm_summary: 'freq' is now 'time_unit'; the old name will be removed "
            "in the next release",
            FutureWarning,
            stacklevel=2,
        )
        time_unit = freq
    period = _unit(time_unit)
    con, relation, has_amount = transactions_relation(
        source,
        "rfm_summary",
        table,
        column_map=column_map,
        allow_returns=allow_returns,
        date_format=date_format,
        dayfirst=dayfirst,
    )
    end = resolve_date(observation_end, con, relation)
    if calibration_end is None:
        upper = f"{period.format(ts='timestamp')} <= {period.format(ts='$end::TIMESTAMP')}"
        query = summary_sql(relation, period, upper, has_amount)
        summary = con.execute(query, {"end": end}).df().set_index("customer_id")
        summary.attrs[TIME_UNIT_ATTR] = time_unit
        return summary

    cal_end = resolve_date(calibration_end, con, relation)
    if cal_end >= end:
        raise ParameterError(
            f"calibration_end ({cal_end:%Y-%m-%d}) must be before observation_end ({end:%Y-%m-%d})"
        )
    query = summary_sql(relation, period, "timestamp <= $end::TIMESTAMP", has_amount)
    calibration = con.execute(query, {"end": cal_end}).df().set_index("customer_id")
    calibration.columns = [f"{c}_cal" for c in calibration.columns]
    spend = f", CAST(avg({_AMOUNT}) AS DOUBLE) AS monetary_value_holdout" if has_amount else ""
    holdout = (
        con.execute(
            f"""
        SELECT customer_id,
               CAST(count(DISTINCT {period.format(ts="timestamp")}) AS DOUBLE) AS frequency_holdout
               {spend}
        FROM {relation}
        WHERE timestamp > $cal_end::TIMESTAMP AND timestamp <= $end::TIMESTAMP
        GROUP BY customer_id
        """,
            {"cal_end": cal_end, "end": end},
        )
        .df()
        .set_index("customer_id")
    )
    if holdout.empty:
        raise ParameterError(
            f"no transactions between calibration_end {cal_end:%Y-%m-%d} and observation_end "
            f"{end:%Y-%m-%d}: move calibration_end earlier"
        )
    combined = calibration.join(holdout, how="left").fillna(0.0)
    combined["duration_holdout"] = float(
        (end.to_period(time_unit) - cal_end.to_period(time_unit)).n
    )
    combined.attrs = {TIME_UNIT_ATTR: time_unit}
    return combined
