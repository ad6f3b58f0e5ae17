"""Charts for the churn-retention report (matplotlib; each returns its Axes).

Every function draws on ``ax`` when given, else on a new constrained-layout figure; the
report passes a title that states the finding; axes carry units. Inputs are the tables of the
retention results (column names as documented in :mod:`crm_models.retention`), so the charts
do not depend on how the estimates were computed.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from crm_models.reporting.charts import COLORS, PALETTE, chart_axes, wrap_title
from crm_models.retention.narrative import plain_covariate

__all__ = [
    "plot_calibration",
    "plot_gains",
    "plot_hazard_ratios",
    "plot_kaplan_meier",
    "plot_retention_curves",
    "plot_save_profit",
]


def plot_gains(
    y_true: np.ndarray | pd.Series,
    scores: Mapping[str, np.ndarray | pd.Series],
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Cumulative gains: share of leavers found among the top-ranked share of customers.

    Parameters
    ----------
    y_true : array-like
        1 for a customer who left, else 0; shape (n,).
    scores : Mapping[str, array-like]
        Score name -> scores of shape (n,) (higher = more likely to leave).
    title : str, optional
        Chart title (default "Cumulative gains on the hold-out").
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart (x: share of customers contacted, %; y: share of leavers found, %).
    """
    ax = chart_axes(ax, (6.5, 4))
    y = np.asarray(y_true, dtype=float)
    share = np.arange(1, len(y) + 1) / len(y) * 100
    for (name, score), color in zip(scores.items(), PALETTE, strict=False):
        order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
        found = np.cumsum(y[order]) / max(y.sum(), 1) * 100
        ax.plot(share, found, color=color, label=name)
    ax.plot([0, 100], [0, 100], color=COLORS["neutral"], ls="--", lw=1, label="random")
    ax.set_xlabel("customers ranked first (%)")
    ax.set_ylabel("leavers found (%)")
    ax.legend(loc="lower right")
    wrap_title(ax, title or "Cumulative gains on the hold-out")
    return ax


def plot_calibration(
    calibration: pd.DataFrame, title: str | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """Predicted vs observed churn rate per bin of predicted P(leave).

    Parameters
    ----------
    calibration : pandas.DataFrame
        Columns mean_predicted and observed (shares, one row per bin).
    title : str, optional
        Chart title (default "Calibration on the hold-out").
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart (both axes in %).
    """
    ax = chart_axes(ax, (5, 4))
    x = calibration["mean_predicted"].to_numpy(dtype=float) * 100
    y = calibration["observed"].to_numpy(dtype=float) * 100
    ax.plot([0, 100], [0, 100], color=COLORS["neutral"], ls="--", lw=1, label="perfect")
    ax.plot(x, y, marker="o", color=COLORS["main"], label="model")
    ax.set_xlabel("predicted P(leave) (%)")
    ax.set_ylabel("observed churn rate (%)")
    ax.legend(loc="upper left")
    wrap_title(ax, title or "Calibration on the hold-out")
    return ax


def plot_kaplan_meier(
    table: pd.DataFrame, title: str | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """Kaplan–Meier survival curves with their 95% bands, one per group.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns group, time (days), survival, ci_low, ci_high (a ``KaplanMeierResult.table``).
    title : str, optional
        Chart title (default "Share of subscribers still active").
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart (x: days since start; y: share still active, %).
    """
    ax = chart_axes(ax, (6.5, 4))
    groups = table["group"].astype(str) if "group" in table else pd.Series("all", table.index)
    for (name, rows), color in zip(table.groupby(groups, sort=True), PALETTE, strict=False):
        rows = rows.sort_values("time")
        t = rows["time"].to_numpy(dtype=float)
        ax.step(t, rows["survival"] * 100, where="post", color=color, label=str(name))
        ax.fill_between(
            t, rows["ci_low"] * 100, rows["ci_high"] * 100, step="post", color=color, alpha=0.2
        )
    ax.set_xlabel("days since start")
    ax.set_ylabel("still active (%)")
    ax.set_ylim(0, 101)
    ax.legend(loc="lower left")
    wrap_title(ax, title or "Share of subscribers still active")
    return ax


def plot_hazard_ratios(
    summary: pd.DataFrame, title: str | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """Hazard ratio of each covariate with its 95% interval (log scale).

    Parameters
    ----------
    summary : pandas.DataFrame
        Indexed by covariate, columns estimate, ci_low, ci_high (log hazard ratios).
    title : str, optional
        Chart title (default "What raises the risk of leaving (hazard ratios)").
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart (x: hazard ratio, 1 = no effect).
    """
    ax = chart_axes(ax, (6.5, 1.4 + 0.4 * len(summary)))
    y = np.arange(len(summary))[::-1]
    est, low, high = (
        np.exp(summary[c].to_numpy(dtype=float)) for c in ("estimate", "ci_low", "ci_high")
    )
    raises = low > 1
    lowers = high < 1
    colors = np.where(
        raises, COLORS["highlight"], np.where(lowers, COLORS["third"], COLORS["muted"])
    )
    ax.hlines(y, low, high, colors=colors.tolist(), lw=2)
    ax.scatter(est, y, c=colors, zorder=3)
    ax.axvline(1, color=COLORS["ink"], lw=0.8)
    ax.set_xscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(plain)
    ax.set_yticks(y, [plain_covariate(str(i)) for i in summary.index])
    ax.set_xlabel("hazard ratio (× risk of leaving; 1 = no effect)")
    wrap_title(ax, title or "What raises the risk of leaving (hazard ratios)")
    return ax


def plot_retention_curves(
    projections: Mapping[str, pd.DataFrame],
    observed: Mapping[str, pd.DataFrame] | None = None,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Projected survival of the contractual models with 95% bands, and the observed counts.

    Parameters
    ----------
    projections : Mapping[str, pandas.DataFrame]
        Name -> projection (columns period, survival, ci_low, ci_high; shares).
    observed : Mapping[str, pandas.DataFrame], optional
        Name -> observed survival (columns period, survival; shares).
    title : str, optional
        Chart title (default "Projected retention").
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart (x: periods since start; y: share still active, %).
    """
    ax = chart_axes(ax, (6.5, 4))
    for (name, proj), color in zip(projections.items(), PALETTE, strict=False):
        t = proj["period"].to_numpy(dtype=float)
        ax.plot(t, proj["survival"] * 100, color=color, label=f"{name} (model)")
        ax.fill_between(t, proj["ci_low"] * 100, proj["ci_high"] * 100, color=color, alpha=0.2)
        if observed is not None and name in observed:
            seen = observed[name]
            ax.scatter(seen["period"], seen["survival"] * 100, color=color, s=14, zorder=3)
    ax.set_xlabel("renewal periods since start")
    ax.set_ylabel("still active (%)")
    ax.set_ylim(0, 101)
    ax.legend(loc="upper right")
    wrap_title(ax, title or "Projected retention")
    return ax


def plot_save_profit(
    sensitivity: pd.DataFrame,
    assumed: float | None = None,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Plot the expected incremental profit of the save list against the offer effect.

    Parameters
    ----------
    sensitivity : pandas.DataFrame
        Columns effect (share of would-be leavers kept, 0–1) and profit (money).
    assumed : float, optional
        The effect used for the list (marked).
    title : str, optional
        Chart title (default "Profit of the save list by offer effect").
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart (x: offer effect, %; y: expected incremental profit).
    """
    ax = chart_axes(ax, (6.5, 3.6))
    rows = sensitivity.sort_values("effect")
    ax.plot(rows["effect"] * 100, rows["profit"], marker="o", color=COLORS["main"])
    ax.axhline(0, color=COLORS["ink"], lw=0.8)
    if assumed is not None:
        ax.axvline(assumed * 100, color=COLORS["highlight"], ls="--", lw=1, label="used")
        ax.legend(loc="upper left")
    ax.set_xlabel("offer effect: would-be leavers kept (%)")
    ax.set_ylabel("expected incremental profit ($)")
    wrap_title(ax, title or "Profit of the save list by offer effect")
    return ax
