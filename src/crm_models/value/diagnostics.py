"""Model checks of the value models, and the tables behind their charts.

- ``calibration_summary``: the calibration part of a calibration/holdout table as a plain
  BTYD summary (``frequency_cal`` → ``frequency`` …), the one place that renaming lives;
- ``holdout_metrics``: predicted vs actual holdout purchases (a :class:`HoldoutResult`);
- ``frequency_spend_independence``: the Gamma-Gamma independence check (an
  :class:`IndependenceResult`);
- ``period_transactions``: customers with 0, 1, …, k+ repeat purchases, actual vs model
  (lifetimes' ``plot_period_transactions`` without its simulation);
- ``calibration_vs_holdout``: mean holdout purchases by calibration frequency, actual vs
  predicted;
- ``expectation_grid``: expected purchases and P(alive) over a frequency × recency grid
  (for heatmaps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import Result, estimate_table, z_value
from crm_models.value.models._base import rfm_arrays

__all__ = [
    "CALIBRATION_COLUMNS",
    "HoldoutResult",
    "IndependenceResult",
    "calibration_summary",
    "calibration_vs_holdout",
    "expectation_grid",
    "frequency_spend_independence",
    "holdout_metrics",
    "period_transactions",
]

CALIBRATION_COLUMNS = {"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"}
"""Calibration columns of ``rfm_summary(..., calibration_end=...)`` → BTYD summary names."""

_HOLDOUT_COLUMNS = [*CALIBRATION_COLUMNS, "frequency_holdout", "duration_holdout"]


def calibration_summary(
    cal_holdout: pd.DataFrame, source: str = "calibration_summary"
) -> pd.DataFrame:
    """Return the calibration period of a calibration/holdout table as a BTYD summary.

    Parameters
    ----------
    cal_holdout : pandas.DataFrame
        lifetimes' calibration/holdout columns (``frequency_cal, recency_cal, T_cal`` …), as
        ``crm_models.data.summary.rfm_summary(..., calibration_end=...)`` returns them.
    source : str
        Caller named in error messages.

    Returns
    -------
    pandas.DataFrame
        ``frequency, recency, T`` (plus ``monetary_value`` from ``monetary_value_cal`` when
        present), indexed like ``cal_holdout``: ready for ``fit``.
    """
    missing = [c for c in CALIBRATION_COLUMNS if c not in cal_holdout.columns]
    if missing:
        raise DataValidationError(
            f"{source}: missing column(s) {missing}; expected "
            f"{list(CALIBRATION_COLUMNS)} (see rfm_summary)"
        )
    names = dict(CALIBRATION_COLUMNS)
    if "monetary_value_cal" in cal_holdout.columns:
        names["monetary_value_cal"] = "monetary_value"
    return cal_holdout[list(names)].rename(columns=names)


def _holdout_predictions(model, cal_holdout: pd.DataFrame, source: str):
    missing = [c for c in _HOLDOUT_COLUMNS if c not in cal_holdout.columns]
    if missing:
        raise DataValidationError(
            f"{source}: missing column(s) {missing}; expected {_HOLDOUT_COLUMNS}"
        )
    x, tx, T = rfm_arrays(calibration_summary(cal_holdout, source), source)
    duration = cal_holdout["duration_holdout"].to_numpy(dtype=float)
    predicted = np.empty(len(x))
    for d in np.unique(duration):  # usually one holdout length for everybody
        rows = duration == d
        predicted[rows] = model._cum_purchases_on_patterns([d], x[rows], tx[rows], T[rows])[0]
    return x, predicted, cal_holdout["frequency_holdout"].to_numpy(dtype=float)


@dataclass(frozen=True, repr=False)
class HoldoutResult(Result):
    """Predicted vs actual purchases in the holdout period.

    Attributes
    ----------
    n_customers : int
        Customers in the table.
    actual_total, predicted_total : float
        Holdout purchases, actual and predicted.
    aggregate_error : float
        (predicted − actual) / actual of the totals.
    mae, rmse : float
        Per-customer absolute and root-mean-square errors.
    correlation : float
        Pearson correlation of predicted and actual per customer.
    """

    n_customers: int
    actual_total: float
    predicted_total: float
    aggregate_error: float
    mae: float
    rmse: float
    correlation: float

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the metrics as an estimate table (no standard errors: se and interval are NaN).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (no interval is computed).

        Returns
        -------
        pandas.DataFrame
            One row per metric; columns ``estimate, se, ci_low, ci_high``.
        """
        names = ["actual_total", "predicted_total", "aggregate_error", "mae", "rmse", "correlation"]
        return self._fields_table(names, level)


def holdout_metrics(model, cal_holdout: pd.DataFrame) -> HoldoutResult:
    """Predicted vs actual holdout purchases per customer from a calibration/holdout table.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        Transaction model fitted on the calibration period.
    cal_holdout : pandas.DataFrame
        lifetimes' columns frequency_cal, recency_cal, T_cal, frequency_holdout,
        duration_holdout.

    Returns
    -------
    HoldoutResult
        Totals, aggregate error, MAE, RMSE and correlation.
    """
    x, predicted, actual = _holdout_predictions(model, cal_holdout, "holdout_metrics")
    err = predicted - actual
    return HoldoutResult(
        n_customers=int(len(x)),
        actual_total=float(actual.sum()),
        predicted_total=float(predicted.sum()),
        aggregate_error=float(err.sum() / actual.sum()) if actual.sum() > 0 else float("nan"),
        mae=float(np.abs(err).mean()),
        rmse=float(np.sqrt(np.mean(err**2))),
        correlation=float(np.corrcoef(predicted, actual)[0, 1])
        if actual.std() > 0
        else float("nan"),
    )


@dataclass(frozen=True, repr=False)
class IndependenceResult(Result):
    """Correlation of frequency and mean spend among repeat buyers (Gamma-Gamma assumption).

    Attributes
    ----------
    pearson, pearson_p : float
        Pearson correlation and its p-value.
    spearman, spearman_p : float
        Spearman correlation and its p-value.
    n : int
        Repeat buyers.
    independent : bool
        |Pearson| < 0.3.
    """

    pearson: float
    pearson_p: float
    spearman: float
    spearman_p: float
    n: int
    independent: bool

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Both correlations with Fisher-z intervals (se NaN).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Rows ``pearson``, ``spearman``; columns ``estimate, se, ci_low, ci_high``.
        """
        est = np.array([self.pearson, self.spearman])
        half = z_value(level) / np.sqrt(self.n - 3) if self.n > 3 else np.nan
        with np.errstate(all="ignore"):
            z = np.arctanh(est)
            return estimate_table(
                est,
                None,
                np.tanh(z - half),
                np.tanh(z + half),
                level=level,
                index=["pearson", "spearman"],
            )


def frequency_spend_independence(frequency, monetary_value) -> IndependenceResult:
    """Pearson and Spearman correlation of frequency and mean spend among repeat buyers.

    Gamma-Gamma assumes they are independent; |correlation| above ~0.3 is a warning sign.
    Spearman uses at most 200,000 evenly spaced customers (ranking is the slow part).

    Parameters
    ----------
    frequency, monetary_value : array-like
        Per customer; rows with frequency 0 are ignored.

    Returns
    -------
    IndependenceResult
        The correlations, p-values, n and the verdict.
    """
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    keep = x > 0
    x, m = x[keep], m[keep]
    step = max(1, len(x) // 200_000)
    ok = len(x) > 2 and x.std() > 0
    pearson = stats.pearsonr(x, m) if ok else (np.nan, np.nan)
    spearman = stats.spearmanr(x[::step], m[::step]) if ok else (np.nan, np.nan)
    return IndependenceResult(
        pearson=float(pearson[0]),
        pearson_p=float(pearson[1]),
        spearman=float(spearman[0]),
        spearman_p=float(spearman[1]),
        n=int(len(x)),
        independent=bool(abs(pearson[0]) < 0.3) if np.isfinite(pearson[0]) else False,
    )


def period_transactions(model, data: pd.DataFrame, max_count: int = 7) -> pd.DataFrame:
    """Count customers by repeat purchases (0..``max_count``−1, then ``max_count``+).

    Model counts are Σ_i P(X(T_i) = k) from the closed form of BG/NBD or MBG/NBD.

    Parameters
    ----------
    model : BGNBD or MBGNBD
        Fitted model.
    data : pandas.DataFrame
        Per-customer summary (frequency, recency, T).
    max_count : int, default 7
        Last cell is "max_count or more" (1..30).

    Returns
    -------
    pandas.DataFrame
        Columns repeat_purchases (label), actual, model.
    """
    if not hasattr(model, "period_count_distribution"):
        raise ParameterError(
            f"period_transactions is available for BG/NBD and MBG/NBD, not {model.name}"
        )
    if not (isinstance(max_count, (int, np.integer)) and 1 <= max_count <= 30):
        raise ParameterError(f"max_count must be an integer in 1..30, got {max_count!r}")
    x, _, T = rfm_arrays(data, "period_transactions")
    actual = np.bincount(np.minimum(x, max_count).astype(np.int64), minlength=max_count + 1)
    expected = model.period_count_distribution(T, max_count)
    labels = [str(k) for k in range(max_count)] + [f"{max_count}+"]
    return pd.DataFrame(
        {"repeat_purchases": labels, "actual": actual.astype(float), "model": expected}
    )


def calibration_vs_holdout(
    model, cal_holdout: pd.DataFrame, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean holdout purchases per customer by calibration frequency (capped), actual vs model.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        Transaction model fitted on the calibration period.
    cal_holdout : pandas.DataFrame
        lifetimes' calibration/holdout columns (see ``rfm_summary``).
    max_frequency : int, default 7
        Calibration frequencies at or above this are pooled.

    Returns
    -------
    pandas.DataFrame
        Columns frequency_cal (label), customers, actual, predicted.
    """
    x, predicted, actual = _holdout_predictions(model, cal_holdout, "calibration_vs_holdout")
    group = np.minimum(x, max_frequency).astype(np.int64)
    frame = pd.DataFrame({"group": group, "actual": actual, "predicted": predicted})
    out = (
        frame.groupby("group")
        .agg(
            customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
        )
        .reset_index()
    )
    out["frequency_cal"] = [
        str(g) if g < max_frequency else f"{max_frequency}+" for g in out["group"]
    ]
    return out[["frequency_cal", "customers", "actual", "predicted"]]


def expectation_grid(
    model, t: float, T: float, max_frequency: int = 20, n_recency: int = 20
) -> pd.DataFrame:
    """Tabulate expected purchases in the next ``t`` and P(alive) for a customer of age ``T``.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        Fitted model.
    t : float
        Future window (> 0).
    T : float
        Customer age (> 0).
    max_frequency : int, default 20
        Frequencies 0..max_frequency.
    n_recency : int, default 20
        Recency values in (0, T] (recency 0 for frequency 0 only).

    Returns
    -------
    pandas.DataFrame
        Long format: frequency, recency, expected_purchases, p_alive.
    """
    if not (t > 0 and T > 0):
        raise ParameterError(f"t and T must be > 0, got t={t!r}, T={T!r}")
    rec = np.linspace(T / n_recency, T, n_recency)
    fx, rx = np.meshgrid(np.arange(1, max_frequency + 1, dtype=float), rec, indexing="ij")
    grid = pd.DataFrame(
        {
            "frequency": np.concatenate([[0.0], fx.ravel()]),
            "recency": np.concatenate([[0.0], rx.ravel()]),
        }
    )
    grid["T"] = float(T)
    grid["expected_purchases"] = model.expected_purchases(t, grid)
    grid["p_alive"] = model.p_alive(grid)
    return grid.drop(columns="T")
