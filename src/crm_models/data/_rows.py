"""How an error names offending rows: the first few 1-based data rows and the values found."""

from __future__ import annotations

from typing import Any

import pandas as pd

MAX_SHOWN_ROWS = 5


def row_number(index_value: Any) -> object:
    """Return the 1-based data row (header excluded) of a 0-based frame index value."""
    try:
        return int(index_value) + 1
    except (TypeError, ValueError):
        return index_value


def where(values: pd.Series, mask: pd.Series) -> str:
    """' at rows 2, 5 and 3 more (found 'x', 'y')' for the rows of ``values`` where ``mask``."""
    bad = values[mask.to_numpy()]
    shown = bad.head(MAX_SHOWN_ROWS)
    rows = ", ".join(str(row_number(i)) for i in shown.index)
    more = f" and {len(bad) - MAX_SHOWN_ROWS} more" if len(bad) > MAX_SHOWN_ROWS else ""
    return f" at rows {rows}{more} (found {', '.join(repr(v) for v in shown.tolist())})"
