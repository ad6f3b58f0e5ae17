"""Suite-wide options: ``--runslow`` runs the long simulation studies marked ``slow``;
``@pytest.mark.reference("plspm")`` skips a comparison whose reference library cannot run here.
"""

from __future__ import annotations

import importlib.util
from functools import cache

import pandas as pd
import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--runslow",
        action="store_true",
        default=False,
        help="also run tests marked slow (long simulation studies)",
    )


@cache
def reference_unavailable(library: str) -> str | None:
    """Why ``library`` cannot serve as a test reference with the installed pandas, or None.

    Never skips on pandas 2.x: there every reference must run, so a break fails loudly.
    """
    if library != "plspm":
        raise ValueError(f"unknown reference library {library!r}")
    if importlib.util.find_spec("plspm") is None:  # not imported here: it sets pandas options
        return "plspm is not installed (it is in the dev extra: pip install -e '.[dev]')"
    if int(pd.__version__.split(".")[0]) < 3:
        return None
    # plspm 0.5.7 selects rows with path.loc[label,] (plspm/inner_model.py:75); pandas 3 raises
    # "zip() argument 2 is longer than argument 1" on that one-element tuple key.
    try:
        pd.DataFrame(0, index=["a"], columns=["a"]).loc["a",]
    except ValueError:
        return (
            f"plspm cannot run on pandas {pd.__version__} (df.loc[label,] in its inner model); "
            "the comparison runs in the pandas 2 CI job"
        )
    return None


def pytest_collection_modifyitems(config, items):
    skip_slow = pytest.mark.skip(reason="slow simulation study: run with --runslow")
    for item in items:
        if "slow" in item.keywords and not config.getoption("--runslow"):
            item.add_marker(skip_slow)
        for marker in item.iter_markers("reference"):
            reason = reference_unavailable(*marker.args)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))
