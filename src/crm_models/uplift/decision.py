"""The campaign decision and the target plan that follows.

Target by the model, send the best single offer to everyone, or send nothing — whichever
earns most on the hold-out.

On the hold-out evidence (:func:`~crm_models.uplift.holdout_profit_curve`) the options are

- ``model``: contact the top ``best_share`` by the model's expected profit (bias-corrected
  profit of the maximum),
- ``everyone``: send every eligible customer the single arm that earns most when sent to all,
- ``nobody``: $0.

Ties go to the earlier option in that order. The plan then applies the consent rule and the
user's limits (``max_contacts`` and ``budget``; 0 means no limit) to every decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError
from crm_models.results import Result, check_level, estimate_table
from crm_models.uplift.consent import _consent_array, consent_eligible
from crm_models.uplift.holdout import HoldoutProfitResult
from crm_models.uplift.paired import PolicyDifference, consent_cost_interval
from crm_models.uplift.targeting import TargetPlan, plan_targeting

__all__ = [
    "POLICIES",
    "CampaignDecision",
    "consent_cost_estimate",
    "decide_campaign",
    "plan_campaign",
]

POLICIES = ("model", "everyone", "nobody")


@dataclass(frozen=True, repr=False)
class CampaignDecision(Result):
    """The chosen policy and the hold-out profit of each option.

    Parameters
    ----------
    policy : str
        'model', 'everyone' or 'nobody'.
    best_single_arm : str
        The arm that earns most when sent to everyone.
    profit_model, profit_everyone, profit_nobody : float
        Hold-out incremental profit of each option (currency, scaled to the population).
    best_share : float
        Share contacted under the model policy.
    """

    policy: str
    best_single_arm: str
    profit_model: float
    profit_everyone: float
    profit_nobody: float
    best_share: float

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Hold-out profit of each option (intervals: see the hold-out profit result).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (kept for the common signature).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; index ``policy``.
        """
        check_level(level)
        return estimate_table(
            [self.profit_model, self.profit_everyone, self.profit_nobody],
            level=level,
            index=pd.Index(list(POLICIES), name="policy"),
        )

    def contact_limit(self, n_eligible: int, max_contacts: int = 0) -> int | None:
        """Return the number of customers the plan may contact (None: no limit).

        Parameters
        ----------
        n_eligible : int
            Customers the consent rule allows.
        max_contacts : int, default 0
            The user's contact limit; 0 means no limit.

        Returns
        -------
        int or None
            ``round(best_share · n_eligible)`` for the model, no limit for everyone, 0 for
            nobody; capped by ``max_contacts`` when it is positive.
        """
        if self.policy == "model":
            limit: int | None = int(round(self.best_share * n_eligible))
        else:
            limit = None if self.policy == "everyone" else 0
        if max_contacts > 0:
            limit = max_contacts if limit is None else min(limit, max_contacts)
        return limit


def decide_campaign(curve: HoldoutProfitResult) -> CampaignDecision:
    """Choose model targeting, everyone or nobody by hold-out profit.

    Parameters
    ----------
    curve : HoldoutProfitResult
        Hold-out profit of the model's ranking, with the profit of each blanket arm.

    Returns
    -------
    CampaignDecision
        The policy with the largest profit (ties: model, then everyone, then nobody).
    """
    arm = curve.best_everyone_arm
    options = {"model": curve.best_profit_debiased, "everyone": curve.everyone[arm], "nobody": 0.0}
    policy = max(options, key=lambda name: options[name])
    return CampaignDecision(
        policy,
        arm,
        float(options["model"]),
        float(options["everyone"]),
        0.0,
        float(curve.best_share),
    )


def plan_campaign(
    decision: CampaignDecision,
    customer_id: Any,
    uplift: pd.DataFrame,
    everyone_uplift: float,
    margin_per_outcome: float,
    cost_per_contact: float,
    consent: Any = None,
    require_double_opt_in: bool = False,
    max_contacts: int = 0,
    budget: float = 0.0,
) -> TargetPlan:
    """Build the target plan that carries out ``decision`` within consent and the user's limits.

    Parameters
    ----------
    decision : CampaignDecision
        The chosen policy.
    customer_id : array-like
        Every customer of the base (n,).
    uplift : pandas.DataFrame
        Predicted uplift per customer (``learner.predict_frame``), used by the model policy.
    everyone_uplift : float
        Average uplift of ``decision.best_single_arm`` (the experiment's lift), given to every
        customer under the everyone and nobody policies.
    margin_per_outcome, cost_per_contact : float
        Profit of one incremental outcome and cost of one contact (currency).
    consent : array-like, str, bool or None, default None
        Consent status per customer, or one value for all; None: no consent information,
        everyone eligible (as in :func:`~crm_models.uplift.plan_targeting`).
    require_double_opt_in : bool, default False
        Only double opt-in customers may be contacted.
    max_contacts : int, default 0
        Contact limit; 0 means no limit.
    budget : float, default 0
        Contact budget (currency); 0 means no limit.

    Returns
    -------
    TargetPlan
        The consent-checked target list.
    """
    if decision.policy not in POLICIES:
        raise ParameterError(f"policy must be one of {POLICIES}, got {decision.policy!r}")
    ids = np.asarray(customer_id)
    n_eligible = len(ids)
    if consent is not None:
        consent = _consent_array(consent, len(ids))
        n_eligible = int(consent_eligible(consent, require_double_opt_in).sum())
    limit = decision.contact_limit(n_eligible, max_contacts)
    if decision.policy == "model":
        scores = uplift
    else:
        scores = pd.DataFrame(
            {f"uplift_{decision.best_single_arm}": np.full(len(ids), everyone_uplift)}
        )
    return plan_targeting(
        ids,
        scores,
        margin_per_outcome,
        cost_per_contact,
        consent,
        require_double_opt_in=require_double_opt_in,
        max_contacts=limit,
        budget=budget if budget > 0 else None,
    )


def consent_cost_estimate(
    plan: TargetPlan, curve: HoldoutProfitResult, decision: CampaignDecision
) -> PolicyDifference:
    """Return the plan's consent cost with an interval from the hold-out replicates.

    See :func:`~crm_models.uplift.paired.consent_cost_interval` (why a scaled model
    prediction): the model policy uses the curve at the recommended cut-off, the everyone
    policy the blanket arm's replicates; nobody costs nothing.

    Parameters
    ----------
    plan : TargetPlan
        The plan carried out (its ``consent_cost`` is the estimate).
    curve : HoldoutProfitResult
        Hold-out profit with its bootstrap replicates.
    decision : CampaignDecision
        The chosen policy.

    Returns
    -------
    PolicyDifference
        Consent cost (currency) with its interval.
    """
    if curve.boot_curve is None or curve.boot_everyone is None:  # built without replicates
        return consent_cost_interval(plan.consent_cost, 0.0, np.zeros(0), curve.level)
    if decision.policy == "model":
        i = int(np.abs(curve.curve["share"].to_numpy() - curve.best_share).argmin())
        profit, boot = float(curve.curve["profit"].iloc[i]), curve.boot_curve[:, i]
    elif decision.policy == "everyone":
        j = list(curve.everyone).index(decision.best_single_arm)
        profit, boot = curve.everyone[decision.best_single_arm], curve.boot_everyone[:, j]
    else:
        profit, boot = 0.0, np.zeros(curve.n_boot)
    return consent_cost_interval(plan.consent_cost, profit, boot, curve.level)
