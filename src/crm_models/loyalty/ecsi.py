"""The ECSI model of the mobile-phone survey (Tenenhaus et al. 2005): constructs, items, paths.

The default model everywhere in ``crm_models.loyalty`` (``ModelSpec.ecsi()``); ECSI construct names
in a formula spec without a measurement line take their items from here.
"""

from __future__ import annotations

__all__ = ["ECSI_CONSTRUCTS", "ECSI_LABELS", "ECSI_PATHS"]

ECSI_CONSTRUCTS: dict[str, tuple[str, ...]] = {
    "IMAG": tuple(f"IMAG{i}" for i in range(1, 6)),
    "CUEX": tuple(f"CUEX{i}" for i in range(1, 4)),
    "PERQ": tuple(f"PERQ{i}" for i in range(1, 8)),
    "PERV": tuple(f"PERV{i}" for i in range(1, 3)),
    "CUSA": tuple(f"CUSA{i}" for i in range(1, 4)),
    "CUSCO": ("CUSCO",),
    "CUSL": tuple(f"CUSL{i}" for i in range(1, 4)),
}
ECSI_PATHS: tuple[tuple[str, str], ...] = (
    ("IMAG", "CUEX"),
    ("IMAG", "CUSA"),
    ("IMAG", "CUSL"),
    ("CUEX", "PERQ"),
    ("CUEX", "PERV"),
    ("CUEX", "CUSA"),
    ("PERQ", "PERV"),
    ("PERQ", "CUSA"),
    ("PERV", "CUSA"),
    ("CUSA", "CUSCO"),
    ("CUSA", "CUSL"),
    ("CUSCO", "CUSL"),
)
ECSI_LABELS: dict[str, str] = {
    "IMAG": "Image",
    "CUEX": "Expectation",
    "PERQ": "Perceived quality",
    "PERV": "Perceived value",
    "CUSA": "Satisfaction",
    "CUSCO": "Complaints",
    "CUSL": "Loyalty",
}
