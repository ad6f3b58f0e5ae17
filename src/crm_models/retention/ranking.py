"""How well a score ranks leavers: precision, lift and gains at the top, AUC with intervals.

- **Top shares.** Customers are sorted by score, highest first (ties keep the input order);
  the top share ``s`` is the first ``ceil(s · n)`` customers. ``precision`` = share of leavers
  among them, ``lift`` = precision / overall leaver rate, ``gains`` = share of all leavers they
  hold (recall).
- **AUC interval: DeLong.** The AUC's standard error is DeLong, DeLong & Clarke-Pearson's
  (1988) nonparametric estimate from the placement values (midranks, Sun & Xu 2014), the
  interval ``auc ± z · se`` clipped to [0, 1]. Deterministic: no resampling.
- **Comparing two scores: paired bootstrap.** :func:`auc_difference` resamples customers
  (the same rows for both scores, seeded) and takes the percentile interval of the AUC
  difference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import check_level, z_value

__all__ = ["auc_delong", "auc_difference", "ranking_metrics"]


def _labels(y_true, caller: str) -> np.ndarray:
    """Return 0/1 labels as an int array; refuse other values and a single class."""
    y = np.asarray(y_true)
    try:
        values = y.astype("float64")
    except (TypeError, ValueError):
        raise DataValidationError(f"{caller}: y_true must hold 0/1 labels") from None
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"{caller}: y_true must hold 0/1 labels (1 = left), row {first + 1} holds {y[first]!r}"
        )
    if values.min() == values.max():
        raise DataValidationError(
            f"{caller}: y_true holds only {int(values[0])}s: ranking needs leavers and stayers"
        )
    return values.astype("int64")


def _scores(scores, n: int, caller: str) -> np.ndarray:
    """Return finite float scores of length n."""
    s = np.asarray(scores, dtype="float64")
    if s.shape != (n,):
        raise DataValidationError(f"{caller}: a score has shape {s.shape}, y_true has {n} rows")
    if not np.isfinite(s).all():
        first = int(np.flatnonzero(~np.isfinite(s))[0])
        raise DataValidationError(f"{caller}: scores must be finite; row {first + 1} is not")
    return s


def auc_delong(y_true, score, level: float = 0.95) -> tuple[float, float, float, float]:
    """Return the AUC, its DeLong standard error and the ``level`` interval.

    Parameters
    ----------
    y_true : array-like of {0, 1}, shape (n,)
        1 = the customer left.
    score : array-like of float, shape (n,)
        Higher = more likely to leave.
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    tuple of float
        ``(auc, se, ci_low, ci_high)``; AUC = probability that a random leaver scores above
        a random stayer (ties count one half).
    """
    y = _labels(y_true, "auc_delong")
    s = _scores(score, len(y), "auc_delong")
    pos, neg = s[y == 1], s[y == 0]
    m, k = len(pos), len(neg)
    all_ranks = stats.rankdata(np.concatenate([pos, neg]))
    pos_ranks, neg_ranks = stats.rankdata(pos), stats.rankdata(neg)
    v10 = (all_ranks[:m] - pos_ranks) / k  # placement of each leaver among stayers
    v01 = 1.0 - (all_ranks[m:] - neg_ranks) / m
    auc = float(v10.mean())
    var = (v10.var(ddof=1) if m > 1 else 0.0) / m + (v01.var(ddof=1) if k > 1 else 0.0) / k
    se = math.sqrt(max(var, 0.0))
    z = z_value(level)
    return auc, se, max(0.0, auc - z * se), min(1.0, auc + z * se)


def _fast_auc(y: np.ndarray, s: np.ndarray) -> float:
    """AUC by the rank-sum formula (ties one half)."""
    m = int(y.sum())
    k = len(y) - m
    ranks = stats.rankdata(s)
    return float((ranks[y == 1].sum() - m * (m + 1) / 2) / (m * k))


def auc_difference(
    y_true, score_a, score_b, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float, np.ndarray]:
    """Return AUC(a) − AUC(b) with a paired percentile-bootstrap interval.

    Parameters
    ----------
    y_true : array-like of {0, 1}, shape (n,)
        1 = the customer left.
    score_a, score_b : array-like of float, shape (n,)
        Two scores of the same customers (higher = more likely to leave).
    n_boot : int, default 1000
        Bootstrap resamples of the customers (the same rows for both scores).
    seed : int, default 0
        Generator seed: the same seed gives the same interval.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    tuple
        ``(difference, ci_low, ci_high, draws)``; ``draws`` (shape (n_boot,)) are the
        resampled differences (resamples with a single class are skipped).
    """
    level = check_level(level)
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 50:
        raise ParameterError(f"auc_difference: n_boot must be an integer >= 50, got {n_boot!r}")
    y = _labels(y_true, "auc_difference")
    a = _scores(score_a, len(y), "auc_difference")
    b = _scores(score_b, len(y), "auc_difference")
    point = _fast_auc(y, a) - _fast_auc(y, b)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(int(n_boot)):  # resamples, not customers: each is one vectorized AUC
        rows = rng.integers(0, len(y), len(y))
        yb = y[rows]
        if 0 < yb.sum() < len(yb):
            draws.append(_fast_auc(yb, a[rows]) - _fast_auc(yb, b[rows]))
    sample = np.asarray(draws)
    tail = (1 - level) / 2
    low, high = np.quantile(sample, [tail, 1 - tail])
    return point, float(low), float(high), sample


def ranking_metrics(
    y_true,
    scores: Mapping[str, object],
    *,
    top_shares=(0.05, 0.10, 0.20),
    level: float = 0.95,
) -> pd.DataFrame:
    """Return precision, lift and gains at the top shares, and the AUC with its interval.

    Parameters
    ----------
    y_true : array-like of {0, 1}, shape (n,)
        1 = the customer left.
    scores : dict of str to array-like, each shape (n,)
        Score name → scores in the order of ``y_true`` (higher = more likely to leave).
    top_shares : sequence of float, default (0.05, 0.10, 0.20)
        Shares of customers in (0, 1] contacted first.
    level : float, default 0.95
        Confidence level of the AUC interval (DeLong).

    Returns
    -------
    pandas.DataFrame
        One row per (score, top share): ``score``, ``top_share``, ``n_top`` (customers),
        ``precision`` and ``gains`` (shares in [0, 1]), ``lift`` (ratio to the base rate),
        ``base_rate``, ``auc``, ``auc_se``, ``auc_ci_low``, ``auc_ci_high``.
    """
    check_level(level)
    if not isinstance(scores, Mapping) or not scores:
        raise ParameterError("ranking_metrics: scores must be a non-empty dict name -> array")
    shares = np.asarray(top_shares, dtype="float64").ravel()
    if shares.size == 0 or not ((shares > 0) & (shares <= 1)).all():
        raise ParameterError(
            f"ranking_metrics: top_shares must be shares in (0, 1], got {top_shares!r}"
        )
    y = _labels(y_true, "ranking_metrics")
    n, positives = len(y), int(y.sum())
    base = positives / n
    n_top = np.ceil(shares * n - 1e-9).astype("int64")
    rows = []
    for name, values in scores.items():  # a few named scores, each handled vectorized
        s = _scores(values, n, "ranking_metrics")
        hits = np.cumsum(y[np.argsort(-s, kind="stable")])[n_top - 1]
        auc, se, low, high = auc_delong(y, s, level)
        rows.append(
            pd.DataFrame(
                {
                    "score": str(name),
                    "top_share": shares,
                    "n_top": n_top,
                    "precision": hits / n_top,
                    "lift": hits / n_top / base,
                    "gains": hits / positives,
                    "base_rate": base,
                    "auc": auc,
                    "auc_se": se,
                    "auc_ci_low": low,
                    "auc_ci_high": high,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)
