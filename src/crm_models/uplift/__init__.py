"""Campaign uplift: did the campaign work, for whom, and who should get the next one.

- ``inputs``: the study's data sources (synthetic world or a Hillstrom-format CSV).
- ``lift``, ``checks``, ``segments``, ``experiment``: lift per arm and outcome with
  intervals, sample-ratio and balance checks, segment lift with Cochran's Q
  (``lift_table``, ``sample_ratio_test``, ``segment_lift``, ``evaluate_experiment``).
- ``learners``: S-, T-, X-learner and class transformation on any scikit-learn estimator.
- ``metrics``, ``evaluation``: uplift / Qini curves, AUUC, Qini coefficient, uplift@k,
  deciles with intervals (one sort).
- ``consent``: the one consent rule. ``targeting``: expected incremental profit, limits,
  the target plan. ``export``: atomic export of a target list. ``engine_targets``: the
  target list scored on DuckDB or Spark, written as a Parquet folder.
- ``holdout``: hold-out profit curve with bootstrap cut-off; true policy values (simulation).
- ``decision``: model vs everyone vs nobody, and the plan that carries it out.
- ``paired``: differences of policies with paired bootstrap intervals (same replicates).
- ``narrative``: the report's sentences. ``features``: model features (DuckDB), Hillstrom.
"""

from crm_models.uplift.checks import SampleRatioResult, covariate_balance, sample_ratio_test
from crm_models.uplift.consent import consent_eligible, exclusion_reasons
from crm_models.uplift.decision import (
    CampaignDecision,
    consent_cost_estimate,
    decide_campaign,
    plan_campaign,
)
from crm_models.uplift.engine_targets import campaign_targets
from crm_models.uplift.evaluation import (
    ArmMetrics,
    UpliftMetrics,
    metrics_table,
    per_arm_metrics,
    uplift_by_decile,
    uplift_metrics,
)
from crm_models.uplift.experiment import ExperimentResult, evaluate_experiment
from crm_models.uplift.export import export_targets
from crm_models.uplift.features import customer_features, hillstrom_features
from crm_models.uplift.holdout import (
    HoldoutProfitResult,
    PolicyValueResult,
    holdout_profit_curve,
    true_policy_values,
)
from crm_models.uplift.inputs import CampaignInputs, load_campaign_inputs
from crm_models.uplift.learners import (
    ClassTransformation,
    SLearner,
    TLearner,
    XLearner,
    base_estimator,
    learner_names,
    make_learner,
)
from crm_models.uplift.lift import LiftEstimate, LiftResult, lift_table
from crm_models.uplift.metrics import (
    UpliftCurve,
    auuc,
    qini_coefficient,
    qini_curve,
    uplift_at_k,
    uplift_curve,
)
from crm_models.uplift.paired import PolicyDifference, policy_profits
from crm_models.uplift.segments import SegmentLiftResult, cochran_q, segment_lift
from crm_models.uplift.targeting import TargetPlan, best_arm_profit, plan_targeting

__all__ = [
    "ArmMetrics",
    "CampaignDecision",
    "CampaignInputs",
    "ClassTransformation",
    "ExperimentResult",
    "HoldoutProfitResult",
    "LiftEstimate",
    "LiftResult",
    "PolicyDifference",
    "PolicyValueResult",
    "SLearner",
    "SampleRatioResult",
    "SegmentLiftResult",
    "TLearner",
    "TargetPlan",
    "UpliftCurve",
    "UpliftMetrics",
    "XLearner",
    "auuc",
    "base_estimator",
    "best_arm_profit",
    "campaign_targets",
    "cochran_q",
    "consent_cost_estimate",
    "consent_eligible",
    "covariate_balance",
    "customer_features",
    "decide_campaign",
    "evaluate_experiment",
    "exclusion_reasons",
    "export_targets",
    "hillstrom_features",
    "holdout_profit_curve",
    "learner_names",
    "lift_table",
    "load_campaign_inputs",
    "make_learner",
    "metrics_table",
    "per_arm_metrics",
    "plan_campaign",
    "plan_targeting",
    "policy_profits",
    "qini_coefficient",
    "qini_curve",
    "sample_ratio_test",
    "segment_lift",
    "true_policy_values",
    "uplift_at_k",
    "uplift_by_decile",
    "uplift_curve",
    "uplift_metrics",
]
