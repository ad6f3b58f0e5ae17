"""One results convention for every study.

- Estimators follow scikit-learn: hyper-parameters in ``__init__``, ``fit`` returns ``self``,
  learned attributes end in ``_``, and :func:`check_fitted` is the one not-fitted check.
- Every estimate lives in a frozen dataclass derived from :class:`Result`:
  ``summary(level=0.95)`` returns a DataFrame with the columns :data:`SUMMARY_COLUMNS`
  (``estimate, se, ci_low, ci_high``; one row per quantity) and ``to_dict()`` returns plain,
  JSON-ready Python that the report JSON uses.
- ``level`` is always a confidence level in (0, 1), never a tail probability.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crm_models.errors import NotFittedError, ParameterError

__all__ = [
    "SUMMARY_COLUMNS",
    "Result",
    "check_fitted",
    "check_level",
    "estimate_table",
    "to_jsonable",
    "z_value",
]

SUMMARY_COLUMNS = ("estimate", "se", "ci_low", "ci_high")


def check_level(level: float) -> float:
    """Return ``level`` as a float after checking it is a confidence level in (0, 1).

    Parameters
    ----------
    level : float
        Confidence level, e.g. 0.95.

    Returns
    -------
    float
        The level.
    """
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise ParameterError(f"level must be a number in (0, 1), got {level!r}") from None
    if not 0 < value < 1:
        raise ParameterError(f"level must be in (0, 1), got {level!r} (0.95 for a 95% interval)")
    return value


def z_value(level: float) -> float:
    """Two-sided standard-normal critical value for a ``level`` interval (1.96 for 0.95).

    Parameters
    ----------
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    float
        The ``(1 + level) / 2`` quantile of the standard normal distribution.
    """
    return float(stats.norm.ppf((1 + check_level(level)) / 2))


def estimate_table(
    estimate: Any,
    se: Any = None,
    ci_low: Any = None,
    ci_high: Any = None,
    *,
    level: float = 0.95,
    index: Sequence | pd.Index | None = None,
) -> pd.DataFrame:
    """Build the standard summary table: columns ``estimate, se, ci_low, ci_high``.

    Parameters
    ----------
    estimate : array-like or pandas.Series
        Point estimates, one per row. A Series gives the row labels.
    se : array-like, optional
        Standard errors (NaN where none is available).
    ci_low, ci_high : array-like, optional
        Interval bounds. When omitted and ``se`` is given, the Wald interval
        ``estimate ± z(level)·se`` is used.
    level : float, default 0.95
        Confidence level of the interval.
    index : sequence, optional
        Row labels when ``estimate`` is not a Series.

    Returns
    -------
    pandas.DataFrame
        One row per quantity with the columns :data:`SUMMARY_COLUMNS`.
    """
    check_level(level)
    if index is None and isinstance(estimate, pd.Series):
        index = estimate.index
    est = np.atleast_1d(np.asarray(estimate, dtype=float))
    n = est.shape[0]

    def column(values: Any) -> np.ndarray:
        if values is None:
            return np.full(n, np.nan)
        return np.broadcast_to(np.asarray(values, dtype=float), (n,)).astype(float)

    se_ = column(se)
    if ci_low is None and ci_high is None and se is not None:
        z = z_value(level)
        low, high = est - z * se_, est + z * se_
    else:
        low, high = column(ci_low), column(ci_high)
    return pd.DataFrame(
        {"estimate": est, "se": se_, "ci_low": low, "ci_high": high},
        index=pd.Index(index) if index is not None else None,
    )


def check_fitted(estimator: object, attribute: str) -> None:
    """Raise :class:`~crm_models.errors.NotFittedError` unless ``estimator.<attribute>`` is set.

    Parameters
    ----------
    estimator : object
        A model whose learned attributes end in ``_``.
    attribute : str
        A learned attribute that ``fit`` sets, e.g. ``"params_"``.

    Returns
    -------
    None
    """
    if getattr(estimator, attribute, None) is None:
        name = type(estimator).__name__
        raise NotFittedError(f"{name} is not fitted yet: call {name}(...).fit(data) first")


def to_jsonable(value: Any) -> Any:
    """Convert NumPy / pandas values and results to plain JSON types (NaN and inf become None).

    Parameters
    ----------
    value : object
        A scalar, array, Series, DataFrame (→ list of records), mapping, sequence or
        :class:`Result` (→ its ``to_dict()``).

    Returns
    -------
    object
        Plain ``dict`` / ``list`` / ``float`` / ``int`` / ``str`` / ``bool`` / ``None``.
    """
    if isinstance(value, Result):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return to_jsonable(value.to_dict())
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    if value is None or isinstance(value, str):
        return value
    return str(value)


@dataclasses.dataclass(frozen=True)
class Result:
    """Base of every frozen result object.

    Subclasses are ``@dataclass(frozen=True)`` and implement :meth:`summary`. A field whose
    ``metadata`` has ``{"json": False}`` (e.g. thousands of bootstrap draws) is left out of
    :meth:`to_dict` and of the ``repr``. The repr shows at most eight scalar fields (arrays,
    frames and series never); in a notebook the object displays as its ``summary()`` table
    (HTML-escaped).
    """

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Estimates with standard errors and ``level`` intervals.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row per quantity.
        """
        raise NotImplementedError(f"{type(self).__name__}.summary")

    def to_dict(self) -> dict:
        """Return the result's fields as plain, JSON-ready Python (large arrays left out).

        Returns
        -------
        dict
            Field name → value converted by :func:`to_jsonable`.
        """
        return {
            f.name: to_jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.metadata.get("json", True)
        }

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            if not f.metadata.get("json", True):
                continue
            value = getattr(self, f.name)
            if isinstance(value, (bool, np.bool_, int, np.integer, str)):
                parts.append(f"{f.name}={value!r}")
            elif isinstance(value, (float, np.floating)):
                parts.append(f"{f.name}={value:.4g}")
        shown = ", ".join(parts[:8]) + (", …" if len(parts) > 8 else "")
        return f"{type(self).__name__}({shown})"

    def _fields_table(self, names: Sequence[str], level: float) -> pd.DataFrame:
        """Estimate table of the scalar fields ``names`` (point values: se and interval NaN)."""
        names = list(names)
        return estimate_table([getattr(self, n) for n in names], level=level, index=names)

    def _repr_html_(self) -> str:
        """Show the short repr and the ``summary()`` table in a notebook, every cell escaped."""
        from crm_models.reporting.escaping import escape_html, escaped_table

        head = f"<p>{escape_html(repr(self))}</p>"
        try:
            table = self.summary()
        except NotImplementedError:
            return head
        return head + escaped_table(table, precision=4).to_html()
