"""Charts of the customization study (seaborn/matplotlib; each returns the Axes).

Titles state the finding; axes carry units. Money is in currency units (PV over the horizon
unless said otherwise).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from crm_models.reporting.charts import COLORS

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


def _ax(ax, size=(7, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_profit_by_type(by_face: pd.DataFrame, best: str, ax=None):
    """Bar chart of the optimal profit per customization type (``VarietyOptimizer.by_face_``)."""
    ax = _ax(ax)
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
    ax.set_title(f"{best.capitalize()} customization earns most")
    ax.axhline(0, color=COLORS["ink"], lw=0.8)
    return ax


def plot_profit_by_modules(table: pd.DataFrame, ax=None):
    """Plot the best profit per total number of modules, one line per face.

    ``table`` is ``VarietyOptimizer.profit_by_modules()`` output.
    """
    ax = _ax(ax)
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
        ax.set_title(
            f"Profit still rises at the most variety offered ({modules} modules, {best['face']})"
        )
    else:
        ax.set_title(f"Profit peaks at {modules} modules ({best['face']})")
    ax.set_xlabel("modules offered (sum over attributes)")
    ax.set_ylabel("profit, PV over horizon (millions)")
    ax.legend(title="customization type", fontsize=8, title_fontsize=8)
    return ax


def plot_tornado(tornado: pd.DataFrame, base_profit: float | None = None, top: int = 10, ax=None):
    """Plot a tornado of optimal profit when each input moves low → high (``tornado()``).

    Bars are changes from ``base_profit`` (default: the tornado's own ``base_profit`` column).
    """
    if base_profit is None:
        base_profit = float(tornado["base_profit"].iloc[0])
    ax = _ax(ax, (7, 0.45 * min(top, len(tornado)) + 1.2))
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
    ax.set_title(f"{first.capitalize()} moves profit most (* = decision changes)")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_wtp(wtp: pd.DataFrame, truth: pd.Series | None = None, ax=None):
    """Estimated WTP per module with intervals (``WTPResult.table()``), truth if known."""
    ax = _ax(ax)
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
    ax.set_yticks(y, [_words(level) for level in w["level"]])
    ax.set_xlabel("willingness to pay vs. the attribute's reference module ($ per year)")
    ax.set_title(_wtp_title(w))
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


def plot_kano(summary: pd.DataFrame, ax=None):
    """Better / worse coefficients per feature, coloured by Kano class.

    Feature names are shown as plain words (``rate_intro_zero`` → "rate intro zero"); a label
    that would overlap another is moved down (or up) until it is clear, with a thin line to
    its point (:func:`spread_labels`).

    Parameters
    ----------
    summary : pandas.DataFrame
        ``KanoSurvey.table()``: index feature; columns ``kano_class``, ``better``, ``worse``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart; its feature labels are ``ax.kano_labels`` (matplotlib annotations).
    """
    ax = _ax(ax, (6.5, 5))
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
    ax.set_title(_kano_title(frame))
    spread_labels(ax, labels)
    ax.kano_labels = labels
    return ax


def _kano_title(frame: pd.DataFrame) -> str:
    counts = frame["kano_class"].value_counts()
    kinds = [c for c in ("must-be", "one-dimensional", "attractive") if c in counts]
    if not kinds:
        return "No feature is must-be, one-dimensional or attractive"
    noun = "feature" if sum(int(counts[c]) for c in kinds) == 1 else "features"
    return ", ".join(f"{int(counts[c])} {c}" for c in kinds) + f" {noun}"


def spread_labels(ax, labels: list, pad: float = 1.0, max_rounds: int = 200) -> None:
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
    renderer = fig.canvas.get_renderer()
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
    parameter_label: str,
    profit_label: str = "profit vs. standard product (millions)",
    ax=None,
):
    """Plot profit per face along a parameter sweep.

    ``sweep`` is ``FaceProfitModel.sweep`` or ``VarietyOptimizer.sweep`` output; dashed lines
    mark where the best face changes.
    """
    ax = _ax(ax)
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
    ax.set_title(f"Best type along the sweep: {order}")
    ax.legend(fontsize=8)
    return ax
