"""Evaluate uplift scores on a randomized hold-out.

Every metric comes from one sort; deciles have intervals; one result per arm and a model
comparison table.

The metrics are those of :mod:`crm_models.uplift.metrics` (Qini coefficient, AUUC, uplift@k).
Deciles: bins of ``N/bins`` customers by descending score (a tied block goes to the bin of its
mid-rank), observed uplift = difference of means with the unpooled standard error
``se = sqrt(s²_t/n_t + s²_c/n_c)`` and the Wald interval ``uplift ± z(level)·se``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import Result, check_level, estimate_table, z_value
from crm_models.uplift.metrics import (
    UpliftCurve,
    _at_k,
    _check_inputs,
    _cumulative,
    _curve,
    _normalized,
    _perfect_cumulative,
    _top_k_size,
)

__all__ = [
    "ArmMetrics",
    "UpliftMetrics",
    "metrics_table",
    "per_arm_metrics",
    "uplift_by_decile",
    "uplift_metrics",
]


def _deciles(y, score, t, order, c_ends_n, bins, level: float = 0.95) -> pd.DataFrame:
    """Observed uplift per score bin with a Wald interval at ``level`` (half-width z·se)."""
    n = len(y)
    s = score[order]
    ys = y[order]
    ts = t[order]
    # mid-rank of each customer's tied block -> bin
    mids = (c_ends_n[:-1] + c_ends_n[1:]) / 2.0
    block_bin = np.minimum((mids * bins / n).astype(int), bins - 1)
    sizes = np.diff(c_ends_n).astype(int)
    bin_of = np.repeat(block_bin, sizes)
    tf = ts.astype(float)

    def per_bin(w):
        return np.bincount(bin_of, weights=w, minlength=bins)

    n_t = per_bin(tf)
    n_c = per_bin(1.0 - tf)
    sum_t, sum_c = per_bin(ys * tf), per_bin(ys * (1 - tf))
    sq_t, sq_c = per_bin(ys**2 * tf), per_bin(ys**2 * (1 - tf))
    with np.errstate(invalid="ignore", divide="ignore"):
        m_t, m_c = sum_t / n_t, sum_c / n_c
        var_t = (sq_t - n_t * m_t**2) / (n_t - 1)
        var_c = (sq_c - n_c * m_c**2) / (n_c - 1)
        se = np.sqrt(var_t / n_t + var_c / n_c)
        pred = per_bin(s) / (n_t + n_c)
    z = z_value(level)
    up = m_t - m_c
    return pd.DataFrame(
        {
            "decile": np.arange(1, bins + 1),
            "n_treatment": n_t.astype(int),
            "n_control": n_c.astype(int),
            "mean_treatment": m_t,
            "mean_control": m_c,
            "uplift": up,
            "se": se,
            "ci_low": up - z * se,
            "ci_high": up + z * se,
            "mean_predicted": pred,
        }
    )


def uplift_by_decile(
    y: Any, score: Any, treatment: Any, bins: int = 10, level: float = 0.95
) -> pd.DataFrame:
    """Observed uplift per score bin (bin 1 = highest scores), with a Wald interval.

    Bins hold ``N/bins`` customers each (like ``numpy.array_split`` of the ranking, which is
    what ``sklift.metrics.uplift_by_percentile`` uses); a tied block goes to the bin of its
    mid-rank.

    Parameters
    ----------
    y, score, treatment : array-like
        Outcome, predicted uplift and treatment indicator (n,).
    bins : int, default 10
        Number of bins.
    level : float, default 0.95
        Confidence level: ``ci = uplift ± z(level)·se``.

    Returns
    -------
    pandas.DataFrame
        Columns decile, n_treatment, n_control, mean_treatment, mean_control, uplift
        (difference of means), se (unpooled), ci_low, ci_high, mean_predicted (mean score).
    """
    check_level(level)
    y, score, t = _check_inputs(y, score, treatment)
    if not isinstance(bins, (int, np.integer)) or not 1 <= bins <= len(y):
        raise ParameterError(f"bins must be an integer between 1 and n = {len(y)}, got {bins!r}")
    c, order = _cumulative(y, score, t)
    return _deciles(y, score, t, order, c.n, int(bins), level)


_METRICS = ("qini_coefficient", "auuc", "auuc_raw", "uplift_at_k")


@dataclass(frozen=True, repr=False)
class UpliftMetrics(Result):
    """All hold-out metrics of one score vector, from one sort (see module docstring).

    Parameters
    ----------
    qini_coefficient, auuc : float
        Normalized Qini coefficient and AUUC (0 = random, 1 = perfect).
    auuc_raw : float
        ``∫ U/N dφ``, outcome units per customer.
    uplift_at_k : float
        Observed uplift among the top ``k``.
    k : float
        The share (or count) of ``uplift_at_k``.
    qini, uplift, perfect_qini, perfect_uplift : UpliftCurve
        The curves (not in JSON).
    deciles : pandas.DataFrame
        ``uplift_by_decile`` (not in JSON).
    """

    qini_coefficient: float
    auuc: float
    auuc_raw: float
    uplift_at_k: float
    k: float
    qini: UpliftCurve = field(metadata={"json": False})
    uplift: UpliftCurve = field(metadata={"json": False})
    perfect_qini: UpliftCurve = field(metadata={"json": False})
    perfect_uplift: UpliftCurve = field(metadata={"json": False})
    deciles: pd.DataFrame = field(metadata={"json": False})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the four metrics (no standard errors: se and interval NaN).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (kept for the common signature).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; rows qini_coefficient, auuc, auuc_raw,
            uplift_at_k.
        """
        return estimate_table(
            [getattr(self, m) for m in _METRICS],
            level=level,
            index=pd.Index(list(_METRICS), name="metric"),
        )


def uplift_metrics(
    y: Any, score: Any, treatment: Any, k: float = 0.3, bins: int = 10, level: float = 0.95
) -> UpliftMetrics:
    """Qini coefficient, AUUC (normalized and raw), uplift@k, curves and deciles in one pass.

    Parameters
    ----------
    y, score, treatment : array-like
        Outcome, predicted uplift and treatment indicator (n,).
    k : float, default 0.3
        Share (or count) for ``uplift_at_k``.
    bins : int, default 10
        Bins of the decile table.
    level : float, default 0.95
        Confidence level of the decile intervals.

    Returns
    -------
    UpliftMetrics
        Every metric, curve and the deciles.
    """
    check_level(level)
    y, score, t = _check_inputs(y, score, treatment)
    n = len(y)
    c, order = _cumulative(y, score, t)
    qini = _curve(c, "qini", n)
    upl = _curve(c, "uplift", n)
    p_qini = _curve(_perfect_cumulative(y, t, "qini"), "qini", n)
    p_upl = _curve(_perfect_cumulative(y, t, "uplift"), "uplift", n)
    return UpliftMetrics(
        qini_coefficient=_normalized(qini, p_qini),
        auuc=_normalized(upl, p_upl),
        auuc_raw=upl.area() / n**2,
        uplift_at_k=_at_k(c, _top_k_size(k, n)),
        k=k,
        qini=qini,
        uplift=upl,
        perfect_qini=p_qini,
        perfect_uplift=p_upl,
        deciles=_deciles(y, score, t, order, c.n, bins, level),
    )


@dataclass(frozen=True, repr=False)
class ArmMetrics(Result):
    """Hold-out metrics of one model, one :class:`UpliftMetrics` per treated arm.

    Parameters
    ----------
    arms : tuple
        Treated arms, in order.
    metrics : tuple of UpliftMetrics
        One per arm; ``result[arm]`` looks one up.
    """

    arms: tuple
    metrics: tuple[UpliftMetrics, ...]

    def __getitem__(self, arm: Any) -> UpliftMetrics:
        return self.metrics[list(self.arms).index(arm)]

    def items(self) -> Iterator[tuple[str, UpliftMetrics]]:
        """Yield the pairs (arm, UpliftMetrics), as a mapping's ``items`` does.

        Returns
        -------
        Iterator of tuple
            ``(arm label, UpliftMetrics)`` per arm, in ``arms`` order.
        """
        yield from zip(self.arms, self.metrics, strict=True)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the metrics of every arm.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (kept for the common signature).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; index (arm, metric).
        """
        parts = [m.summary(level) for m in self.metrics]
        return pd.concat(parts, keys=list(self.arms), names=["arm", "metric"])


def per_arm_metrics(
    y: Any,
    uplift: Any,
    treatment: Any,
    arms: Sequence,
    control: Any = "control",
    k: float = 0.3,
    bins: int = 10,
    level: float = 0.95,
) -> ArmMetrics:
    """``uplift_metrics`` of each arm's score against control on the rows of that arm + control.

    Parameters
    ----------
    y : array-like
        Outcome (n,).
    uplift : array-like
        (n,) or (n, len(arms)) predicted uplift (``learner.predict``).
    treatment : array-like
        Arm received (n,).
    arms : sequence
        Treated arms, one per column of ``uplift``.
    control : object, default "control"
        Label of the control arm.
    k, bins, level
        As in :func:`uplift_metrics`.

    Returns
    -------
    ArmMetrics
        One :class:`UpliftMetrics` per arm (``result[arm]``).
    """
    y = np.asarray(y, dtype=float)
    t = np.asarray(treatment, dtype=object)
    u = np.asarray(uplift, dtype=float).reshape(len(y), -1)
    arms = list(arms)
    if u.shape[1] != len(arms):
        raise DataValidationError(f"uplift has {u.shape[1]} columns for arms {arms}")
    out = []
    for j, a in enumerate(arms):
        rows = (t == a) | (t == control)
        out.append(uplift_metrics(y[rows], u[rows, j], t[rows] == a, k=k, bins=bins, level=level))
    return ArmMetrics(tuple(arms), tuple(out))


def metrics_table(results: Mapping[str, ArmMetrics], k_label: str = "uplift_at_30") -> pd.DataFrame:
    """Flatten {model: ArmMetrics} into one row per model and arm with its metrics.

    Columns: model, arm, qini_coefficient, auuc, auuc_raw and the uplift@k column
    ``k_label`` (see :class:`UpliftMetrics`; all on the hold-out).

    Parameters
    ----------
    results : mapping
        Model name → :class:`ArmMetrics` (or a mapping arm → :class:`UpliftMetrics`).
    k_label : str, default "uplift_at_30"
        Column name of ``uplift_at_k``.

    Returns
    -------
    pandas.DataFrame
        Columns model, arm, qini_coefficient, auuc, auuc_raw and ``k_label``.
    """
    rows = []
    for model, per_arm in results.items():
        for arm, m in per_arm.items():
            rows.append(
                {
                    "model": model,
                    "arm": arm,
                    "qini_coefficient": m.qini_coefficient,
                    "auuc": m.auuc,
                    "auuc_raw": m.auuc_raw,
                    k_label: m.uplift_at_k,
                }
            )
    return pd.DataFrame(rows)
