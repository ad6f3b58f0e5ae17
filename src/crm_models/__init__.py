"""crm-models: a research and modelling workbench for CRM analytics.

Subpackages: ``data`` (schemas, loaders, warehouse, synthetic world), one per study
(``value``, ``uplift``, ``loyalty``, ``customization``, ``retention``), ``reporting`` and
``teaching``.

The entry points of the quickstarts are also available at the top level, imported lazily
on first use so that ``import crm_models`` (and the ``crm`` command) stays fast::

    import crm_models as crm

    summary = crm.rfm_summary(transactions, observation_end="2024-12-31")
    model = crm.BGNBD().fit(summary)

Each top-level name is the very object of its subpackage (``crm_models.BGNBD is
crm_models.value.BGNBD``); its documentation lives there.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from crm_models.customization import ConjointModel, KanoSurvey, VarietyOptimizer
    from crm_models.data import (
        ColumnMapping,
        Warehouse,
        load_table,
        rfm_summary,
        simulate_world,
        validate,
    )
    from crm_models.errors import DataValidationError, ParameterError
    from crm_models.loyalty import ModelSpec, PLSPathModel
    from crm_models.retention import (
        CoxModel,
        ShiftedBetaGeometric,
        early_warning_study,
        kaplan_meier,
        plan_retention,
    )
    from crm_models.uplift import (
        ClassTransformation,
        SLearner,
        TLearner,
        XLearner,
        plan_targeting,
        qini_coefficient,
        uplift_metrics,
    )
    from crm_models.value import (
        BGNBD,
        CustomerEquity,
        GammaGamma,
        ParetoNBD,
        customer_equity,
        customer_lifetime_value,
    )

    __version__: str

# top-level name -> the module that defines it (the one place to add a name)
_LAZY: dict[str, str] = {
    # data: your own transactions in, one row per customer out
    "ColumnMapping": "crm_models.data",
    "Warehouse": "crm_models.data",
    "load_table": "crm_models.data",
    "rfm_summary": "crm_models.data",
    "simulate_world": "crm_models.data",
    "validate": "crm_models.data",
    # errors raised for bad input
    "DataValidationError": "crm_models.errors",
    "ParameterError": "crm_models.errors",
    # value: customer lifetime value
    "BGNBD": "crm_models.value",
    "CustomerEquity": "crm_models.value",
    "GammaGamma": "crm_models.value",
    "ParetoNBD": "crm_models.value",
    "customer_equity": "crm_models.value",
    "customer_lifetime_value": "crm_models.value",
    # uplift: who to target with a campaign
    "ClassTransformation": "crm_models.uplift",
    "SLearner": "crm_models.uplift",
    "TLearner": "crm_models.uplift",
    "XLearner": "crm_models.uplift",
    "plan_targeting": "crm_models.uplift",
    "qini_coefficient": "crm_models.uplift",
    "uplift_metrics": "crm_models.uplift",
    # retention: who is about to leave, why, and who is worth saving
    "CoxModel": "crm_models.retention",
    "ShiftedBetaGeometric": "crm_models.retention",
    "early_warning_study": "crm_models.retention",
    "kaplan_meier": "crm_models.retention",
    "plan_retention": "crm_models.retention",
    # loyalty: satisfaction -> loyalty path models
    "ModelSpec": "crm_models.loyalty",
    "PLSPathModel": "crm_models.loyalty",
    # customization: conjoint, Kano, product variety
    "ConjointModel": "crm_models.customization",
    "KanoSurvey": "crm_models.customization",
    "VarietyOptimizer": "crm_models.customization",
}

__all__ = [
    "BGNBD",
    "ClassTransformation",
    "ColumnMapping",
    "ConjointModel",
    "CoxModel",
    "CustomerEquity",
    "DataValidationError",
    "GammaGamma",
    "KanoSurvey",
    "ModelSpec",
    "PLSPathModel",
    "ParameterError",
    "ParetoNBD",
    "SLearner",
    "ShiftedBetaGeometric",
    "TLearner",
    "VarietyOptimizer",
    "Warehouse",
    "XLearner",
    "__version__",
    "customer_equity",
    "customer_lifetime_value",
    "early_warning_study",
    "kaplan_meier",
    "load_table",
    "plan_retention",
    "plan_targeting",
    "qini_coefficient",
    "rfm_summary",
    "simulate_world",
    "uplift_metrics",
    "validate",
]


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crm-models")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def __getattr__(name: str) -> Any:
    """Import a top-level name from its subpackage on first use (PEP 562)."""
    if name == "__version__":
        value: Any = _package_version()
    elif name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'crm_models' has no attribute {name!r}")
    globals()[name] = value  # cached: the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    """List the module's attributes, the lazily imported names included."""
    return sorted(set(globals()) | set(__all__))
