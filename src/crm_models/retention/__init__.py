"""Churn and retention: who is about to leave, why, and who is worth saving.

- ``contractual``: the shifted-beta-geometric (sBG) and beta-discrete-Weibull (BdW) models of
  cohort retention (Fader & Hardie 2007; Fader et al. 2018), projections, expected lifetime
  and discounted expected residual lifetime (DERL).
- ``survival`` / ``cox``: Kaplan–Meier curves, log-rank tests and Cox proportional-hazards
  models (with time-varying covariates) through lifelines.
- ``features`` / ``early_warning`` / ``ranking``: churn labels from an inactivity window,
  features from before the cut-off, a calibrated early-warning model compared with the BTYD
  P(alive) baseline on a time split, and ranking metrics (precision, lift, gains, AUC).
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
from crm_models.retention.cox import CoxModel, TimeVaryingCoxModel
from crm_models.retention.early_warning import (
    EarlyWarningModel,
    EarlyWarningResult,
    early_warning_study,
    p_alive_baseline,
)
from crm_models.retention.features import churn_features, churn_labels
from crm_models.retention.offer import OfferEffect, offer_effect
from crm_models.retention.ranking import ranking_metrics
from crm_models.retention.satisfaction import SatisfactionChurnLink, satisfaction_churn_link
from crm_models.retention.saving import RetentionPlan, plan_retention
from crm_models.retention.survival import (
    KaplanMeierResult,
    LogRankResult,
    kaplan_meier,
    logrank,
)

__all__ = [
    "BetaDiscreteWeibull",
    "ContractualFit",
    "CoxModel",
    "EarlyWarningModel",
    "EarlyWarningResult",
    "KaplanMeierResult",
    "LogRankResult",
    "OfferEffect",
    "RetentionPlan",
    "SatisfactionChurnLink",
    "ShiftedBetaGeometric",
    "TimeVaryingCoxModel",
    "churn_features",
    "churn_labels",
    "early_warning_study",
    "fader_hardie_2007",
    "kaplan_meier",
    "logrank",
    "offer_effect",
    "p_alive_baseline",
    "plan_retention",
    "ranking_metrics",
    "satisfaction_churn_link",
    "simulate_cohorts",
]
