"""Numeric columns of the user's tables, refused with the offending rows named.

Rows are listed through :func:`crm_models.errors.format_rows` (1-based data rows, plain ints).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, format_rows

__all__ = ["numeric_column"]


def numeric_column(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    """Return ``frame[column]`` as finite floats, or refuse it naming the rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        The user's table.
    column : str
        The column that must hold numbers.
    source : str
        What the table is called in the message (``"products"``, a file name).

    Returns
    -------
    numpy.ndarray
        The values as floats.

    Raises
    ------
    DataValidationError
        Some values are empty, text or infinite (the first rows, 1-based, are named).
    """
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        held = frame[column].to_numpy(dtype=object)[bad][:3].tolist()
        raise DataValidationError(
            f"{source}: column {column!r} must hold finite numbers; rows "
            f"{format_rows(np.flatnonzero(bad))} hold {held}"
        )
    return values
