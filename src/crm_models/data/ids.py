"""Customer ids as the user has them: plain integers become int64, anything else stays text.

A column of ids is read as text. When every id is a plain integer without leading zeros
(``0``, ``17``, ``-3``; at most 18 digits, so it fits int64) the column becomes ``int64``;
otherwise the stripped strings are kept exactly (``C000123``, ``000123``, ``1e5`` stay text
and are never re-numbered or cast). Empty ids are refused with their rows; negative integer
ids are refused by the schema.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.data._rows import where
from crm_models.errors import DataValidationError

__all__ = ["PLAIN_INTEGER", "ids_are_valid", "normalize_ids"]

PLAIN_INTEGER = r"-?[1-9][0-9]{0,17}|0"


def normalize_ids(values: pd.Series, label: str) -> pd.Series:
    """Return ``values`` as int64 (all plain integers) or stripped text; refuse empty ids.

    Parameters
    ----------
    values : pandas.Series
        The id column as read (text, integers or floats from Parquet); 0-based row index.
    label : str
        How the error names the column, e.g. ``"tx.csv: transactions column 'customer_id'"``.

    Returns
    -------
    pandas.Series
        ``int64`` ids, or text ids (the installed pandas' default string dtype).
    """
    if pd.api.types.is_bool_dtype(values):
        raise DataValidationError(
            f"{label}: expected ids (text or whole numbers), found true/false"
        )
    if values.dtype == "int64":
        return values  # already normalized: no copy
    if pd.api.types.is_integer_dtype(values):
        return values.astype("int64")
    if pd.api.types.is_float_dtype(values):
        empty = values.isna()
        if empty.any():
            raise DataValidationError(
                f"{label}: expected an id on every row; empty ids{where(values, empty)}"
            )
        whole = values == values.round()
        if not whole.all():
            raise DataValidationError(
                f"{label}: expected whole numbers or text as ids{where(values, ~whole)}"
            )
        return values.astype("int64")
    codes, uniques = pd.factorize(values, sort=False)  # ids repeat: work on distinct ones
    text = pd.Series(uniques, dtype=object).astype(str).str.strip()
    empty = np.append((text == "").to_numpy(), True)[codes]  # code -1 (missing) → True
    if empty.any():
        empty = pd.Series(empty, index=values.index)
        raise DataValidationError(
            f"{label}: expected an id on every row; empty ids{where(values, empty)}"
        )
    if text.str.fullmatch(PLAIN_INTEGER).all():
        text = text.astype("int64")
    return pd.Series(text.to_numpy()[codes], index=values.index, name=values.name)


def ids_are_valid(values: pd.Series) -> pd.Series:
    """Element check of normalized ids: non-negative integers or non-empty text."""
    if pd.api.types.is_integer_dtype(values):
        return values >= 0
    codes, uniques = pd.factorize(values, sort=False)
    ok = pd.Series(uniques, dtype=object).str.len().fillna(0) > 0  # text only, not empty
    return pd.Series((codes >= 0) & ok.to_numpy(dtype=bool)[codes], index=values.index)
