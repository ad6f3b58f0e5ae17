"""Row numbers for error messages: the first offending data rows, 1-based plain ints."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError

__all__ = ["first_rows", "numeric_column"]


def first_rows(mask, limit: int = 5) -> list[int]:
    """Return the 1-based numbers of the first rows where ``mask`` is true.

    Parameters
    ----------
    mask : array-like of bool
        One flag per data row (row 1 is the first data row, under a CSV header).
    limit : int, default 5
        Most rows returned.

    Returns
    -------
    list of int
        Plain Python ints (``[1, 4]``, never ``np.int64``), at most ``limit`` of them.
    """
    return [int(i) + 1 for i in np.flatnonzero(np.asarray(mask, dtype=bool).reshape(-1))[:limit]]


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
            f"{source}: column {column!r} must hold finite numbers; row(s) {first_rows(bad)} "
            f"hold {held}" + (f" ({int(bad.sum())} rows in all)" if bad.sum() > 5 else "")
        )
    return values
