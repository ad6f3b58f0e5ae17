"""Kaplan–Meier curves and log-rank tests of customer lifetimes (lifelines, checked inputs).

A customer's ``duration`` is the number of days from the start of the relationship to churn
(``churned == 1``) or to the end of observation (``churned == 0``, right-censored). The
estimates are lifelines' own (:class:`lifelines.KaplanMeierFitter`, exponential Greenwood
intervals; :func:`lifelines.statistics.multivariate_logrank_test` and
:func:`~lifelines.statistics.pairwise_logrank_test`); this module adds the project's input
checks (one clear error line), tidy tables and :class:`~crm_models.results.Result` objects.
Cox models are in :mod:`crm_models.retention.cox`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError
from crm_models.results import Result, check_level, estimate_table
from crm_models.retention._survival_inputs import check_frame, durations, events, labels

__all__ = ["KaplanMeierResult", "LogRankResult", "kaplan_meier", "logrank"]

ALL = "all"
"""Group label of the whole population when ``kaplan_meier`` is called without ``group``."""

_TABLE_COLUMNS = ["group", "time", "survival", "ci_low", "ci_high", "at_risk"]
_MEDIAN_COLUMNS = ["group", "median", "ci_low", "ci_high"]


def _km_tables(
    d: np.ndarray, e: np.ndarray, g: np.ndarray, level: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per group: the KM table and the median with its interval (lifelines)."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    tables, medians = [], []
    for name in pd.unique(g):
        mask = g == name
        kmf = KaplanMeierFitter().fit(d[mask], e[mask], alpha=1 - level)
        ci = kmf.confidence_interval_
        tables.append(
            pd.DataFrame(
                {
                    "group": name,
                    "time": kmf.survival_function_.index.to_numpy(dtype=float),
                    "survival": kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float),
                    "ci_low": ci.iloc[:, 0].to_numpy(dtype=float),
                    "ci_high": ci.iloc[:, 1].to_numpy(dtype=float),
                    "at_risk": kmf.event_table["at_risk"]
                    .reindex(kmf.survival_function_.index)
                    .to_numpy(dtype=np.int64),
                }
            )
        )
        median_ci = median_survival_times(ci).to_numpy(dtype=float).ravel()
        medians.append(
            {
                "group": name,
                "median": float(kmf.median_survival_time_),
                "ci_low": float(median_ci[0]),
                "ci_high": float(median_ci[1]),
            }
        )
    return (
        pd.concat(tables, ignore_index=True)[_TABLE_COLUMNS],
        pd.DataFrame(medians, columns=_MEDIAN_COLUMNS),
    )


@dataclass(frozen=True, eq=False, repr=False)
class KaplanMeierResult(Result):
    """Kaplan–Meier survival curves (one per group) with pointwise intervals and medians.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``group, time, survival, ci_low, ci_high, at_risk``: one row per group and
        distinct duration (days, starting at 0); ``survival`` is the share still active after
        ``time`` days, ``ci_low``/``ci_high`` its ``level`` interval (exponential Greenwood),
        ``at_risk`` the customers still observed just before ``time``.
    medians : pandas.DataFrame
        Columns ``group, median, ci_low, ci_high``: median lifetime in days with its interval
        (``inf`` when the curve, or a bound, never falls to 0.5).
    level : float
        Confidence level of the intervals.
    n_customers, n_churned : int
        Customers and observed churn events.
    """

    table: pd.DataFrame
    medians: pd.DataFrame
    level: float
    n_customers: int
    n_churned: int
    _data: tuple = dataclasses.field(default=(), repr=False, metadata={"json": False})

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """Median lifetime per group (days) with its ``level`` interval.

        Parameters
        ----------
        level : float, optional
            Confidence level; default the level of the fit (another level refits the curves).

        Returns
        -------
        pandas.DataFrame
            Index ``median lifetime (days) [group]``; columns ``estimate, se, ci_low,
            ci_high`` (``se`` is NaN: the interval comes from the curve's own interval).
        """
        level = self.level if level is None else check_level(level)
        medians = self.medians
        if level != self.level and self._data:
            medians = _km_tables(*self._data, level)[1]
        return estimate_table(
            medians["median"],
            ci_low=medians["ci_low"],
            ci_high=medians["ci_high"],
            level=level,
            index=[f"median lifetime (days) [{g}]" for g in medians["group"]],
        )

    def survival_at(self, days: float) -> pd.DataFrame:
        """Survival after ``days`` days per group (step function, with the interval).

        Parameters
        ----------
        days : float
            Days since the start of the relationship (>= 0).

        Returns
        -------
        pandas.DataFrame
            Columns ``group, time, survival, ci_low, ci_high, at_risk``: per group the row of
            the last distinct duration <= ``days``.
        """
        rows = self.table[self.table["time"] <= float(days)]
        return rows.groupby("group", sort=False).tail(1).reset_index(drop=True)


def kaplan_meier(
    frame: pd.DataFrame,
    *,
    duration: str = "duration",
    event: str = "churned",
    group: str | None = None,
    level: float = 0.95,
) -> KaplanMeierResult:
    """Kaplan–Meier survival curves of customer lifetimes, overall or per group.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer, n rows.
    duration : str, default "duration"
        Column of lifetimes in days (>= 0): to churn, or to the end of observation.
    event : str, default "churned"
        Column of 0/1 (or bool): 1 = churned at ``duration``, 0 = still active (censored).
    group : str, optional
        Column of segments or cohorts; one curve per level (in order of appearance).
        Without it, one curve labelled ``"all"``.
    level : float, default 0.95
        Confidence level of the pointwise and median intervals.

    Returns
    -------
    KaplanMeierResult
        ``.table`` (group, time, survival, ci_low, ci_high, at_risk), ``.medians``
        (group, median, ci_low, ci_high; days), ``summary(level)``, ``to_dict()``.
    """
    source = "kaplan_meier"
    level = check_level(level)
    check_frame(frame, source)
    d = durations(frame, duration, source)
    e = events(frame, event, source)
    g = (
        np.full(len(frame), ALL, dtype=object)
        if group is None
        else labels(frame, group, source).to_numpy(dtype=object)
    )
    table, medians = _km_tables(d, e, g, level)
    return KaplanMeierResult(
        table=table,
        medians=medians,
        level=level,
        n_customers=len(frame),
        n_churned=int(e.sum()),
        _data=(d, e, g),
    )


@dataclass(frozen=True, eq=False, repr=False)
class LogRankResult(Result):
    """Log-rank test that the groups' survival curves are equal, plus every pair of groups.

    Attributes
    ----------
    statistic : float
        Chi-squared statistic of the test over all groups.
    degrees_of_freedom : int
        Number of groups minus one.
    p_value : float
        P-value of the test over all groups.
    groups : pandas.DataFrame
        Columns ``group, n_customers, n_churned``.
    pairwise : pandas.DataFrame
        Columns ``group_a, group_b, statistic, p_value, p_value_holm`` (Holm-adjusted over
        the pairs); one row per pair.
    """

    statistic: float
    degrees_of_freedom: int
    p_value: float
    groups: pd.DataFrame
    pairwise: pd.DataFrame

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the test as a table (point values; a test has no interval).

        Parameters
        ----------
        level : float, default 0.95
            Accepted for the common signature; the intervals are NaN.

        Returns
        -------
        pandas.DataFrame
            Rows ``statistic, degrees_of_freedom, p_value``; columns ``estimate, se,
            ci_low, ci_high``.
        """
        return self._fields_table(["statistic", "degrees_of_freedom", "p_value"], level)


def logrank(
    frame: pd.DataFrame,
    *,
    duration: str = "duration",
    event: str = "churned",
    group: str,
) -> LogRankResult:
    """Log-rank test of equal survival across the levels of ``group`` (and each pair).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer, n rows.
    duration : str, default "duration"
        Column of lifetimes in days (>= 0).
    event : str, default "churned"
        Column of 0/1: 1 = churned, 0 = still active (censored).
    group : str
        Column of segments or cohorts; at least two levels.

    Returns
    -------
    LogRankResult
        ``statistic`` (chi-squared), ``degrees_of_freedom``, ``p_value``, ``groups`` and
        ``pairwise`` tables.
    """
    from lifelines.statistics import multivariate_logrank_test, pairwise_logrank_test
    from statsmodels.stats.multitest import multipletests

    source = "logrank"
    check_frame(frame, source)
    d = durations(frame, duration, source)
    e = events(frame, event, source)
    g = labels(frame, group, source).to_numpy(dtype=object)
    found = pd.unique(g)
    if len(found) < 2:
        raise DataValidationError(
            f"logrank: group column {group!r} has one level ({found[0]!r}) in all {len(frame)} "
            "rows; a log-rank test compares two or more groups"
        )
    overall = multivariate_logrank_test(d, g, e)
    pairs = pairwise_logrank_test(d, g, e).summary
    pairwise = pd.DataFrame(
        {
            "group_a": [str(a) for a, _ in pairs.index],
            "group_b": [str(b) for _, b in pairs.index],
            "statistic": pairs["test_statistic"].to_numpy(dtype=float),
            "p_value": pairs["p"].to_numpy(dtype=float),
        }
    )
    pairwise["p_value_holm"] = multipletests(pairwise["p_value"], method="holm")[1]
    counts = pd.DataFrame({"group": g, "churned": e}).groupby("group", sort=False)["churned"]
    groups = pd.DataFrame(
        {"n_customers": counts.size(), "n_churned": counts.sum().astype(np.int64)}
    ).reset_index()
    return LogRankResult(
        statistic=float(overall.test_statistic),
        degrees_of_freedom=int(overall.degrees_of_freedom),
        p_value=float(overall.p_value),
        groups=groups,
        pairwise=pairwise,
    )
