"""Churn and retention: who is about to leave, why, and who is worth saving.

- ``contractual``: the shifted-beta-geometric (sBG) and beta-discrete-Weibull (BdW) models of
  cohort retention (Fader & Hardie 2007; Fader et al. 2018), projections, expected lifetime
  and discounted expected residual lifetime (DERL).
- ``offer`` / ``saving`` / ``satisfaction``: the effect of a retention offer from an
  experiment, the consent-aware save list with its expected incremental profit, and the
  satisfaction → churn link.
"""

from __future__ import annotations

from crm_models.retention.contractual import (
    BetaDiscreteWeibull,
    ContractualFit,
    ShiftedBetaGeometric,
    fader_hardie_2007,
    simulate_cohorts,
)
from crm_models.retention.offer import OfferEffect, offer_effect
from crm_models.retention.satisfaction import SatisfactionChurnLink, satisfaction_churn_link
from crm_models.retention.saving import RetentionPlan, plan_retention

__all__ = [
    "BetaDiscreteWeibull",
    "ContractualFit",
    "OfferEffect",
    "RetentionPlan",
    "SatisfactionChurnLink",
    "ShiftedBetaGeometric",
    "fader_hardie_2007",
    "offer_effect",
    "plan_retention",
    "satisfaction_churn_link",
    "simulate_cohorts",
]
