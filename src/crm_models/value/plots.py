"""Seaborn charts for the segment-value report (replacing lifetimes' broken plot helpers).

Every function draws on the given ``ax`` (or on a new figure with ``layout="constrained"``,
so that a plain ``fig.savefig`` clips nothing), labels axes with units, has a default title
stating the finding (pass ``title=`` to state your own) and returns the matplotlib ``Axes``
it drew on. Each takes the raw input (customer values, a fitted model and its data) as well
as the prepared table, so no separate table call is needed first. The one two-panel chart,
:func:`plot_expectation_heatmaps`, takes ``axes=`` (a pair) and returns both Axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from crm_models.errors import ParameterError
from crm_models.reporting.charts import COLORS, chart_axes
from crm_models.value.abc import abc_classes, abc_summary, concentration_curve, top_share
from crm_models.value.model_plots import (
    plot_calibration_holdout,
    plot_expectation_heatmap,
    plot_expectation_heatmaps,
    plot_period_transactions,
)

__all__ = [
    "plot_abc",
    "plot_calibration_holdout",
    "plot_clv_distribution",
    "plot_concentration",
    "plot_expectation_heatmap",
    "plot_expectation_heatmaps",
    "plot_period_transactions",
    "plot_selection_matrix",
]


def plot_concentration(
    values: Any,
    title: str | None = None,
    highlight: float = 0.2,
    value_label: str = "value",
    ax: Axes | None = None,
) -> Axes:
    """Concentration (Pareto/Lorenz) curve with the equality line and the top-share marked.

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer (e.g. CLV in dollars), one entry per customer; finite and >= 0.
    title : str, optional
        Chart title (state the finding); default "Top 20% of customers hold y% of value".
    highlight : float, default 0.2
        Top share of customers marked, in (0, 1].
    value_label : str, default "value"
        What the values are, for the labels and the default title.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new constrained-layout figure when omitted).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    ax = chart_axes(ax, (6.5, 4.0))
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
    if title is None:
        title = f"Top {highlight:.0%} of customers hold {share:.0%} of {value_label}"
    ax.set(
        xlabel="customers, ranked by value (cumulative %)",
        ylabel=f"{value_label} (cumulative %)",
        xlim=(0, 100),
        ylim=(0, 100),
        title=title,
    )
    return ax


def plot_abc(
    data: Any,
    title: str | None = None,
    ax: Axes | None = None,
    thresholds: tuple[float, float] = (0.8, 0.95),
) -> Axes:
    """Bars: share of customers vs share of value per ABC class.

    Parameters
    ----------
    data : pandas.DataFrame or array-like
        Either the ``abc_summary`` table (one row per class A/B/C with columns
        customer_share and value_share, shares in [0, 1]) or the raw value per customer
        (e.g. CLV in dollars), which is classed with :func:`abc_classes` here.
    title : str, optional
        Chart title; default "A customers: x% of customers, y% of value".
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new constrained-layout figure when omitted).
    thresholds : tuple of float, default (0.8, 0.95)
        Cumulative value shares closing classes A and B (raw values only).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if isinstance(data, pd.DataFrame) and {"customer_share", "value_share"} <= set(data.columns):
        table = data
    else:
        table = abc_summary(data, abc_classes(data, thresholds))
    ax = chart_axes(ax, (6.5, 4.0))
    long = (
        table.rename_axis("abc_class")
        .reset_index()
        .melt(
            id_vars="abc_class",
            value_vars=["customer_share", "value_share"],
            var_name="measure",
            value_name="share",
        )
    )
    long["share"] *= 100
    long["measure"] = long["measure"].map({"customer_share": "customers", "value_share": "value"})
    sns.barplot(long, x="abc_class", y="share", hue="measure", ax=ax)
    if title is None:
        first = table.iloc[0]
        title = (
            f"{table.index[0]} customers: {first['customer_share']:.0%} of customers, "
            f"{first['value_share']:.0%} of value"
        )
    ax.set(xlabel="ABC class", ylabel="share (%)", title=title)
    return ax


def plot_selection_matrix(
    matrix: pd.DataFrame,
    segment: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of value share per cell, annotated with customers, value share and action.

    Parameters
    ----------
    matrix : pandas.DataFrame
        ``value_needs_matrix`` or ``value_fit_matrix``: one row per cell with columns
        value_level, the segment column, customers, value_share (in [0, 1]) and action.
    segment : str, optional
        The second dimension's column (``needs`` or ``fit``); found from the columns when
        omitted.
    title : str, optional
        Chart title; default "<largest cell's action> covers y% of value".
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new constrained-layout figure when omitted).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if segment is None:
        found = [c for c in ("needs", "fit") if c in matrix.columns]
        if not found:
            raise ParameterError(
                "plot_selection_matrix: the matrix has neither a 'needs' nor a 'fit' column; "
                "pass value_needs_matrix(...) or value_fit_matrix(...), or segment="
            )
        segment = found[0]
    ax = chart_axes(ax, (7.5, 4.2))
    cols = list(dict.fromkeys(matrix[segment]))
    share = matrix.pivot(index="value_level", columns=segment, values="value_share").reindex(
        index=["high", "low"], columns=cols
    )
    cells = matrix.set_index(["value_level", segment])
    labels = (
        cells["action"].astype(str)
        + "\n"
        + cells["customers"].map("{:,}".format)
        + " customers\n"
        + (100 * cells["value_share"]).map("{:.0f}".format)
        + "% of value"
    )
    annot = labels.unstack(segment).reindex(index=["high", "low"], columns=cols).to_numpy()
    sns.heatmap(
        100 * share,
        annot=annot,
        fmt="",
        cmap="Blues",
        cbar_kws={"label": "share of value (%)"},
        ax=ax,
        annot_kws={"fontsize": 8},
    )
    if title is None:
        top = matrix.sort_values("value_share", ascending=False).iloc[0]
        title = f"{str(top['action']).capitalize()} covers {top['value_share']:.0%} of value"
    ax.set(xlabel=segment, ylabel="value", title=title)
    return ax


def plot_clv_distribution(
    clv: Any, title: str | None = None, currency: str = "$", ax: Axes | None = None
) -> Axes:
    """Histogram of CLV (log-spaced bins, customers with CLV > 0).

    Parameters
    ----------
    clv : pandas.Series or array-like
        CLV per customer (currency units), one entry per customer.
    title : str, optional
        Chart title; default states the median CLV of the customers drawn.
    currency : str, default "$"
        Currency symbol of the axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new constrained-layout figure when omitted).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    values = pd.Series(np.asarray(clv, dtype=float))
    positive = values[values > 0]
    ax = chart_axes(ax, (6.5, 4.0))
    sns.histplot(positive, log_scale=True, bins=50, ax=ax)
    if title is None:
        title = (
            f"CLV of {len(positive):,} customers: median {currency}{positive.median():,.0f}"
            if len(positive)
            else "No customer has a CLV above 0"
        )
    ax.set(
        xlabel=f"customer lifetime value ({currency}, log scale)", ylabel="customers", title=title
    )
    return ax
