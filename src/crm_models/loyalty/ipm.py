"""Importance–performance map (IPMA): where to invest to move a target construct.

For a target (default loyalty, CUSL), every construct with a total effect on it is a driver:
- importance = its total effect on the target (direct + all indirect paths), standardized, with
  the bootstrap percentile interval; also in index points (``importance_points``): the change
  of the target's 0–100 index per one-point rise of the driver's index (the standardized total
  effect × sd(target index) / sd(driver index), as in Ringle & Sarstedt 2016);
- performance = the driver's 0–100 index (ACSI-style) with its interval.

Quadrants (split at the drivers' mean importance and mean performance): *concentrate here*
(important, low performance), *keep up the good work* (important, high), *low priority*
(unimportant, low), *possible overkill* (unimportant, high). Quadrants use point estimates;
``below_average`` / ``above_average`` say whether the performance interval excludes the
drivers' mean — when no driver is clearly below average, the map says "invest where importance
is highest", not "fix the weakest".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError
from crm_models.loyalty.index import index_scores, index_table
from crm_models.loyalty.pls_result import _result_of
from crm_models.results import check_level

__all__ = ["importance_performance", "investment_levers", "standing_out"]


def importance_performance(
    model: object,
    data: pd.DataFrame,
    target: str = "CUSL",
    scale: tuple[float, float] = (1, 10),
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per driver of ``target``: importance (total effect) and performance (0–100 index).

    Parameters
    ----------
    model : PLSPathModel or PLSResult
        A fitted model (or its result).
    data : pandas.DataFrame
        Survey answers the model was fitted on.
    target : str, default "CUSL"
        The construct to move (loyalty).
    scale : tuple of float, default (1, 10)
        Answer scale of the items.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Per driver: ``construct, label, importance, importance_low, importance_high,
        importance_points, performance, performance_low, performance_high, below_average,
        above_average, quadrant, target, target_label``; most important first.
    """
    model = _result_of(model)
    check_level(level)
    if target not in model.spec.constructs:
        raise ParameterError(
            f"unknown target construct {target!r}; known: {list(model.spec.names)}"
        )
    effects = model.effects(level)
    drivers = effects[(effects["target"] == target) & (effects["total"].abs() > 1e-12)].copy()
    if drivers.empty:
        raise ParameterError(f"no construct has an effect on {target!r} in this model")
    perf = index_table(model, data, scale, level).set_index("construct")
    scores = index_scores(model, data, scale)
    sd = scores.std(ddof=1)
    out = pd.DataFrame(
        {
            "construct": drivers["source"].to_numpy(),
            "label": [model.spec.label(c) for c in drivers["source"]],
            "importance": drivers["total"].to_numpy(),
            "importance_low": drivers.get(
                "total_low", pd.Series(np.nan, index=drivers.index)
            ).to_numpy(),
            "importance_high": drivers.get(
                "total_high", pd.Series(np.nan, index=drivers.index)
            ).to_numpy(),
        }
    )
    out["importance_points"] = out["importance"] * sd[target] / sd[out["construct"]].to_numpy()
    out["performance"] = perf.loc[out["construct"], "index"].to_numpy()
    out["performance_low"] = perf.loc[out["construct"], "ci_low"].to_numpy()
    out["performance_high"] = perf.loc[out["construct"], "ci_high"].to_numpy()
    hi_imp = out["importance"] >= out["importance"].mean()
    hi_perf = out["performance"] >= out["performance"].mean()
    # performance clearly below / above the drivers' average (95% interval excludes it)
    out["below_average"] = out["performance_high"] < out["performance"].mean()
    out["above_average"] = out["performance_low"] > out["performance"].mean()
    out["quadrant"] = np.select(
        [hi_imp & ~hi_perf, hi_imp & hi_perf, ~hi_imp & ~hi_perf],
        ["concentrate here", "keep up the good work", "low priority"],
        "possible overkill",
    )
    out["target"] = target
    out["target_label"] = model.spec.label(target)
    return out.sort_values("importance", ascending=False, ignore_index=True)


def investment_levers(ipm: pd.DataFrame, exclude: str | None = None) -> pd.DataFrame:
    """Return the drivers a manager can pull, most important first, with the investment decision.

    Satisfaction is itself an outcome, so it is ``exclude``-d from the levers (unless it is the
    only driver: then every driver is kept and none is flagged). ``invest`` is True for a lever
    in the *concentrate here* quadrant whose performance is clearly below the drivers' average
    (its interval excludes the average).

    Parameters
    ----------
    ipm : pandas.DataFrame
        ``importance_performance`` output.
    exclude : str, optional
        Construct that is not a lever (e.g. the satisfaction construct).

    Returns
    -------
    pandas.DataFrame
        The rows of ``ipm`` that are levers, plus a boolean column ``invest``.
    """
    levers = ipm[ipm["construct"] != exclude]
    if not len(levers):
        return ipm.assign(invest=False)
    return levers.assign(
        invest=(levers["quadrant"] == "concentrate here") & levers["below_average"].astype(bool)
    )


def standing_out(ipm: pd.DataFrame, levers: pd.DataFrame | None = None) -> pd.Series:
    """Tell, per driver of ``ipm``, whether it stands out: the one rule of text and chart.

    A driver stands out when it is a lever flagged ``invest`` (``investment_levers``: the
    *concentrate here* quadrant and performance clearly below the drivers' average) among the
    levers the report may rank (pass ``trust.clear_drivers(levers, check)``: effect interval
    excludes zero, stable estimation). Only then does the map mark *concentrate here*.

    Parameters
    ----------
    ipm : pandas.DataFrame
        ``importance_performance`` output.
    levers : pandas.DataFrame, optional
        The rankable levers with ``invest`` (default: ``investment_levers(ipm)`` keeping the
        drivers whose importance interval excludes zero).

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``ipm``'s rows.
    """
    if levers is None:
        levers = investment_levers(ipm)
        low, high = levers["importance_low"], levers["importance_high"]
        levers = levers[(low > 0) | (high < 0)]
    flagged = levers.loc[levers["invest"].astype(bool), "construct"]
    return ipm["construct"].isin(flagged)
