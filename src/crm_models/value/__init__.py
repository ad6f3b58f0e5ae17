"""Segment value: who our valuable customers are, and how each should be served.

- ``rfm``: RFM table from transactions (DuckDB), RFM scores and cells;
- ``abc``: concentration curve, "top x% give y% of value", ABC / Pareto classes;
- ``models``: BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma (lifetimes likelihoods, fitted
  on unique patterns with checked convergence and standard errors), one module per model;
- ``valuation``: CLV, customer equity with an interval, second lifetime value;
- ``diagnostics``: holdout metrics, the frequency–spend independence check and the tables
  behind the model checks; ``plots``: seaborn charts of them;
- ``needs``: purchase mix per customer and similar/different needs;
- ``selection``: value × needs and value × fit customer-selection matrices with actions;
- ``inputs``: the study's data sources; ``narrative``: the sentences of the report.
"""

from crm_models.value.abc import abc_classes, abc_summary, concentration_curve, gini, top_share
from crm_models.value.diagnostics import (
    HoldoutResult,
    IndependenceResult,
    calibration_summary,
    frequency_spend_independence,
    holdout_metrics,
)
from crm_models.value.engine_path import EngineValues, customer_values
from crm_models.value.inputs import ValueInputs, load_inputs, transaction_model, transaction_models
from crm_models.value.models import BGBB, BGNBD, MBGNBD, FitResult, GammaGamma, ParetoNBD
from crm_models.value.needs import NeedsMixture, category_counts, mix_distance
from crm_models.value.patterns import pattern_counts, spend_patterns
from crm_models.value.rfm import rfm_cells, rfm_scores, rfm_table
from crm_models.value.scoring import CustomerScorer
from crm_models.value.selection import (
    FIT_ACTIONS,
    LET_GO_OFFER,
    NEEDS_ACTIONS,
    SEGMENT_VALUE_CLV,
    assign_actions,
    capability_fit,
    clv_needs_table,
    value_fit_matrix,
    value_level,
    value_needs_matrix,
)
from crm_models.value.valuation import (
    CustomerEquity,
    customer_equity,
    customer_lifetime_value,
    monthly_rate,
    second_lifetime_value,
)
from crm_models.value.winback import winback_value

__all__ = [
    "BGBB",
    "BGNBD",
    "FIT_ACTIONS",
    "LET_GO_OFFER",
    "MBGNBD",
    "NEEDS_ACTIONS",
    "SEGMENT_VALUE_CLV",
    "CustomerEquity",
    "CustomerScorer",
    "EngineValues",
    "FitResult",
    "GammaGamma",
    "HoldoutResult",
    "IndependenceResult",
    "NeedsMixture",
    "ParetoNBD",
    "ValueInputs",
    "abc_classes",
    "abc_summary",
    "assign_actions",
    "calibration_summary",
    "capability_fit",
    "category_counts",
    "clv_needs_table",
    "concentration_curve",
    "customer_equity",
    "customer_lifetime_value",
    "customer_values",
    "frequency_spend_independence",
    "gini",
    "holdout_metrics",
    "load_inputs",
    "mix_distance",
    "monthly_rate",
    "pattern_counts",
    "rfm_cells",
    "rfm_scores",
    "rfm_table",
    "second_lifetime_value",
    "spend_patterns",
    "top_share",
    "transaction_model",
    "transaction_models",
    "value_fit_matrix",
    "value_level",
    "value_needs_matrix",
    "winback_value",
]
