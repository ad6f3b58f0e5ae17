"""Row numbers for error messages: the first offending data rows, 1-based plain ints."""

from __future__ import annotations

import numpy as np

__all__ = ["first_rows"]


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
