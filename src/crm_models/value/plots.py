"""Seaborn charts for the segment-value report (replacing lifetimes' broken plot helpers).

Every function draws on the given ``ax`` (or on a new figure with ``layout="constrained"``,
so that a plain ``fig.savefig`` clips nothing), labels axes with units, has a default title
stating the finding (pass ``title=`` to state your own) and returns the matplotlib ``Axes``
it drew on. Each takes the raw input (customer values, a fitted model and its data) as well
as the prepared table, so no separate table call is needed first. The one two-panel chart,
:func:`plot_expectation_heatmaps`, takes ``axes=`` (a pair) and returns both Axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from crm_models.errors import ParameterError
from crm_models.reporting.charts import COLORS
from crm_models.value.abc import abc_classes, abc_summary, concentration_curve, top_share

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

_GRID_LABELS = {"p_alive": "P(alive)", "expected_purchases": "expected purchases"}


def _new_axes(ax: Axes | None, size: tuple[float, float] = (6.5, 4.0)) -> Axes:
    """Return the given Axes, or one on a new constrained-layout figure of ``size`` inches."""
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


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
    ax = _new_axes(ax)
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
    ax = _new_axes(ax)
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
    ax = _new_axes(ax, size=(7.5, 4.2))
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


def plot_period_transactions(
    table: Any,
    title: str | None = None,
    ax: Axes | None = None,
    data: pd.DataFrame | None = None,
    max_count: int = 7,
) -> Axes:
    """Bars: customers by number of repeat purchases, actual vs model.

    Parameters
    ----------
    table : pandas.DataFrame or fitted BGNBD / MBGNBD
        The ``period_transactions`` table (columns repeat_purchases, actual, model), or the
        fitted model itself, then tabulated here on ``data``.
    title : str, optional
        Chart title; default names Pearson's χ² of model vs actual counts.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new constrained-layout figure when omitted).
    data : pandas.DataFrame, optional
        Per-customer summary (columns frequency, recency, T) when ``table`` is a model.
    max_count : int, default 7
        Last bar is "max_count or more" (model only).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if not isinstance(table, pd.DataFrame):
        if data is None:
            raise ParameterError(
                "plot_period_transactions: a model needs its per-customer summary: pass "
                "data=<frame with frequency, recency, T>"
            )
        from crm_models.value.diagnostics import period_transactions

        table = period_transactions(table, data, max_count=max_count)
    ax = _new_axes(ax)
    long = table.melt(
        id_vars="repeat_purchases",
        value_vars=["actual", "model"],
        var_name="source",
        value_name="customers",
    )
    sns.barplot(long, x="repeat_purchases", y="customers", hue="source", ax=ax)
    if title is None:
        chi2 = float((((table["actual"] - table["model"]) ** 2) / table["model"]).sum())
        title = f"Repeat-purchase counts: model vs actual (χ² = {chi2:.0f})"
    ax.set(xlabel="repeat purchases in the observation window", ylabel="customers", title=title)
    return ax


def plot_calibration_holdout(
    table: Any,
    title: str | None = None,
    ax: Axes | None = None,
    cal_holdout: pd.DataFrame | None = None,
    max_frequency: int = 7,
) -> Axes:
    """Lines: mean holdout purchases by calibration frequency, actual vs predicted.

    Parameters
    ----------
    table : pandas.DataFrame or fitted transaction model
        The ``calibration_vs_holdout`` table (columns frequency_cal, customers, actual,
        predicted), or a model fitted on the calibration period, then tabulated here on
        ``cal_holdout``.
    title : str, optional
        Chart title; default states how far the predicted holdout total is from the actual.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new constrained-layout figure when omitted).
    cal_holdout : pandas.DataFrame, optional
        Calibration/holdout summary (``rfm_summary(..., calibration_end=...)``) when
        ``table`` is a model.
    max_frequency : int, default 7
        Calibration frequencies at or above this are pooled (model only).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if not isinstance(table, pd.DataFrame):
        if cal_holdout is None:
            raise ParameterError(
                "plot_calibration_holdout: a model needs the calibration/holdout summary: pass "
                "cal_holdout=rfm_summary(..., calibration_end=...)"
            )
        from crm_models.value.diagnostics import calibration_vs_holdout

        table = calibration_vs_holdout(table, cal_holdout, max_frequency=max_frequency)
    ax = _new_axes(ax)
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
    if title is None:
        title = "Holdout purchases per customer: actual vs predicted"
        if "customers" in table.columns:
            actual = float((table["customers"] * table["actual"]).sum())
            predicted = float((table["customers"] * table["predicted"]).sum())
            if actual > 0:
                title = f"Holdout purchases predicted within {abs(predicted / actual - 1):.1%}"
    ax.set(
        xlabel="repeat purchases in the calibration period",
        ylabel="mean purchases in the holdout period",
        title=title,
    )
    return ax


def _grid(grid: Any, t: float | None, T: float | None) -> pd.DataFrame:
    """Return the grid given, or tabulate it from a fitted model at ``t`` and ``T``."""
    if isinstance(grid, pd.DataFrame):
        return grid
    if t is None or T is None:
        raise ParameterError(
            "plot_expectation_heatmap: a model needs the window and the customer age: pass "
            "t=<future window> and T=<customer age>, in the model's time unit"
        )
    from crm_models.value.diagnostics import expectation_grid

    return expectation_grid(grid, t=t, T=T)


def plot_expectation_heatmap(
    grid: Any,
    column: str = "p_alive",
    title: str | None = None,
    time_label: str = "days",
    ax: Axes | None = None,
    t: float | None = None,
    T: float | None = None,
) -> Axes:
    """Heatmap over frequency × recency of ``column`` ('expected_purchases' or 'p_alive').

    Parameters
    ----------
    grid : pandas.DataFrame or fitted BGNBD / MBGNBD / ParetoNBD
        The ``expectation_grid`` table (long format: frequency, recency,
        expected_purchases, p_alive), or the fitted model, tabulated here at ``t`` and ``T``.
    column : {"p_alive", "expected_purchases"}, default "p_alive"
        What to draw: chance the customer is still active (in [0, 1]) or expected
        purchases in the window.
    title : str, optional
        Chart title; default names what is drawn.
    time_label : str, default "days"
        Unit of recency as a word, for the axis label (the model's time unit).
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new constrained-layout figure when omitted).
    t : float, optional
        Future window, in the model's time unit (model only).
    T : float, optional
        Customer age, in the model's time unit (model only).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if column not in _GRID_LABELS:
        raise ParameterError(
            f"plot_expectation_heatmap: column must be one of {sorted(_GRID_LABELS)}, "
            f"got {column!r}"
        )
    frame = _grid(grid, t, T)
    ax = _new_axes(ax, size=(7.0, 4.5))
    table = frame[frame["frequency"] > 0].pivot(index="frequency", columns="recency", values=column)
    table = table.sort_index(ascending=False)
    table.columns = [f"{c:.0f}" for c in table.columns]
    table.index = [f"{i:.0f}" for i in table.index]
    label = _GRID_LABELS[column]
    sns.heatmap(table, cmap="viridis", ax=ax, cbar_kws={"label": label})
    if title is None:
        title = f"{label[0].upper()}{label[1:]} by repeat purchases and recency"
    ax.set(
        xlabel=f"recency: time of last purchase since the first ({time_label})",
        ylabel="repeat purchases (frequency)",
        title=title,
    )
    return ax


def plot_expectation_heatmaps(
    grid: Any,
    time_label: str = "days",
    axes: Sequence[Axes] | None = None,
    titles: Sequence[str] | None = None,
    t: float | None = None,
    T: float | None = None,
) -> np.ndarray:
    """Two heatmaps side by side: expected purchases, and P(alive), over frequency × recency.

    This chart truly needs two panels, so it takes ``axes=`` (a pair) instead of ``ax=`` and
    returns the array of both Axes.

    Parameters
    ----------
    grid : pandas.DataFrame or fitted BGNBD / MBGNBD / ParetoNBD
        The ``expectation_grid`` table, or the fitted model (then pass ``t`` and ``T``).
    time_label : str, default "days"
        Unit of recency as a word, for the axis labels.
    axes : sequence of two matplotlib.axes.Axes, optional
        Where to draw (a new 13 × 4.5 inch constrained-layout figure when omitted).
    titles : sequence of two str, optional
        Titles of the two panels; default names what each draws.
    t : float, optional
        Future window, in the model's time unit (model only).
    T : float, optional
        Customer age, in the model's time unit (model only).

    Returns
    -------
    numpy.ndarray
        The two Axes drawn on: expected purchases, then P(alive).
    """
    if axes is None:
        _, made = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained")
        axes = list(made)
    if len(axes) != 2:
        raise ParameterError(f"plot_expectation_heatmaps: axes must be a pair, got {len(axes)}")
    pair = [None, None] if titles is None else list(titles)
    frame = _grid(grid, t, T)
    for panel, column, title in zip(axes, ("expected_purchases", "p_alive"), pair, strict=True):
        plot_expectation_heatmap(frame, column, title, time_label, ax=panel)
    return np.asarray(axes, dtype=object)


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
    ax = _new_axes(ax)
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
