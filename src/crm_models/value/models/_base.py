"""Shared base of the value models.

Input validation, pattern compression, the optimizer call and the :class:`FitResult` every fit
produces.

What is different from calling lifetimes directly:

- **Unique patterns with weights.** Customers are collapsed to their distinct
  (frequency, recency, T) patterns with counts as weights before fitting (exact: the
  likelihood is a weighted sum). Estimates equal the one-row-per-customer fit to ~1e-10.
- **NumPy at the boundary.** Inputs are converted to NumPy arrays once, so pandas index
  alignment can never mix customers up (lifetimes' ``fit`` on Series can raise "Some values in
  recency vector are larger than T vector" when they are not).
- **Checked convergence.** BFGS, then Newton polish; a fit whose gradient is not ~0, whose
  Hessian is not positive definite or whose parameters run off raises
  ``crm_models.errors.ConvergenceError`` suggesting a penalizer, instead of returning nonsense.
- **Standard errors for every model** (lifetimes has none for Pareto/NBD): from the Hessian of
  the mean log-likelihood in log-parameters, ``cov(log θ) = H⁻¹ / n``; intervals are Wald
  intervals on the log scale (always positive).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import optimize

from crm_models.data.summary import TIME_UNIT_ATTR
from crm_models.errors import ParameterError
from crm_models.results import Result, check_fitted, estimate_table, z_value
from crm_models.value._optim import minimize_log_params
from crm_models.value.models._checks import (  # noqa: F401  (re-exported to the models)
    check_weights,
    column,
    fail_rows,
    rfm_arrays,
)
from crm_models.value.models._compress import compress

__all__ = ["FitResult", "compress", "rfm_arrays"]

# --------------------------------------------------------------------------- result


@dataclass(frozen=True, repr=False)
class FitResult(Result):
    """Fitted parameters of one model with their uncertainty.

    Attributes
    ----------
    model : str
        Model name, e.g. ``"BG/NBD"``.
    params : pandas.Series
        Natural-scale parameter estimates.
    cov_log : pandas.DataFrame
        Covariance of the log-parameters (``H⁻¹ / n_obs``).
    loglik : float
        Total log-likelihood in the data's time unit (penalizer excluded).
    n_obs : float
        Customers (sum of weights).
    n_patterns : int
        Distinct patterns the likelihood was evaluated on.
    iterations : int
        Optimizer iterations.
    grad_max : float
        Largest absolute gradient component at the optimum.
    penalizer_coef : float
        L2 penalizer used in the fit.
    converged : bool
        Always True (a fit that does not converge raises).
    """

    model: str
    params: pd.Series
    cov_log: pd.DataFrame
    loglik: float
    n_obs: float
    n_patterns: int
    iterations: int
    grad_max: float
    penalizer_coef: float
    converged: bool = True

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance of the natural-scale parameters (delta method)."""
        p = self.params.to_numpy()
        return pd.DataFrame(
            self.cov_log.to_numpy() * np.outer(p, p),
            index=self.params.index,
            columns=self.params.index,
        )

    @property
    def se(self) -> pd.Series:
        """Standard errors of the natural-scale parameters (delta method)."""
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index, name="se")

    @property
    def aic(self) -> float:
        """Akaike information criterion, ``2k − 2 loglik``."""
        return 2 * len(self.params) - 2 * self.loglik

    @property
    def bic(self) -> float:
        """Bayesian information criterion, ``k log n − 2 loglik``."""
        return len(self.params) * np.log(self.n_obs) - 2 * self.loglik

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Parameter table with a Wald interval on the log scale, exponentiated.

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
            self.params,
            self.se,
            np.exp(log_p - z * se_log),
            np.exp(log_p + z * se_log),
            level=level,
        )

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return (
            f"<{self.model} fit: {values}; loglik={self.loglik:,.1f}, n={self.n_obs:,.0f} "
            f"customers in {self.n_patterns:,} patterns>"
        )


# --------------------------------------------------------------------------- fitting


@dataclass
class Problem:
    """What ``fit`` optimizes: mean NLL over log-parameters and bookkeeping."""

    objective: Callable
    x0: np.ndarray
    n_obs: float
    n_patterns: int
    shift: float = 0.0  # add to the log-likelihood to express it in the data's time unit
    scale: float = 1.0  # time rescaling used in fitting (time parameters are divided by it)
    hessian: Callable | None = None
    newton_first: bool = False
    value_grad_hess: Callable | None = None  # (f, g, H) from one evaluation


WARM_START_ROWS = 20_000  # above this many patterns, start from a fit on a subsample


def warm_start(build, x, tx, T, w, fallback):
    """Log-parameters fitted on a binomial thinning of the customers (seeded, deterministic)."""
    rng = np.random.default_rng(12345)
    share = WARM_START_ROWS / len(x)
    sub = rng.binomial(np.round(w).astype(np.int64), share).astype(float)
    keep = sub > 0
    if keep.sum() < 100:
        return fallback, False
    objective = build(x[keep], tx[keep], T[keep], sub[keep])
    with np.errstate(all="ignore"):
        res = optimize.minimize(
            lambda th: objective(th)[:2],
            fallback,
            jac=True,
            method="BFGS",
            options={"gtol": 1e-6, "maxiter": 500},
        )
    ok = bool(np.all(np.isfinite(res.x)) and np.max(np.abs(res.x)) < 15)
    return (res.x, True) if ok else (fallback, False)


class Model:
    """Shared fitting machinery; subclasses define the likelihood (``_prepare``) and predictions.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        lifetimes' L2 penalizer on the natural-scale parameters.
    gtol : float, default 1e-7
        Gradient tolerance of the optimizer.
    max_iter : int, default 1000
        Iteration cap of the optimizer.
    unique_patterns : bool, default True
        Fit on distinct patterns with counts (same estimates, faster).
    """

    name = "model"
    param_names: tuple[str, ...] = ()
    time_params: tuple[str, ...] = ()  # parameters measured in time units (rescaled in fitting)
    lifetimes_fitter_name = ""  # name of the lifetimes fitter with the same likelihood

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        gtol: float = 1e-7,
        max_iter: int = 1000,
        unique_patterns: bool = True,
    ):
        self.penalizer_coef = penalizer_coef
        self.gtol = gtol
        self.max_iter = max_iter
        self.unique_patterns = unique_patterns

    @property
    def lifetimes_class(self) -> Any:
        """The lifetimes fitter class (imported on use: lifetimes is slow to import)."""
        import lifetimes

        return getattr(lifetimes, self.lifetimes_fitter_name)

    def _fitter_with_params(self) -> Any:
        """Return a new :attr:`lifetimes_class` instance with a copy of the fitted ``params_``."""
        check_fitted(self, "params_")
        fitter = self.lifetimes_class()
        fitter.params_ = self.params_.copy()
        return fitter

    def _prepare(self, data, weights) -> Problem:
        raise NotImplementedError

    def _check_params(self) -> None:
        if not (isinstance(self.penalizer_coef, (int, float)) and self.penalizer_coef >= 0):
            raise ParameterError(
                f"penalizer_coef must be a number >= 0, got {self.penalizer_coef!r}"
            )
        if not (isinstance(self.gtol, float) and 0 < self.gtol < 1e-2):
            raise ParameterError(f"gtol must be a float in (0, 0.01), got {self.gtol!r}")

    def fit(self, data: pd.DataFrame, weights=None) -> Self:
        """Fit by maximum likelihood on the distinct patterns of ``data``.

        With ``unique_patterns=False`` (hyper-parameter) every row enters the likelihood
        separately — same estimates, slower; kept for checking. Raises ``ConvergenceError``
        when the fit does not converge.

        Parameters
        ----------
        data : pandas.DataFrame
            Per-customer summary, one row per customer (see each model for its columns; the
            ``*_cal`` columns of ``rfm_summary(..., calibration_end=...)`` are read as they
            are).
        weights : array-like, optional
            Customers per row, e.g. for a table that is already aggregated.

        Returns
        -------
        Model
            ``self``, with ``params_``, ``result_`` (a :class:`FitResult`) and ``time_unit_``
            (``data.attrs["time_unit"]`` as ``rfm_summary`` records it, else None: unknown).
        """
        self._check_params()
        from threadpoolctl import threadpool_limits

        # one BLAS thread: the dot products here are small; threads only add contention
        with threadpool_limits(limits=1, user_api="blas"):
            pb = self._prepare(data, weights)
            opt = minimize_log_params(
                pb.objective,
                pb.x0,
                self.name,
                self.param_names,
                gtol=self.gtol,
                max_iter=self.max_iter,
                hessian=pb.hessian,
                newton_first=pb.newton_first,
                value_grad_hess=pb.value_grad_hess,
            )
        n_obs, n_patterns = pb.n_obs, pb.n_patterns
        params = np.exp(opt.x)
        for name in self.time_params:
            params[self.param_names.index(name)] /= pb.scale
        cov_log = np.linalg.inv(opt.hessian) / n_obs
        penalty = self.penalizer_coef * float(np.sum(np.exp(2 * opt.x)))
        loglik = -(opt.fun - penalty) * n_obs + pb.shift
        self.params_ = pd.Series(params, index=list(self.param_names), name=self.name)
        attrs = data.attrs if isinstance(data, pd.DataFrame) else {}
        self.time_unit_: str | None = attrs.get(TIME_UNIT_ATTR)
        self.result_ = FitResult(
            model=self.name,
            params=self.params_.copy(),
            cov_log=pd.DataFrame(cov_log, index=self.params_.index, columns=self.params_.index),
            loglik=float(loglik),
            n_obs=float(n_obs),
            n_patterns=int(n_patterns),
            iterations=opt.iterations,
            grad_max=float(np.max(np.abs(opt.grad))),
            penalizer_coef=float(self.penalizer_coef),
        )
        return self

    def _hyper_text(self) -> str:
        """Hyper-parameters that differ from their defaults, e.g. ``penalizer_coef=0.01, ``."""
        shown = [f"penalizer_coef={self.penalizer_coef:g}"] if self.penalizer_coef else []
        return "".join(f"{item}, " for item in shown)

    def __repr__(self) -> str:
        name = type(self).__name__
        params = getattr(self, "params_", None)
        if params is None:
            return f"{name}({self._hyper_text()}not fitted)"
        unit = getattr(self, "time_unit_", None)
        unit_text = f"time_unit={unit!r}, " if unit else ""
        values = ", ".join(f"{k}={v:.3g}" for k, v in params.items())
        n = f"{self.result_.n_obs:,.0f}" if getattr(self, "result_", None) is not None else "?"
        return f"{name}({unit_text}{self._hyper_text()}fitted on {n} customers: {values})"

    def _repr_html_(self) -> str:
        """Show the parameter table (``summary()``) in a notebook, escaped; else the repr."""
        from crm_models.reporting.escaping import escape_html, escaped_table

        if getattr(self, "result_", None) is None:
            return f"<pre>{escape_html(repr(self))}</pre>"
        table = escaped_table(self.summary(), precision=4).to_html()
        return f"<p>{escape_html(repr(self))}</p>{table}"

    def with_params(self, params) -> Self:
        """Return a copy of this fitted model with other parameter values (e.g. a parameter draw).

        Parameters
        ----------
        params : array-like
            One value per parameter, in ``param_names`` order.

        Returns
        -------
        Model
            A shallow copy whose ``params_`` are ``params``.
        """
        check_fitted(self, "params_")
        other = copy.copy(self)
        other.params_ = pd.Series(
            np.asarray(params, dtype=float), index=self.params_.index, name=self.name
        )
        return other

    def draw_params(self, n_draws: int, seed: int = 0) -> np.ndarray:
        """Parameter draws from the asymptotic normal distribution of the log-parameters.

        Parameters
        ----------
        n_draws : int
            Number of draws.
        seed : int, default 0
            Random seed.

        Returns
        -------
        numpy.ndarray
            ``n_draws`` × k natural-scale parameter draws.
        """
        check_fitted(self, "result_")
        rng = np.random.default_rng(seed)
        mean = np.log(self.result_.params.to_numpy())
        return np.exp(rng.multivariate_normal(mean, self.result_.cov_log.to_numpy(), size=n_draws))

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Parameter table of the fit (see :meth:`FitResult.summary`).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``, one row per parameter.
        """
        check_fitted(self, "result_")
        return self.result_.summary(level)
