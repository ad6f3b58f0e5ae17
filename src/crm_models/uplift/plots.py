"""Charts for the campaign-uplift report (matplotlib/seaborn; each returns its Axes).

Titles are passed in by the caller so that they can state the finding; axes carry units.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crm_models.reporting.charts import COLORS
from crm_models.uplift.evaluation import UpliftMetrics
from crm_models.uplift.holdout import HoldoutProfitResult

__all__ = ["plot_balance", "plot_deciles", "plot_holdout_profit", "plot_lift", "plot_qini_curves"]


def _axes(ax, size=(7, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_lift(
    lift: pd.DataFrame, title: str, relative: bool = True, ax: plt.Axes | None = None
) -> plt.Axes:
    """Lift per arm and outcome with its interval (relative lift in % by default)."""
    ax = _axes(ax, (7, 0.6 + 0.45 * len(lift)))
    col, lo, hi = (
        ("rel_lift", "rel_ci_low", "rel_ci_high")
        if relative
        else ("abs_lift", "abs_ci_low", "abs_ci_high")
    )
    scale = 100.0 if relative else 1.0
    labels = [f"{a} · {o}" for a, o in zip(lift["arm"], lift["outcome"], strict=True)]
    y = np.arange(len(lift))[::-1]
    est = lift[col].to_numpy() * scale
    colors = [COLORS["main"] if s else COLORS["muted"] for s in lift["significant"]]
    ax.hlines(y, lift[lo].to_numpy() * scale, lift[hi].to_numpy() * scale, colors=colors, lw=2)
    ax.scatter(est, y, c=colors, zorder=3)
    ax.axvline(0, color=COLORS["ink"], lw=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlabel("relative lift vs control (%)" if relative else "absolute lift vs control")
    ax.set_title(title)
    return ax


def plot_holdout_profit(
    curve: HoldoutProfitResult, title: str, currency: str = "$", ax: plt.Axes | None = None
) -> plt.Axes:
    """Hold-out incremental profit vs share contacted, with its pointwise bootstrap band."""
    ax = _axes(ax)
    c = curve.curve
    x = 100 * c["share"]
    ax.fill_between(
        x,
        c["ci_low"],
        c["ci_high"],
        color=COLORS["band"],
        alpha=0.5,
        label=f"{curve.level:.0%} bootstrap band",
    )
    ax.plot(x, c["profit"], color=COLORS["main"], label="model ranking")
    for arm, value in curve.everyone.items():
        ax.axhline(value, ls="--", lw=1, color=COLORS["neutral"])
        ax.annotate(f"everyone gets {arm}", (100, value), ha="right", va="bottom", fontsize=8)
    ax.axhline(0, color=COLORS["ink"], lw=0.8)
    ax.axvline(100 * curve.best_share, color=COLORS["highlight"], lw=1, label="recommended cut-off")
    ax.set_xlabel("customers contacted, best first (%)")
    ax.set_ylabel(f"incremental profit ({currency}, {curve.population:,} customers)")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_qini_curves(
    models: dict[str, UpliftMetrics], title: str, ax: plt.Axes | None = None
) -> plt.Axes:
    """Qini curves of several models for one arm, with the random and perfect references."""
    ax = _axes(ax)
    first = next(iter(models.values()))
    p = first.perfect_qini
    ax.plot(100 * p.share, p.value, color=COLORS["muted"], lw=1, label="perfect")
    ax.plot([0, 100], [0, p.value[-1]], color=COLORS["ink"], lw=1, ls="--", label="random")
    for name, m in models.items():
        ax.plot(100 * m.qini.share, m.qini.value, label=f"{name} (Qini {m.qini_coefficient:.2f})")
    ax.set_xlabel("customers targeted, best first (%)")
    ax.set_ylabel("incremental outcomes among treated")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_deciles(deciles: pd.DataFrame, title: str, ax: plt.Axes | None = None) -> plt.Axes:
    """Observed uplift per predicted-uplift decile with its intervals, and the prediction."""
    ax = _axes(ax)
    d = deciles
    ax.bar(d["decile"], d["uplift"], color=COLORS["band"], label="observed uplift")
    ax.errorbar(
        d["decile"],
        d["uplift"],
        yerr=[d["uplift"] - d["ci_low"], d["ci_high"] - d["uplift"]],
        fmt="none",
        ecolor=COLORS["main"],
        capsize=3,
    )
    ax.plot(
        d["decile"], d["mean_predicted"], "o-", color=COLORS["second"], label="predicted uplift"
    )
    ax.axhline(0, color=COLORS["ink"], lw=0.8)
    ax.set_xlabel("decile of predicted uplift (1 = highest)")
    ax.set_ylabel("uplift (outcome units)")
    ax.set_xticks(d["decile"])
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_balance(
    balance: pd.DataFrame, title: str, threshold: float = 0.1, ax: plt.Axes | None = None
) -> plt.Axes:
    """Standardized mean differences per covariate and arm; dashed lines at ±threshold."""
    ax = _axes(ax, (7, 0.5 + 0.22 * balance["covariate"].nunique()))
    covs = list(dict.fromkeys(balance["covariate"]))
    pos = {c: i for i, c in enumerate(covs[::-1])}
    for arm, part in balance.groupby("arm", sort=False):
        ax.scatter(part["smd"], part["covariate"].map(pos), label=str(arm), s=18)
    ax.set_yticks(range(len(covs)), covs[::-1])
    for v in (-threshold, threshold):
        ax.axvline(v, ls="--", color=COLORS["highlight"], lw=1)
    ax.axvline(0, color=COLORS["ink"], lw=0.8)
    ax.set_xlabel("standardized mean difference vs control")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax
