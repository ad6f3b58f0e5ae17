"""Campaign uplift: did the campaign work, for whom, and who should get the next one.

- ``experiment``: lift per arm and outcome with intervals, sample-ratio and balance checks,
  segment lift (``evaluate_experiment``, ``lift_table``, ``segment_lift``).
- ``learners``: S-, T-, X-learner and class transformation on any scikit-learn estimator.
- ``metrics``: uplift / Qini curves, AUUC, Qini coefficient, uplift@k, deciles (one sort).
- ``targeting``: expected incremental profit, consent rules, limits, hold-out profit curve
  with bootstrap cut-off, atomic export.
- ``features``: model features from customers and transactions (DuckDB), Hillstrom features.
"""

from crm_models.uplift.experiment import (
    ExperimentResult,
    covariate_balance,
    evaluate_experiment,
    lift_table,
    sample_ratio_test,
    segment_lift,
)
from crm_models.uplift.features import customer_features, hillstrom_features
from crm_models.uplift.learners import (
    ClassTransformation,
    SLearner,
    TLearner,
    XLearner,
    base_estimator,
    make_learner,
)
from crm_models.uplift.metrics import (
    UpliftCurve,
    UpliftMetrics,
    auuc,
    metrics_table,
    per_arm_metrics,
    qini_coefficient,
    qini_curve,
    uplift_at_k,
    uplift_by_decile,
    uplift_curve,
    uplift_metrics,
)
from crm_models.uplift.targeting import (
    ProfitCurve,
    TargetPlan,
    best_arm_profit,
    export_targets,
    plan_targeting,
    profit_curve,
    true_policy_values,
)

__all__ = [
    "ClassTransformation",
    "ExperimentResult",
    "ProfitCurve",
    "SLearner",
    "TLearner",
    "TargetPlan",
    "UpliftCurve",
    "UpliftMetrics",
    "XLearner",
    "auuc",
    "base_estimator",
    "best_arm_profit",
    "covariate_balance",
    "customer_features",
    "evaluate_experiment",
    "export_targets",
    "hillstrom_features",
    "lift_table",
    "make_learner",
    "metrics_table",
    "per_arm_metrics",
    "plan_targeting",
    "profit_curve",
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
