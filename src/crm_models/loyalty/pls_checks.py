"""The checks behind ``EstimationWarning``: PLSc out of range, weak reliabilities, wild intervals.

``estimation_warnings(result)`` lists the problems of a fitted ``PLSResult``;
``warn_estimation(result)`` (called by ``PLSPathModel.fit``) warns once per problem.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from crm_models.loyalty.diagnostics import EstimationWarning
from crm_models.loyalty.pls_result import PLSResult

__all__ = [
    "INTERVAL_LIMIT",
    "INTERVAL_WIDTH",
    "RELIABILITY_LIMIT",
    "estimation_warnings",
    "warn_estimation",
]

RELIABILITY_LIMIT = 0.70  # ρ_A below this makes the PLSc correction unreliable
INTERVAL_LIMIT = 1.10  # a 95% interval of a standardized path beyond ±this leaves [-1, 1] by a lot
INTERVAL_WIDTH = 1.00  # a 95% interval of a standardized path wider than this is not usable


def _named(label: str, name: str) -> str:
    return label if label == name else f"{label} ({name})"


def _listing(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def estimation_warnings(result: PLSResult, level: float = 0.95) -> list[str]:
    """Return the warnings a fitted PLS result deserves (empty when it reads as it is).

    Parameters
    ----------
    result : PLSResult
        A fitted result (``PLSPathModel(...).fit(data).result_``).
    level : float, default 0.95
        Level of the bootstrap intervals that are checked.

    Returns
    -------
    list of str
        One message per problem, each naming the paths / constructs and the fix.
    """
    spec = result.spec
    messages = []
    labels = [
        _named(f"{spec.label(s)} → {spec.label(t)}", f"{s} → {t}")
        for s, t in zip(result.paths["source"], result.paths["target"], strict=True)
    ]
    estimate = result.paths["estimate"].to_numpy(dtype=float)
    if result.consistent:
        sizes = {c: len(items) for c, items in spec.constructs.items()}
        rho = result.rho_a
        weak = [
            f"{_named(spec.label(c), c)} ρ_A = {rho[c]:.2f}"
            for c in spec.names
            if spec.modes[c] == "A" and sizes[c] > 1 and rho[c] < RELIABILITY_LIMIT
        ]
        if weak:
            messages.append(
                f"consistent PLS divides by reliabilities below {RELIABILITY_LIMIT:.2f}: "
                f"{_listing(weak)}; its paths are unreliable. Check those constructs' items "
                "(assess_measurement) or use plain PLS (consistent=False)"
            )
        out = np.flatnonzero(np.abs(estimate) > 1.0)
        if out.size:
            named = [f"{labels[k]} = {estimate[k]:.3f}" for k in out]
            messages.append(
                f"consistent PLS path(s) outside [-1, 1]: {_listing(named)}; a standardized "
                "path cannot exceed 1 in size. Use plain PLS (consistent=False) or check the "
                "reliability of the constructs it joins"
            )
    if result.boot is not None and result.n_draws > 1:
        table = result.path_table(level)
        low, high = table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float)
        bad = np.flatnonzero(
            (low < -INTERVAL_LIMIT) | (high > INTERVAL_LIMIT) | (high - low > INTERVAL_WIDTH)
        )
        if bad.size:
            named = [f"{labels[k]} = {estimate[k]:.3f} [{low[k]:.3f}, {high[k]:.3f}]" for k in bad]
            fix = (
                "use plain PLS (consistent=False) or check the constructs' reliability"
                if result.consistent
                else "check the constructs' reliability and the number of respondents"
            )
            messages.append(
                f"bootstrap {level:.0%} intervals of standardized paths leave [-1, 1] or are "
                f"wider than {INTERVAL_WIDTH:g}: {_listing(named, 12)}; they are not usable: {fix}"
            )
    return messages


def warn_estimation(result: PLSResult, stacklevel: int = 3) -> None:
    """Warn (``EstimationWarning``) once per problem :func:`estimation_warnings` finds.

    Parameters
    ----------
    result : PLSResult
        A fitted result.
    stacklevel : int, default 3
        Passed to ``warnings.warn`` so the warning points at the user's ``fit`` call.
    """
    for message in estimation_warnings(result):
        warnings.warn(message, EstimationWarning, stacklevel=stacklevel)
