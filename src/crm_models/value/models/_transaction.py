"""Continuous-time models of repeat purchases on (frequency, recency, T).

The shared part of BG/NBD, MBG/NBD and Pareto/NBD (rescaled-time fitting, lifetimes'
predictions).

Time units: whatever unit ``recency`` and ``T`` are in (days, weeks); ``alpha`` (and Pareto/NBD
``beta``) are in that unit. The log-likelihood is reported in the data's time unit (lifetimes
reports it in rescaled time), so the CDNOW BG/NBD fit shows the published −9,582.4.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_models.results import check_fitted
from crm_models.value.models._base import (
    WARM_START_ROWS,
    Model,
    Problem,
    check_weights,
    compress,
    rfm_arrays,
    warm_start,
)


def discounted_sum(discount: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """Σ_k discount[k] · (cumulative[k + 1] − cumulative[k]) per column, month by month.

    Not ``discount @ np.diff(...)``: BLAS sums a column in an order that depends on where the
    column sits in the matrix, so a customer's value would change in its last bit with the batch
    it is scored in (DuckDB batches, Spark partitions). The loop is over months, not customers.
    """
    total = np.zeros(cumulative.shape[1])
    for k, weight in enumerate(discount):
        total = total + weight * (cumulative[k + 1] - cumulative[k])
    return total


class TransactionModel(Model):
    """Continuous-time models of repeat purchases on (frequency, recency, T)."""

    def _lifetimes_nll(self):
        return self.lifetimes_class._negative_log_likelihood

    def _prepare(self, data, weights) -> Problem:
        x, tx, T = rfm_arrays(data, f"{self.name}.fit")
        counts = check_weights(weights, len(x))
        if self.unique_patterns:
            given = None if weights is None else counts
            patterns, counts, _ = compress(
                {"frequency": x, "recency": tx, "T": T}, given, inverse=False
            )
            x, tx, T = (patterns[c] for c in ("frequency", "recency", "T"))
        keep = counts > 0
        x, tx, T, counts = x[keep], tx[keep], T[keep], counts[keep]
        scale = 1.0 / T.max()
        x0 = np.full(len(self.param_names), 0.1)  # lifetimes' starting point
        objective, full = self._objective(x, tx * scale, T * scale, counts)
        hessian = None if full is None else (lambda theta: full(theta)[2])
        newton_first = False
        if full is not None and len(x) > WARM_START_ROWS:
            x0, newton_first = warm_start(
                lambda *a: self._objective(*a)[0], x, tx * scale, T * scale, counts, x0
            )
        # each purchase time contributes a density in 1/time: shift back from rescaled time
        shift = float(counts @ x) * np.log(scale)
        return Problem(
            objective, x0, float(counts.sum()), len(x), shift, scale, hessian, newton_first, full
        )

    def _objective(self, x, tx, T, w):
        """(value-and-gradient, value-gradient-and-Hessian or None) on rescaled data."""
        from autograd import value_and_grad

        nll = value_and_grad(self._lifetimes_nll())
        pen = self.penalizer_coef
        return (lambda theta: nll(theta, x, tx, T, w, pen)), None

    def lifetimes_fitter(self) -> Any:
        """Build a lifetimes fitter with these parameters (for lifetimes' own prediction methods).

        Returns
        -------
        object
            An instance of :attr:`lifetimes_class` with ``params_`` set.
        """
        fitter = self._fitter_with_params()
        fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time
        return fitter

    def expected_purchases(self, t: float, data: pd.DataFrame) -> np.ndarray:
        """Predict repeat purchases in (T, T + t] per customer, given the history in ``data``.

        Parameters
        ----------
        t : float
            Length of the future window (time unit of the data).
        data : pandas.DataFrame
            Per-customer summary with frequency, recency, T.

        Returns
        -------
        numpy.ndarray
            One expectation per row of ``data``.
        """
        x, tx, T = rfm_arrays(data, f"{self.name}.expected_purchases")
        with np.errstate(all="ignore"):
            fitter = self.lifetimes_fitter()
            return np.asarray(
                fitter.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T), dtype=float
            )

    def p_alive(self, data: pd.DataFrame) -> np.ndarray:
        """Probability that each customer is still active at T.

        Parameters
        ----------
        data : pandas.DataFrame
            Per-customer summary with frequency, recency, T.

        Returns
        -------
        numpy.ndarray
            One probability per row of ``data``.
        """
        x, tx, T = rfm_arrays(data, f"{self.name}.p_alive")
        with np.errstate(all="ignore"):
            return np.asarray(
                self.lifetimes_fitter().conditional_probability_alive(x, tx, T), dtype=float
            )

    def expected_purchases_new(self, t) -> np.ndarray:
        """Compute expected repeat purchases in (0, t] of a new customer (unconditional).

        Parameters
        ----------
        t : float or array-like
            Window length(s).

        Returns
        -------
        numpy.ndarray
            Expectation per window length.
        """
        check_fitted(self, "params_")
        return np.asarray(
            self.lifetimes_fitter().expected_number_of_purchases_up_to_time(t), dtype=float
        )

    def _discounted_purchases(self, times, discount, x, tx, T) -> np.ndarray:
        """Return Σ_k discount[k] · E[X(T + times[k−1], T + times[k]] | history] per customer.

        ``times`` starts at 0 and has one more entry than ``discount``.
        """
        return discounted_sum(discount, self._cum_purchases_on_patterns(times, x, tx, T))

    def _cum_purchases_on_patterns(self, times, x, tx, T) -> np.ndarray:
        """Return expected purchases in (T, T + t] per t in ``times``: shape (len(times), n)."""
        fitter = self.lifetimes_fitter()
        out = np.zeros((len(times), len(x)))
        with np.errstate(all="ignore"):
            for k, t in enumerate(times):
                if t > 0:
                    out[k] = fitter.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T)
        return out
