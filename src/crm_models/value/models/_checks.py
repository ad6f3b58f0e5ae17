"""Checks of the per-customer summaries the value models read (columns, rows, weights).

Errors name the caller, the column, the columns the caller needs, and the first offending rows
(1-based, through :func:`crm_models.errors.format_rows`, with the customer ids of the index).
The ``*_cal`` columns of ``rfm_summary(..., calibration_end=...)`` are read as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError, format_rows


def column(
    frame: pd.DataFrame, name: str, source: str, needs: str = "frequency, recency, T"
) -> np.ndarray:
    """Column ``name`` of ``frame`` as finite floats, or a DataValidationError naming ``source``.

    The calibration output of ``rfm_summary(..., calibration_end=...)`` is read as it is:
    without ``name``, the column ``name + "_cal"`` is used. ``needs`` lists the columns the
    caller needs, for the message.
    """
    if name not in frame.columns and f"{name}_cal" in frame.columns:
        name = f"{name}_cal"
    if name not in frame.columns:
        raise DataValidationError(
            f"{source}: missing column '{name}' (have {list(map(str, frame.columns))}); "
            f"expected a per-customer summary with {needs} "
            "(see crm_models.data.summary.rfm_summary)"
        )
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataValidationError(
            f"{source}: column '{name}' has {int(bad.sum())} missing/non-numeric value(s)"
            f"{_at_rows(frame, bad)}"
        )
    return values


def _at_rows(frame: pd.DataFrame, mask: np.ndarray) -> str:
    """' at rows 1, 4 (customer_id 17, 'C9')': 1-based rows and, when named, the index values."""
    return f" at rows {format_rows(np.flatnonzero(mask), labels=frame.index)}"


def fail_rows(frame: pd.DataFrame, mask: np.ndarray, source: str, message: str) -> None:
    """Raise a DataValidationError naming the first rows where ``mask`` is True."""
    if mask.any():
        raise DataValidationError(
            f"{source}: {message} in {int(mask.sum())} row(s){_at_rows(frame, mask)}"
        )


def rfm_arrays(
    data: pd.DataFrame, source: str = "summary", third: str = "T"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return validated NumPy arrays (frequency, recency, T) from a per-customer summary frame.

    Parameters
    ----------
    data : pandas.DataFrame
        Per-customer BTYD summary with ``frequency``, ``recency`` and ``third``.
    source : str
        Caller named in error messages.
    third : str, default "T"
        Column holding the customer's age (``n_periods`` for BG/BB).

    Returns
    -------
    tuple of numpy.ndarray
        Internal helper (not exported from ``crm_models.value``): frequency, recency, T.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"{source}: expected a pandas DataFrame, got {type(data).__name__}"
        )
    if len(data) == 0:
        raise DataValidationError(f"{source}: the summary is empty")
    needs = f"frequency, recency, {third}"
    x = column(data, "frequency", source, needs)
    tx = column(data, "recency", source, needs)
    T = column(data, third, source, needs)
    fail_rows(data, x < 0, source, "column 'frequency' is negative")
    fail_rows(data, x != np.round(x), source, "column 'frequency' is not a whole number")
    fail_rows(data, tx < 0, source, "column 'recency' is negative")
    fail_rows(data, tx > T, source, f"column 'recency' is larger than '{third}'")
    fail_rows(data, (x == 0) & (tx != 0), source, "column 'recency' is not 0 where frequency is 0")
    fail_rows(data, T <= 0, source, f"column '{third}' is not positive")
    return x, tx, T


def check_weights(weights, n: int) -> np.ndarray:
    """``n`` customer weights (ones when ``weights`` is None), checked."""
    if weights is None:
        return np.ones(n)
    expected = f"weights must be {n} finite non-negative numbers with a positive sum"
    w = pd.to_numeric(pd.Series(np.asarray(weights).ravel()), errors="coerce").to_numpy(float)
    if np.ndim(weights) != 1 or len(w) != n:
        raise ParameterError(f"{expected} (customers per row), got shape {np.shape(weights)}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise ParameterError(
            f"{expected}; missing, non-numeric or negative at rows "
            f"{format_rows(np.flatnonzero(bad))}"
        )
    if w.sum() <= 0:
        raise ParameterError(f"{expected}; all are 0")
    return w
