"""Unique per-customer patterns with counts: what the value models fit on, at any data size.

BG/NBD, MBG/NBD, Pareto/NBD and BG/BB depend on a customer only through (frequency, recency,
T), and Gamma-Gamma only through (frequency, monetary_value) of repeat buyers. The engine
(DuckDB or Spark, ``crm_models.engines``) reduces the per-customer summary to its unique
patterns with their counts, so the likelihood is maximized on the driver over a few thousand
rows whatever the number of customers: ``model.fit(patterns, weights=patterns["n_customers"])``
gives the same parameters as ``model.fit(full_summary)``.

The queries are written once (DuckDB's dialect) and run on either engine.
"""

from __future__ import annotations

import pandas as pd

from crm_models.engines import Engine

__all__ = ["pattern_counts", "spend_patterns"]

_PATTERNS = """
    SELECT frequency, recency, "T", count(*) AS n_customers
    FROM {summary}
    GROUP BY frequency, recency, "T"
    ORDER BY frequency, recency, "T"
"""
_SPEND = """
    SELECT frequency, monetary_value, count(*) AS n_customers
    FROM {summary}
    WHERE frequency > 0
    GROUP BY frequency, monetary_value
    ORDER BY frequency, monetary_value
"""


def pattern_counts(engine: Engine, summary: str) -> pd.DataFrame:
    """Count the customers of each unique (frequency, recency, T) pattern.

    Parameters
    ----------
    engine : crm_models.engines.Engine
        The engine holding ``summary``.
    summary : str
        A per-customer summary relation (``data.summary.summary_view``): frequency, recency,
        T (in its time unit).

    Returns
    -------
    pandas.DataFrame
        One row per unique pattern, sorted: float ``frequency``, ``recency``, ``T`` (the
        summary's time unit) and int64 ``n_customers`` (customers sharing it; they sum to the
        number of customers).
    """
    counts = engine.fetch(_PATTERNS.format(summary=summary))
    return counts.astype({"n_customers": "int64"})


def spend_patterns(engine: Engine, summary: str) -> pd.DataFrame:
    """Count the repeat buyers of each unique (frequency, monetary_value) pair: Gamma-Gamma's input.

    Parameters
    ----------
    engine : crm_models.engines.Engine
        The engine holding ``summary``.
    summary : str
        A per-customer summary relation with ``monetary_value`` (``summary_view`` on
        transactions with amounts).

    Returns
    -------
    pandas.DataFrame
        One row per unique pair among customers with frequency > 0, sorted: float
        ``frequency`` (repeat periods), ``monetary_value`` (mean spend per repeat period,
        currency) and int64 ``n_customers``.
    """
    counts = engine.fetch(_SPEND.format(summary=summary))
    return counts.astype({"n_customers": "int64"})
