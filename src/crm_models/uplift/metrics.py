"""Uplift evaluation metrics on a randomized hold-out: curves, areas, uplift@k, deciles.

Notation. Customers are ranked by predicted uplift ``score``, highest first. Among the top
``k`` customers, ``N_t(k)`` / ``N_c(k)`` are the numbers treated / in control and ``Y_t(k)`` /
``Y_c(k)`` the sums of the outcome ``y`` (binary response or a continuous outcome such as
spend) in each group; ``N`` is the number of customers.

- **Qini curve** (Radcliffe 2007): ``Q(k) = Y_t(k) − Y_c(k)·N_t(k)/N_c(k)`` (0 while
  ``N_c(k) = 0``): incremental outcome among the treated in the top ``k``.
- **Uplift curve** (Rzepakowski & Jaroszewicz): ``U(k) = (Y_t(k)/N_t(k) − Y_c(k)/N_c(k))·k``
  (an empty group's mean counts as 0, as in scikit-uplift): incremental outcome if all
  top-``k`` customers were treated.
- **Random reference**: the straight line from (0, 0) to (N, curve(N)) — targeting at random.
- **Perfect reference**: the curve of an oracle ranking. Qini: treated responders first,
  control responders last (score ``y·t − y·(1−t)``; Radcliffe's "negative effects allowed"
  optimum). Uplift curve, binary ``y``: treated responders, control non-responders, then the
  larger of {control responders, treated non-responders} last (Devriendt et al. 2020); for a
  non-binary ``y`` the Qini oracle ordering is used.
- **Areas** are trapezoidal over ``k``. ``qini_coefficient`` and normalized ``auuc`` are
  ``(A_model − A_random) / (A_perfect − A_random)``: 0 = random, 1 = perfect, < 0 = worse
  than random. Mapping to scikit-uplift 0.5.1: ``qini_coefficient == sklift.metrics.
  qini_auc_score(y, score, t, negative_effect=True)`` and ``auuc(normalize=True) ==
  sklift.metrics.uplift_auc_score`` (tested). ``auuc(normalize=False)`` is the raw area
  ``∫₀¹ U(φN)/N dφ`` — the incremental outcome per customer averaged over targeting depths
  (the random reference is half the average treatment effect).
- **Ties**: customers with equal scores enter the ranking together. Curves are evaluated only
  at the ends of tied blocks and are linear in between (exactly as ``sklearn.metrics.roc_curve``
  and scikit-uplift do), so results never depend on the input order of tied rows. ``uplift_at_k``
  includes a tied block that straddles the cut-off with a fractional weight (the expected counts
  under random tie-breaking); deciles assign a tied block to the decile of its mid-rank.

Everything is computed from one ``argsort`` of the scores plus cumulative sums
(``crm_models.uplift.evaluation.uplift_metrics`` computes every metric, with the
per-decile table, from that single sort).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import Result, check_level, estimate_table

__all__ = [
    "UpliftCurve",
    "auuc",
    "perfect_qini_curve",
    "perfect_uplift_curve",
    "qini_coefficient",
    "qini_curve",
    "uplift_at_k",
    "uplift_curve",
]


@dataclass(frozen=True, repr=False)
class UpliftCurve(Result):
    """Points of an uplift or Qini curve.

    Parameters
    ----------
    n : numpy.ndarray
        Number of customers targeted at each point (starts at 0, ends at ``n_total``).
    value : numpy.ndarray
        Curve value at those points, in outcome units (e.g. incremental conversions).
    kind : str
        'qini' or 'uplift'.
    n_total : int
        Customers in the evaluation set.
    """

    n: np.ndarray
    value: np.ndarray
    kind: str
    n_total: int

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Area under the curve and under the random reference (no sampling error here).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (kept for the common signature).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; rows area, random_area.
        """
        check_level(level)
        return estimate_table(
            [self.area(), self.random_area()],
            level=level,
            index=pd.Index(["area", "random_area"], name="quantity"),
        )

    @property
    def share(self) -> np.ndarray:
        """Share of customers targeted at each point (0..1)."""
        return self.n / self.n_total

    def area(self) -> float:
        """Trapezoidal area under the curve, x in customers, y in outcome units.

        Returns
        -------
        float
            Area in customers × outcome units.
        """
        return float(np.trapezoid(self.value, self.n))

    def random_area(self) -> float:
        """Area under the random-targeting reference line (0,0)–(N, value[-1]).

        Returns
        -------
        float
            Area in customers × outcome units.
        """
        return float(0.5 * self.n_total * self.value[-1])

    def at(self, share: float | np.ndarray) -> np.ndarray:
        """Curve value at targeting share(s), linear between points.

        Parameters
        ----------
        share : float or numpy.ndarray
            Share(s) of customers targeted, in [0, 1].

        Returns
        -------
        numpy.ndarray
            Curve value(s) in outcome units, same shape as ``share``.
        """
        return np.interp(np.asarray(share, dtype=float) * self.n_total, self.n, self.value)

    def to_frame(self) -> pd.DataFrame:
        """Return the curve as a table.

        Returns
        -------
        pandas.DataFrame
            One row per point; columns n (customers targeted), share (in [0, 1]) and value
            (outcome units).
        """
        return pd.DataFrame({"n": self.n, "share": self.share, "value": self.value})


# ---------------------------------------------------------------------------- validation


def _check_inputs(y, score, treatment) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    y = np.asarray(y, dtype=float)
    t = np.asarray(treatment)
    if y.ndim != 1 or t.ndim != 1:
        raise DataValidationError(
            f"y and treatment must be 1-D arrays, got shapes {y.shape} and {t.shape}"
        )
    if len(y) != len(t):
        raise DataValidationError(
            f"y has {len(y)} rows but treatment has {len(t)}; they must describe the same customers"
        )
    if len(y) == 0:
        raise DataValidationError("no customers to evaluate: y is empty")
    if t.dtype != bool:
        ok = (t == 0) | (t == 1)  # no np.unique: that would be a second sort
        if not ok.all():
            raise DataValidationError(
                "treatment must be binary (1 = treated arm, 0 = control), got values such as "
                f"{pd.unique(t[~ok])[:5].tolist()}; for several arms evaluate each arm against "
                "control"
            )
        t = t.astype(bool)
    if not np.isfinite(y).all():
        raise DataValidationError(f"y has {int((~np.isfinite(y)).sum())} missing/non-finite values")
    if t.all() or not t.any():
        raise DataValidationError(
            "both a treated and a control group are needed; treatment is all "
            f"{'1' if t.all() else '0'}"
        )
    if score is not None:
        score = np.asarray(score, dtype=float)
        if score.shape != y.shape:
            raise DataValidationError(
                f"score has shape {score.shape} but y has {y.shape}; pass one score per customer"
            )
        if not np.isfinite(score).all():
            raise DataValidationError(
                f"score has {int((~np.isfinite(score)).sum())} missing/non-finite values"
            )
    return y, score, t


def _is_binary(y: np.ndarray) -> bool:
    return bool(((y == 0.0) | (y == 1.0)).all())


# ------------------------------------------------------------------ cumulative sums at ties


@dataclass(frozen=True)
class _Cumulative:
    """Cumulative counts/sums at the end of each tied block, with a leading zero row."""

    n: np.ndarray  # customers in the top
    nt: np.ndarray  # treated among them
    yt: np.ndarray  # outcome sum among treated
    yc: np.ndarray  # outcome sum among control

    @property
    def nc(self) -> np.ndarray:
        return self.n - self.nt


def _cumulative(y: np.ndarray, score: np.ndarray, t: np.ndarray) -> tuple[_Cumulative, np.ndarray]:
    """One sort (descending score) and cumulative sums at tied-block ends; returns the order."""
    order = np.argsort(score)[::-1]
    s = score[order]
    ts = t[order]
    ys = y[order]
    ends = np.flatnonzero(s[1:] != s[:-1])
    ends = np.append(ends, len(s) - 1)
    yt_all = np.cumsum(np.where(ts, ys, 0.0))
    y_all = np.cumsum(ys)
    nt_all = np.cumsum(ts)
    zero = np.zeros(1)
    nt = np.concatenate([zero, nt_all[ends]])
    yt = np.concatenate([zero, yt_all[ends]])
    yc = np.concatenate([zero, y_all[ends]]) - yt
    n = np.concatenate([zero, ends + 1.0])
    return _Cumulative(n, nt, yt, yc), order


def _cumulative_blocks(
    codes: np.ndarray, y: np.ndarray, t: np.ndarray, n_blocks: int
) -> _Cumulative:
    """Cumulative sums over blocks given by integer ``codes`` (0 = first), no sort needed."""
    counts = np.bincount(codes, minlength=n_blocks).astype(float)
    nt = np.bincount(codes, weights=t.astype(float), minlength=n_blocks)
    yt = np.bincount(codes, weights=np.where(t, y, 0.0), minlength=n_blocks)
    yc = np.bincount(codes, weights=np.where(t, 0.0, y), minlength=n_blocks)
    keep = counts > 0
    zero = np.zeros(1)
    return _Cumulative(
        np.concatenate([zero, np.cumsum(counts[keep])]),
        np.concatenate([zero, np.cumsum(nt[keep])]),
        np.concatenate([zero, np.cumsum(yt[keep])]),
        np.concatenate([zero, np.cumsum(yc[keep])]),
    )


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b != 0)


def _qini_values(c: _Cumulative) -> np.ndarray:
    return c.yt - c.yc * _safe_div(c.nt, c.nc)


def _uplift_values(c: _Cumulative) -> np.ndarray:
    return (_safe_div(c.yt, c.nt) - _safe_div(c.yc, c.nc)) * c.n


def _perfect_cumulative(y: np.ndarray, t: np.ndarray, kind: str) -> _Cumulative:
    if _is_binary(y):
        yb = y.astype(bool)
        if kind == "qini":
            # treated responders (1), all non-responders (0), control responders (-1)
            codes = np.where(yb & t, 0, np.where(yb, 2, 1))
        else:
            control_responders = int((yb & ~t).sum())
            treated_nonresponders = int((~yb & t).sum())
            # Devriendt et al.: score = 2·[y == t] + (y if CR > TN else t), highest first
            last_is_treated_nonresp = control_responders > treated_nonresponders
            codes = np.select(
                [yb & t, ~yb & ~t, (yb & ~t) if last_is_treated_nonresp else (~yb & t)],
                [0, 1, 2],
                default=3,
            )
        return _cumulative_blocks(codes, y, t, 4)
    oracle = np.where(t, y, -y)
    return _cumulative(y, oracle, t)[0]


def _curve(c: _Cumulative, kind: str, n_total: int) -> UpliftCurve:
    value = _qini_values(c) if kind == "qini" else _uplift_values(c)
    return UpliftCurve(c.n, value, kind, n_total)


# ------------------------------------------------------------------------------ public API


def qini_curve(y, score, treatment) -> UpliftCurve:
    """Qini curve ``Q(k) = Y_t(k) − Y_c(k)·N_t(k)/N_c(k)`` (see module docstring).

    Parameters
    ----------
    y : array-like
        (n,) outcome: binary response or a continuous outcome such as spend.
    score : array-like
        (n,) predicted uplift; higher = targeted first.
    treatment : array-like
        (n,) 1 / True = treated arm, 0 / False = control.

    Returns
    -------
    UpliftCurve
        Incremental outcomes among the treated at the end of each tied block of scores.
    """
    y, score, t = _check_inputs(y, score, treatment)
    return _curve(_cumulative(y, score, t)[0], "qini", len(y))


def uplift_curve(y, score, treatment) -> UpliftCurve:
    """Uplift curve ``U(k) = (Y_t/N_t − Y_c/N_c)·k`` over the top ``k`` (see module docstring).

    Parameters
    ----------
    y : array-like
        (n,) outcome: binary response or a continuous outcome such as spend.
    score : array-like
        (n,) predicted uplift; higher = targeted first.
    treatment : array-like
        (n,) 1 / True = treated arm, 0 / False = control.

    Returns
    -------
    UpliftCurve
        Incremental outcomes if the top ``k`` were all treated, at each tied block's end.
    """
    y, score, t = _check_inputs(y, score, treatment)
    return _curve(_cumulative(y, score, t)[0], "uplift", len(y))


def perfect_qini_curve(y, treatment) -> UpliftCurve:
    """Qini curve of the oracle ranking ``y·t − y·(1−t)`` (treated responders first)."""
    y, _, t = _check_inputs(y, None, treatment)
    return _curve(_perfect_cumulative(y, t, "qini"), "qini", len(y))


def perfect_uplift_curve(y, treatment) -> UpliftCurve:
    """Uplift curve of the oracle ranking of Devriendt et al. (binary y; see module docstring)."""
    y, _, t = _check_inputs(y, None, treatment)
    return _curve(_perfect_cumulative(y, t, "uplift"), "uplift", len(y))


def _normalized(model: UpliftCurve, perfect: UpliftCurve) -> float:
    baseline = model.random_area()
    denom = perfect.area() - perfect.random_area()
    if denom == 0:
        return float("nan")
    return (model.area() - baseline) / denom


def qini_coefficient(y, score, treatment) -> float:
    """Qini coefficient: (area under Qini − random) / (perfect area − random); 1 = oracle.

    Equals ``sklift.metrics.qini_auc_score(y, score, treatment, negative_effect=True)``.

    Parameters
    ----------
    y : array-like
        (n,) outcome: binary response or a continuous outcome such as spend.
    score : array-like
        (n,) predicted uplift; higher = targeted first.
    treatment : array-like
        (n,) 1 / True = treated arm, 0 / False = control.

    Returns
    -------
    float
        0 = random ranking, 1 = perfect, < 0 = worse than random; higher is better.
    """
    y, score, t = _check_inputs(y, score, treatment)
    model = _curve(_cumulative(y, score, t)[0], "qini", len(y))
    return _normalized(model, _curve(_perfect_cumulative(y, t, "qini"), "qini", len(y)))


def auuc(y, score, treatment, normalize: bool = True) -> float:
    """Area under the uplift curve.

    ``normalize=True``: (A − A_random) / (A_perfect − A_random), equal to
    ``sklift.metrics.uplift_auc_score``. ``normalize=False``: ``∫₀¹ U(φN)/N dφ``, the
    incremental outcome per customer averaged over targeting shares φ (random = ATE/2).

    Parameters
    ----------
    y : array-like
        (n,) outcome: binary response or a continuous outcome such as spend.
    score : array-like
        (n,) predicted uplift; higher = targeted first.
    treatment : array-like
        (n,) 1 / True = treated arm, 0 / False = control.
    normalize : bool, default True
        Normalize to random = 0, perfect = 1 (else the raw area, outcome units per customer).

    Returns
    -------
    float
        The area; higher is better.
    """
    y, score, t = _check_inputs(y, score, treatment)
    model = _curve(_cumulative(y, score, t)[0], "uplift", len(y))
    if not normalize:
        return model.area() / len(y) ** 2
    return _normalized(model, _curve(_perfect_cumulative(y, t, "uplift"), "uplift", len(y)))


def _top_k_size(k: float, n: int) -> int:
    if isinstance(k, (bool, np.bool_)):
        raise ParameterError(f"k must be a share in (0, 1] or a count, got {k!r}")
    if isinstance(k, (int, np.integer)):
        if not 0 < k <= n:
            raise ParameterError(f"k = {k} customers must be between 1 and n = {n}")
        return int(k)
    k = float(k)
    if not 0 < k <= 1:
        raise ParameterError(f"k as a share must be in (0, 1], got {k}")
    size = int(np.floor(k * n))
    if size < 1:
        raise ParameterError(f"k = {k} of n = {n} customers selects nobody")
    return size


def _at_k(c: _Cumulative, size: int) -> float:
    """Uplift among the top ``size`` with the straddling tied block weighted fractionally."""
    j = int(np.searchsorted(c.n, size))  # c.n[j] >= size > c.n[j-1]
    if c.n[j] == size:
        nt, yt, yc, nc = c.nt[j], c.yt[j], c.yc[j], c.nc[j]
    else:
        w = (size - c.n[j - 1]) / (c.n[j] - c.n[j - 1])
        nt, yt, yc = (a[j - 1] + w * (a[j] - a[j - 1]) for a in (c.nt, c.yt, c.yc))
        nc = size - nt
    if nt == 0 or nc == 0:
        return float("nan")
    return float(yt / nt - yc / nc)


def uplift_at_k(y, score, treatment, k: float = 0.3) -> float:
    """Observed uplift ``Y_t/N_t − Y_c/N_c`` among the top ``k`` customers by score.

    ``k``: a share in (0, 1] (top ``floor(k·N)`` customers) or a count. Treated and control
    are counted together in the top ``k`` (scikit-uplift's ``strategy='overall'``). A tied
    block straddling the cut-off enters with weight (places left)/(block size). NaN when the
    top ``k`` holds no treated or no control customer.

    Parameters
    ----------
    y : array-like
        (n,) outcome: binary response or a continuous outcome such as spend.
    score : array-like
        (n,) predicted uplift; higher = targeted first.
    treatment : array-like
        (n,) 1 / True = treated arm, 0 / False = control.
    k : float or int, default 0.3
        A share in (0, 1] (top ``floor(k·N)`` customers) or a count of customers.

    Returns
    -------
    float
        Uplift in outcome units (probability points for a binary outcome), or NaN.
    """
    y, score, t = _check_inputs(y, score, treatment)
    c = _cumulative(y, score, t)[0]
    return _at_k(c, _top_k_size(k, len(y)))
