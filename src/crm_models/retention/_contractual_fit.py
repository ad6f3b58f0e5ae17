"""The result of a contractual retention fit, and small helpers of the models' methods."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError
from crm_models.results import Result, estimate_table, z_value

__all__ = ["ContractualFit"]


@dataclasses.dataclass(frozen=True, repr=False)
class ContractualFit(Result):
    """A fitted contractual retention model: parameters with their uncertainty.

    Attributes
    ----------
    model : str
        ``"sBG"`` or ``"BdW"``.
    params : pandas.Series
        Natural-scale estimates (``alpha``, ``beta`` and for the BdW ``c``).
    cov_log : pandas.DataFrame
        Covariance of the log-parameters (inverse observed information).
    loglik : float
        Log-likelihood at the estimates.
    n_customers : int
        Customers in period 0, summed over cohorts.
    n_cohorts : int
        Cohorts fitted.
    n_periods : int
        Periods observed after period 0 in the oldest cohort.
    """

    model: str
    params: pd.Series
    cov_log: pd.DataFrame
    loglik: float
    n_customers: int
    n_cohorts: int
    n_periods: int

    @property
    def se(self) -> pd.Series:
        """Standard errors of the natural-scale parameters (delta method)."""
        se_log = np.sqrt(np.diag(self.cov_log.to_numpy()))
        return pd.Series(se_log * self.params.to_numpy(), index=self.params.index, name="se")

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Parameter table; intervals are Wald intervals on the log scale, exponentiated.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            One row per parameter; columns ``estimate, se, ci_low, ci_high``.
        """
        z = z_value(level)
        se_log = np.sqrt(np.diag(self.cov_log.to_numpy()))
        log_p = np.log(self.params.to_numpy())
        return estimate_table(
            self.params, self.se, np.exp(log_p - z * se_log), np.exp(log_p + z * se_log),
            level=level,
        )  # fmt: skip

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return (
            f"<{self.model} fit: {values}; loglik={self.loglik:,.2f}, "
            f"{self.n_customers:,} customers in {self.n_cohorts} cohort(s)>"
        )


def _periods(periods: Any, name: str = "periods", low: int = 0) -> np.ndarray:
    """Periods as a 1-D int array (an int ``n`` means ``low..n``), each >= ``low``."""
    if isinstance(periods, (int, np.integer)):
        if periods < low:
            raise ParameterError(f"{name} must be >= {low}, got {periods}")
        return np.arange(low, int(periods) + 1)
    values = np.atleast_1d(np.asarray(periods, dtype=float))
    if values.ndim != 1 or not np.all(np.isfinite(values)) or np.any(values < low):
        raise ParameterError(f"{name} must be periods >= {low} (an int or 1-D array-like)")
    if np.any(values != np.round(values)):
        raise ParameterError(f"{name} must be whole periods, got {values[values % 1 != 0][:3]}")
    return values.astype(np.int64)


def _hessian(f: Any, x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a scalar function of a few variables."""
    k = x.size
    eye = np.eye(k) * step
    h = np.empty((k, k))
    for i in range(k):  # k <= 3 parameters: a loop over parameters, not over data
        for j in range(i, k):
            value = (
                f(x + eye[i] + eye[j]) - f(x + eye[i] - eye[j])
                - f(x - eye[i] + eye[j]) + f(x - eye[i] - eye[j])
            ) / (4 * step * step)  # fmt: skip
            h[i, j] = h[j, i] = value
    return h
