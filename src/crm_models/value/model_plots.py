"""Charts of the transaction models' fit, re-exported by :mod:`crm_models.value.plots`.

Repeat-purchase counts, calibration vs holdout, and the expected-purchases / P(alive)
heatmaps.

Same conventions as the other value plots: ``ax=`` honoured (a new constrained-layout figure
otherwise), the Axes returned, a default title, and the fitted model accepted in place of the
prepared table.
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
from crm_models.reporting.charts import chart_axes

__all__ = [
    "plot_calibration_holdout",
    "plot_expectation_heatmap",
    "plot_expectation_heatmaps",
    "plot_period_transactions",
]

_GRID_LABELS = {"p_alive": "P(alive)", "expected_purchases": "expected purchases"}


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
    ax = chart_axes(ax, (6.5, 4.0))
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
    ax = chart_axes(ax, (6.5, 4.0))
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
    ax = chart_axes(ax, (7.0, 4.5))
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
