"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987): Poisson purchases, exponential lifetime."""

from __future__ import annotations

import numpy as np

from crm_models.results import check_fitted
from crm_models.value._optim import numerical_gradient
from crm_models.value.models._transaction import TransactionModel


class ParetoNBD(TransactionModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): Poisson purchases, exponential lifetime.

    Parameters r, alpha (purchase rate), s, beta (dropout rate; alpha and beta in time units).
    lifetimes fits it with Nelder-Mead and no standard errors; here: BFGS with a central-
    difference gradient of lifetimes' log-likelihood, Newton polish, Hessian-based errors.

    ``fit(data)`` needs one row per customer with ``frequency`` (repeat purchase periods),
    ``recency`` (first to last purchase) and ``T`` (first purchase to the end of observation),
    recency and T in the summary's time unit (``rfm_summary``: days or weeks; kept as
    ``time_unit_``); the ``*_cal`` columns of a calibration summary are read as they are.
    ``monetary_value`` is not needed.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        lifetimes' L2 penalizer on the natural-scale parameters.
    gtol : float, default 1e-6
        Gradient tolerance of the optimizer.
    max_iter : int, default 1000
        Iteration cap of the optimizer.
    unique_patterns : bool, default True
        Fit on distinct patterns with counts (same estimates, faster).
    """

    name = "Pareto/NBD"
    param_names = ("r", "alpha", "s", "beta")
    time_params = ("alpha", "beta")
    lifetimes_fitter_name = "ParetoNBDFitter"

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        gtol: float = 1e-6,
        max_iter: int = 1000,
        unique_patterns: bool = True,
    ):
        super().__init__(penalizer_coef, gtol, max_iter, unique_patterns)

    def _objective(self, x, tx, T, w):
        cll = self.lifetimes_class._conditional_log_likelihood
        wsum, pen = w.sum(), self.penalizer_coef

        def fun(theta):
            params = np.exp(theta)
            with np.errstate(all="ignore"):
                ll = cll(params, x, tx, T)
            return -float(w @ ll) / wsum + pen * float(np.sum(params**2))

        return numerical_gradient(fun, step=1e-5), None

    def expected_purchases_new(self, t) -> np.ndarray:
        """Compute expected repeat purchases in (0, t] of a new customer (unconditional).

        Parameters
        ----------
        t : float or array-like
            Window length(s).

        Returns
        -------
        numpy.ndarray
            ``r β / (α (s − 1)) · (1 − (β / (β + t))^(s − 1))``.
        """
        check_fitted(self, "params_")
        r, alpha, s, beta = self.params_.to_numpy()
        t = np.asarray(t, dtype=float)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))
