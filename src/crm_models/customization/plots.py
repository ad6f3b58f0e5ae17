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
    ax.set_yticks(y, w["level"])
    ax.set_xlabel("willingness to pay vs. the attribute's reference module (currency)")
    ax.set_title(f"Customers pay most for {w['level'].iloc[-1]}")
    ax.legend(fontsize=8)
    return ax


def plot_kano(summary: pd.DataFrame, ax=None):
    """Better / worse coefficients per feature, coloured by Kano class."""
    ax = _ax(ax, (6.5, 5))
    frame = summary.reset_index()
    sns.scatterplot(data=frame, x="worse", y="better", hue="kano_class", s=80, ax=ax)
    for _, row in frame.iterrows():
        ax.annotate(
            row["feature"],
            (row["worse"], row["better"]),
            fontsize=8,
            xytext=(4, 3),
            textcoords="offset points",
        )
    ax.axhline(0.5, color=COLORS["neutral"], lw=0.6, ls="--")
    ax.axvline(-0.5, color=COLORS["neutral"], lw=0.6, ls="--")
    ax.set_xlabel("worse: dissatisfaction when absent (−1 … 0)")
    ax.set_ylabel("better: satisfaction when present (0 … 1)")
    n_must = int((frame["kano_class"] == "must-be").sum())
    n_attr = int((frame["kano_class"] == "attractive").sum())
    ax.set_title(f"{n_must} must-be and {n_attr} attractive features")
    return ax


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
