"""Sentences of the satisfaction → loyalty → profit report, composed from the study's results.

Each builder returns markdown text (or a chart title) from result objects and tables, so the
notebook only calls them and the wording is tested. Percentages use
``crm_models.reporting.fmt_pct``. Names from the data or the parameters (the source, construct
labels, issues) are escaped in markdown with ``crm_models.reporting.escaping.escape_markdown``;
chart titles are plain text (matplotlib draws them).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from crm_models.loyalty.economics import RS_HIGH, RS_LOW
from crm_models.loyalty.retention import RetentionCurveResult
from crm_models.loyalty.retention_contrast import RetentionContrast
from crm_models.loyalty.spec import ModelSpec
from crm_models.loyalty.trust import EstimationCheck
from crm_models.reporting.display import fmt_pct
from crm_models.reporting.escaping import escape_markdown as esc

__all__ = [
    "bootstrap_note",
    "caution_markdown",
    "driver_effect",
    "economics_title",
    "executive_summary",
    "importance_title",
    "issues_markdown",
    "ladder_note",
    "lever_text",
    "method_line",
    "retention_curve_title",
    "retention_text",
    "sem_warning",
]


def method_line(label: str, spec: ModelSpec, consistent: bool, scheme: str, n_draws: int) -> str:
    """Describe the data source and the model in one sentence.

    Parameters
    ----------
    label : str
        Description of the data source (``StudyInputs.label``).
    spec : ModelSpec
        The model specification.
    consistent : bool
        Whether PLSc was used.
    scheme : str
        Inner weighting scheme.
    n_draws : int
        Bootstrap draws kept.

    Returns
    -------
    str
        Markdown sentence.
    """
    return (
        f"Data: {esc(label)}. Model: {len(spec.names)} constructs, {len(spec.items)} items, "
        f"{len(spec.paths)} paths; {'consistent ' if consistent else ''}PLS, {esc(scheme)} scheme, "
        f"{n_draws:,} bootstrap draws (95% percentile intervals)."
    )


def lever_text(levers: pd.DataFrame) -> str:
    """Where to invest: the drivers flagged ``invest``, else the strongest one.

    Parameters
    ----------
    levers : pandas.DataFrame
        ``investment_levers`` output (most important first; ``label``, ``invest``).

    Returns
    -------
    str
        Markdown fragment (no final period).
    """
    invest = levers[levers["invest"]]
    if len(invest):
        return (
            ", ".join(map(esc, invest["label"]))
            + " — important for loyalty and clearly below-average performance"
        )
    return (
        f"{esc(levers.iloc[0]['label'])} — the largest total effect on loyalty; "
        "no important driver performs "
        "clearly below the others, so invest where importance is highest"
    )


def retention_text(contrast: RetentionContrast | None, curve: RetentionCurveResult | None) -> str:
    """Tell whether satisfaction shows in behaviour: top vs bottom quarter, take-off threshold.

    Parameters
    ----------
    contrast : RetentionContrast or None
        Top vs bottom quarter of respondents by satisfaction.
    curve : RetentionCurveResult or None
        The fitted retention curve (None: no behaviour data, empty text).

    Returns
    -------
    str
        A markdown bullet ending in a newline, or ``""``.
    """
    if curve is None or contrast is None:
        return ""
    c = contrast
    return (
        "- **Does satisfaction show in behaviour?** "
        "The most satisfied quarter of respondents is retained at "
        f"{fmt_pct(c.top_rate, 0)}, the least satisfied quarter at {fmt_pct(c.bottom_rate, 0)} "
        f"({100 * c.difference:+.0f} points, 95% interval {100 * c.difference_low:+.0f} to "
        f"{100 * c.difference_high:+.0f}); "
        + (
            f"the curve takes off above an index of about {curve.threshold:.0f}."
            if curve.nonlinear
            else "the rise is gradual — no threshold is detectable "
            f"(non-linearity p = {curve.nonlinearity_p:.2f}), "
            "so even very satisfied customers defect at a steady rate."
        )
        + "\n"
    )


def executive_summary(
    levers: pd.DataFrame,
    loyalty_label: str,
    behaviour: str,
    profit_effect: float,
    constant_effect: float,
    clear: pd.DataFrame | None = None,
) -> str:
    """Write the three bullets of the executive summary.

    The bullets: where to invest, behaviour, what retention is worth. Only the drivers in
    ``clear`` (effect interval excludes zero, ``trust.clear_drivers``) are named; none clear
    means no ranking.

    Parameters
    ----------
    levers : pandas.DataFrame
        ``investment_levers`` output (``label``, ``invest``, ``importance_points``).
    loyalty_label : str
        Label of the loyalty construct.
    behaviour : str
        ``retention_text`` output (may be empty).
    profit_effect : float
        Relative rise of a new customer's net CLV from +5 points of retention.
    constant_effect : float
        The same with a constant margin and no acquisition cost.
    clear : pandas.DataFrame, optional
        The levers whose effect interval excludes zero (default: all ``levers``).

    Returns
    -------
    str
        Markdown bullets.
    """
    clear = levers if clear is None else clear
    inside = RS_LOW <= profit_effect <= RS_HIGH
    if len(clear):
        invest = (
            f"- **Where to invest:** {lever_text(clear)}. A one-point rise of its index moves "
            f"the {esc(loyalty_label.lower())} index by about {driver_effect(clear.iloc[0])}.\n"
        )
    else:
        invest = (
            f"- **Where to invest:** the survey does not say — no driver's effect on "
            f"{esc(loyalty_label.lower())} is clearly different from zero (every 95% interval "
            "spans zero), so no driver is ranked.\n"
        )
    return (
        invest + f"{behaviour}"
        "- **What is retention worth?** "
        "Keeping 5 more customers in 100 each year raises the net present "
        f"value of a new customer by {fmt_pct(profit_effect, 0)} with the stated margins; "
        "with a constant margin "
        f"and no acquisition cost it would be only {fmt_pct(constant_effect, 0)}. "
        + (
            "This is inside Reichheld & Sasser's 25–85%."
            if inside
            else "This is outside Reichheld & Sasser's 25–85%: "
            "their claim needs acquisition costs and margins "
            "that grow with tenure."
        )
    )


def importance_title(levers: pd.DataFrame, loyalty_label: str) -> str:
    """Title of the importance–performance map: where to invest.

    Parameters
    ----------
    levers : pandas.DataFrame
        ``investment_levers`` output (pass ``clear_drivers``: empty when none is clear).
    loyalty_label : str
        Label of the loyalty construct.

    Returns
    -------
    str
        Chart title.
    """
    if not len(levers):
        return f"Importance–performance for {loyalty_label.lower()}: no driver clearly matters"
    invest = levers[levers["invest"]]
    note = (
        f"invest in {', '.join(invest['label'])}"
        if len(invest)
        else f"{levers.iloc[0]['label']} is the strongest lever; performance differs little"
    )
    return f"Importance–performance for {loyalty_label.lower()}: {note}"


def economics_title(constant_effect: float, profit_effect: float) -> str:
    """Title of the retention-economics chart.

    Parameters
    ----------
    constant_effect : float
        Profit effect with a constant margin.
    profit_effect : float
        Profit effect with every mechanism.

    Returns
    -------
    str
        Chart title.
    """
    return (
        f"+5 points of retention: +{fmt_pct(constant_effect, 0)} with constant margins, "
        f"+{fmt_pct(profit_effect, 0)} with acquisition cost and growing margins"
    )


def retention_curve_title(curve: RetentionCurveResult) -> str:
    """Title of the retention-curve chart.

    Parameters
    ----------
    curve : RetentionCurveResult
        The fitted retention curve.

    Returns
    -------
    str
        Chart title.
    """
    if curve.nonlinear:
        return f"Retention takes off above a satisfaction index of ~{curve.threshold:.0f}"
    return "Retention rises steadily with satisfaction — satisfied customers still defect"


def issues_markdown(issues: Sequence[str]) -> str:
    """List the measurement model's threshold violations in markdown ("none" when empty).

    Parameters
    ----------
    issues : sequence of str
        ``MeasurementAssessment.issues``.

    Returns
    -------
    str
        Markdown.
    """
    return "**Issues found:**\n" + ("\n".join(f"- {esc(m)}" for m in issues) or "- none")


def bootstrap_note(gof: float, n_draws: int, n_requested: int) -> str:
    """GoF and the bootstrap draws used.

    Parameters
    ----------
    gof : float
        Tenenhaus goodness of fit.
    n_draws : int
        Draws kept.
    n_requested : int
        Draws requested.

    Returns
    -------
    str
        Markdown sentence.
    """
    return f"GoF (Tenenhaus) = {gof:.3f}; bootstrap draws used {n_draws} of {n_requested}."


def ladder_note(margin_rate: float) -> str:
    """Heading of the relationship-ladder table.

    Parameters
    ----------
    margin_rate : float
        Margin as a share of observed spend.

    Returns
    -------
    str
        Markdown sentence.
    """
    return (
        f"**Relationship ladder** (value of an existing customer per level; margin = "
        f"{fmt_pct(margin_rate, 0)} of observed spend; annual retention from the window):"
    )


def sem_warning(warnings: Sequence[str]) -> str:
    """Why the covariance SEM's coefficients are not interpretable.

    Parameters
    ----------
    warnings : sequence of str
        ``SEMResult.warnings``.

    Returns
    -------
    str
        Markdown sentence.
    """
    return "**Warning — SEM coefficients not interpretable:** " + "; ".join(map(esc, warnings))


def driver_effect(row: pd.Series) -> str:
    """Write a driver's effect on loyalty once, for the KPI card and the summary.

    Parameters
    ----------
    row : pandas.Series
        A row of ``investment_levers`` (``importance_points``, ``importance`` and its bounds).

    Returns
    -------
    str
        E.g. '0.43 points (standardized effect 0.41 [0.36 – 0.45])'.
    """
    return (
        f"{row['importance_points']:.2f} points (standardized effect {row['importance']:.2f} "
        f"[{row['importance_low']:.2f} – {row['importance_high']:.2f}])"
    )


def caution_markdown(check: EstimationCheck, estimation: str) -> str:
    """Say first what limits the answer (measurement, unstable intervals), then the estimation.

    Parameters
    ----------
    check : EstimationCheck
        ``trust.check_estimation`` of the model kept.
    estimation : str
        ``EstimationChoice.sentence``.

    Returns
    -------
    str
        Markdown: a warning paragraph when measurement fails or intervals are unstable,
        then the estimation sentence.
    """
    parts = []
    if check.unreliable:
        names = " and ".join(
            filter(None, [", ".join(map(esc, check.unreliable[:-1])), esc(check.unreliable[-1])])
        )
        parts.append(
            f"**Read with care: the survey does not measure {names} reliably** (Cronbach's α or "
            "composite reliability below 0.70). Their indices and every effect through them are "
            "uncertain; only drivers whose 95% interval excludes zero are named below."
        )
    if check.unstable:
        parts.append(
            "**The intervals are unstable** (an R² upper bound of "
            f"{check.max_r2_high:.2f}, above 1; a path standard error of "
            f"{check.max_path_se:.1f}): the drivers are not ranked by size."
        )
    parts.append(esc(estimation))
    return "\n\n".join(parts)
