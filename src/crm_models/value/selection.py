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
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError, format_rows

if TYPE_CHECKING:
    from crm_models.value.models import GammaGamma
    from crm_models.value.models._transaction import TransactionModel

__all__ = [
    "FIT_ACTIONS",
    "LET_GO_OFFER",
    "NEEDS_ACTIONS",
    "SEGMENT_VALUE_CLV",
    "assign_actions",
    "capability_fit",
    "clv_needs_table",
    "value_fit_matrix",
    "value_level",
    "value_needs_matrix",
]

NEEDS_ACTIONS: dict[tuple[str, str], str] = {
    ("high", "similar"): "frequency marketing",
    ("high", "different"): "customized (one-to-one) marketing",
    ("low", "similar"): "mass marketing",
    ("low", "different"): "let go",
}
LET_GO_OFFER = (
    "Low-value customers with different needs get no dedicated spend (let go): the "
    "customized offer stays open to them only as self-service, where they configure and "
    "buy it themselves, and only when it pays for its share of the customization investment."
)
"""The one sentence that segment value and customization both state about the let-go cell."""
FIT_ACTIONS: dict[tuple[str, str], str] = {
    ("high", "good"): "keep and grow (key customers)",
    ("high", "poor"): "future target (when capabilities allow)",
    ("low", "good"): "maintain at low cost, or develop",
    ("low", "poor"): "drop",
}


def value_level(values: pd.Series, high_value_share: float = 0.2) -> pd.Series:
    """'high' for the top ``high_value_share`` of customers by value, else 'low'.

    Ties keep a stable order.

    Parameters
    ----------
    values : pandas.Series
        Value per customer (e.g. CLV in dollars), finite numbers, indexed by customer.
    high_value_share : float, default 0.2
        Share of customers counted as high value, in (0, 1).

    Returns
    -------
    pandas.Series
        'high' / 'low' per customer, indexed like ``values``, named value_level.
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

    Parameters
    ----------
    shares : pandas.DataFrame
        One row per customer, one column per product category: purchase shares or counts
        (each row with a positive total).
    capabilities : mapping of str to float
        Category → how well the firm serves it, in [0, 1].

    Returns
    -------
    pandas.Series
        Fit in [0, 1] per customer, indexed like ``shares``, named fit.
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
        rows = format_rows(np.flatnonzero(total[:, 0] <= 0), labels=shares.index)
        raise DataValidationError(
            f"capability_fit: shares: expected a positive purchase total in every row; rows "
            f"{rows} sum to 0 or less"
        )
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
        empty = format_rows(np.flatnonzero(frame[segment_name].isna()), labels=frame.index)
        raise DataValidationError(
            f"{segment_name}: expected one value per customer of value; none at rows {empty}"
        )
    bad = ~frame[segment_name].isin(segments)
    if bad.any():
        found = frame.loc[bad, segment_name].unique()[:5].tolist()
        raise DataValidationError(
            f"{segment_name} must be one of {list(segments)}; found {found} at rows "
            f"{format_rows(np.flatnonzero(bad), labels=frame.index)}"
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

    Parameters
    ----------
    value : pandas.Series
        Value per customer (e.g. CLV in dollars), indexed by customer.
    needs : pandas.Series
        'similar' / 'different' per customer (``NeedsMixture.predict``), same customers.
    high_value_share : float, default 0.2
        Top share of customers by value counted as high value, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Four rows (value_level × needs): value_level, needs, customers, customer_share,
        value, value_share (shares in [0, 1]), mean_value, action.
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
    """Value × fit with capabilities (fit >= ``fit_threshold`` = 'good'): cells with actions.

    Parameters
    ----------
    value : pandas.Series
        Value per customer (e.g. CLV in dollars), indexed by customer.
    fit : pandas.Series
        Capability fit in [0, 1] per customer (``capability_fit``), same customers.
    high_value_share : float, default 0.2
        Top share of customers by value counted as high value, in (0, 1).
    fit_threshold : float, default 0.5
        Fit at or above which a customer is a 'good' fit, in [0, 1].

    Returns
    -------
    pandas.DataFrame
        Four rows (value_level × fit): value_level, fit, customers, customer_share, value,
        value_share (shares in [0, 1]), mean_value, action.
    """
    if not 0 <= fit_threshold <= 1:
        raise ParameterError(f"fit_threshold must be in [0, 1], got {fit_threshold!r}")
    fit_class = pd.Series(np.where(fit >= fit_threshold, "good", "poor"), index=fit.index)
    return _matrix(
        value, value_level(value, high_value_share), fit_class, FIT_ACTIONS, "fit", ("good", "poor")
    )


def assign_actions(value: pd.Series, needs: pd.Series, high_value_share: float = 0.2) -> pd.Series:
    """Return the value × needs action for each customer (for lists handed to campaign tools).

    Parameters
    ----------
    value : pandas.Series
        Value per customer (e.g. CLV), indexed by customer.
    needs : pandas.Series
        ``similar`` / ``different`` per customer (aligned on ``value``'s index).
    high_value_share : float, default 0.2
        Top share of customers by value counted as high value.

    Returns
    -------
    pandas.Series
        The :data:`NEEDS_ACTIONS` action per customer (``unknown`` for a needs label outside
        the table), indexed like ``value``.
    """
    levels = value_level(value, high_value_share)
    keys = pd.MultiIndex.from_arrays(
        [levels.to_numpy(dtype=object), needs.reindex(levels.index).to_numpy(dtype=object)]
    )
    table = pd.Series(NEEDS_ACTIONS, dtype=object)
    actions = table.reindex(keys).fillna("unknown").to_numpy(dtype=object)
    return pd.Series(actions, index=levels.index, name="action")


SEGMENT_VALUE_CLV: dict[str, Any] = {
    "model": "bgnbd",
    "horizon_months": 12,
    "annual_discount_rate": 0.10,
    "margin_rate": 0.30,
    "time_unit": "D",
}
"""The segment-value report's default CLV settings (its parameters cell), reused elsewhere."""


def clv_needs_table(
    transactions: pd.DataFrame,
    observation_end: object,
    high_value_share: float = 0.2,
    **clv_settings: Any,
) -> pd.DataFrame:
    """Every customer's CLV, value level, needs and value × needs action, as segment value has them.

    The same steps as the segment-value report: the per-customer summary up to
    ``observation_end``, the transaction model and Gamma-Gamma (zero-spend repeat buyers
    skipped), CLV, :func:`value_level` (top ``high_value_share`` by CLV), the needs mixture
    on the category counts and :func:`assign_actions`. Other reports use it so that their
    value × needs cells are segment value's cells.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions with a ``product`` column (customer_id, timestamp, amount,
        product).
    observation_end : date-like
        End of the observation window.
    high_value_share : float, default 0.2
        Top share of customers by CLV counted as high value.
    **clv_settings : object
        Overrides of :data:`SEGMENT_VALUE_CLV` (model, horizon_months, annual_discount_rate,
        margin_rate, time_unit).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: ``clv``, ``value_level``, ``needs``, ``action``.
    """
    from crm_models.value.inputs import transaction_model
    from crm_models.value.models import GammaGamma
    from crm_models.value.needs import NeedsMixture, category_counts
    from crm_models.value.units import customer_summary
    from crm_models.value.valuation import customer_lifetime_value, monthly_rate

    unknown = set(clv_settings) - set(SEGMENT_VALUE_CLV)
    if unknown:
        raise ParameterError(
            f"clv_needs_table: unknown setting(s) {sorted(unknown)}; known: "
            f"{sorted(SEGMENT_VALUE_CLV)}"
        )
    if "product" not in transactions.columns:
        raise DataValidationError(
            "clv_needs_table: transactions have no 'product' column; expected the product "
            "category of each purchase to estimate needs"
        )
    settings = {**SEGMENT_VALUE_CLV, **clv_settings}
    end = pd.Timestamp(observation_end)
    transactions = transactions[transactions["timestamp"] <= end]
    unit = str(settings["time_unit"])
    summary = customer_summary(transactions, end, unit)
    # Model.fit is typed to return the base class: these are the subclasses fitted.
    fitted = cast("TransactionModel", transaction_model(str(settings["model"])).fit(summary))
    spend = cast("GammaGamma", GammaGamma(nonpositive="drop").fit(summary))
    clv = customer_lifetime_value(
        fitted,
        spend,
        summary,
        horizon_months=int(settings["horizon_months"]),
        monthly_discount_rate=monthly_rate(float(settings["annual_discount_rate"])),
        time_unit=unit,
        margin_rate=float(settings["margin_rate"]),
    )
    counts = category_counts(transactions, end)
    needs = NeedsMixture().fit(counts).predict(counts).reindex(clv.index)
    return pd.DataFrame(
        {
            "clv": clv,
            "value_level": value_level(clv, high_value_share),
            "needs": needs,
            "action": assign_actions(clv, needs, high_value_share),
        }
    )
