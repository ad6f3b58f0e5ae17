"""Model features for uplift: customer attributes plus a transaction summary (DuckDB).

``customer_features`` returns one row per customer (index ``customer_id``), all numeric,
computed as of ``observation_end`` (only transactions up to it count, so nothing from the
campaign window leaks in):

=====================  =========================================================
days_since_last        days from the last purchase to ``observation_end``
frequency              repeat purchases (transactions − 1), lifetimes' convention
log_frequency          log(1 + frequency)
monetary_mean          mean transaction amount (currency)
total_spend            total spend (currency); ``log_total_spend`` = log(1 + it)
spend_recent           spend in the last ``recent_days`` days (currency)
n_categories           distinct product categories bought
tenure_days            days from signup to ``observation_end``
relationship_level     0 acquaintance, 1 friend, 2 partner (when the column exists)
channel_<c>, region_<r> one indicator per level (all levels kept; fine for regularized or
                       tree models)
=====================  =========================================================

Consent status is deliberately *not* a feature: it decides who may be contacted, not who
responds. Customers without transactions get zeros and ``days_since_last = tenure_days``.
``hillstrom_features`` does the same for the Hillstrom e-mail data.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError

__all__ = ["customer_features", "hillstrom_features"]

LEVEL_ORDER = {"acquaintance": 0, "friend": 1, "partner": 2}

_SUMMARY_SQL = """
SELECT customer_id,
       count(*) - 1                                        AS frequency,
       date_diff('second', max(timestamp), $end) / 86400.0 AS days_since_last,
       avg(amount)                                         AS monetary_mean,
       sum(amount)                                         AS total_spend,
       coalesce(sum(amount) FILTER (WHERE timestamp > $recent_start), 0) AS spend_recent,
       count(DISTINCT product)                             AS n_categories
FROM tx
WHERE timestamp <= $end
GROUP BY customer_id
"""


def _require(frame: pd.DataFrame, name: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(f"{name} lacks column(s) {missing}; it has {list(frame.columns)}")


def _one_hot(values: pd.Series, prefix: str) -> pd.DataFrame:
    values = (
        values.astype("category") if not isinstance(values.dtype, pd.CategoricalDtype) else values
    )
    return pd.get_dummies(values, prefix=prefix, dtype=float)


def customer_features(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    observation_end: pd.Timestamp | str,
    recent_days: int = 90,
) -> pd.DataFrame:
    """Numeric feature frame indexed by ``customer_id`` (see module docstring).

    Aggregation runs in DuckDB.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer; needs columns customer_id (unique), signup_date, channel,
        region (optional relationship_level), as in the synthetic world / the warehouse.
    transactions : pandas.DataFrame
        One row per purchase; needs columns customer_id, timestamp, amount (currency),
        optional product.
    observation_end : pandas.Timestamp or str
        End of the observation window; only transactions up to it count (no leak from the
        campaign window).
    recent_days : int, default 90
        Window (days before ``observation_end``) of the ``spend_recent`` feature.

    Returns
    -------
    pandas.DataFrame
        One row per customer, indexed by customer_id; numeric features only (listed in
        the module docstring).
    """
    _require(customers, "customers", ["customer_id", "signup_date", "channel", "region"])
    _require(transactions, "transactions", ["customer_id", "timestamp", "amount"])
    if not isinstance(recent_days, (int, np.integer)) or recent_days <= 0:
        raise ParameterError(f"recent_days must be a positive integer, got {recent_days!r}")
    if customers["customer_id"].duplicated().any():
        dup = customers.loc[customers["customer_id"].duplicated(), "customer_id"].head(3).tolist()
        raise DataValidationError(f"customers has duplicated customer_id values, e.g. {dup}")
    end = pd.Timestamp(observation_end)
    tx = transactions[["customer_id", "timestamp", "amount"]].copy()
    tx["product"] = transactions["product"].astype(str) if "product" in transactions else "all"
    con = duckdb.connect()
    try:
        con.register("tx", tx)
        summary = con.execute(
            _SUMMARY_SQL,
            {
                "end": end.to_pydatetime(),
                "recent_start": (end - pd.Timedelta(days=int(recent_days))).to_pydatetime(),
            },
        ).df()
    finally:
        con.close()
    base = customers.set_index("customer_id")
    out = summary.set_index("customer_id").reindex(base.index)
    tenure = (end - pd.to_datetime(base["signup_date"])).dt.total_seconds() / 86400.0
    no_tx = out["frequency"].isna()
    out = out.fillna(
        {
            "frequency": 0,
            "monetary_mean": 0.0,
            "total_spend": 0.0,
            "spend_recent": 0.0,
            "n_categories": 0,
        }
    )
    out["days_since_last"] = out["days_since_last"].where(~no_tx, tenure)
    out["frequency"] = out["frequency"].astype(float)
    out["log_frequency"] = np.log1p(out["frequency"])
    out["log_total_spend"] = np.log1p(out["total_spend"])
    out["n_categories"] = out["n_categories"].astype(float)
    out["tenure_days"] = tenure
    parts = [out]
    if "relationship_level" in base:
        level = base["relationship_level"].astype(object).map(LEVEL_ORDER)
        if level.isna().any():
            bad = base.loc[level.isna(), "relationship_level"].unique()[:3].tolist()
            raise DataValidationError(
                f"relationship_level must be one of {list(LEVEL_ORDER)}, got {bad}"
            )
        parts.append(level.astype(float).rename("relationship_level"))
    parts += [_one_hot(base["channel"], "channel"), _one_hot(base["region"], "region")]
    features = pd.concat(parts, axis=1)
    features.index.name = "customer_id"
    cols = [
        "days_since_last",
        "frequency",
        "log_frequency",
        "monetary_mean",
        "total_spend",
        "log_total_spend",
        "spend_recent",
        "n_categories",
        "tenure_days",
    ]
    rest = [c for c in features.columns if c not in cols]
    return features[cols + rest].astype(float)


HILLSTROM_NUMERIC = ["recency", "history", "mens", "womens", "newbie"]


def hillstrom_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric features of the Hillstrom data (same index as ``frame``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Hillstrom-format data; needs columns recency (months since last purchase), history
        (dollars spent last year), mens, womens, newbie, zip_code and channel.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``frame`` (same index): recency, history, log_history =
        log(1 + history), mens / womens / newbie indicators, one indicator per zip_code and
        channel level.
    """
    _require(frame, "Hillstrom frame", [*HILLSTROM_NUMERIC, "zip_code", "channel"])
    out = frame[HILLSTROM_NUMERIC].astype(float).copy()
    out.insert(2, "log_history", np.log1p(out["history"]))
    return pd.concat(
        [out, _one_hot(frame["zip_code"], "zip"), _one_hot(frame["channel"], "channel")], axis=1
    )
