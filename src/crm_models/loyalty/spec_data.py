"""Survey data checks of a model specification: the item columns, numeric, complete, on scale.

``ModelSpec.check_data`` calls :func:`check_items`; every refusal is one
``DataValidationError`` naming the data, the column, the first offending rows (1-based) and
what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, format_rows

__all__ = ["check_items"]


def check_items(
    items: Sequence[str],
    data: pd.DataFrame,
    scale: tuple[float, float] | None = None,
    source: str = "survey",
) -> pd.DataFrame:
    """Return the ``items`` columns of ``data`` as float64, or raise ``DataValidationError``.

    Parameters
    ----------
    items : sequence of str
        Item columns required, in order.
    data : pandas.DataFrame
        One row per respondent.
    scale : tuple of float, optional
        Answer scale ``(low, high)``; values outside it are refused.
    source : str, default "survey"
        Name of the data shown in errors.

    Returns
    -------
    pandas.DataFrame
        The item columns as float64, same index as ``data``.
    """
    items = list(items)
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"{source}: expected a pandas DataFrame, got {type(data).__name__}"
        )
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise DataValidationError(
            f"{source}: missing item columns {missing}; the model specification needs {items}"
        )
    frame = data[items]
    bad_type = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad_type:
        raise DataValidationError(f"{source}: item columns {bad_type} must be numeric (scores)")
    values = frame.to_numpy(dtype=float)
    if np.isnan(values).any():
        col = frame.columns[np.isnan(values).any(axis=0)][0]
        rows = format_rows(np.flatnonzero(np.isnan(frame[col].to_numpy(float))))
        raise DataValidationError(
            f"{source}: column {col!r} has missing values (rows {rows}); impute or drop them first"
        )
    if len(values) < 10:
        raise DataValidationError(f"{source}: need at least 10 respondents, got {len(values)}")
    constant = [c for c, sd in zip(frame.columns, values.std(axis=0), strict=True) if sd == 0]
    if constant:
        raise DataValidationError(
            f"{source}: item columns {constant} are constant; they carry no information"
        )
    if scale is not None:
        low, high = scale
        out = (values < low) | (values > high)
        if out.any():
            col = frame.columns[out.any(axis=0)][0]
            rows = format_rows(np.flatnonzero(out[:, list(frame.columns).index(col)]))
            raise DataValidationError(
                f"{source}: column {col!r} has values outside the "
                f"{low:g}–{high:g} scale (rows {rows})"
            )
    return frame.astype("float64")
