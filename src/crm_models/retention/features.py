"""Churn labels and churn features of non-contractual customers at a cut-off day (DuckDB SQL).

**Days, not instants.** The cut-off is a calendar day (a time of day given is dropped): the
data "up to the cut-off" is every transaction on or before that day, and the label window
``(cutoff, cutoff + inactivity_days]`` is the ``inactivity_days`` calendar days after it (the
day after the cut-off is the first, ``cutoff + inactivity_days`` the last, both included).

**Purchases and returns.** A row with a negative amount is a return, not a purchase: it never
makes a customer active, it only feeds ``return_share``. Without an amount column every row
is a purchase.

**No leakage.** ``churn_features`` reads nothing dated after the cut-off day: every query filters
``day <= cutoff`` before it aggregates, and survey answers are taken as they are (a survey has
no date; pass only answers collected before the cut-off). Service contacts are filtered by
their ``contact_date``.

Transactions are validated at the boundary as ``rfm_summary`` validates them
(``crm_models.data.transaction_input.validated_transactions`` through the DuckDB engine):
user names such as ``date`` or ``customer`` work, text dates are parsed, text ids stay text;
returns (negative amounts) are admitted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.data.columns import map_columns
from crm_models.data.summary import MICROS
from crm_models.engines.duck import DuckDBEngine
from crm_models.errors import DataValidationError, ParameterError, format_rows

__all__ = ["TREND_DAYS", "churn_features", "churn_labels", "cutoff_day", "satisfaction_scores"]

TREND_DAYS = 90
"""Days of each of the two windows compared by ``spend_trend`` and counted by ``*_90d``."""

_DAY = "CAST(floor(epoch_us(timestamp) / 86400000000) AS INTEGER)"
_EPOCH = pd.Timestamp("1970-01-01")
# amounts are summed as integers in micro-units (as data.summary does): integer sums do not
# depend on the order of DuckDB's parallel summation, so the features are exact, run after run
_MICROS_SQL = f"CAST(floor(amount * {MICROS} + 0.5) AS BIGINT)"


def cutoff_day(cutoff, caller: str = "churn_features") -> pd.Timestamp:
    """Return ``cutoff`` as a calendar day (midnight), refusing values that are not dates.

    Parameters
    ----------
    cutoff : date-like
        ``"2025-06-30"``, a Timestamp, a ``datetime.date`` …; a time of day is dropped.
    caller : str, default "churn_features"
        Named first in the error.

    Returns
    -------
    pandas.Timestamp
        The day at 00:00.
    """
    try:
        day = pd.Timestamp(cutoff)
    except (TypeError, ValueError):
        day = pd.NaT
    if pd.isna(day):
        raise ParameterError(f"{caller}: cutoff must be a date such as '2025-06-30', got {cutoff!r}")
    return day.tz_localize(None).normalize() if day.tzinfo else day.normalize()


def _day_number(day: pd.Timestamp) -> int:
    """Days since 1970-01-01 of a midnight timestamp (the SQL ``day`` of its transactions)."""
    return int((day - _EPOCH) // pd.Timedelta(days=1))


def _check_days(inactivity_days, caller: str) -> int:
    """Return the inactivity window as a positive whole number of days."""
    if isinstance(inactivity_days, (bool, np.bool_)) or not isinstance(
        inactivity_days, (int, np.integer, float, np.floating)
    ):
        raise ParameterError(
            f"{caller}: inactivity_days must be a whole number of days > 0, got {inactivity_days!r}"
        )
    if not np.isfinite(inactivity_days) or inactivity_days <= 0 or inactivity_days % 1:
        raise ParameterError(
            f"{caller}: inactivity_days must be a whole number of days > 0 (e.g. 90), "
            f"got {inactivity_days!r}"
        )
    return int(inactivity_days)


def _purchase_days(engine: DuckDBEngine, transactions, caller: str) -> tuple[str, bool]:
    """Register validated transactions; return a view of (customer_id, day, amount) and has_amount."""
    view = engine.read_transactions(transactions, allow_returns=True, caller=caller)
    amount = _MICROS_SQL if view.has_amount else "0"
    name = f"{view.name}_days"
    engine.create_view(
        name, f"SELECT customer_id, {_DAY} AS day, {amount} AS amount FROM {view.name}"
    )
    return name, view.has_amount


def _first_customers_check(
    engine: DuckDBEngine, days: str, cut: pd.Timestamp, caller: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the first and last purchase days; refuse data without a purchase by the cut-off."""
    row = engine.fetch(
        f"SELECT min(day) AS first, max(day) AS last, "
        f"count(*) FILTER (WHERE day <= $cut) AS before FROM {days} WHERE amount >= 0",
        {"cut": _day_number(cut)},
    ).iloc[0]
    if pd.isna(row["first"]):
        raise DataValidationError(f"{caller}: transactions hold no purchase (amount >= 0)")
    first = _EPOCH + pd.Timedelta(days=int(row["first"]))
    last = _EPOCH + pd.Timedelta(days=int(row["last"]))
    if int(row["before"]) == 0:
        raise ParameterError(
            f"{caller}: no customer has a purchase on or before the cut-off {cut:%Y-%m-%d}; "
            f"the data runs from {first:%Y-%m-%d} to {last:%Y-%m-%d}: choose a later cut-off"
        )
    return first, last


def churn_labels(transactions: pd.DataFrame, cutoff, inactivity_days: int) -> pd.Series:
    """Return 1 for customers who leave (no purchase in the inactivity window), else 0.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase (or return): customer_id, timestamp and optionally amount
        (currency; negative = return), under canonical or common names (``date`` …).
    cutoff : date-like
        The cut-off day; purchases on it count as before (module docstring).
    inactivity_days : int
        Length of the window in days (> 0): a customer who bought on or before ``cutoff``
        churns when they make no purchase in (cutoff, cutoff + inactivity_days].

    Returns
    -------
    pandas.Series
        int64 0/1 named ``churned``, indexed by customer_id (customers with a purchase on or
        before the cut-off, sorted). Raises ``ParameterError`` when the data ends before
        ``cutoff + inactivity_days`` (the labels cannot be known yet), when no customer bought
        by the cut-off, or for ``inactivity_days <= 0``.
    """
    caller = "churn_labels"
    days_n = _check_days(inactivity_days, caller)
    cut = cutoff_day(cutoff, caller)
    with DuckDBEngine() as engine:
        days, _ = _purchase_days(engine, transactions, caller)
        _, last = _first_customers_check(engine, days, cut, caller)
        window_end = cut + pd.Timedelta(days=days_n)
        if last < window_end:
            latest = last - pd.Timedelta(days=days_n)
            raise ParameterError(
                f"{caller}: the data ends on {last:%Y-%m-%d}, but labels for the cut-off "
                f"{cut:%Y-%m-%d} with inactivity_days={days_n} need purchases up to "
                f"{window_end:%Y-%m-%d}: choose a cut-off on or before {latest:%Y-%m-%d} "
                f"or a shorter inactivity_days"
            )
        labels = engine.fetch(
            f"""
            SELECT customer_id,
                   CAST(count(*) FILTER (WHERE day > $cut AND day <= $end) = 0 AS BIGINT)
                       AS churned
            FROM {days}
            WHERE amount >= 0 AND day <= $end
            GROUP BY customer_id
            HAVING count(*) FILTER (WHERE day <= $cut) > 0
            """,
            {"cut": _day_number(cut), "end": _day_number(window_end)},
        )
    return labels.set_index("customer_id")["churned"].sort_index().astype("int64")


_FEATURES_SQL = """
WITH purchases AS (
    SELECT customer_id, day, sum(amount) AS amount, count(*) AS n
    FROM {days} WHERE amount >= 0 AND day <= $cut GROUP BY customer_id, day
), returns AS (
    SELECT customer_id, -sum(amount) AS returned
    FROM {days} WHERE amount < 0 AND day <= $cut GROUP BY customer_id
), per_customer AS (
    SELECT customer_id,
           min(day) AS first_day, max(day) AS last_day, count(*) AS n_days,
           sum(n) AS n_rows, sum(amount) AS spend,
           coalesce(sum({trend}) FILTER (WHERE day > $cut - {w}), 0) AS recent,
           coalesce(sum({trend}) FILTER (WHERE day > $cut - 2 * {w} AND day <= $cut - {w}), 0)
               AS previous
    FROM purchases GROUP BY customer_id
)
SELECT p.customer_id,
       CAST($cut - last_day AS DOUBLE) AS recency_days,
       CAST(n_days AS DOUBLE) AS frequency,
       CAST(spend AS DOUBLE) / (n_rows * {micros}) AS monetary_mean,
       CAST($cut - first_day AS DOUBLE) AS tenure_days,
       CASE WHEN recent + previous > 0
            THEN CAST(recent - previous AS DOUBLE) / (recent + previous) ELSE 0.0 END
           AS spend_trend,
       CASE WHEN n_days > 1
            THEN CAST(last_day - first_day AS DOUBLE) / (n_days - 1) END
           AS mean_interpurchase_days,
       CASE WHEN n_days > 1 AND last_day > first_day
            THEN ($cut - last_day) * (n_days - 1.0) / (last_day - first_day) END AS overdue_ratio,
       CASE WHEN spend > 0 THEN CAST(coalesce(r.returned, 0) AS DOUBLE) / spend ELSE 0.0 END
           AS return_share
FROM per_customer p LEFT JOIN returns r USING (customer_id)
"""


def satisfaction_scores(survey: pd.DataFrame, caller: str = "churn_features") -> pd.Series:
    """Return one satisfaction score per respondent from a survey frame.

    Parameters
    ----------
    survey : pandas.DataFrame
        customer_id (or an alias) and either ``SATI*`` items, else ``CUSA*`` items (the
        satisfaction construct of the synthetic world), else a ``satisfaction`` column;
        numeric answers (points of the survey scale, e.g. 1–10).
    caller : str, default "churn_features"
        Named first in every error.

    Returns
    -------
    pandas.Series
        float, named ``satisfaction``, indexed by customer_id: the mean of the items a
        respondent answered (NaN when none). Raises ``DataValidationError`` naming the column
        and rows of non-numeric answers or repeated ids.
    """
    if not isinstance(survey, pd.DataFrame):
        raise DataValidationError(f"{caller}: survey must be a DataFrame, got {type(survey).__name__}")
    mapped, _ = map_columns(survey, "survey", None, source=f"{caller} survey")
    columns = [str(c) for c in mapped.columns]
    items = [c for c in columns if c.upper().startswith("SATI")]
    items = items or [c for c in columns if c.upper().startswith("CUSA")]
    items = items or [c for c in columns if c.lower() == "satisfaction"]
    if not items:
        raise DataValidationError(
            f"{caller}: survey has no satisfaction answers: expected SATI* or CUSA* item "
            f"columns or a 'satisfaction' column, got {columns}"
        )
    values = {}
    for item in items:
        raw = mapped[item]
        number = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna().to_numpy() & number.isna().to_numpy()
        if bad.any():
            raise DataValidationError(
                f"{caller}: survey column '{item}': expected numbers (scale points), "
                f"rows {format_rows(np.flatnonzero(bad))} are not"
            )
        values[item] = number.astype("float64").to_numpy()
    ids = mapped["customer_id"]
    repeated = ids.duplicated(keep="first").to_numpy()
    if repeated.any():
        raise DataValidationError(
            f"{caller}: survey column 'customer_id': expected one answer per customer, "
            f"rows {format_rows(np.flatnonzero(repeated))} repeat an id"
        )
    frame = pd.DataFrame(values, index=pd.Index(ids.to_numpy(), name="customer_id"))
    return frame.mean(axis=1, skipna=True).rename("satisfaction")


def _service_counts(service: pd.DataFrame, cut: pd.Timestamp, caller: str) -> pd.DataFrame:
    """complaints_90d and contacts_90d per customer over the TREND_DAYS days up to the cut-off."""
    if not isinstance(service, pd.DataFrame):
        raise DataValidationError(
            f"{caller}: service must be a DataFrame, got {type(service).__name__}"
        )
    missing = [c for c in ("customer_id", "contact_date", "kind") if c not in service.columns]
    if missing:
        raise DataValidationError(
            f"{caller}: service contacts lack column(s) {missing}: expected customer_id, "
            f"contact_date, kind ('complaint', 'question' …), got {list(service.columns)}"
        )
    dates = pd.to_datetime(service["contact_date"], errors="coerce", format="mixed")
    bad = service["contact_date"].notna().to_numpy() & dates.isna().to_numpy()
    if bad.any():
        raise DataValidationError(
            f"{caller}: service column 'contact_date': expected dates such as '2025-06-30', "
            f"rows {format_rows(np.flatnonzero(bad))} are not"
        )
    day = dates.dt.normalize()
    recent = ((day <= cut) & (day > cut - pd.Timedelta(days=TREND_DAYS))).to_numpy()
    kind = service["kind"].astype("string").str.strip().str.lower()
    complaint = (kind == "complaint").fillna(False).to_numpy(dtype=bool)
    counts = pd.DataFrame(
        {
            "customer_id": service["customer_id"].to_numpy(),
            "contacts_90d": recent.astype("float64"),
            "complaints_90d": (recent & complaint).astype("float64"),
        }
    )
    return counts.groupby("customer_id", sort=False)[["complaints_90d", "contacts_90d"]].sum()


def _customer_columns(customers: pd.DataFrame, caller: str) -> pd.DataFrame:
    """channel and consent_status per customer (text; the ones present in ``customers``)."""
    if not isinstance(customers, pd.DataFrame):
        raise DataValidationError(
            f"{caller}: customers must be a DataFrame, got {type(customers).__name__}"
        )
    mapped, _ = map_columns(customers, "customers", None, source=f"{caller} customers")
    kept = [c for c in ("channel", "consent_status") if c in mapped.columns]
    out = mapped.set_index("customer_id")[kept]
    out = out[~out.index.duplicated(keep="first")]
    return out.astype("object").where(out.notna(), None)


def churn_features(
    transactions: pd.DataFrame,
    cutoff,
    *,
    customers: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
    service: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the early-warning features of every customer, from data up to the cut-off only.

    Parameters
    ----------
    transactions : pandas.DataFrame
        customer_id, timestamp and optionally amount (currency; negative = return), under
        canonical or common names; validated as ``rfm_summary`` validates.
    cutoff : date-like
        The cut-off day (included); nothing dated later is read.
    customers : pandas.DataFrame, optional
        customer_id with ``channel`` and/or ``consent_status`` (text columns added as they are).
    survey : pandas.DataFrame, optional
        See :func:`satisfaction_scores`; adds ``satisfaction`` (NaN without an answer) and
        ``has_survey`` (1.0 / 0.0).
    service : pandas.DataFrame, optional
        Service contacts: customer_id, contact_date, kind (``"complaint"`` counts as one);
        adds ``complaints_90d`` and ``contacts_90d`` (contacts in the 90 days ending on the
        cut-off day, 0 without any).

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase on or before the cut-off, indexed by customer_id
        (sorted). Float columns: ``recency_days`` (cut-off − last purchase day, days),
        ``frequency`` (purchase days), ``monetary_mean`` (mean purchase amount, currency),
        ``tenure_days`` (cut-off − first purchase day), ``spend_trend`` ((last 90 days − the 90
        before) / their sum of spend, in [-1, 1]; purchase counts without amounts; 0 when
        both are 0), ``mean_interpurchase_days`` (days between first and last purchase day /
        (purchase days − 1); NaN with one), ``overdue_ratio`` (recency_days /
        mean_interpurchase_days, NaN with one purchase day), ``return_share`` (returned /
        purchased amount); then the optional columns above. Without amounts
        ``monetary_mean`` and ``return_share`` are left out.
    """
    caller = "churn_features"
    cut = cutoff_day(cutoff, caller)
    with DuckDBEngine() as engine:
        days, has_amount = _purchase_days(engine, transactions, caller)
        _first_customers_check(engine, days, cut, caller)
        trend = "amount" if has_amount else "n"
        query = _FEATURES_SQL.format(days=days, trend=trend, w=TREND_DAYS, micros=MICROS)
        features = engine.fetch(query, {"cut": _day_number(cut)})
    features = features.set_index("customer_id").sort_index()
    if not has_amount:
        features = features.drop(columns=["monetary_mean", "return_share"])
    ids = features.index
    if survey is not None:
        satisfaction = satisfaction_scores(survey, caller)
        features["satisfaction"] = satisfaction.reindex(ids).to_numpy(dtype="float64")
        features["has_survey"] = ids.isin(satisfaction.index).astype("float64")
    if service is not None:
        counts = _service_counts(service, cut, caller).reindex(ids, fill_value=0.0)
        features[["complaints_90d", "contacts_90d"]] = counts.to_numpy(dtype="float64")
    if customers is not None:
        extra = _customer_columns(customers, caller).reindex(ids)
        for column in extra.columns:
            features[column] = extra[column].to_numpy(dtype=object)
    return features
