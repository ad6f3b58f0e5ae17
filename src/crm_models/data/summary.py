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
columns customer_id, timestamp, amount.
"""

from __future__ import annotations

import warnings

import duckdb
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError

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


def connect_transactions(
    source: duckdb.DuckDBPyConnection | pd.DataFrame,
    table: str = "transactions",
    caller: str = "rfm_summary",
) -> tuple[duckdb.DuckDBPyConnection, str]:
    """Return a connection and the relation to query.

    ``source`` is a DuckDB connection (the relation is its ``table``) or a pandas frame
    (columns customer_id, timestamp, amount), registered as a view, not copied.
    """
    if isinstance(source, pd.DataFrame):
        missing = {"customer_id", "timestamp", "amount"} - set(source.columns)
        if missing:
            raise DataValidationError(
                f"{caller}: transactions frame is missing column(s) {sorted(missing)}"
            )
        con = duckdb.connect()
        con.register("_transactions_frame", source[["customer_id", "timestamp", "amount"]])
        return con, "_transactions_frame"
    return source, table


def resolve_date(value, con: duckdb.DuckDBPyConnection, relation: str) -> pd.Timestamp:
    """``value`` as a Timestamp; None means the last transaction in ``relation``."""
    if value is None:
        return pd.Timestamp(con.execute(f"SELECT max(timestamp) FROM {relation}").fetchone()[0])
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ParameterError(f"expected a date such as '2025-06-30', got {value!r}") from None


def summary_sql(relation: str, period: str, upper_filter: str) -> str:
    """Return the RFM summary query over ``relation``.

    ``period`` is a ``_unit`` template and ``$end`` the observation end (a query parameter).
    """
    tx_period = period.format(ts="timestamp")
    end_period = period.format(ts="$end::TIMESTAMP")
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
    freq: str | None = None,
) -> pd.DataFrame:
    """Return the per-customer BTYD summary indexed by customer_id (float columns).

    Without ``calibration_end``: frequency, recency, T, monetary_value over transactions up
    to the period of ``observation_end`` (default: the last transaction).
    With ``calibration_end``: the calibration summary (``*_cal`` columns, transactions at or
    before ``calibration_end``) plus frequency_holdout (repeat periods in
    (calibration_end, observation_end]), monetary_value_holdout (mean transaction amount
    there) and duration_holdout (periods between the two ends).

    ``time_unit`` is ``"D"`` (days) or ``"W"`` (weeks starting Monday): recency, T and the
    periods are counted in it (``freq`` is its old name, kept for one release).
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
    con, relation = connect_transactions(source, table)
    end = resolve_date(observation_end, con, relation)
    if calibration_end is None:
        upper = f"{period.format(ts='timestamp')} <= {period.format(ts='$end::TIMESTAMP')}"
        query = summary_sql(relation, period, upper)
        frame = con.execute(query, {"end": end}).df()
        return frame.set_index("customer_id")

    cal_end = resolve_date(calibration_end, con, relation)
    if cal_end >= end:
        raise ParameterError(
            f"calibration_end ({cal_end:%Y-%m-%d}) must be before observation_end ({end:%Y-%m-%d})"
        )
    query = summary_sql(relation, period, "timestamp <= $end::TIMESTAMP")
    calibration = con.execute(query, {"end": cal_end}).df().set_index("customer_id")
    calibration.columns = [f"{c}_cal" for c in calibration.columns]
    holdout = (
        con.execute(
            f"""
        SELECT customer_id,
               CAST(count(DISTINCT {period.format(ts="timestamp")}) AS DOUBLE) AS frequency_holdout,
               CAST(avg({_AMOUNT}) AS DOUBLE) AS monetary_value_holdout
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
    return combined
