"""Charts of the loyalty study (matplotlib/seaborn), kept apart from the models.

Each function draws on ``ax`` (or a new axes), titles the chart with the caller's finding and
labels the axes with units; it returns the axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from crm_models.loyalty.economics import RS_HIGH, RS_LOW

__all__ = [
    "plot_importance_performance",
    "plot_paths",
    "plot_retention_curve",
    "plot_retention_economics",
]

QUADRANT_COLORS = {
    "concentrate here": "#d1495b",
    "keep up the good work": "#2e86ab",
    "low priority": "#8d99ae",
    "possible overkill": "#edae49",
}


def _axes(ax: Axes | None, size: tuple[float, float] = (7, 4.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_importance_performance(ipm: pd.DataFrame, title: str, ax: Axes | None = None) -> Axes:
    """Plot importance (total effect, with interval) vs performance (0–100 index, with interval).

    Parameters
    ----------
    ipm : pandas.DataFrame
        Output of ``importance_performance``.
    title : str
        Chart title (the finding).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    ax = _axes(ax)
    for row in ipm.itertuples():
        color = QUADRANT_COLORS.get(row.quadrant, "#444444")
        xerr = (
            [[row.importance - row.importance_low], [row.importance_high - row.importance]]
            if np.isfinite(row.importance_low)
            else None
        )
        yerr = [[row.performance - row.performance_low], [row.performance_high - row.performance]]
        ax.errorbar(
            row.importance,
            row.performance,
            xerr=xerr,
            yerr=yerr,
            fmt="o",
            color=color,
            ms=8,
            capsize=3,
            label=row.quadrant,
        )
        ax.annotate(
            row.label,
            (row.importance, row.performance),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=9,
        )
    ax.axvline(ipm["importance"].mean(), color="grey", lw=0.8, ls="--")
    ax.axhline(ipm["performance"].mean(), color="grey", lw=0.8, ls="--")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), fontsize=8, loc="best")
    target = ipm["target_label"].iloc[0].lower() if "target_label" in ipm else "the target"
    ax.set_xlabel(f"importance: total effect on {target} (standardized, 95% interval)")
    ax.set_ylabel("performance: index (0–100, 95% interval)")
    ax.set_title(title)
    return ax


def plot_retention_economics(
    curves: dict[str, pd.DataFrame], current: float, title: str, ax: Axes | None = None
) -> Axes:
    """Profit effect of +5 points of retention vs the base retention rate, one line per model.

    Parameters
    ----------
    curves : dict of str to pandas.DataFrame
        Model name → ``RetentionEconomics.curve()``.
    current : float
        Today's retention rate (a vertical line).
    title : str
        Chart title (the finding).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    ax = _axes(ax)
    ax.axhspan(
        100 * RS_LOW, 100 * RS_HIGH, color="#2e86ab", alpha=0.12, label="Reichheld & Sasser: 25–85%"
    )
    for name, curve in curves.items():
        ax.plot(100 * curve["retention"], 100 * curve["profit_effect"], lw=2, label=name)
    ax.axvline(100 * current, color="grey", ls="--", lw=0.8, label=f"today: {100 * current:.0f}%")
    ax.set_xlabel("annual retention rate before the improvement (%)")
    ax.set_ylabel("increase in customer NPV from +5 points (%)")
    ax.set_ylim(0, max(100.0, min(200.0, ax.get_ylim()[1])))
    ax.legend(fontsize=8)
    ax.set_title(title)
    return ax


def plot_retention_curve(
    curve: pd.DataFrame,
    bands: pd.DataFrame | None,
    threshold: float | None,
    title: str,
    ax: Axes | None = None,
) -> Axes:
    """P(retained) vs satisfaction index: spline with interval, hinge fit, band means.

    Parameters
    ----------
    curve : pandas.DataFrame
        ``RetentionCurve.curve()``.
    bands : pandas.DataFrame or None
        ``behaviour_by_band`` output (points with intervals).
    threshold : float or None
        Take-off threshold to mark (None: no line).
    title : str
        Chart title (the finding).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    ax = _axes(ax)
    ax.fill_between(
        curve["score"], 100 * curve["p_low"], 100 * curve["p_high"], color="#2e86ab", alpha=0.2
    )
    ax.plot(
        curve["score"],
        100 * curve["p_spline"],
        color="#2e86ab",
        lw=2,
        label="spline logit (95% band)",
    )
    ax.plot(
        curve["score"],
        100 * curve["p_hinge"],
        color="#d1495b",
        lw=1.2,
        ls="--",
        label="hinge logit",
    )
    if bands is not None:
        ok = bands["customers"] > 0
        b = bands.loc[ok]
        mid = b["score_mean"]
        ax.errorbar(
            mid,
            100 * b["retention"],
            yerr=[
                100 * (b["retention"] - b["retention_low"]),
                100 * (b["retention_high"] - b["retention"]),
            ],
            fmt="s",
            color="black",
            capsize=3,
            label="observed per band (95%)",
        )
    if threshold is not None:
        ax.axvline(threshold, color="#d1495b", lw=0.8, label=f"take-off ≈ {threshold:.0f}")
    ax.set_xlabel("satisfaction index (0–100)")
    ax.set_ylabel("customers retained (%)")
    ax.legend(fontsize=8)
    ax.set_title(title)
    return ax


def plot_paths(
    summary: pd.DataFrame, title: str, ax: Axes | None = None, reference: pd.DataFrame | None = None
) -> Axes:
    """Horizontal bars of path coefficients with bootstrap intervals (and optional reference dots).

    Parameters
    ----------
    summary : pandas.DataFrame
        ``PLSResult.path_table()`` (``label, estimate, ci_low, ci_high``).
    title : str
        Chart title (the finding).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default a new figure).
    reference : pandas.DataFrame, optional
        Reference estimates in the same order (``estimate``; ``attrs["name"]`` for the legend).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    ax = _axes(ax, (7, 0.45 * len(summary) + 1.5))
    y = np.arange(len(summary))[::-1]
    ax.barh(y, summary["estimate"], color="#2e86ab", alpha=0.8)
    if summary["ci_low"].notna().all():
        ax.errorbar(
            summary["estimate"],
            y,
            xerr=[
                summary["estimate"] - summary["ci_low"],
                summary["ci_high"] - summary["estimate"],
            ],
            fmt="none",
            color="black",
            capsize=3,
        )
    if reference is not None:
        ax.plot(
            reference["estimate"],
            y,
            "D",
            color="#d1495b",
            label=reference.attrs.get("name", "reference"),
        )
        ax.legend(fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels(summary["label"])
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("standardized path coefficient (95% bootstrap interval)")
    ax.set_title(title)
    return ax
