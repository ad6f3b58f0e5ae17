"""Charts of the loyalty study (matplotlib/seaborn), kept apart from the models.

Each function draws on ``ax`` (or a new figure with ``layout="constrained"``, so a plain
``fig.savefig`` clips nothing), titles the chart with the caller's finding or a default title
(wrapped to fit), labels the axes with units and takes its colours from the report palette
(``crm_models.reporting.charts``); it returns the axes. Each accepts the fitted object as well
as its table: ``plot_paths(pls)``, ``plot_retention_curve(curve_model)``,
``plot_retention_economics(economics)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from crm_models.loyalty.economics import RS_HIGH, RS_LOW, RetentionEconomics
from crm_models.loyalty.ipm import standing_out
from crm_models.loyalty.pls_result import PLSResult, _result_of
from crm_models.loyalty.retention import RetentionCurve
from crm_models.reporting.charts import COLORS, PALETTE, chart_axes, wrap_title

__all__ = [
    "path_title",
    "plot_importance_performance",
    "plot_paths",
    "plot_retention_curve",
    "plot_retention_economics",
]

CONCENTRATE = "concentrate here: important, performance clearly below average"


def plot_importance_performance(
    ipm: pd.DataFrame,
    title: str | None = None,
    ax: Axes | None = None,
    levers: pd.DataFrame | None = None,
) -> Axes:
    """Plot importance (total effect, with interval) vs performance (0–100 index, with interval).

    Performance is drawn on its whole 0–100 scale: drivers that perform alike sit on one
    level. The *concentrate here* quadrant (split lines at the drivers' mean importance and
    performance, shaded) is marked only when a driver stands out by the rule of the text
    (``ipm.standing_out``); those drivers are drawn in the highlight colour. Drivers the report
    does not rank (not in ``levers``) are drawn muted.

    Parameters
    ----------
    ipm : pandas.DataFrame
        Output of ``importance_performance`` (one row per driver: ``construct, label,
        importance, importance_low, importance_high, performance, performance_low,
        performance_high``; ``target_label`` optional).
    title : str, optional
        Chart title (the finding); wrapped to fit the figure. Default: "Importance and
        performance of the drivers of <target>".
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default a new figure).
    levers : pandas.DataFrame, optional
        The levers the report ranks, with ``invest`` (``trust.clear_drivers`` of
        ``investment_levers``); default: ``investment_levers(ipm)`` with clear intervals.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    ax = chart_axes(ax, (7, 4.5))
    stand_out = standing_out(ipm, levers).to_numpy()
    ranked = (
        ipm["construct"].isin(levers["construct"]).to_numpy()
        if levers is not None
        else np.ones(len(ipm), dtype=bool)
    )
    kinds = np.select(
        [stand_out, ranked],
        [CONCENTRATE, "driver"],
        "not ranked: an outcome, or its effect is unclear",
    )
    colors = {CONCENTRATE: COLORS["highlight"], "driver": COLORS["main"]}
    if stand_out.any():
        x_split, y_split = ipm["importance"].mean(), ipm["performance"].mean()
        ax.axvline(x_split, color=COLORS["neutral"], lw=0.8, ls="--")
        ax.axhline(y_split, color=COLORS["neutral"], lw=0.8, ls="--")
        high = max(ipm["importance_high"].max(), ipm["importance"].max()) * 1.1
        ax.fill_between([x_split, high], 0, y_split, color=COLORS["highlight"], alpha=0.08)
    for kind in dict.fromkeys(kinds):
        rows = ipm[kinds == kind]
        x, y = rows["importance"].to_numpy(float), rows["performance"].to_numpy(float)
        x_low, x_high = (
            rows["importance_low"].to_numpy(float),
            rows["importance_high"].to_numpy(float),
        )
        y_low, y_high = rows["performance_low"].to_numpy(float), rows["performance_high"].to_numpy()
        ax.errorbar(
            x,
            y,
            xerr=np.vstack([x - x_low, x_high - x]) if np.isfinite(x_low).all() else None,
            yerr=np.vstack([y - y_low, y_high - y]),
            fmt="o",
            color=colors.get(kind, COLORS["muted"]),
            ms=7,
            capsize=3,
            label=kind,
        )
    # labels alternate above and below, in order of importance, so neighbours do not overlap
    order = np.argsort(ipm["importance"].to_numpy())
    above = np.empty(len(ipm), dtype=bool)
    above[order] = np.arange(len(ipm)) % 2 == 0
    for (label, x, y), up in zip(
        ipm[["label", "importance", "performance"]].itertuples(index=False), above, strict=True
    ):
        ax.annotate(
            label,
            (x, y),
            textcoords="offset points",
            xytext=(0, 9 if up else -15),
            ha="center",
            fontsize=9,
        )
    if not stand_out.any():
        ax.text(
            0.02,
            0.04,
            "no driver performs clearly below the others: no quadrant to concentrate on",
            transform=ax.transAxes,
            fontsize=9,
            color=COLORS["neutral"],
        )
    ax.set_ylim(0, 100)
    ax.legend(fontsize=9, loc="upper left")
    target = ipm["target_label"].iloc[0].lower() if "target_label" in ipm else "the target"
    ax.set_xlabel(f"importance: total effect on {target} (standardized, 95% interval)")
    ax.set_ylabel("performance: index (0–100, 95% interval)")
    wrap_title(ax, title or f"Importance and performance of the drivers of {target}")
    return ax


def plot_retention_economics(
    curves: Mapping[str, pd.DataFrame | RetentionEconomics] | RetentionEconomics,
    current: float | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Profit effect of +5 points of retention vs the base retention rate, one line per model.

    Parameters
    ----------
    curves : RetentionEconomics, or mapping of str to DataFrame or RetentionEconomics
        One economics model, or model name → ``RetentionEconomics.curve()`` (columns
        ``retention, profit_effect``; shares in [0, 1]) or the model itself.
    current : float, optional
        Today's annual retention rate in [0, 1] (a vertical line; none when not given).
    title : str, optional
        Chart title (the finding). Default: "Profit effect of +5 points of retention".
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if isinstance(curves, RetentionEconomics):
        curves = {"customer NPV": curves}
    tables = {
        name: c.curve() if isinstance(c, RetentionEconomics) else c for name, c in curves.items()
    }
    ax = chart_axes(ax, (7, 4.5))
    ax.axhspan(
        100 * RS_LOW,
        100 * RS_HIGH,
        color=COLORS["band"],
        alpha=0.15,
        label="Reichheld & Sasser: 25–85%",
    )
    for (name, curve), color in zip(tables.items(), PALETTE, strict=False):
        ax.plot(
            100 * curve["retention"], 100 * curve["profit_effect"], lw=2, color=color, label=name
        )
    if current is not None:
        ax.axvline(
            100 * current,
            color=COLORS["neutral"],
            ls="--",
            lw=0.8,
            label=f"today: {100 * current:.0f}%",
        )
    ax.set_xlabel("annual retention rate before the improvement (%)")
    ax.set_ylabel("increase in customer NPV from +5 points (%)")
    ax.set_ylim(0, max(100.0, min(200.0, ax.get_ylim()[1])))
    ax.legend(fontsize=9)
    wrap_title(ax, title or "Profit effect of +5 points of retention, by today's retention rate")
    return ax


def plot_retention_curve(
    curve: pd.DataFrame | RetentionCurve,
    bands: pd.DataFrame | None = None,
    threshold: float | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """P(retained) vs satisfaction index: spline with interval, hinge fit, band means.

    Parameters
    ----------
    curve : pandas.DataFrame or RetentionCurve
        ``RetentionCurve.curve()`` (columns ``score, p_spline, p_low, p_high, p_hinge``), or
        the fitted ``RetentionCurve`` itself (its threshold is then marked when the curve is
        non-linear and ``threshold`` is not given).
    bands : pandas.DataFrame, optional
        ``behaviour_by_band`` output (points with intervals); none drawn when not given.
    threshold : float, optional
        Take-off threshold (0–100 index) to mark (None: no line).
    title : str, optional
        Chart title (the finding). Default: "Customers retained by satisfaction".
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if isinstance(curve, RetentionCurve):
        fitted = curve.result_ if hasattr(curve, "result_") else None
        if threshold is None and fitted is not None and fitted.nonlinear:
            threshold = fitted.threshold
        curve = curve.curve()
    ax = chart_axes(ax, (7, 4.5))
    ax.fill_between(
        curve["score"],
        100 * curve["p_low"],
        100 * curve["p_high"],
        color=COLORS["band"],
        alpha=0.25,
    )
    ax.plot(
        curve["score"],
        100 * curve["p_spline"],
        color=COLORS["main"],
        lw=2,
        label="spline logit (95% band)",
    )
    ax.plot(
        curve["score"],
        100 * curve["p_hinge"],
        color=COLORS["highlight"],
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
            color=COLORS["ink"],
            capsize=3,
            label="observed per band (95%)",
        )
    if threshold is not None:
        ax.axvline(
            threshold, color=COLORS["highlight"], lw=0.8, label=f"take-off ≈ {threshold:.0f}"
        )
    ax.set_xlabel("satisfaction index (0–100)")
    ax.set_ylabel("customers retained (%)")
    ax.legend(fontsize=9)
    wrap_title(ax, title or "Customers retained by satisfaction")
    return ax


def plot_paths(
    summary: pd.DataFrame | PLSResult | object,
    title: str | None = None,
    ax: Axes | None = None,
    reference: pd.DataFrame | None = None,
) -> Axes:
    """Horizontal bars of path coefficients with bootstrap intervals (and optional reference dots).

    Parameters
    ----------
    summary : pandas.DataFrame, PLSResult or PLSPathModel
        ``PLSResult.path_table()`` (one row per path: ``label, estimate, ci_low, ci_high``),
        or the fitted model / its result (its ``path_table()`` is used).
    title : str, optional
        Chart title (the finding). Default: :func:`path_title` (the strongest path and how
        many intervals exclude zero).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default a new figure).
    reference : pandas.DataFrame, optional
        Reference estimates in the same order (``estimate``; ``attrs["name"]`` for the legend).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    estimator = "PLS"
    if not isinstance(summary, pd.DataFrame):
        result = _result_of(summary)
        estimator = "PLSc" if result.consistent else "PLS"
        summary = result.path_table()
    ax = chart_axes(ax, (7, 0.45 * len(summary) + 1.5))
    y = np.arange(len(summary))[::-1]
    ax.barh(y, summary["estimate"], color=COLORS["main"], alpha=0.8)
    if summary["ci_low"].notna().all():
        ax.errorbar(
            summary["estimate"],
            y,
            xerr=[
                summary["estimate"] - summary["ci_low"],
                summary["ci_high"] - summary["estimate"],
            ],
            fmt="none",
            color=COLORS["ink"],
            capsize=3,
        )
    if reference is not None:
        ax.plot(
            reference["estimate"],
            y,
            "D",
            color=COLORS["highlight"],
            label=reference.attrs.get("name", "reference"),
        )
        ax.legend(fontsize=9)
    ax.set_yticks(y)
    ax.set_yticklabels(summary["label"])
    ax.axvline(0, color=COLORS["ink"], lw=0.6)
    ax.set_xlabel("standardized path coefficient (95% bootstrap interval)")
    wrap_title(ax, title or path_title(summary, estimator))
    return ax


def path_title(summary: pd.DataFrame, estimator: str = "PLS") -> str:
    """Title of the path chart that states its finding: the strongest path, how many are clear.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``PLSResult.path_table()`` (``label, estimate, ci_low, ci_high``).
    estimator : str, default "PLS"
        Name of the estimator (``"PLSc"`` for consistent PLS).

    Returns
    -------
    str
        E.g. ``"Perceived quality → Perceived value is the strongest path (0.55); 12 of 12
        paths' 95% intervals exclude zero (PLSc)"``.
    """
    strongest = summary.loc[summary["estimate"].abs().idxmax()]
    clear = int(((summary["ci_low"] > 0) | (summary["ci_high"] < 0)).sum())
    return (
        f"{strongest['label']} is the strongest path ({strongest['estimate']:.2f}); "
        f"{clear} of {len(summary)} paths' 95% intervals exclude zero ({estimator})"
    )
