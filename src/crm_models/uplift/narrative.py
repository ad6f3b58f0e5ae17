"""Sentences of the campaign-uplift report, composed from results (markdown strings).

Each builder takes result objects and returns markdown; the notebook only displays them.
Names from the data or the parameters (source, outcome, arms, model) are escaped with
``crm_models.reporting.escaping.escape_markdown``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_models.reporting.display import fmt_int, fmt_money, fmt_pct
from crm_models.reporting.escaping import escape_markdown as esc
from crm_models.reporting.formatting import Estimate, arm_label, fmt_money_range
from crm_models.uplift.checks import SampleRatioResult
from crm_models.uplift.decision import CampaignDecision, consent_cost_estimate
from crm_models.uplift.holdout import HoldoutProfitResult
from crm_models.uplift.lift import LiftResult
from crm_models.uplift.paired import PolicyDifference
from crm_models.uplift.targeting import TargetPlan

__all__ = [
    "data_sentence",
    "estimate_of",
    "everyone_comparison",
    "executive_summary",
    "lift_verdict",
    "profit_chart_title",
    "qini_title",
    "recommendation",
    "target_size_note",
]


def estimate_of(result: PolicyDifference, signed: bool = True) -> Estimate:
    """Format a difference (or a cost) once, with its interval when that is finite.

    Parameters
    ----------
    result : PolicyDifference
        Estimate and interval.
    signed : bool, default True
        Write '+' before positive amounts (a difference).

    Returns
    -------
    Estimate
        Money, with the interval when both bounds are finite.
    """
    finite = all(np.isfinite([result.ci_low, result.ci_high]))
    low, high = (result.ci_low, result.ci_high) if finite else (None, None)
    return Estimate(result.estimate, low, high, signed=signed)


def everyone_comparison(gain: PolicyDifference, arm: str) -> str:
    """Say how the model's targeting compares with mailing everyone ``arm``.

    Only an interval of the difference that excludes $0 supports "better" or "worse"; one
    that spans $0 is reported as *not clearly better* (no gain is claimed).

    Parameters
    ----------
    gain : PolicyDifference
        The model's profit minus mailing everyone (paired interval).
    arm : str
        The blanket arm.

    Returns
    -------
    str
        Markdown clause.
    """
    figure, who = esc(estimate_of(gain).full), f"mailing everyone {esc(arm_label(arm))}"
    if not np.isfinite([gain.ci_low, gain.ci_high]).all():
        return f"{figure} for the model over {who}, without an interval: not shown to be better"
    if gain.spans_zero:
        return (
            f"the model is **not clearly better** than {who}: the difference, {figure}, "
            f"has an interval that includes {esc('$0')}"
        )
    if gain.ci_low > 0:
        return f"the model earns {figure} more than {who}: clearly better"
    return f"the model earns {figure} less than {who}: {who} is clearly better"


def profit_chart_title(curve: HoldoutProfitResult, gain: PolicyDifference) -> str:
    """Title of the hold-out profit chart: the finding about model vs mailing everyone.

    Parameters
    ----------
    curve : HoldoutProfitResult
        Hold-out profit curve.
    gain : PolicyDifference
        The model's profit minus mailing everyone with the best single arm.

    Returns
    -------
    str
        Plain text for a matplotlib title on two lines (dollar signs escaped: no mathtext).
    """
    top, diff = fmt_pct(curve.best_share, 0), estimate_of(gain).text.replace("$", r"\$")
    if gain.spans_zero:  # "\$": a literal dollar, not matplotlib's mathtext
        return (
            f"The top {top} by the model is not clearly better than\n"
            f"mailing everyone ({diff}, interval includes \\$0)"
        )
    if gain.ci_low > 0:
        return f"Contacting the top {top} earns {diff} more\nthan mailing everyone"
    return f"Mailing everyone earns more than\nthe model's top {top} ({diff})"


def qini_title(arm: str, qini: pd.Series) -> str:
    """Title of one arm's Qini chart: which model ranks best on the hold-out.

    Parameters
    ----------
    arm : str
        The treated arm (shown through ``arm_label``).
    qini : pandas.Series
        Qini coefficient per model (index: model names); NaN where undefined.

    Returns
    -------
    str
        Plain text; says so when no model has a Qini coefficient (a hold-out too small).
    """
    known = qini.dropna()
    if known.empty:
        return f"{arm_label(arm)}: the hold-out is too small to rank the models (no Qini)"
    return f"{arm_label(arm)}: {known.idxmax()} ranks best on the hold-out (Qini {known.max():.2f})"


def data_sentence(
    label: str, outcome: str, margin_per_outcome: float, cost_per_contact: float
) -> str:
    """Describe the data source, the modelled outcome and the economics in one sentence.

    Parameters
    ----------
    label : str
        The data source in words (``CampaignInputs.label``).
    outcome : str
        The outcome the uplift models target.
    margin_per_outcome, cost_per_contact : float
        Profit of one incremental outcome and cost of one contact ($).

    Returns
    -------
    str
        Markdown.
    """
    return (
        f"Data: {esc(label)}. Outcome modelled: **{esc(outcome)}**; margin "
        f"{fmt_money(margin_per_outcome, digits=2)} per incremental {esc(outcome)}, contact cost "
        f"{fmt_money(cost_per_contact, digits=2)}."
    )


def lift_verdict(lift: LiftResult, arms: Sequence[str], outcome: str) -> str:
    """Tell whether any arm raised ``outcome`` significantly (after the multiplicity correction).

    Parameters
    ----------
    lift : LiftResult
        The lift table.
    arms : sequence of str
        Treated arms, in display order.
    outcome : str
        The outcome.

    Returns
    -------
    str
        Markdown.
    """
    significant = lift.table.set_index(["arm", "outcome"])["significant"]
    worked = [esc(arm_label(a)) for a in arms if significant.loc[(a, outcome)]]
    if worked:
        return (
            f"**Yes** — {', '.join(worked)} raised {esc(outcome)} significantly "
            f"(at the {fmt_pct(1 - lift.level, 0)} level, allowing for the "
            f"{len(lift.table)} comparisons made)."
        )
    return f"**No** arm raised {esc(outcome)} significantly."


def target_size_note(decision: CampaignDecision) -> str:
    """How the recommended target size comes about, for the KPI card.

    Parameters
    ----------
    decision : CampaignDecision
        The chosen policy.

    Returns
    -------
    str
        Plain text.
    """
    return {
        "model": f"customers: the top {fmt_pct(decision.best_share, 0)} by the model (interval: "
        "bootstrap of the best share), minus predicted losses",
        "everyone": f"every eligible customer gets {arm_label(decision.best_single_arm)}",
        "nobody": "no policy earns more than its contact cost",
    }[decision.policy]


def recommendation(decision: CampaignDecision, plan: TargetPlan) -> str:
    """Recommend what to do with the next campaign.

    Parameters
    ----------
    decision : CampaignDecision
        The chosen policy.
    plan : TargetPlan
        The target plan that carries it out.

    Returns
    -------
    str
        Markdown.
    """
    mix = ", ".join(
        f"{n:,} × {esc(arm_label(a))}" for a, n in plan.targets["arm"].value_counts().items()
    )
    return {
        "model": f"send the next campaign to **{fmt_int(plan.n_targets)} customers** ({mix}), "
        "chosen by the model's expected incremental profit.",
        "everyone": f"the model does not beat mailing everyone on the hold-out: send "
        f"**{esc(arm_label(decision.best_single_arm))} to all {fmt_int(plan.n_targets)} eligible "
        "customers**.",
        "nobody": "**do not send** the campaign: no policy is expected to earn its contact cost.",
    }[decision.policy]


def executive_summary(
    lift: LiftResult,
    srm: SampleRatioResult,
    curve: HoldoutProfitResult,
    decision: CampaignDecision,
    plan: TargetPlan,
    arms: Sequence[str],
    outcome: str,
    selected_model: str,
    n_eligible: int,
    gain: PolicyDifference | None = None,
    consent: PolicyDifference | None = None,
) -> str:
    """Write the three bullets of the executive summary.

    The bullets: did it work, what is targeting worth, what to do.

    Parameters
    ----------
    lift : LiftResult
        Lift per arm and outcome.
    srm : SampleRatioResult
        Sample-ratio test.
    curve : HoldoutProfitResult
        Hold-out profit of the selected model's ranking.
    decision : CampaignDecision
        The chosen policy.
    plan : TargetPlan
        The target plan.
    arms : sequence of str
        Treated arms.
    outcome : str
        The modelled outcome.
    selected_model : str
        Name of the selected uplift model.
    n_eligible : int
        Customers the consent rule allows.
    gain : PolicyDifference, optional
        The model's profit minus mailing everyone (default ``curve.gain_over_everyone``).
    consent : PolicyDifference, optional
        Consent cost with its interval (default :func:`consent_cost_estimate`).

    Returns
    -------
    str
        Markdown bullet list.
    """
    best = decision.best_single_arm
    gain = curve.gain_over_everyone(best) if gain is None else gain
    cost = consent_cost_estimate(plan, curve, decision) if consent is None else consent
    low, high = curve.profit_interval
    everyone = Estimate(curve.everyone[best], *curve.everyone_interval.get(best, (None, None)))
    n_unconfirmed = int((plan.scored["exclusion_reason"] == "not_double_opt_in").sum())
    srm_text = (
        "**the groups did not get their planned shares of customers: do not trust the lift**"
        if srm.mismatch
        else "each group got its planned share of customers"
    )
    return (
        f"- **Did it work?** {lift_verdict(lift, arms, outcome)} Randomization: "
        f"{srm_text}.\n"
        f"- **What is targeting worth?** Contacting the top {fmt_pct(curve.best_share, 0)} ranked "
        "by the uplift model earns about "
        f"{fmt_money_range(curve.best_profit_debiased, low, high)} per campaign on the "
        f"{fmt_int(n_eligible)} eligible customers, versus "
        f"{esc(everyone.full)} for mailing everyone {esc(arm_label(best))} and {esc('$0')} "
        "for mailing no one — "
        f"{everyone_comparison(gain, best)}.\n"
        + f"- **Recommendation:** {recommendation(decision, plan)} "
        + (_consent_sentence(plan, n_unconfirmed, cost) if plan.consent_known else NO_CONSENT)
    )


NO_CONSENT = (
    "**No consent information was given: every customer counted as eligible** — check "
    "consent before sending."
)


def _consent_sentence(plan: TargetPlan, n_unconfirmed: int, cost: PolicyDifference) -> str:
    """Write the recommendation's consent clause: who the rules exclude, what that costs."""
    return (
        f"{fmt_int(plan.n_opted_out)} opted-out customers are excluded by law"
        + (
            f" and {fmt_int(n_unconfirmed)} without confirmed double opt-in"
            if plan.require_double_opt_in
            else ""
        )
        + f"; the consent rules cost about {esc(estimate_of(cost, signed=False).full)} of expected "
        "profit."
    )
