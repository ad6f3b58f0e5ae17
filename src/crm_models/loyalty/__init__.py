"""Satisfaction → loyalty → profit → firm value (the service-profit chain study).

- ``spec``: the model specification (constructs, items, paths) — ECSI by default.
- ``pls``: PLS path modelling with a vectorized bootstrap and consistent PLS (PLSc).
- ``reliability``: α, ρ_C, ρ_A, AVE, loadings, HTMT and Fornell–Larcker with thresholds.
- ``sem``: covariance SEM through semopy, with fit indices and a ridge / identification check.
- ``index``: ACSI-style 0–100 indices with intervals; ``ipm``: importance–performance map.
- ``retention``: non-linear satisfaction → retention curve, threshold, behaviour by band.
- ``economics``: CLV, customer equity, +5 points of retention, the relationship ladder.
- ``reference``: plspm called on a spec (cross-checks, benchmarks); ``plots``; ``inputs``.
"""

from crm_models.loyalty.economics import RetentionEconomics, mechanism_ladder, relationship_ladder
from crm_models.loyalty.index import IndexResult, construct_index, index_scores, index_table
from crm_models.loyalty.inputs import StudyInputs, load_inputs
from crm_models.loyalty.ipm import importance_performance
from crm_models.loyalty.pls import PLSPathModel, estimate_from_corr
from crm_models.loyalty.reliability import MeasurementAssessment, assess_measurement
from crm_models.loyalty.retention import (
    RetentionCurve,
    behaviour_by_band,
    customer_behaviour,
    link_survey_to_behaviour,
    retention_contrast,
)
from crm_models.loyalty.sem import CovarianceSEM, SEMIdentificationWarning
from crm_models.loyalty.spec import ModelSpec, resolve_spec

__all__ = [
    "CovarianceSEM",
    "IndexResult",
    "MeasurementAssessment",
    "ModelSpec",
    "PLSPathModel",
    "RetentionCurve",
    "RetentionEconomics",
    "SEMIdentificationWarning",
    "StudyInputs",
    "assess_measurement",
    "behaviour_by_band",
    "construct_index",
    "customer_behaviour",
    "estimate_from_corr",
    "importance_performance",
    "index_scores",
    "index_table",
    "link_survey_to_behaviour",
    "load_inputs",
    "mechanism_ladder",
    "relationship_ladder",
    "resolve_spec",
    "retention_contrast",
]
