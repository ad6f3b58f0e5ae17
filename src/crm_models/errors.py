"""Exceptions that carry a message meant for the user, not a stack trace.

Every error raised for bad input (a file, a column, a parameter) is a ``CRMError``:
the command line prints its message on one line and exits non-zero. Messages name offending
rows through :func:`format_rows` (1-based data rows, plain ints).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, SupportsInt

if TYPE_CHECKING:
    from pandas import Index


class CRMError(Exception):
    """Base class: the message alone must tell the user what to fix."""


class DataValidationError(CRMError, ValueError):
    """A data file or frame does not match its schema (names file, column, rows, expectation)."""


class ParameterError(CRMError, ValueError):
    """A model or report parameter is missing, of the wrong type or out of range."""


class ConvergenceError(CRMError, RuntimeError):
    """A model fit did not converge; the message suggests what to try."""


class NotFittedError(CRMError, AttributeError):
    """A learned attribute was asked for before ``fit`` was called."""


class BusyError(CRMError, RuntimeError):
    """A file another process holds (a warehouse, a report folder) and the caller won't wait."""


MAX_SHOWN_ROWS = 5
"""How many offending rows an error message lists before "and N more"."""


def format_rows(
    positions: Iterable[SupportsInt], limit: int = MAX_SHOWN_ROWS, labels: Index | None = None
) -> str:
    """Format 0-based row positions as the 1-based data rows an error names.

    This is the one way an error lists offending rows: ``f"... at rows {format_rows(pos)}"``.

    Parameters
    ----------
    positions : iterable of int
        0-based positions of the offending rows (e.g. ``numpy.flatnonzero(mask)``); NumPy
        integers are shown as plain ints (``3``, never ``np.int64(2)``).
    limit : int, default 5
        Rows listed before ``and N more``.
    labels : pandas.Index, optional
        The frame's index (e.g. customer ids); when given and not a plain 0..n-1 range, the
        labels of the listed rows follow in parentheses, named by ``labels.name``.

    Returns
    -------
    str
        E.g. ``"1, 4, 9 and 12 more"`` (header excluded: the first data row is 1), or with
        ``labels`` ``"1, 4 (customer_id 17, 'C9')"``.
    """
    rows = [int(p) for p in positions]
    shown = ", ".join(str(r + 1) for r in rows[:limit])
    text = shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")
    if labels is None or not rows or _is_default_range(labels):
        return text
    named = ", ".join(repr(_plain(labels[r])) for r in rows[:limit])
    return f"{text} ({labels.name or 'index'} {named})"


def _is_default_range(labels: Index) -> bool:
    """Whether ``labels`` is 0..n-1 (the row positions themselves: nothing more to name)."""
    start, step = getattr(labels, "start", None), getattr(labels, "step", None)
    return type(labels).__name__ == "RangeIndex" and start == 0 and step == 1


def _plain(value: object) -> object:
    """Return a NumPy scalar as the Python value it holds (``17``, not ``np.int64(17)``)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


class EngineUnavailableError(ParameterError):
    """An engine cannot start here (no Java 17+ runtime, pyspark missing); says what to do."""
