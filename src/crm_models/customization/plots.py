"""Charts of the customization study (seaborn/matplotlib; each returns the Axes).

Every plot takes ``ax=None`` (draws on it when given, else makes a figure with
``layout="constrained"``, so a plain ``fig.savefig`` clips nothing), accepts the fitted
object itself (``VarietyOptimizer``, ``WTPResult``, ``ConjointResult``, ``KanoSurvey``) as
well as its table, and has a default title stating the finding (``title=`` replaces it).
Axes carry units. Money is in dollars (PV over the horizon unless said otherwise).
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from crm_models.customization.conjoint import ConjointModel
from crm_models.errors import ParameterError
from crm_models.reporting.charts import COLORS, chart_axes, wrap_title
from crm_models.results import check_fitted

__all__ = [
    "plot_face_sweep",
    "plot_kano",
    "plot_profit_by_modules",
    "plot_profit_by_type",
    "plot_tornado",
    "plot_wtp",
    "spread_labels",
]

_MILLION = 1e6


def _table(obj: Any, method: str, what: str) -> pd.DataFrame:
    """Return ``obj`` when it is a table, else ``obj.<method>()`` (a fitted object)."""
    if isinstance(obj, pd.DataFrame):
        return obj
    if hasattr(obj, method):
        return getattr(obj, method)()
    raise ParameterError(f"{what}: expected a DataFrame or an object with .{method}(), got {obj!r}")


def plot_profit_by_type(
    by_face: pd.DataFrame | Any,
    best: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Bar chart of the optimal profit per customization type.

    Parameters
    ----------
    by_face : pandas.DataFrame or VarietyOptimizer
        A fitted ``VarietyOptimizer`` or its ``by_face_`` table (index ``face``, column
        ``profit`` in dollars, PV over the horizon).
    best : str, optional
        The face to highlight (default: the most profitable).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure with constrained layout).
    title : str, optional
        Replaces the default title ("<Best> customization earns most").

    Returns
    -------
    matplotlib.axes.Axes
        The chart.
    """
    if not isinstance(by_face, pd.DataFrame):
        by_face = getattr(by_face, "by_face_", None)
        if by_face is None:
            raise ParameterError("plot_profit_by_type: fit the VarietyOptimizer first")
    if best is None:
        best = str(by_face["profit"].idxmax())
    ax = chart_axes(ax, (7, 4))
    frame = by_face.reset_index()
    colors = [COLORS["main"] if f == best else COLORS["muted"] for f in frame["face"]]
    ax.bar(frame["face"], frame["profit"] / _MILLION, color=colors)
    for i, row in frame.iterrows():
        ax.annotate(
            f"{row['profit'] / _MILLION:,.2f}",
            (i, row["profit"] / _MILLION),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.set_ylabel("profit, PV over horizon (millions)")
    ax.set_xlabel("customization type (best variety and premium for each)")
    wrap_title(ax, title or f"{best.capitalize()} customization earns most", width=None)
    ax.axhline(0, color=COLORS["ink"], lw=0.8)
    return ax


def plot_profit_by_modules(
    table: pd.DataFrame | Any, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Plot the best profit per total number of modules, one line per face.

    Parameters
    ----------
    table : pandas.DataFrame or VarietyOptimizer
        A fitted ``VarietyOptimizer`` or its ``profit_by_modules()`` table (columns
        ``face``, ``modules``, ``profit`` in dollars).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure with constrained layout).
    title : str, optional
        Replaces the default title (where profit peaks).

    Returns
    -------
    matplotlib.axes.Axes
        The chart.
    """
    table = _table(table, "profit_by_modules", "plot_profit_by_modules")
    ax = chart_axes(ax, (7, 4))
    sns.lineplot(
        data=table.assign(profit_m=table["profit"] / _MILLION),
        x="modules",
        y="profit_m",
        hue="face",
        marker="o",
        ax=ax,
    )
    best = table.loc[table["profit"].idxmax()]
    modules = int(best["modules"])
    if modules == table["modules"].max():  # no interior peak: say the grid limits the answer
        wrap_title(
            ax,
            f"Profit still rises at the most variety offered ({modules} modules, {best['face']})",
            width=None,
        )
    else:
        wrap_title(ax, f"Profit peaks at {modules} modules ({best['face']})", width=None)
    if title:
        wrap_title(ax, title, width=None)
    ax.set_xlabel("modules offered (sum over attributes)")
    ax.set_ylabel("profit, PV over horizon (millions)")
    ax.legend(title="customization type", fontsize=8, title_fontsize=8)
    return ax


def plot_tornado(
    tornado: pd.DataFrame,
    base_profit: float | None = None,
    top: int = 10,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Plot a tornado of optimal profit when each input moves low → high.

    Parameters
    ----------
    tornado : pandas.DataFrame
        Output of :func:`~crm_models.customization.tornado` (columns ``input`` or ``label``,
        ``profit_low``, ``profit_high``, ``base_profit`` in dollars, ``decision_changes``).
    base_profit : float, optional
        Profit the bars are measured from (default: the table's ``base_profit``).
    top : int, default 10
        Inputs shown (the table's first rows: largest swings).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure with constrained layout).
    title : str, optional
        Replaces the default title (the input that moves profit most).

    Returns
    -------
    matplotlib.axes.Axes
        The chart; inputs whose change moves the decision are marked with ``*``.
    """
    if base_profit is None:
        base_profit = float(tornado["base_profit"].iloc[0])
    ax = chart_axes(ax, (7, 0.45 * min(top, len(tornado)) + 1.2))
    t = tornado.head(top).iloc[::-1]
    y = np.arange(len(t))
    low = (t["profit_low"] - base_profit) / _MILLION
    high = (t["profit_high"] - base_profit) / _MILLION
    ax.barh(y, low, color=COLORS["highlight"], label="input low")
    ax.barh(y, high, color=COLORS["main"], label="input high")
    names = t["label"] if "label" in t.columns else t["input"]
    labels = [f"{n}{' *' if c else ''}" for n, c in zip(names, t["decision_changes"], strict=True)]
    ax.set_yticks(y, labels)
    ax.axvline(0, color=COLORS["ink"], lw=0.8)
    ax.set_xlabel("change in optimal profit (millions)")
    first = tornado["label"].iloc[0] if "label" in tornado.columns else tornado["input"].iloc[0]
    wrap_title(
        ax,
        title or f"{first.capitalize()} moves profit most\n(* = the decision changes)",
        width=None,
    )
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_wtp(
    wtp: pd.DataFrame | Any,
    truth: pd.Series | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Plot the estimated willingness to pay per module with its interval, and truth if known.

    Parameters
    ----------
    wtp : pandas.DataFrame, WTPResult, ConjointResult or ConjointModel
        ``WTPResult.table()`` (columns ``level``, ``estimate``, ``ci_low``, ``ci_high`` in
        dollars per year), a ``WTPResult``, or a ``ConjointResult`` or fitted
        ``ConjointModel`` (its delta-method WTP).
    truth : pandas.Series, optional
        True WTP per level (simulated data), drawn as crosses.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure with constrained layout).
    title : str, optional
        Replaces the default title (the module customers pay most for).

    Returns
    -------
    matplotlib.axes.Axes
        The chart.
    """
    if isinstance(wtp, ConjointModel):
        check_fitted(wtp, "result_")
        wtp = wtp.result_
    if not isinstance(wtp, pd.DataFrame) and hasattr(wtp, "wtp"):
        wtp = wtp.wtp("delta")
    wtp = _table(wtp, "table", "plot_wtp")
    ax = chart_axes(ax, (7, 4))
    w = wtp.sort_values("estimate")
    y = np.arange(len(w))
    ax.errorbar(
        w["estimate"],
        y,
        xerr=[w["estimate"] - w["ci_low"], w["ci_high"] - w["estimate"]],
        fmt="o",
        color=COLORS["main"],
        capsize=3,
        label="estimate, 95% interval",
    )
    if truth is not None:
        ax.scatter(
            truth.reindex(w["level"]).to_numpy(),
            y,
            marker="x",
            color=COLORS["highlight"],
            zorder=3,
            label="true population value",
        )
    ax.set_yticks(y, [textwrap.fill(_words(level), 22) for level in w["level"]])
    ax.set_xlabel("willingness to pay vs. the reference module\n($ per year)")
    wrap_title(ax, title or _wtp_title(w), width=None)
    ax.legend(fontsize=8)
    return ax


def _words(name: object) -> str:
    return str(name).replace("_", " ")


def _wtp_title(w: pd.DataFrame) -> str:
    """Top module, or the modules whose interval reaches the top one's lower bound."""
    top = w.iloc[-1]
    tied = w.loc[w["ci_high"] >= top["ci_low"], "level"].iloc[::-1].map(_words).tolist()
    if len(tied) == 1:
        return f"Customers pay most for {tied[0]}"
    names = ", ".join(tied[:3]) + (f" and {len(tied) - 3} more" if len(tied) > 3 else "")
    return f"Highest willingness to pay (intervals overlap):\n{names}"


def plot_kano(
    summary: pd.DataFrame | Any, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Better / worse coefficients per feature, coloured by Kano class.

    Feature names are shown as plain words (``rate_intro_zero`` → "rate intro zero"); a label
    that would overlap another is moved down (or up) until it is clear, with a thin line to
    its point (:func:`spread_labels`).

    Parameters
    ----------
    summary : pandas.DataFrame or KanoSurvey
        A fitted ``KanoSurvey`` or its ``table()``: index feature; columns ``kano_class``,
        ``better``, ``worse``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure with constrained layout).
    title : str, optional
        Replaces the default title (how many features of each class).

    Returns
    -------
    matplotlib.axes.Axes
        The chart; its feature labels are ``ax.kano_labels`` (matplotlib annotations).
    """
    summary = _table(summary, "table", "plot_kano")
    ax = chart_axes(ax, (6.5, 5))
    frame = summary.reset_index()
    frame["Customer reaction"] = frame["kano_class"]
    sns.scatterplot(data=frame, x="worse", y="better", hue="Customer reaction", s=80, ax=ax)
    labels = [
        ax.annotate(
            _words(row.feature),
            (row.worse, row.better),
            fontsize=8,
            xytext=(5, 3),
            textcoords="offset points",
            arrowprops={"arrowstyle": "-", "color": COLORS["neutral"], "lw": 0.5, "shrinkA": 0},
        )
        for row in frame.itertuples()
    ]
    ax.axhline(0.5, color=COLORS["neutral"], lw=0.6, ls="--")
    ax.axvline(-0.5, color=COLORS["neutral"], lw=0.6, ls="--")
    ax.set_xlabel("dissatisfaction when absent (worse coefficient, −1 … 0)")
    ax.set_ylabel("satisfaction when present (better coefficient, 0 … 1)")
    ax.legend(title="Customer reaction (Kano)", fontsize=8, title_fontsize=8)
    wrap_title(ax, title or _kano_title(frame), width=None)
    spread_labels(ax, labels)
    setattr(ax, "kano_labels", labels)  # noqa: B010 (Axes has no such attribute to type)
    return ax


def _kano_title(frame: pd.DataFrame) -> str:
    counts = frame["kano_class"].value_counts()
    kinds = [c for c in ("must-be", "one-dimensional", "attractive") if c in counts]
    if not kinds:
        return "No feature is must-be, one-dimensional or attractive"
    noun = "feature" if sum(int(counts[c]) for c in kinds) == 1 else "features"
    return ", ".join(f"{int(counts[c])} {c}" for c in kinds) + f" {noun}"


def spread_labels(ax: Axes, labels: list, pad: float = 1.0, max_rounds: int = 200) -> None:
    """Move annotation labels vertically until no two label boxes overlap.

    A label that overlaps one placed before it (labels taken from the top point down) moves
    down by the overlap; when it would leave the axes at the bottom it moves up instead.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes holding the annotations.
    labels : list of matplotlib.text.Annotation
        Annotations with ``textcoords="offset points"``.
    pad : float, default 1.0
        Gap left between boxes, in pixels.
    max_rounds : int, default 200
        Moves tried per label.
    """
    fig = ax.figure
    fig.canvas.draw()
    # matplotlib's stub types FigureCanvasBase, which lacks get_renderer (Agg canvases have it)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    to_points = 72.0 / fig.dpi
    order = sorted(labels, key=lambda t: -t.xy[1])
    placed: list = []
    bottom = ax.get_window_extent(renderer).y0
    for label in order:
        for _ in range(max_rounds):
            box = label.get_window_extent(renderer)
            clash = [b for b in placed if box.overlaps(b)]
            if not clash:
                break
            down = box.y1 - min(b.y0 for b in clash) + pad
            up = max(b.y1 for b in clash) - box.y0 + pad
            dy = -down if box.y0 - down >= bottom else up
            x, y = label.xyann
            label.xyann = (x, y + dy * to_points)
        placed.append(label.get_window_extent(renderer))


def plot_face_sweep(
    sweep: pd.DataFrame,
    parameter_label: str | None = None,
    profit_label: str = "profit vs. standard product (millions)",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Plot profit per face along a parameter sweep; dashed lines mark where the best changes.

    Parameters
    ----------
    sweep : pandas.DataFrame
        ``FaceProfitModel.sweep`` or :func:`~crm_models.customization.face_sweep` output:
        indexed by the parameter value, one column per face (dollars) plus ``best``.
    parameter_label : str, optional
        x-axis label (default: the index name, underscores as spaces).
    profit_label : str, default "profit vs. standard product (millions)"
        y-axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure with constrained layout).
    title : str, optional
        Replaces the default title (the best face along the sweep).

    Returns
    -------
    matplotlib.axes.Axes
        The chart.
    """
    if parameter_label is None:
        parameter_label = _words(sweep.index.name or "parameter value")
    ax = chart_axes(ax, (7, 4))
    faces = [c for c in sweep.columns if c != "best"]
    for f in faces:
        ax.plot(sweep.index, sweep[f] / _MILLION, label=f, marker="o", ms=3)
    changes = np.flatnonzero(sweep["best"].to_numpy()[1:] != sweep["best"].to_numpy()[:-1])
    for c in changes:
        ax.axvline(sweep.index[c + 1], color=COLORS["neutral"], lw=0.6, ls="--")
    ax.axhline(0, color=COLORS["ink"], lw=0.8)
    ax.set_xlabel(parameter_label)
    ax.set_ylabel(profit_label)
    order = " → ".join(dict.fromkeys(sweep["best"]))
    wrap_title(ax, title or f"Best type along the sweep: {order}", width=None)
    ax.legend(fontsize=8)
    return ax
