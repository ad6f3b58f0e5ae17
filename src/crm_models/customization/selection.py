"""Which customers should get customized offers: incremental value per customer cell.

A customer's increment is the PV contribution of the face's optimal offer minus the
standard product's (before shared fixed and complexity costs); a cell is recommended the
customized offer when its mean increment exceeds the hurdle, the extra fixed and complexity
costs per market customer.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_models.customization.optimize import VarietyOptimizer
from crm_models.errors import ParameterError
from crm_models.results import check_fitted

__all__ = [
    "OFFER_CHANNELS",
    "cell_actions",
    "cell_label",
    "customer_increment",
    "customized_offer_list",
    "fixed_cost_hurdle",
    "selection_table",
    "value_needs_cells",
]

OFFER_CHANNELS: dict[tuple[str, str], str] = {
    ("high", "similar"): "in the loyalty programme (frequency marketing)",
    ("high", "different"): "one-to-one, with dedicated contact",
    ("low", "similar"): "through mass marketing",
    ("low", "different"): "self-service only (no dedicated spend)",
}
"""How the customized offer reaches each (value level, needs) cell, by its marketing mode."""


def cell_label(value_level: str, needs: str) -> str:
    """Return the label of a value × needs cell, e.g. ``"high value / different needs"``.

    Parameters
    ----------
    value_level : str
        Value level (``high`` / ``low``).
    needs : str
        Needs class (e.g. ``similar`` / ``different``).

    Returns
    -------
    str
        The cell label.
    """
    return f"{value_level} value / {needs} needs"


def value_needs_cells(
    value_level: pd.Series | np.ndarray, needs: pd.Series | np.ndarray
) -> np.ndarray:
    """Cell label of each customer from her value level and needs class.

    Parameters
    ----------
    value_level, needs : array-like
        One label per customer each.

    Returns
    -------
    numpy.ndarray
        One :func:`cell_label` per customer.
    """
    levels = pd.Series(np.asarray(value_level, dtype=object)).astype(str)
    classes = pd.Series(np.asarray(needs, dtype=object)).astype(str)
    if len(levels) != len(classes):
        raise ParameterError(
            f"value_needs_cells: {len(levels)} value levels but {len(classes)} needs labels; "
            "expected one of each per customer"
        )
    return (levels + " value / " + classes + " needs").to_numpy(dtype=object)


def cell_actions(actions: Mapping[tuple[str, str], str]) -> pd.Series:
    """Re-key ``{(value_level, needs): action}`` by cell label.

    Parameters
    ----------
    actions : mapping
        Action per (value level, needs class), e.g. the seed's marketing modes.

    Returns
    -------
    pandas.Series
        Action indexed by :func:`cell_label`.
    """
    return pd.Series({cell_label(v, n): a for (v, n), a in actions.items()}, dtype=object)


def customer_increment(optimizer: VarietyOptimizer, face: str | None = None) -> np.ndarray:
    """Per-customer PV contribution of the face's optimal offer minus the standard product's.

    Parameters
    ----------
    optimizer : VarietyOptimizer
        A fitted optimizer.
    face : str, optional
        The customization type (default: the best).

    Returns
    -------
    numpy.ndarray
        (n_customers,) currency per customer, before shared fixed and complexity costs.
    """
    check_fitted(optimizer, "best_")
    face = face or optimizer.best_.face
    unit_cost = float(optimizer.by_face_.loc[face, "unit_cost"])
    custom = _per_customer(optimizer, face, unit_cost)
    standard = _per_customer(optimizer, "standard", float(optimizer._standard()["unit_cost"]))
    return custom - standard


def _per_customer(opt: VarietyOptimizer, face_name: str, unit_cost: float) -> np.ndarray:
    _, premium, face, pw, margin = opt._purchase_and_margin(face_name)
    a_f, e_f, _ = opt.economics_.lifetime_factors(face)
    return pw * ((margin - unit_cost) * a_f + premium * e_f)


def fixed_cost_hurdle(optimizer: VarietyOptimizer, face: str | None = None) -> float:
    """Extra fixed and complexity costs (PV) of the face's offer per market customer.

    Parameters
    ----------
    optimizer : VarietyOptimizer
        A fitted optimizer.
    face : str, optional
        The customization type (default: the best).

    Returns
    -------
    float
        What a customer must bring in to pay her share of the customization investment
        (currency).
    """
    check_fitted(optimizer, "best_")
    row = optimizer.by_face_.loc[face or optimizer.best_.face]
    std = optimizer._standard()
    extra = (
        row["fixed_cost"]
        + row["complexity_cost"]
        + row["implementation_cost"]
        - std["fixed_cost"]
        - std["complexity_cost"]
    )
    return float(extra / optimizer.market_size_)


def selection_table(
    optimizer: VarietyOptimizer, cells: pd.Series | np.ndarray, face: str | None = None
) -> pd.DataFrame:
    """Mean incremental value of the customized offer per customer cell (e.g. value × needs).

    Parameters
    ----------
    optimizer : VarietyOptimizer
        A fitted optimizer.
    cells : array-like
        One cell label per customer (market order).
    face : str, optional
        The customization type (default: the best).

    Returns
    -------
    pandas.DataFrame
        One row per cell: cell, customers, mean_increment (PV per customer, before fixed
        costs), share_positive, hurdle (:func:`fixed_cost_hurdle`) and recommendation
        (``customized`` when the mean increment exceeds the hurdle, else ``standard``).
    """
    check_fitted(optimizer, "best_")
    cells = pd.Series(np.asarray(cells), name="cell")
    n = optimizer.market_.n_customers
    if len(cells) != n:
        raise ParameterError(f"cells: expected {n} labels (one per customer), got {len(cells)}")
    frame = pd.DataFrame({"cell": cells, "increment": customer_increment(optimizer, face)})
    out = frame.groupby("cell").agg(
        customers=("increment", "size"),
        mean_increment=("increment", "mean"),
        share_positive=("increment", lambda x: float((x > 0).mean())),
    )
    hurdle = fixed_cost_hurdle(optimizer, face)
    out["hurdle"] = hurdle
    out["recommendation"] = np.where(out["mean_increment"] > hurdle, "customized", "standard")
    out = out.reset_index()
    out["action"] = _reconciled(out)
    return out


def _reconciled(table: pd.DataFrame) -> np.ndarray:
    """Return each cell's action: the customized offer by its marketing mode, or none."""
    channels = pd.Series({cell_label(v, n): c for (v, n), c in OFFER_CHANNELS.items()})
    channel = table["cell"].map(channels)
    let_go = table["cell"] == cell_label("low", "different")
    custom = table["recommendation"] == "customized"
    offered = "customized offer, " + channel.fillna("").astype(str)
    not_offered = np.where(let_go, "no customized offer (let go)", "standard product")
    return np.where(
        custom & channel.notna(), offered, np.where(custom, "customized offer", not_offered)
    )


def customized_offer_list(
    optimizer: VarietyOptimizer,
    customers: pd.DataFrame,
    selection: pd.DataFrame,
    configuration: str,
    face: str | None = None,
) -> pd.DataFrame:
    """One row per customer who gets the customized offer, with plain column labels.

    Parameters
    ----------
    optimizer : VarietyOptimizer
        A fitted optimizer.
    customers : pandas.DataFrame
        One row per market customer (market order) with ``customer_id``, ``value_level``,
        ``needs`` and ``cell``.
    selection : pandas.DataFrame
        :func:`selection_table` output (``cell``, ``recommendation``, ``action``).
    configuration : str
        The offered configuration in words (e.g. ``"adaptive, 3 × 2 × 3 × 3 modules"``).
    face : str, optional
        The customization type (default: the best).

    Returns
    -------
    pandas.DataFrame
        Columns customer_id, value level, needs, group, offer, how it is offered, expected
        gain per customer ($, present value over the horizon, before the shared costs);
        customers of cells whose recommendation is ``standard`` are left out.
    """
    n = optimizer.market_.n_customers
    missing = {"customer_id", "value_level", "needs", "cell"} - set(customers.columns)
    if missing or len(customers) != n:
        raise ParameterError(
            f"customers: expected {n} rows (one per market customer) with customer_id, "
            f"value_level, needs and cell; got {len(customers)} rows, missing {sorted(missing)}"
        )
    gain = customer_increment(optimizer, face)
    offered = selection.loc[selection["recommendation"] == "customized"].set_index("cell")
    keep = customers["cell"].isin(offered.index).to_numpy()
    rows = customers.loc[keep]
    return pd.DataFrame(
        {
            "customer_id": rows["customer_id"].to_numpy(),
            "value level": rows["value_level"].to_numpy(),
            "needs": rows["needs"].to_numpy(),
            "group": rows["cell"].to_numpy(),
            "offer": configuration,
            "how it is offered": rows["cell"].map(offered["action"]).to_numpy(),
            "expected gain per customer ($)": np.round(gain[keep], 2),
        }
    )
