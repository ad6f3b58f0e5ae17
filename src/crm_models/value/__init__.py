"""Segment value: who are our valuable customers, and how should each be served?

- ``rfm``: RFM table from transactions (DuckDB), RFM scores and cells;
- ``abc``: concentration curve, "top x% give y% of value", ABC / Pareto classes;
- ``clv``: BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma (lifetimes likelihoods, fitted on
  unique patterns with checked convergence and standard errors), CLV, customer equity with an
  interval, second lifetime value, holdout metrics;
- ``needs``: purchase mix per customer and similar/different needs;
- ``selection``: value × needs and value × fit customer-selection matrices with actions;
- ``diagnostics``: tables behind the model checks; ``plots``: seaborn charts of them.
"""

from crm_models.value.abc import abc_classes, abc_summary, concentration_curve, gini, top_share
from crm_models.value.clv import (
    BGBB,
    BGNBD,
    MBGNBD,
    CustomerEquity,
    FitResult,
    GammaGamma,
    ParetoNBD,
    customer_equity,
    customer_lifetime_value,
    frequency_spend_independence,
    holdout_metrics,
    monthly_rate,
    second_lifetime_value,
)
from crm_models.value.needs import NeedsMixture, category_counts, mix_distance
from crm_models.value.rfm import rfm_cells, rfm_scores, rfm_table
from crm_models.value.selection import (
    FIT_ACTIONS,
    NEEDS_ACTIONS,
    assign_actions,
    capability_fit,
    value_fit_matrix,
    value_level,
    value_needs_matrix,
)

__all__ = [
    "FIT_ACTIONS",
    "NEEDS_ACTIONS",
    "NeedsMixture",
    "abc_classes",
    "abc_summary",
    "assign_actions",
    "capability_fit",
    "category_counts",
    "concentration_curve",
    "gini",
    "mix_distance",
    "rfm_cells",
    "rfm_scores",
    "rfm_table",
    "top_share",
    "value_fit_matrix",
    "value_level",
    "value_needs_matrix",
    "BGBB",
    "BGNBD",
    "MBGNBD",
    "CustomerEquity",
    "FitResult",
    "GammaGamma",
    "ParetoNBD",
    "customer_equity",
    "customer_lifetime_value",
    "frequency_spend_independence",
    "holdout_metrics",
    "monthly_rate",
    "second_lifetime_value",
]
