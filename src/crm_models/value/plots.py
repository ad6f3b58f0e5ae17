"""Seaborn charts for the segment-value report (replacing lifetimes' broken plot helpers).

Every function draws on a new figure (or the given ``ax``), labels axes with units, takes the
title (state the finding in it) and returns the matplotlib ``Axes`` it drew on.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from crm_models.reporting.charts import COLORS
from crm_models.value.abc import concentration_curve, top_share


def _axes(ax, size=(6.5, 4.0)):
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
    return ax.figure, ax


def plot_concentration(
    values, title: str, highlight: float = 0.2, value_label: str = "value", ax=None
) -> Axes:
    """Concentration (Pareto/Lorenz) curve with the equality line and the top-share marked.

    Parameters
    ----------
    values : array-like
        Value per customer (e.g. CLV).
    title : str
        Chart title (state the finding).
    highlight : float, default 0.2
        Top share of customers marked.
    value_label : str, default "value"
        What the values are, for the labels.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new figure when omitted).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    _, ax = _axes(ax)
    curve = concentration_curve(values)
    step = max(1, len(curve) // 2000)  # thin to ≤ ~2,000 points for a light PNG
    pts = curve.iloc[::step]
    sns.lineplot(
        x=100 * pts["customer_share"], y=100 * pts["value_share"], ax=ax, label="customers by value"
    )
    ax.plot([0, 100], [0, 100], ls="--", color=COLORS["neutral"], lw=1, label="equal value")
    share = top_share(values, highlight)
    ax.axvline(100 * highlight, color=COLORS["neutral"], lw=0.8)
    ax.annotate(
        f"top {highlight:.0%} → {share:.0%} of {value_label}",
        (100 * highlight, 100 * share),
        xytext=(100 * highlight + 5, 100 * share - 15),
        arrowprops={"arrowstyle": "->"},
    )
    ax.set(
        xlabel="customers, ranked by value (cumulative %)",
        ylabel=f"{value_label} (cumulative %)",
        xlim=(0, 100),
        ylim=(0, 100),
        title=title,
    )
    return ax


def plot_abc(abc_table: pd.DataFrame, title: str, ax=None) -> Axes:
    """Bars: share of customers vs share of value per ABC class.

    Parameters
    ----------
    abc_table : pandas.DataFrame
        ``abc_summary`` (customer_share, value_share per class).
    title : str
        Chart title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    _, ax = _axes(ax)
    long = abc_table.reset_index().melt(
        id_vars="abc_class",
        value_vars=["customer_share", "value_share"],
        var_name="measure",
        value_name="share",
    )
    long["share"] *= 100
    long["measure"] = long["measure"].map({"customer_share": "customers", "value_share": "value"})
    sns.barplot(long, x="abc_class", y="share", hue="measure", ax=ax)
    ax.set(xlabel="ABC class", ylabel="share (%)", title=title)
    return ax


def plot_selection_matrix(matrix: pd.DataFrame, segment: str, title: str, ax=None) -> Axes:
    """Heatmap of value share per cell, annotated with customers, value share and action.

    Parameters
    ----------
    matrix : pandas.DataFrame
        ``value_needs_matrix`` or ``value_fit_matrix``.
    segment : str
        The second dimension's column (``needs`` or ``fit``).
    title : str
        Chart title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    _, ax = _axes(ax, size=(7.5, 4.2))
    cols = list(dict.fromkeys(matrix[segment]))
    share = matrix.pivot(index="value_level", columns=segment, values="value_share").reindex(
        index=["high", "low"], columns=cols
    )
    labels = matrix.set_index(["value_level", segment]).apply(
        lambda r: (
            f"{r['action']}\n{r['customers']:,} customers\n{100 * r['value_share']:.0f}% of value"
        ),
        axis=1,
    )
    annot = np.array([[labels[(lv, sg)] for sg in cols] for lv in ["high", "low"]])
    sns.heatmap(
        100 * share,
        annot=annot,
        fmt="",
        cmap="Blues",
        cbar_kws={"label": "share of value (%)"},
        ax=ax,
        annot_kws={"fontsize": 8},
    )
    ax.set(xlabel=segment, ylabel="value", title=title)
    return ax


def plot_period_transactions(table: pd.DataFrame, title: str, ax=None) -> Axes:
    """Bars: customers by number of repeat purchases, actual vs model.

    Parameters
    ----------
    table : pandas.DataFrame
        ``period_transactions``.
    title : str
        Chart title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    _, ax = _axes(ax)
    long = table.melt(
        id_vars="repeat_purchases",
        value_vars=["actual", "model"],
        var_name="source",
        value_name="customers",
    )
    sns.barplot(long, x="repeat_purchases", y="customers", hue="source", ax=ax)
    ax.set(xlabel="repeat purchases in the observation window", ylabel="customers", title=title)
    return ax


def plot_calibration_holdout(table: pd.DataFrame, title: str, ax=None) -> Axes:
    """Lines: mean holdout purchases by calibration frequency, actual vs predicted.

    Parameters
    ----------
    table : pandas.DataFrame
        ``calibration_vs_holdout``.
    title : str
        Chart title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    _, ax = _axes(ax)
    long = table.melt(
        id_vars="frequency_cal",
        value_vars=["actual", "predicted"],
        var_name="source",
        value_name="purchases",
    )
    sns.lineplot(
        long,
        x="frequency_cal",
        y="purchases",
        hue="source",
        style="source",
        markers=True,
        sort=False,
        ax=ax,
    )
    ax.set(
        xlabel="repeat purchases in the calibration period",
        ylabel="mean purchases in the holdout period",
        title=title,
    )
    return ax


def plot_expectation_heatmap(
    grid: pd.DataFrame, column: str, title: str, time_label: str = "days", ax=None
) -> Axes:
    """Heatmap over frequency × recency of ``column`` ('expected_purchases' or 'p_alive').

    Parameters
    ----------
    grid : pandas.DataFrame
        ``expectation_grid``.
    column : str
        Column of ``grid`` to draw.
    title : str
        Chart title.
    time_label : str, default "days"
        Unit of recency as a word, for the axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    _, ax = _axes(ax, size=(7.0, 4.5))
    table = grid[grid["frequency"] > 0].pivot(index="frequency", columns="recency", values=column)
    table = table.sort_index(ascending=False)
    table.columns = [f"{c:.0f}" for c in table.columns]
    table.index = [f"{i:.0f}" for i in table.index]
    label = "P(alive)" if column == "p_alive" else "expected purchases"
    sns.heatmap(table, cmap="viridis", ax=ax, cbar_kws={"label": label})
    ax.set(
        xlabel=f"recency: time of last purchase since the first ({time_label})",
        ylabel="repeat purchases (frequency)",
        title=title,
    )
    return ax


def plot_clv_distribution(clv: pd.Series, title: str, currency: str = "$", ax=None) -> Axes:
    """Histogram of CLV (log-spaced bins, customers with CLV > 0).

    Parameters
    ----------
    clv : pandas.Series
        CLV per customer.
    title : str
        Chart title.
    currency : str, default "$"
        Currency symbol of the axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    _, ax = _axes(ax)
    positive = clv[clv > 0]
    sns.histplot(positive, log_scale=True, bins=50, ax=ax)
    ax.set(
        xlabel=f"customer lifetime value ({currency}, log scale)", ylabel="customers", title=title
    )
    return ax
