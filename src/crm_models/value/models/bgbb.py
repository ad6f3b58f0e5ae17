"""BG/BB (Fader, Hardie & Shang 2010) for discrete purchase opportunities."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_models.value.models._base import (
    Model,
    Problem,
    check_weights,
    compress,
    fail_rows,
    rfm_arrays,
)


def _periods_alias(data):
    """Return ``data`` with ``n_periods`` taken from ``periods``, ``T`` or ``T_cal``.

    The T of an ``rfm_summary`` counts the periods after the first purchase: the
    repeat-purchase opportunities of BG/BB.
    """
    if not isinstance(data, pd.DataFrame) or "n_periods" in data.columns:
        return data
    for name in ("periods", "T", "T_cal"):
        if name in data.columns:
            renamed = data.rename(columns={name: "n_periods"})
            renamed.attrs = dict(data.attrs)
            return renamed
    return data


class BGBB(Model):
    """BG/BB (Fader, Hardie & Shang 2010) for discrete purchase opportunities.

    Data: frequency (purchases in n_periods opportunities after the first), recency (period
    of the last purchase) and n_periods (or ``periods``, as in lifetimes' donations table),
    optionally a ``weights`` column counting customers per row; parameters alpha, beta
    (purchase probability), gamma, delta (dropout probability). Likelihood of lifetimes'
    ``BetaGeoBetaBinomFitter``. The output of ``rfm_summary`` fits directly: its ``T``
    (periods after the first purchase, whole numbers) is read as ``n_periods``, and the
    ``*_cal`` columns of a calibration summary as they are; ``monetary_value`` is not needed.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        lifetimes' L2 penalizer on the natural-scale parameters (>= 0; try 0.001 to 0.01
        when a fit does not converge).
    gtol : float, default 1e-7
        Gradient tolerance of the optimizer.
    max_iter : int, default 1000
        Iteration cap of the optimizer.
    unique_patterns : bool, default True
        Fit on distinct patterns with counts (same estimates, faster).
    """

    name = "BG/BB"
    param_names = ("alpha", "beta", "gamma", "delta")
    lifetimes_fitter_name = "BetaGeoBetaBinomFitter"

    def _prepare(self, data, weights) -> Problem:
        from autograd import value_and_grad

        data = _periods_alias(data)
        x, tx, n = rfm_arrays(data, f"{self.name}.fit", third="n_periods")
        if weights is None and "weights" in data.columns:
            weights = data["weights"].to_numpy(dtype=float)
        w = check_weights(weights, len(x))
        fail_rows(
            data, n != np.round(n), f"{self.name}.fit", "column 'n_periods' is not a whole number"
        )
        fail_rows(data, x > n, f"{self.name}.fit", "column 'frequency' is larger than 'n_periods'")
        counts = w
        if self.unique_patterns:
            patterns, counts, _ = compress(
                {"frequency": x, "recency": tx, "n_periods": n},
                None if weights is None else w,
                inverse=False,
            )
            x, tx, n = (patterns[c] for c in ("frequency", "recency", "n_periods"))
        keep = counts > 0
        x, tx, n = (v[keep].astype(np.int64) for v in (x, tx, n))
        counts = counts[keep]
        nll = value_and_grad(self.lifetimes_class._negative_log_likelihood)
        pen = self.penalizer_coef
        return Problem(
            lambda theta: nll(theta, x, tx, n, counts, pen),
            np.full(4, 0.1),
            float(counts.sum()),
            len(x),
        )

    def lifetimes_fitter(self) -> Any:
        """Build a lifetimes ``BetaGeoBetaBinomFitter`` carrying these parameters.

        Returns
        -------
        object
            The lifetimes fitter with ``params_`` set.
        """
        return self._fitter_with_params()

    def expected_purchases(self, m_periods: int, data: pd.DataFrame) -> np.ndarray:
        """Compute expected purchases in the next ``m_periods`` opportunities per customer.

        Parameters
        ----------
        m_periods : int
            Future opportunities.
        data : pandas.DataFrame
            frequency, recency, n_periods (or periods) per row.

        Returns
        -------
        numpy.ndarray
            One expectation per row.
        """
        x, tx, n = rfm_arrays(
            _periods_alias(data), f"{self.name}.expected_purchases", third="n_periods"
        )
        fitter = self.lifetimes_fitter()
        return np.asarray(
            fitter.conditional_expected_number_of_purchases_up_to_time(
                m_periods, x, tx.astype(np.int64), n.astype(np.int64)
            ),
            dtype=float,
        )

    def p_alive(self, data: pd.DataFrame, m_periods: int = 0) -> np.ndarray:
        """Probability of being alive at opportunity n_periods + ``m_periods``.

        Parameters
        ----------
        data : pandas.DataFrame
            frequency, recency, n_periods (or periods) per row.
        m_periods : int, default 0
            Opportunities ahead.

        Returns
        -------
        numpy.ndarray
            One probability per row.
        """
        x, tx, n = rfm_arrays(_periods_alias(data), f"{self.name}.p_alive", third="n_periods")
        return np.asarray(
            self.lifetimes_fitter().conditional_probability_alive(
                m_periods, x, tx.astype(np.int64), n.astype(np.int64)
            ),
            dtype=float,
        )
