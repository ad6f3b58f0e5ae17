"""ACSI-style 0–100 indices of a construct, per respondent and overall, with an interval.

Following the ACSI / ECSI method (Fornell et al. 1996): the PLS outer weights of a block are
unstandardized (divided by the item's standard deviation) and rescaled to sum to one, so the
construct score is a weighted average of the items on their original scale (e.g. 1–10); it is
then mapped linearly to 0–100: ``index = 100 · (score − low) / (high − low)``.

The interval of the overall index comes from the model's bootstrap when there is one: each
draw re-estimates the weights *and* the item means, so the interval carries both sampling
error and weight uncertainty (vectorized over draws). Without a bootstrap a t-interval of the
respondents' indices is used (weights taken as fixed).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from crm_models.errors import DataValidationError, ParameterError
from crm_models.loyalty.pls_result import PLSResult, _result_of
from crm_models.results import Result, check_level, estimate_table

__all__ = [
    "IndexResult",
    "IndexWeightWarning",
    "construct_index",
    "index_scores",
    "index_table",
    "index_weights",
]


class IndexWeightWarning(UserWarning):
    """A block has a non-positive outer weight: the 0–100 index is no longer a weighted average."""


@dataclass(frozen=True, repr=False)
class IndexResult(Result):
    """A construct's 0–100 index with its interval and the respondents' scores.

    Not in ``to_dict()``: ``scores`` and the bootstrap ``draws``.

    Attributes
    ----------
    construct : str
        Construct name.
    label : str
        Readable construct label.
    overall : float
        Mean index over respondents, 0–100.
    se : float
        Bootstrap SD of the overall index (or the t-interval's standard error), index points.
    ci_low, ci_high : float
        ``level`` interval of ``overall``, index points.
    level : float
        Confidence level of the interval.
    respondents : int
        Number of respondents.
    weights : pandas.Series
        Item → share of the index (sums to 1).
    interval_method : str
        ``"bootstrap percentile"`` or ``"t-interval"``.
    scores : pandas.Series
        Index per respondent (0–100), indexed like the survey.
    draws : numpy.ndarray or None
        Bootstrap draws of ``overall`` (None without bootstrap).
    """

    construct: str
    label: str
    overall: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    respondents: int
    weights: pd.Series
    interval_method: str
    scores: pd.Series = field(metadata={"json": False})
    draws: np.ndarray | None = field(default=None, metadata={"json": False})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the overall index with SE and ``level`` interval (bootstrap percentile or t).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row named by the construct.
        """
        low, high = _index_interval(self.overall, self.se, self.respondents, self.draws, level)
        return estimate_table(
            [self.overall], [self.se], [low], [high], level=level, index=[self.construct]
        )


def _index_interval(
    overall: float, se: float, n: int, draws: np.ndarray | None, level: float
) -> tuple[float, float]:
    check_level(level)
    if draws is not None:
        lo, hi = np.quantile(draws, [(1 - level) / 2, 1 - (1 - level) / 2])
        return float(lo), float(hi)
    t = stats.t.ppf(0.5 + level / 2, n - 1)
    return float(overall - t * se), float(overall + t * se)


def _check(res: PLSResult, construct: str, scale: tuple[float, float]) -> np.ndarray:
    if construct not in res.spec.constructs:
        raise ParameterError(f"unknown construct {construct!r}; known: {list(res.spec.names)}")
    low, high = scale
    if not high > low:
        raise ParameterError(f"scale must be (low, high) with high > low, got {scale!r}")
    d = res.design
    return np.flatnonzero(d.block == d.names.index(construct))


def index_weights(model: object, construct: str, scale: tuple[float, float] = (1, 10)) -> pd.Series:
    """Rescaled (sum-to-one) unstandardized outer weights of ``construct``'s items.

    Parameters
    ----------
    model : PLSPathModel or PLSResult
        A fitted model (or its result).
    construct : str
        The construct.
    scale : tuple of float, default (1, 10)
        Answer scale of the items.

    Returns
    -------
    pandas.Series
        Item → share of the index (sums to 1).
    """
    res = _result_of(model)
    idx = _check(res, construct, scale)
    w = res.weights.to_numpy()[idx] / res.item_sds.to_numpy()[idx]
    if np.any(w <= 0):
        warnings.warn(
            f"{construct}: non-positive outer weights {np.round(w, 3).tolist()}; the index is "
            "not a weighted average of its items",
            IndexWeightWarning,
            stacklevel=2,
        )
    return pd.Series(w / w.sum(), index=[res.spec.items[i] for i in idx], name="index_weight")


def construct_index(
    model: object,
    data: pd.DataFrame,
    construct: str = "CUSA",
    scale: tuple[float, float] = (1, 10),
    level: float = 0.95,
) -> IndexResult:
    """0–100 index of ``construct`` for every respondent of ``data`` and overall, with interval.

    ``data`` is normally the data the model was fitted on (the bootstrap interval refers to it);
    per-respondent scores can be computed for any respondents answering the same items.

    Parameters
    ----------
    model : PLSPathModel or PLSResult
        A fitted model (or its result).
    data : pandas.DataFrame
        Survey answers holding the construct's items.
    construct : str, default "CUSA"
        The construct.
    scale : tuple of float, default (1, 10)
        Answer scale of the items.
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    IndexResult
        Overall index with interval and the respondents' scores.
    """
    res = _result_of(model)
    idx = _check(res, construct, scale)
    check_level(level)
    low, high = scale
    weights = index_weights(res, construct, scale)
    items = list(weights.index)
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise DataValidationError(
            f"survey: missing item columns {missing} needed for the {construct} index"
        )
    frame = data[items]
    X = frame.to_numpy(dtype=float)
    if np.isnan(X).any() or (X < low).any() or (X > high).any():
        raise DataValidationError(
            f"survey: items {items} must be complete and within {low:g}–{high:g}"
        )
    scores = 100 * (X @ weights.to_numpy() - low) / (high - low)
    overall = float(scores.mean())
    boot = res.boot
    draws = None
    if boot is not None and boot.n_draws > 1:
        w = boot.weights[:, idx] / boot.item_sds[:, idx]
        w = w / w.sum(axis=1, keepdims=True)
        draws = 100 * ((w * boot.item_means[:, idx]).sum(axis=1) - low) / (high - low)
        se = float(draws.std(ddof=1))
        method = f"bootstrap percentile ({boot.n_draws} draws, weights re-estimated)"
    else:
        se = float(scores.std(ddof=1) / np.sqrt(len(scores)))
        method = "t-interval (weights fixed)"
    lo, hi = _index_interval(overall, se, len(scores), draws, level)
    return IndexResult(
        construct,
        res.spec.label(construct),
        overall,
        se,
        lo,
        hi,
        level,
        int(scores.size),
        weights,
        method,
        pd.Series(scores, index=frame.index, name=f"{construct}_index"),
        draws,
    )


def _every_index(
    res: PLSResult, data: pd.DataFrame, scale: tuple[float, float], level: float = 0.95
) -> list[IndexResult]:
    """``construct_index`` of every construct in spec order (weight warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IndexWeightWarning)
        return [construct_index(res, data, c, scale, level) for c in res.spec.names]


def index_table(
    model: object, data: pd.DataFrame, scale: tuple[float, float] = (1, 10), level: float = 0.95
) -> pd.DataFrame:
    """One row per construct: 0–100 index with interval (the ECSI 'performance' of each construct).

    Parameters
    ----------
    model : PLSPathModel or PLSResult
        A fitted model (or its result).
    data : pandas.DataFrame
        Survey answers.
    scale : tuple of float, default (1, 10)
        Answer scale of the items.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns ``construct, label, index, se, ci_low, ci_high, respondents, interval``.
    """
    results = _every_index(_result_of(model), data, scale, level)
    return pd.DataFrame(
        [
            {
                "construct": r.construct,
                "label": r.label,
                "index": r.overall,
                "se": r.se,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "respondents": r.respondents,
                "interval": r.interval_method,
            }
            for r in results
        ]
    )


def index_scores(
    model: object, data: pd.DataFrame, scale: tuple[float, float] = (1, 10)
) -> pd.DataFrame:
    """Respondents × constructs matrix of 0–100 index scores.

    Parameters
    ----------
    model : PLSPathModel or PLSResult
        A fitted model (or its result).
    data : pandas.DataFrame
        Survey answers.
    scale : tuple of float, default (1, 10)
        Answer scale of the items.

    Returns
    -------
    pandas.DataFrame
        One column per construct.
    """
    results = _every_index(_result_of(model), data, scale)
    return pd.DataFrame({r.construct: r.scores for r in results})
