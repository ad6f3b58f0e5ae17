"""How an error names offending rows: the first few 1-based data rows and the values found.

A table read from a file has a 0-based row index, so its labels are the row positions; the
numbers go through :func:`crm_models.errors.format_rows` like every other row list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import MAX_SHOWN_ROWS, format_rows

__all__ = ["MAX_SHOWN_ROWS", "row_labels", "row_number", "where"]


def row_number(index_value: Any) -> object:
    """Return the 1-based data row (header excluded) of a 0-based frame index value."""
    try:
        return int(index_value) + 1
    except (TypeError, ValueError):
        return index_value


def row_labels(labels: Iterable[Any]) -> str:
    """'2, 5 and 3 more' for the 0-based index labels of the offending rows of a table.

    Integer labels (the row positions of a table read from a file) go through ``format_rows``;
    other labels (a user's frame indexed by something else) are shown as they are.
    """
    labels = list(labels)
    if all(_is_position(v) for v in labels):
        return format_rows(int(v) for v in labels)
    shown = ", ".join(str(row_number(v)) for v in labels[:MAX_SHOWN_ROWS])
    more = len(labels) - MAX_SHOWN_ROWS
    return shown + (f" and {more} more" if more > 0 else "")


def _is_position(value: Any) -> bool:
    """Whether an index label is a whole number (a row position; pandera may give 3.0)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, np.integer)):
        return True
    return isinstance(value, (float, np.floating)) and float(value).is_integer()


def where(values: pd.Series, mask: pd.Series) -> str:
    """' at rows 2, 5 and 3 more (found 'x', 'y')' for the rows of ``values`` where ``mask``."""
    bad = values[mask.to_numpy()]
    shown = bad.head(MAX_SHOWN_ROWS)
    return f" at rows {row_labels(bad.index)} (found {', '.join(repr(v) for v in shown.tolist())})"
