"""The time unit of the segment-value study: per-customer summaries in days or weeks.

Purchases are counted per day in both units (several purchases on one day are one repeat
period, as in :func:`crm_models.data.summary.rfm_summary` with ``time_unit="D"``); with
``time_unit="W"`` recency, T and the holdout duration are then expressed in weeks = days / 7,
the convention of Fader, Hardie & Lee's CDNOW tables. (``rfm_summary(time_unit="W")`` instead
counts calendar weeks as purchase periods — a coarser summary, not the published one.)
The BTYD models are invariant to this rescaling except for their time-scale parameter
(α of BG/NBD and Pareto/NBD, β of Pareto/NBD), which is 7 times smaller in weeks.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_models.data.summary import rfm_summary
from crm_models.errors import ParameterError

__all__ = ["TIME_UNITS", "TIME_UNIT_WORDS", "customer_summary", "resolve_time_unit"]

TIME_UNITS = {"D": 1.0, "W": 7.0}
"""Days per time unit of the study."""
TIME_UNIT_WORDS = {"D": "days", "W": "weeks"}
"""The time unit in words (page text and axis labels)."""
_TIME_COLUMNS = ("recency", "T", "recency_cal", "T_cal", "duration_holdout")


def resolve_time_unit(time_unit: str, data_source: str) -> str:
    """Return ``D`` or ``W``; ``auto`` is ``W`` for ``cdnow_sample`` (as published), else ``D``.

    Parameters
    ----------
    time_unit : str
        ``auto``, ``D`` (days) or ``W`` (weeks).
    data_source : str
        The study's data source.

    Returns
    -------
    str
        ``D`` or ``W``.
    """
    if time_unit == "auto":
        return "W" if data_source == "cdnow_sample" else "D"
    if time_unit not in TIME_UNITS:
        raise ParameterError(f"time_unit must be one of auto, D, W; got {time_unit!r}")
    return time_unit


def customer_summary(
    transactions: pd.DataFrame | str | Path,
    observation_end: pd.Timestamp,
    time_unit: str = "D",
    calibration_end: pd.Timestamp | None = None,
    *,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> pd.DataFrame:
    """Per-customer BTYD summary with daily purchase periods, times in ``time_unit``.

    Parameters
    ----------
    transactions : pandas.DataFrame, str or pathlib.Path
        customer_id (int64 or text, kept as given), timestamp, amount; or a Parquet file or
        folder of such rows, which the engine reads directly.
    observation_end : pandas.Timestamp
        End of the observation window.
    time_unit : {"D", "W"}, default "D"
        Unit of recency, T (and, with a calibration end, recency_cal, T_cal, duration_holdout).
    calibration_end : pandas.Timestamp, optional
        Calibration end: the calibration/holdout summary of ``rfm_summary``.
    engine : {"duckdb", "spark"}, default "duckdb"
        Where the summary is computed (see :func:`crm_models.engines.get_engine`); the same
        numbers on each.
    spark_master : str, optional
        ``engine="spark"`` only: None or ``""`` a local Spark in this process, else the
        master URL of a cluster (``spark://host:port``).

    Returns
    -------
    pandas.DataFrame
        The summary of :func:`~crm_models.data.summary.rfm_summary` (``time_unit="D"``), its
        time columns divided by the days per ``time_unit``; one row per customer.
    """
    if time_unit not in TIME_UNITS:
        raise ParameterError(f"time_unit must be one of {sorted(TIME_UNITS)}; got {time_unit!r}")
    summary = rfm_summary(
        transactions,
        observation_end=observation_end,
        time_unit="D",
        calibration_end=calibration_end,
        engine=engine,
        spark_master=spark_master or None,
    )
    if time_unit == "D":
        return summary
    columns = [c for c in _TIME_COLUMNS if c in summary.columns]
    out = summary.assign(**{c: summary[c] / TIME_UNITS[time_unit] for c in columns})
    out.attrs["time_unit"] = time_unit  # the unit models fitted on it carry (time_unit_)
    return out
