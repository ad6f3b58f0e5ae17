"""crm-models: a research and modelling workbench for CRM analytics.

Subpackages: ``data`` (schemas, loaders, warehouse, synthetic world), one per study
(``value``, ``uplift``, ``loyalty``, ``customization``) and ``reporting``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crm-models")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
