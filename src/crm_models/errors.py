"""Exceptions that carry a message meant for the user, not a stack trace.

Every error raised for bad input (a file, a column, a parameter) is a ``CRMError``:
the command line prints its message on one line and exits non-zero.
"""

from __future__ import annotations


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
