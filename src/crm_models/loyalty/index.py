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
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from crm_models.errors import DataValidationError, ParameterError
from crm_models.loyalty.pls import PLSPathModel


class IndexWeightWarning(UserWarning):
    """A block has a non-positive outer weight: the 0–100 index is no longer a weighted average."""


@dataclass
class IndexResult:
    """A construct's index: ``scores`` per respondent (0–100), ``overall`` mean with interval."""

    construct: str
    label: str
    scores: pd.Series
    overall: float
    ci_low: float
    ci_high: float
    weights: pd.Series  # item -> share of the index (sums to 1)
    interval_method: str

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{
            "construct": self.construct, "label": self.label, "index": self.overall,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "respondents": int(self.scores.size),
            "interval": self.interval_method,
        }])


def _check(model: PLSPathModel, construct: str, scale: tuple[float, float]) -> np.ndarray:
    if not hasattr(model, "spec_"):
        raise ParameterError("the PLS model is not fitted yet; call fit(data) first")
    if construct not in model.spec_.constructs:
        raise ParameterError(f"unknown construct {construct!r}; known: {list(model.spec_.names)}")
    low, high = scale
    if not high > low:
        raise ParameterError(f"scale must be (low, high) with high > low, got {scale!r}")
    return np.flatnonzero(model.design_.block == model.design_.names.index(construct))


def index_weights(model: PLSPathModel, construct: str, scale: tuple[float, float] = (1, 10)) -> pd.Series:
    """Rescaled (sum-to-one) unstandardized outer weights of ``construct``'s items."""
    idx = _check(model, construct, scale)
    w = model.weights_.to_numpy()[idx] / model.item_sds_.to_numpy()[idx]
    if np.any(w <= 0):
        warnings.warn(f"{construct}: non-positive outer weights {np.round(w, 3).tolist()}; the index is "
                      "not a weighted average of its items", IndexWeightWarning, stacklevel=2)
    return pd.Series(w / w.sum(), index=[model.spec_.items[i] for i in idx], name="index_weight")


def construct_index(
    model: PLSPathModel,
    data: pd.DataFrame,
    construct: str = "CUSA",
    scale: tuple[float, float] = (1, 10),
    level: float | None = None,
) -> IndexResult:
    """0–100 index of ``construct`` for every respondent of ``data`` and overall, with interval.

    ``data`` is normally the data the model was fitted on (the bootstrap interval refers to it);
    per-respondent scores can be computed for any respondents answering the same items.
    """
    idx = _check(model, construct, scale)
    level = model.level if level is None else level
    low, high = scale
    weights = index_weights(model, construct, scale)
    items = list(weights.index)
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise DataValidationError(f"survey: missing item columns {missing} needed for the {construct} index")
    frame = data[items]
    X = frame.to_numpy(dtype=float)
    if np.isnan(X).any() or (X < low).any() or (X > high).any():
        raise DataValidationError(f"survey: items {items} must be complete and within {low:g}–{high:g}")
    scores = 100 * (X @ weights.to_numpy() - low) / (high - low)
    overall = float(scores.mean())
    boot = model.boot_
    if boot is not None and boot.n_draws > 1:
        w = boot.weights[:, idx] / boot.item_sds[:, idx]
        w = w / w.sum(axis=1, keepdims=True)
        draws = 100 * ((w * boot.item_means[:, idx]).sum(axis=1) - low) / (high - low)
        a = (1 - level) / 2
        lo, hi = np.quantile(draws, [a, 1 - a])
        method = f"bootstrap percentile ({boot.n_draws} draws, weights re-estimated)"
    else:
        se = scores.std(ddof=1) / np.sqrt(len(scores))
        t = stats.t.ppf(0.5 + level / 2, len(scores) - 1)
        lo, hi = overall - t * se, overall + t * se
        method = "t-interval (weights fixed)"
    return IndexResult(construct, model.spec_.label(construct),
                       pd.Series(scores, index=frame.index, name=f"{construct}_index"),
                       overall, float(lo), float(hi), weights, method)


def index_table(
    model: PLSPathModel, data: pd.DataFrame, scale: tuple[float, float] = (1, 10), level: float | None = None
) -> pd.DataFrame:
    """One row per construct: 0–100 index with interval (the ECSI 'performance' of each construct)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IndexWeightWarning)
        rows = [construct_index(model, data, c, scale, level).summary() for c in model.spec_.names]
    return pd.concat(rows, ignore_index=True)


def index_scores(model: PLSPathModel, data: pd.DataFrame, scale: tuple[float, float] = (1, 10)) -> pd.DataFrame:
    """Respondents × constructs matrix of 0–100 index scores."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IndexWeightWarning)
        cols = {c: construct_index(model, data, c, scale).scores for c in model.spec_.names}
    return pd.DataFrame(cols)
