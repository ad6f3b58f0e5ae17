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
    "cell_actions",
    "cell_label",
    "customer_increment",
    "fixed_cost_hurdle",
    "selection_table",
    "value_needs_cells",
]


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
    return np.array(
        [cell_label(v, n) for v, n in zip(np.asarray(value_level), np.asarray(needs), strict=True)],
        dtype=object,
    )


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
    return out.reset_index()
