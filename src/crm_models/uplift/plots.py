"""Charts for the campaign-uplift report (matplotlib; each returns its Axes).

Every function draws on ``ax`` when given, else on a new figure with
``layout="constrained"`` (a plain ``fig.savefig`` clips nothing); titles are optional (the
report passes one that states the finding; the default names the chart); axes carry units.
Each accepts the result object it shows (e.g. ``ExperimentResult``) as well as its table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crm_models.errors import ParameterError
from crm_models.reporting.charts import COLORS, chart_axes
from crm_models.uplift.evaluation import UpliftMetrics
from crm_models.uplift.holdout import HoldoutProfitResult
from crm_models.uplift.lift import LiftResult

__all__ = ["plot_balance", "plot_deciles", "plot_holdout_profit", "plot_lift", "plot_qini_curves"]


def _distinct_labels(values: Any, digits: int = 2, max_digits: int = 6) -> list[str]:
    """Format numbers with the fewest decimals (≥ ``digits``) that keep distinct values apart."""
    v = np.asarray(values, dtype=float)
    n_distinct = len(np.unique(v[np.isfinite(v)]))
    for d in range(digits, max_digits + 1):
        text = [f"{x:.{d}f}" for x in v]
        if len({t for t, x in zip(text, v, strict=True) if np.isfinite(x)}) == n_distinct:
            return text
    return [f"{x:.{max_digits}g}" for x in v]


def plot_lift(
    lift: pd.DataFrame | LiftResult,
    title: str | None = None,
    relative: bool = True,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Lift per arm and outcome with its interval (relative lift in % by default).

    Parameters
    ----------
    lift : LiftResult or pandas.DataFrame
        A :func:`~crm_models.uplift.lift_table` result or its ``table`` (columns arm,
        outcome, significant and rel_lift / rel_ci_low / rel_ci_high or the abs_ ones).
    title : str, optional
        Chart title (default "Lift vs control per arm and outcome").
    relative : bool, default True
        Relative lift in % (else absolute lift in outcome units).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart.
    """
    if isinstance(lift, LiftResult):
        lift = lift.table
    ax = chart_axes(ax, (7, 1.6 + 0.45 * len(lift)))
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
    ax.set_title(title or "Lift vs control per arm and outcome")
    return ax


def plot_holdout_profit(
    curve: HoldoutProfitResult,
    title: str | None = None,
    currency: str = "$",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Hold-out incremental profit vs share contacted, with its pointwise bootstrap band.

    Parameters
    ----------
    curve : HoldoutProfitResult
        From :func:`~crm_models.uplift.holdout_profit_curve`.
    title : str, optional
        Chart title (default "Hold-out incremental profit by share contacted").
    currency : str, default "$"
        Currency symbol of the y-axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart.
    """
    ax = chart_axes(ax, (7, 4))
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
    ax.set_title(title or "Hold-out incremental profit by share contacted")
    ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_qini_curves(
    models: Mapping[str, UpliftMetrics] | UpliftMetrics,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Qini curves of several models for one arm, with the random and perfect references.

    The legend gives each model's Qini coefficient with as many decimals as needed (2 to 6)
    for different coefficients to read differently.

    Parameters
    ----------
    models : mapping or UpliftMetrics
        Model name → :class:`~crm_models.uplift.UpliftMetrics` of one arm (e.g.
        ``{name: per_arm_metrics[name][arm]}``), or a single one (labelled "model").
    title : str, optional
        Chart title (default "Qini curves: incremental outcomes by share targeted").
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart.
    """
    if isinstance(models, UpliftMetrics):
        models = {"model": models}
    ax = chart_axes(ax, (7, 4))
    first = next(iter(models.values()))
    p = first.perfect_qini
    ax.plot(100 * p.share, p.value, color=COLORS["muted"], lw=1, label="perfect")
    ax.plot([0, 100], [0, p.value[-1]], color=COLORS["ink"], lw=1, ls="--", label="random")
    coefficients = _distinct_labels([m.qini_coefficient for m in models.values()])
    for (name, m), coef in zip(models.items(), coefficients, strict=True):
        ax.plot(100 * m.qini.share, m.qini.value, label=f"{name} (Qini {coef})")
    ax.set_xlabel("customers targeted, best first (%)")
    ax.set_ylabel("incremental outcomes among treated")
    ax.set_title(title or "Qini curves: incremental outcomes by share targeted")
    ax.legend(fontsize=8)
    return ax


def plot_deciles(
    deciles: pd.DataFrame | UpliftMetrics, title: str | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """Observed uplift per predicted-uplift decile with its intervals, and the prediction.

    Parameters
    ----------
    deciles : UpliftMetrics or pandas.DataFrame
        An :func:`~crm_models.uplift.uplift_metrics` result or its ``deciles`` table
        (columns decile, uplift, ci_low, ci_high, mean_predicted; outcome units).
    title : str, optional
        Chart title (default "Observed vs predicted uplift per decile").
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart.
    """
    ax = chart_axes(ax, (7, 4))
    d = deciles.deciles if isinstance(deciles, UpliftMetrics) else deciles
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
    ax.set_title(title or "Observed vs predicted uplift per decile")
    ax.legend(fontsize=8)
    return ax


def plot_balance(
    balance: Any,
    title: str | None = None,
    threshold: float = 0.1,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Standardized mean differences per covariate and arm; dashed lines at ±threshold.

    Parameters
    ----------
    balance : ExperimentResult or pandas.DataFrame
        An :func:`~crm_models.uplift.evaluate_experiment` result (its ``balance``) or a
        :func:`~crm_models.uplift.covariate_balance` table (columns covariate, arm, smd).
    title : str, optional
        Chart title (default "Covariate balance vs control (|SMD| ≤ threshold)").
    threshold : float, default 0.1
        |SMD| above which a covariate counts as unbalanced (dashed lines).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The chart.
    """
    if not isinstance(balance, pd.DataFrame):
        if getattr(balance, "balance", None) is None:
            raise ParameterError(
                "plot_balance needs a covariate_balance table or an ExperimentResult with "
                "covariates (evaluate_experiment(..., covariates=[...]))"
            )
        balance = balance.balance
    ax = chart_axes(ax, (7, 1.4 + 0.22 * balance["covariate"].nunique()))
    covs = list(dict.fromkeys(balance["covariate"]))
    pos = {c: i for i, c in enumerate(covs[::-1])}
    for arm, part in balance.groupby("arm", sort=False):
        ax.scatter(part["smd"], part["covariate"].map(pos), label=str(arm), s=18)
    ax.set_yticks(range(len(covs)), covs[::-1])
    for v in (-threshold, threshold):
        ax.axvline(v, ls="--", color=COLORS["highlight"], lw=1)
    ax.axvline(0, color=COLORS["ink"], lw=0.8)
    ax.locator_params(axis="x", nbins=6)  # narrow SMD ranges otherwise crowd the tick labels
    ax.set_xlabel("standardized mean difference vs control")
    ax.set_title(title or f"Covariate balance vs control (|SMD| ≤ {threshold:g})")
    ax.legend(fontsize=8)
    return ax
