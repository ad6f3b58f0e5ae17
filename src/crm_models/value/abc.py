"""Concentration of value: the Pareto curve, "top x% of customers give y%", ABC classes.

All functions take non-negative customer values (historic spend, CLV, …) and compute the
concentration from the data; nothing assumes 80:20.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError, format_rows


def _values(values) -> np.ndarray:
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):  # text among the values: each bad one is reported below
        raw = np.asarray(values, dtype=object)
        v = pd.to_numeric(pd.Series(raw.ravel()), errors="coerce").to_numpy(dtype=float)
        v = v.reshape(raw.shape)
    if v.ndim != 1 or len(v) == 0:
        raise DataValidationError("customer values must be a non-empty one-dimensional array")
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        labels = (
            values.index.rename(values.index.name or "customer_id")
            if isinstance(values, pd.Series)
            else None
        )
        raise DataValidationError(
            f"customer values must be finite numbers >= 0; {int(bad.sum())} are not: "
            f"rows {format_rows(np.flatnonzero(bad), labels=labels)}; drop or fill them first"
        )
    if v.sum() <= 0:
        raise DataValidationError("customer values sum to 0: no concentration to measure")
    return v


def concentration_curve(values) -> pd.DataFrame:
    """Cumulative value share against cumulative customer share, customers sorted by value.

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer (e.g. spend or CLV in dollars), one entry per customer; finite,
        >= 0 and not all 0.

    Returns
    -------
    pandas.DataFrame
        n + 1 rows (n customers) with columns customer_share and value_share, both in
        [0, 1], customers ranked from the most valuable; starts at (0, 0), ends at (1, 1).
    """
    v = np.sort(_values(values))[::-1]
    n = len(v)
    return pd.DataFrame(
        {
            "customer_share": np.arange(n + 1) / n,
            "value_share": np.concatenate([[0.0], np.cumsum(v) / v.sum()]),
        }
    )


def top_share(values, share: float = 0.2) -> float:
    """Share of total value held by the top ``share`` of customers (linear between customers).

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer (finite, >= 0, not all 0).
    share : float, default 0.2
        Top share of customers, in (0, 1].

    Returns
    -------
    float
        Their share of the total value, in [0, 1].
    """
    if not (isinstance(share, (int, float)) and 0 < share <= 1):
        raise ParameterError(f"share must be in (0, 1], got {share!r}")
    curve = concentration_curve(values)
    return float(np.interp(share, curve["customer_share"], curve["value_share"]))


def gini(values) -> float:
    """Gini coefficient of the values (0 = all equal, → 1 = one customer has everything).

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer (finite, >= 0, not all 0).

    Returns
    -------
    float
        The Gini coefficient, in [0, 1).
    """
    v = np.sort(_values(values))
    n = len(v)
    return float((2 * np.arange(1, n + 1) - n - 1) @ v / (n * v.sum()))


def abc_classes(values, thresholds: tuple[float, float] = (0.8, 0.95), index=None) -> pd.Series:
    """ABC class per customer from cumulative value share (customers sorted by value).

    A customer is 'A' if the customers ranked above them hold less than ``thresholds[0]`` of
    the value (so class A is the smallest group reaching that share), 'B' below
    ``thresholds[1]``, else 'C'. Ties in value are ordered by position (stable sort).

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer (finite, >= 0, not all 0).
    thresholds : tuple of float, default (0.8, 0.95)
        Cumulative value shares closing classes A and B: 0 < A < B <= 1.
    index : pandas.Index, optional
        Index of the result; default the Series' index, else 0..n-1.

    Returns
    -------
    pandas.Series
        Categorical 'A' / 'B' / 'C' per customer, named abc_class, in the input order.
    """
    lo, hi = thresholds
    if not (0 < lo < hi <= 1):
        raise ParameterError(f"thresholds must satisfy 0 < A < B <= 1, got {thresholds!r}")
    if index is None and isinstance(values, pd.Series):
        index = values.index
    v = _values(values)
    order = np.argsort(-v, kind="stable")
    before = np.concatenate([[0.0], np.cumsum(v[order])[:-1]]) / v.sum()
    cls = np.where(before < lo, "A", np.where(before < hi, "B", "C"))
    out = np.empty(len(v), dtype=object)
    out[order] = cls
    return pd.Series(pd.Categorical(out, categories=["A", "B", "C"]), index=index, name="abc_class")


def abc_summary(values, classes: pd.Series) -> pd.DataFrame:
    """Summarize customers and value per ABC class.

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer (finite, >= 0, not all 0).
    classes : pandas.Series
        Class per customer in the same order (``abc_classes(values)``).

    Returns
    -------
    pandas.DataFrame
        One row per class (A, B, C), indexed by abc_class: customers, customer_share (in
        [0, 1]), value (sum), value_share (in [0, 1]), mean_value.
    """
    v = _values(values)
    frame = pd.DataFrame({"abc_class": np.asarray(classes), "value": v})
    out = frame.groupby("abc_class", observed=False).agg(
        customers=("value", "size"), value=("value", "sum"), mean_value=("value", "mean")
    )
    out["customer_share"] = out["customers"] / len(v)
    out["value_share"] = out["value"] / v.sum()
    return out[["customers", "customer_share", "value", "value_share", "mean_value"]]
