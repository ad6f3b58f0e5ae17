"""Sentences of the campaign-uplift report, composed from results (markdown strings).

Each builder takes result objects and returns markdown; the notebook only displays them.
Names from the data or the parameters (source, outcome, arms, model) are escaped with
``crm_models.reporting.escaping.escape_markdown``.
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_models.reporting.display import fmt_int, fmt_money, fmt_pct
from crm_models.reporting.escaping import escape_markdown as esc
from crm_models.reporting.formatting import fmt_money_range, fmt_money_short
from crm_models.uplift.checks import SampleRatioResult
from crm_models.uplift.decision import CampaignDecision
from crm_models.uplift.holdout import HoldoutProfitResult
from crm_models.uplift.lift import LiftResult
from crm_models.uplift.targeting import TargetPlan

__all__ = [
    "data_sentence",
    "executive_summary",
    "lift_verdict",
    "recommendation",
    "target_size_note",
]


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
    worked = [esc(a) for a in arms if significant.loc[(a, outcome)]]
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
        "everyone": f"every eligible customer gets {decision.best_single_arm}",
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
    mix = ", ".join(f"{n:,} × {esc(a)}" for a, n in plan.targets["arm"].value_counts().items())
    return {
        "model": f"send the next campaign to **{fmt_int(plan.n_targets)} customers** ({mix}), "
        "chosen by the model's expected incremental profit.",
        "everyone": f"the model does not beat mailing everyone on the hold-out: send "
        f"**{esc(decision.best_single_arm)} to all {fmt_int(plan.n_targets)} eligible "
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

    Returns
    -------
    str
        Markdown bullet list.
    """
    best = decision.best_single_arm
    arm = esc(best)
    other = max(0.0, max(curve.everyone.values()))
    low, high = curve.profit_interval
    if curve.best_profit_debiased <= other:
        compare = "no gain over the better of the two"
    elif low <= other:  # the difference has no interval of its own: say what is known
        compare = (
            "more on this hold-out, but the better of the two lies inside the model's "
            "interval, so the gain is uncertain"
        )
    else:
        compare = "clearly more than either: the model's whole interval lies above them"
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
        f"{fmt_money_short(curve.everyone[best])} for mailing everyone "
        f"{arm} and $0 for mailing no one — {compare}.\n"
        + f"- **Recommendation:** {recommendation(decision, plan)} {fmt_int(plan.n_opted_out)} "
        "opted-out customers are excluded by law"
        + (
            f" and {fmt_int(n_unconfirmed)} without confirmed double opt-in"
            if plan.require_double_opt_in
            else ""
        )
        + f"; the consent rules cost about {fmt_money_short(plan.consent_cost)} of expected profit."
    )
