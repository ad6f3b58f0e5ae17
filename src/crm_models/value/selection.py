"""Customer selection matrices from the source documents, with counts, value and actions.

Value × needs (the seed's choice of marketing mode among the customers the firm keeps):

==========  ==================  ======================================
value       similar needs       different needs
==========  ==================  ======================================
high        frequency marketing customized (one-to-one) marketing
low         mass marketing      let go
==========  ==================  ======================================

Value × fit with the firm's capabilities (which customers to choose at all):

==========  ====================================  ==========================================
value       good fit (firm can meet the needs)    poor fit
==========  ====================================  ==========================================
high        keep and grow (key customers)          future target (when capabilities allow)
low         maintain at low cost, or develop       drop
==========  ====================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError

NEEDS_ACTIONS: dict[tuple[str, str], str] = {
    ("high", "similar"): "frequency marketing",
    ("high", "different"): "customized (one-to-one) marketing",
    ("low", "similar"): "mass marketing",
    ("low", "different"): "let go",
}
FIT_ACTIONS: dict[tuple[str, str], str] = {
    ("high", "good"): "keep and grow (key customers)",
    ("high", "poor"): "future target (when capabilities allow)",
    ("low", "good"): "maintain at low cost, or develop",
    ("low", "poor"): "drop",
}


def value_level(values: pd.Series, high_value_share: float = 0.2) -> pd.Series:
    """'high' for the top ``high_value_share`` of customers by value, else 'low'.

    Ties keep a stable order.
    """
    if not (isinstance(high_value_share, (int, float)) and 0 < high_value_share < 1):
        raise ParameterError(f"high_value_share must be in (0, 1), got {high_value_share!r}")
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(v)):
        raise DataValidationError("value_level: values must be finite numbers")
    n_high = int(round(high_value_share * len(v)))
    order = np.argsort(-v, kind="stable")
    levels = np.full(len(v), "low", dtype=object)
    levels[order[:n_high]] = "high"
    return pd.Series(levels, index=values.index, name="value_level")


def capability_fit(shares: pd.DataFrame, capabilities: Mapping[str, float]) -> pd.Series:
    """How well the firm can serve each customer: Σ_k share_k · capability_k, in [0, 1].

    ``shares``: customer × category purchase shares (rows sum to 1) or counts (normalized here);
    ``capabilities``: category → how well the firm serves it (0 = not at all, 1 = fully);
    categories not listed count as 0.
    """
    unknown = set(capabilities) - set(shares.columns)
    if unknown:
        raise ParameterError(
            f"capabilities name unknown categories {sorted(unknown)}; known: {list(shares.columns)}"
        )
    cap = np.array([float(capabilities.get(k, 0.0)) for k in shares.columns])
    if np.any((cap < 0) | (cap > 1)):
        raise ParameterError("capabilities must lie in [0, 1]")
    s = shares.to_numpy(dtype=float)
    total = s.sum(axis=1, keepdims=True)
    if np.any(total <= 0):
        raise DataValidationError("capability_fit: every customer needs a positive purchase total")
    return pd.Series((s / total) @ cap, index=shares.index, name="fit")


def _matrix(
    value: pd.Series,
    value_levels: pd.Series,
    segment: pd.Series,
    actions,
    segment_name: str,
    segments: tuple[str, str],
) -> pd.DataFrame:
    index = value_levels.index
    frame = pd.DataFrame(
        {
            "value_level": value_levels,
            segment_name: segment.reindex(index),
            "value": value.reindex(index),
        }
    )
    if frame[segment_name].isna().any():
        missing = list(frame.index[frame[segment_name].isna()][:5])
        raise DataValidationError(f"no {segment_name} for customer(s) {missing}")
    bad = ~frame[segment_name].isin(segments)
    if bad.any():
        raise DataValidationError(
            f"{segment_name} must be one of {segments}, "
            f"got {frame.loc[bad, segment_name].unique()[:5]}"
        )
    rows = []
    for lv in ("high", "low"):
        for sg in segments:
            cell = frame[(frame["value_level"] == lv) & (frame[segment_name] == sg)]
            rows.append(
                {
                    "value_level": lv,
                    segment_name: sg,
                    "customers": len(cell),
                    "value": float(cell["value"].sum()),
                    "action": actions[(lv, sg)],
                }
            )
    out = pd.DataFrame(rows)
    out["customer_share"] = out["customers"] / out["customers"].sum()
    out["value_share"] = out["value"] / out["value"].sum() if out["value"].sum() > 0 else np.nan
    out["mean_value"] = out["value"] / out["customers"].where(out["customers"] > 0)
    return out[
        [
            "value_level",
            segment_name,
            "customers",
            "customer_share",
            "value",
            "value_share",
            "mean_value",
            "action",
        ]
    ]


def value_needs_matrix(
    value: pd.Series, needs: pd.Series, high_value_share: float = 0.2
) -> pd.DataFrame:
    """Build the value × needs matrix with the recommended action per cell.

    Value (top ``high_value_share`` = high) × needs ('similar'/'different'): one row per cell with
    customers, shares of customers and value, mean value and the recommended action.
    """
    return _matrix(
        value,
        value_level(value, high_value_share),
        needs,
        NEEDS_ACTIONS,
        "needs",
        ("similar", "different"),
    )


def value_fit_matrix(
    value: pd.Series, fit: pd.Series, high_value_share: float = 0.2, fit_threshold: float = 0.5
) -> pd.DataFrame:
    """Value × fit with capabilities (fit >= ``fit_threshold`` = 'good'): cells with actions."""
    if not 0 <= fit_threshold <= 1:
        raise ParameterError(f"fit_threshold must be in [0, 1], got {fit_threshold!r}")
    fit_class = pd.Series(np.where(fit >= fit_threshold, "good", "poor"), index=fit.index)
    return _matrix(
        value, value_level(value, high_value_share), fit_class, FIT_ACTIONS, "fit", ("good", "poor")
    )


def assign_actions(value: pd.Series, needs: pd.Series, high_value_share: float = 0.2) -> pd.Series:
    """Return the value × needs action for each customer (for lists handed to campaign tools)."""
    levels = value_level(value, high_value_share)
    keys = zip(levels, needs.reindex(levels.index), strict=True)
    return pd.Series(
        [NEEDS_ACTIONS.get(k, "unknown") for k in keys], index=levels.index, name="action"
    )
