"""BG/NBD (Fader, Hardie & Lee 2005): Poisson purchases, geometric dropout after each purchase.

Also the pieces MBG/NBD shares (:class:`BetaGeometricModel`, the period-count closed form) and
the hypergeometric expectation kernel used by CLV and second lifetime value.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

from crm_models.results import check_fitted
from crm_models.value._likelihoods import BGNBDData, bgnbd_objective
from crm_models.value.models._base import compress
from crm_models.value.models._transaction import TransactionModel


def purchases_if_alive(params, x: np.ndarray, T: np.ndarray, t: float) -> np.ndarray:
    """E[X(T, T + t] | alive at T, x, T] of BG/NBD: the numerator of FHL (2005) eq. 10.

    Parameters
    ----------
    params : array-like
        r, alpha, a, b.
    x, T : numpy.ndarray
        Frequency and age of each customer (or distinct pattern).
    t : float
        Length of the future window (> 0).

    Returns
    -------
    numpy.ndarray
        ``(a+b+x−1)/(a−1) · (1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t)))``.
    """
    r, alpha, a, b = params
    with np.errstate(all="ignore"):
        _a, _b, _c = r + x, b + x, a + b + x - 1
        z = t / (alpha + T + t)
        ln_h = np.log(hyp2f1(_a, _b, _c, z))
        # Euler's transformation where the direct series overflows
        alt = np.log(hyp2f1(_c - _a, _c - _b, _c, z)) + (_c - _a - _b) * np.log(1 - z)
        ln_h = np.where(np.isinf(ln_h), alt, ln_h)
        return (
            (a + b + x - 1)
            / (a - 1)
            * (1 - np.exp(ln_h + (r + x) * np.log((alpha + T) / (alpha + t + T))))
        )


def _period_counts(params, T, max_count: int, modified: bool) -> np.ndarray:
    """Σ_i P(X(T_i) = k) for k < max_count, then the rest; BG/NBD or MBG/NBD closed form.

    With NB(j) the NBD probability of j purchases in t:
    BG/NBD  P(k) = B(a, b+k)/B(a, b)·NB(k) + [k > 0]·B(a+1, b+k−1)/B(a, b)·(1 − Σ_{j<k} NB(j));
    MBG/NBD P(k) = B(a, b+k+1)/B(a, b)·NB(k) + B(a+1, b+k)/B(a, b)·(1 − Σ_{j<k} NB(j)).
    """
    r, alpha, a, b = params
    uT, nT = np.unique(np.asarray(T, dtype=float), return_counts=True)
    k = np.arange(max_count, dtype=float)[:, None]
    log_nb = (
        gammaln(r + k)
        - gammaln(r)
        - gammaln(k + 1)
        + r * np.log(alpha / (alpha + uT))
        + k * np.log(uT / (alpha + uT))
    )
    nb = np.exp(log_nb)  # (max_count, n_T)
    below = np.vstack([np.zeros((1, len(uT))), np.cumsum(nb, axis=0)[:-1]])  # Σ_{j<k} NB(j)
    shift = 1.0 if modified else 0.0
    stay = np.exp(betaln(a, b + k + shift) - betaln(a, b))
    drop = np.exp(betaln(a + 1, np.maximum(b + k - 1 + shift, 1e-300)) - betaln(a, b))
    if not modified:
        drop = np.where(k > 0, drop, 0.0)
    probs = stay * nb + drop * (1 - below)
    expected = probs @ nT
    return np.append(expected, nT.sum() - expected.sum())


class BetaGeometricModel(TransactionModel):
    """Models with geometric dropout after each purchase (BG/NBD, MBG/NBD)."""

    dropout_at_zero = False  # MBG/NBD: customers can also drop out before any repeat purchase

    def period_count_distribution(self, T: np.ndarray, max_count: int) -> np.ndarray:
        """Compute the expected number of customers with 0, 1, …, ``max_count``+ repeat purchases.

        Sums P(X(T_i) = k) over customers (FHL 2005 eq. 8).

        Parameters
        ----------
        T : numpy.ndarray
            Age of each customer.
        max_count : int
            The last cell is "max_count or more".

        Returns
        -------
        numpy.ndarray
            ``max_count + 1`` expected counts.
        """
        check_fitted(self, "params_")
        return _period_counts(self.params_.to_numpy(), T, max_count, modified=self.dropout_at_zero)


class BGNBD(BetaGeometricModel):
    """BG/NBD (Fader, Hardie & Lee 2005): Poisson purchases, geometric dropout after each.

    Parameters r, alpha (Gamma purchase-rate heterogeneity, alpha in time units), a, b (Beta
    dropout probability). Fitted with an exact analytic gradient (same likelihood as lifetimes'
    ``BetaGeoFitter``).

    ``fit(data)`` needs one row per customer with ``frequency`` (repeat purchase periods),
    ``recency`` (first to last purchase) and ``T`` (first purchase to the end of observation),
    recency and T in the summary's time unit (``rfm_summary``: days or weeks; kept as
    ``time_unit_``); the ``*_cal`` columns of a calibration summary are read as they are.
    ``monetary_value`` is not needed.

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

    name = "BG/NBD"
    param_names = ("r", "alpha", "a", "b")
    time_params = ("alpha",)
    lifetimes_fitter_name = "BetaGeoFitter"

    def _objective(self, x, tx, T, w):
        data = BGNBDData.build(x, tx, T, w)
        pen = self.penalizer_coef
        return (
            (lambda theta: bgnbd_objective(theta, data, pen)),
            (lambda theta: bgnbd_objective(theta, data, pen, hessian=True)),
        )

    def _discounted_purchases(self, times, discount, x, tx, T) -> np.ndarray:
        """Fast path of the discounted purchase sum (same formula as lifetimes).

        E[X(t) | x, t_x, T] = N(t; x, T) · P(alive | x, t_x, T) is linear in N, so the
        discounted sum of N's increments is taken once per distinct (x, T) pair, and each
        customer gets it times P(alive): one pass over the customers, no per-month matrix.
        """
        params = self.params_.to_numpy()
        r, alpha, a, b = params
        pairs, _, inv = compress({"x": x, "T": T})
        ux, uT = pairs["x"], pairs["T"]
        total = np.zeros(len(ux))
        previous = np.zeros(len(ux))
        for t, d in zip(times[1:], discount, strict=True):
            current = purchases_if_alive(params, ux, uT, t) if t > 0 else np.zeros(len(ux))
            total += d * (current - previous)
            previous = current
        with np.errstate(all="ignore"):
            denom = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
        return total[inv] / denom

    def _cum_purchases_on_patterns(self, times, x, tx, T) -> np.ndarray:
        """Fast path: E[X(t) | x, t_x, T] = N(t; x, T) · P(alive | x, t_x, T).

        N (the hypergeometric part) depends on (x, T) only, so it is computed once per distinct
        (x, T) pair and time point; P(alive) once per row. Same formula as lifetimes.
        """
        params = self.params_.to_numpy()
        r, alpha, a, b = params
        pairs, _, inv = compress({"x": x, "T": T})
        ux, uT = pairs["x"], pairs["T"]
        out = np.zeros((len(times), len(x)))
        for k, t in enumerate(times):
            if t > 0:
                out[k] = purchases_if_alive(params, ux, uT, t)[inv]
        with np.errstate(all="ignore"):
            denom = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
        return out / denom
