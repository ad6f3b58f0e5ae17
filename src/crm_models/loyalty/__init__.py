"""Satisfaction → loyalty → profit → firm value (the service-profit chain study).

- ``spec``: the model specification (constructs, items, paths) — ECSI by default.
- ``pls``: PLS path modelling (``PLSPathModel`` → ``PLSResult``), built from ``pls_algorithm``
  (the batched algorithm), ``plsc`` (consistent PLS), ``pls_bootstrap`` and ``pls_result``.
- ``reliability``: α, ρ_C, ρ_A, AVE, loadings, HTMT and Fornell–Larcker with thresholds.
- ``sem``: covariance SEM through semopy (imported when fitting), fit indices, ridge check.
- ``index``: ACSI-style 0–100 indices with intervals; ``ipm``: importance–performance map.
- ``retention``: non-linear satisfaction → retention curve, threshold, behaviour by band;
  ``behaviour``: survey respondents linked to transactions.
- ``economics``: CLV, customer equity, +5 points of retention, the relationship ladder.
- ``trust``: reliability and interval-stability checks, the stable estimation for the data
  (``fit_stable``), the drivers worth ranking (``clear_drivers``).
- ``diagnostics``: ``EstimationWarning`` (PLSc out of range, weak reliabilities, unusable
  intervals, intervals asked without bootstrap); ``display``: reprs and HTML summaries.
- ``spec_formula``: lavaan-style formula specs (``'CUSA ~ IMAG + PERQ'``, ``'IMAG =~ …'``).
- ``narrative``: the report's sentences; ``plots``; ``inputs``.
- ``reference``: plspm called on a spec (cross-checks, benchmarks; dev extra, imported lazily).
"""

from crm_models.loyalty.behaviour import customer_behaviour, link_survey_to_behaviour
from crm_models.loyalty.diagnostics import EstimationWarning
from crm_models.loyalty.economics import (
    RetentionEconomics,
    RetentionLift,
    mechanism_ladder,
    relationship_ladder,
)
from crm_models.loyalty.index import IndexResult, construct_index, index_scores, index_table
from crm_models.loyalty.inputs import StudyInputs, load_inputs
from crm_models.loyalty.ipm import importance_performance, investment_levers
from crm_models.loyalty.pls import PLSPathModel
from crm_models.loyalty.pls_algorithm import PLSEstimates, estimate_from_corr
from crm_models.loyalty.pls_bootstrap import BootstrapDraws
from crm_models.loyalty.pls_effects import IndirectEffect
from crm_models.loyalty.pls_result import PLSResult
from crm_models.loyalty.reliability import MeasurementAssessment, assess_measurement
from crm_models.loyalty.retention import RetentionCurve, RetentionCurveResult, behaviour_by_band
from crm_models.loyalty.retention_contrast import RetentionContrast, retention_contrast
from crm_models.loyalty.sem import CovarianceSEM, SEMIdentificationWarning, SEMResult
from crm_models.loyalty.spec import ModelSpec, resolve_spec
from crm_models.loyalty.trust import (
    EstimationCheck,
    EstimationChoice,
    check_estimation,
    clear_drivers,
    fit_stable,
)

__all__ = [
    "BootstrapDraws",
    "CovarianceSEM",
    "EstimationCheck",
    "EstimationChoice",
    "EstimationWarning",
    "IndexResult",
    "IndirectEffect",
    "MeasurementAssessment",
    "ModelSpec",
    "PLSEstimates",
    "PLSPathModel",
    "PLSResult",
    "RetentionContrast",
    "RetentionCurve",
    "RetentionCurveResult",
    "RetentionEconomics",
    "RetentionLift",
    "SEMIdentificationWarning",
    "SEMResult",
    "StudyInputs",
    "assess_measurement",
    "behaviour_by_band",
    "check_estimation",
    "clear_drivers",
    "construct_index",
    "customer_behaviour",
    "estimate_from_corr",
    "fit_stable",
    "importance_performance",
    "index_scores",
    "index_table",
    "investment_levers",
    "link_survey_to_behaviour",
    "load_inputs",
    "mechanism_ladder",
    "relationship_ladder",
    "resolve_spec",
    "retention_contrast",
]
