"""Tables behind the model checks (drawn by ``crm_models.value.plots``).

- ``period_transactions``: customers with 0, 1, …, k+ repeat purchases, actual vs model
  (lifetimes' ``plot_period_transactions`` without its simulation);
- ``calibration_vs_holdout``: mean holdout purchases by calibration frequency, actual vs
  predicted;
- ``expectation_grid``: expected purchases and P(alive) over a frequency × recency grid
  (for heatmaps).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError
from crm_models.value.clv import rfm_arrays


def period_transactions(model, summary: pd.DataFrame, max_count: int = 7) -> pd.DataFrame:
    """Number of customers by repeat purchases (0..``max_count``−1, then ``max_count``+).

    Model counts are Σ_i P(X(T_i) = k) from the closed form of BG/NBD or MBG/NBD.
    Columns: repeat_purchases (label), actual, model.
    """
    if not hasattr(model, "period_count_distribution"):
        raise ParameterError(f"period_transactions is available for BG/NBD and MBG/NBD, not {model.name}")
    if not (isinstance(max_count, (int, np.integer)) and 1 <= max_count <= 30):
        raise ParameterError(f"max_count must be an integer in 1..30, got {max_count!r}")
    x, _, T = rfm_arrays(summary, "period_transactions")
    actual = np.bincount(np.minimum(x, max_count).astype(np.int64), minlength=max_count + 1)
    expected = model.period_count_distribution(T, max_count)
    labels = [str(k) for k in range(max_count)] + [f"{max_count}+"]
    return pd.DataFrame({"repeat_purchases": labels, "actual": actual.astype(float), "model": expected})


def calibration_vs_holdout(model, cal_holdout: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout purchases per customer by calibration frequency (capped), actual vs model.

    ``cal_holdout``: lifetimes' calibration/holdout columns (see ``rfm_summary``).
    Columns: frequency_cal (label), customers, actual, predicted.
    """
    need = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    missing = [c for c in need if c not in cal_holdout.columns]
    if missing:
        raise DataValidationError(f"calibration_vs_holdout: missing column(s) {missing}")
    cal = cal_holdout.rename(columns={"frequency_cal": "frequency", "recency_cal": "recency",
                                      "T_cal": "T"})
    x, tx, T = rfm_arrays(cal, "calibration_vs_holdout")
    duration = cal_holdout["duration_holdout"].to_numpy(dtype=float)
    predicted = np.empty(len(x))
    for d in np.unique(duration):
        rows = duration == d
        predicted[rows] = model._cum_purchases_on_patterns([d], x[rows], tx[rows], T[rows])[0]
    group = np.minimum(x, max_frequency).astype(np.int64)
    frame = pd.DataFrame({"group": group, "actual": cal_holdout["frequency_holdout"].to_numpy(dtype=float),
                          "predicted": predicted})
    out = frame.groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                     predicted=("predicted", "mean")).reset_index()
    out["frequency_cal"] = [str(g) if g < max_frequency else f"{max_frequency}+" for g in out["group"]]
    return out[["frequency_cal", "customers", "actual", "predicted"]]


def expectation_grid(model, t: float, T: float, max_frequency: int = 20, n_recency: int = 20) -> pd.DataFrame:
    """Expected purchases in the next ``t`` and P(alive) for a customer of age ``T``.

    Grid: frequency 0..``max_frequency`` × ``n_recency`` recency values in (0, T] (recency 0
    for frequency 0 only). Long format: frequency, recency, expected_purchases, p_alive.
    """
    if not (t > 0 and T > 0):
        raise ParameterError(f"t and T must be > 0, got t={t!r}, T={T!r}")
    rec = np.linspace(T / n_recency, T, n_recency)
    fx, rx = np.meshgrid(np.arange(1, max_frequency + 1, dtype=float), rec, indexing="ij")
    grid = pd.DataFrame({"frequency": np.concatenate([[0.0], fx.ravel()]),
                         "recency": np.concatenate([[0.0], rx.ravel()])})
    grid["T"] = float(T)
    grid["expected_purchases"] = model.expected_purchases(t, grid)
    grid["p_alive"] = model.p_alive(grid)
    return grid.drop(columns="T")
