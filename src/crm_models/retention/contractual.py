"""Contractual retention: the shifted-beta-geometric and beta-discrete-Weibull models.

- **sBG** (Fader & Hardie 2007, "How to project customer retention", *J. Interactive
  Marketing* 21(1)): each customer leaves at the end of each period with her own constant
  probability ``theta ~ Beta(alpha, beta)``; ``S(t) = B(alpha, beta + t) / B(alpha, beta)``.
  Retention rises with tenure only because the loyal customers remain (heterogeneity).
- **BdW** (Fader, Hardie, Liu, Davin & Steenburgh 2018, "How to project customer retention
  revisited: the role of duration dependence", *J. Interactive Marketing* 43): the individual
  churn probability also changes with tenure, ``S(t | theta) = (1 - theta) ** (t ** c)``;
  ``S(t) = B(alpha, beta + t ** c) / B(alpha, beta)``. ``c = 1`` is the sBG.

Fitted by maximum likelihood on log-parameters to cohort survivor counts (one cohort, or a
frame of cohorts of different ages: each contributes its churn per period and its last
survivors right-censored). Standard errors come from the observed information (numerical
Hessian on the log scale, delta method back); projections carry intervals from parameter
draws of the asymptotic normal. Periods are the data's periods (months or years); ``T`` is
the period in which a customer leaves (``T >= 1``; she was active in periods 0..T-1).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from scipy import optimize, special

from crm_models.errors import ConvergenceError, ParameterError
from crm_models.results import Result, check_fitted, check_level, estimate_table, z_value
from crm_models.retention._cohort_checks import survivor_arrays
from crm_models.retention.reference import fader_hardie_2007, simulate_cohorts

__all__ = [
    "BetaDiscreteWeibull",
    "ContractualFit",
    "ShiftedBetaGeometric",
    "fader_hardie_2007",
    "simulate_cohorts",
]

LIFETIME_TAIL = 1e-12
"""BdW sums stop where the neglected discounted tail (or survival) falls below this."""


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


class _ContractualModel:
    """Shared machinery; subclasses give the names and the survival function."""

    model: ClassVar[str] = ""
    names: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.params_: dict[str, float] | None = None
        self.result_: ContractualFit | None = None

    # ------------------------------------------------------------------ the model
    @staticmethod
    def _log_survival(p: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Return log S(t) for parameter rows ``p`` (shape (..., k)) broadcast against periods ``t``."""
        raise NotImplementedError

    def _log_churn(self, p: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Return log P(T = t) = log(S(t-1) - S(t)) for t >= 1 (stable log-difference)."""
        upper, lower = self._log_survival(p, t - 1), self._log_survival(p, t)
        with np.errstate(divide="ignore"):
            return upper + np.log(-np.expm1(lower - upper))

    def _loglik(self, log_params: np.ndarray, churned: np.ndarray, censored: np.ndarray) -> float:
        """Log-likelihood of the aggregated counts (periods 0..K) at ``exp(log_params)``."""
        p = np.exp(log_params)
        t = np.arange(churned.size)
        used = churned > 0
        ll = np.dot(churned[used], self._log_churn(p, t[used]))
        ll += np.dot(censored, self._log_survival(p, t))
        return float(ll) if np.isfinite(ll) else -np.inf

    # ------------------------------------------------------------------ fitting
    def fit(self, survivors: Any, *, cohort: Any = None) -> Self:
        """Fit the model by maximum likelihood to cohort survivor counts.

        Parameters
        ----------
        survivors : array-like or pandas.DataFrame
            One cohort: 1-D counts of customers active at the start of period 0, 1, ..., n
            (``survivors[0]`` is the cohort size). Several cohorts of different ages: a frame
            with columns ``cohort, period, n_active`` (periods 0..k per cohort; each cohort's
            last count is right-censored).
        cohort : hashable or list, optional
            With a frame: the cohort label(s) to fit (None: every cohort, jointly).

        Returns
        -------
        self
            Fitted model: ``params_`` (dict of floats) and ``result_`` (:class:`ContractualFit`).
        """
        churned, censored, n_cohorts = survivor_arrays(
            survivors, len(self.names), self.model, cohort
        )
        n = float(churned.sum() + censored.sum())

        def objective(x: np.ndarray) -> float:
            value = -self._loglik(x, churned, censored) / n
            return value if np.isfinite(value) else 1e10

        x0 = np.zeros(len(self.names))
        simplex = {"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000}
        start = optimize.minimize(objective, x0, method="Nelder-Mead", options=simplex)
        res = optimize.minimize(objective, start.x, method="BFGS", options={"gtol": 1e-9})
        x = res.x if res.fun <= start.fun else start.x
        hess = _hessian(lambda v: -self._loglik(v, churned, censored), x)
        eig = np.linalg.eigvalsh(hess) if np.all(np.isfinite(hess)) else np.array([-1.0])
        if np.max(np.abs(x)) > 12 or eig.min() <= 0:
            raise ConvergenceError(
                f"{self.model}: the fit did not converge to a proper maximum (log-parameters "
                f"{np.round(x, 2).tolist()}); the data may show no heterogeneity or too few "
                "periods — try more periods, more cohorts or the simpler sBG"
            )
        params = pd.Series(np.exp(x), index=list(self.names), dtype=float)
        cov = pd.DataFrame(np.linalg.inv(hess), index=params.index, columns=params.index)
        self.result_ = ContractualFit(
            model=self.model, params=params, cov_log=cov,
            loglik=self._loglik(x, churned, censored), n_customers=int(round(n)),
            n_cohorts=n_cohorts, n_periods=churned.size - 1,
        )  # fmt: skip
        self.params_ = {k: float(v) for k, v in params.items()}
        return self

    def _p(self) -> np.ndarray:
        check_fitted(self, "params_")
        assert self.params_ is not None
        return np.array([self.params_[k] for k in self.names])

    def _draws(self, n_draws: int, seed: int | None) -> np.ndarray:
        """Parameter draws from the asymptotic normal of the log-parameters, shape (n, k)."""
        check_fitted(self, "result_")
        assert self.result_ is not None
        if not isinstance(n_draws, (int, np.integer)) or n_draws < 10:
            raise ParameterError(f"n_draws must be an integer >= 10, got {n_draws!r}")
        rng = np.random.default_rng(seed)
        log_p = np.log(self._p())
        return np.exp(rng.multivariate_normal(log_p, self.result_.cov_log.to_numpy(), n_draws))

    # ------------------------------------------------------------------ results
    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Parameter estimates with standard errors and ``level`` intervals.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            One row per parameter; columns ``estimate, se, ci_low, ci_high``.
        """
        check_fitted(self, "result_")
        assert self.result_ is not None
        return self.result_.summary(level)

    def survival(self, periods: Any) -> np.ndarray:
        """Share of a cohort still active after ``t`` periods, ``S(t)``.

        Parameters
        ----------
        periods : int or array-like of int
            Periods ``t >= 0``; an int ``n`` means ``0..n``.

        Returns
        -------
        numpy.ndarray
            ``S(t)`` in [0, 1], one per period (``S(0) = 1``).
        """
        return np.exp(self._log_survival(self._p(), _periods(periods)))

    def retention_rate(self, periods: Any) -> np.ndarray:
        """Share of the customers active in period ``t - 1`` who renew, ``r(t) = S(t) / S(t-1)``.

        Parameters
        ----------
        periods : int or array-like of int
            Periods ``t >= 1``; an int ``n`` means ``1..n``.

        Returns
        -------
        numpy.ndarray
            Retention rates in [0, 1], one per period.
        """
        t = _periods(periods, low=1)
        p = self._p()
        return np.exp(self._log_survival(p, t) - self._log_survival(p, t - 1))

    def projection(
        self, periods: Any, level: float = 0.95, n_draws: int = 1000, seed: int | None = 0
    ) -> pd.DataFrame:
        """Projected survival and retention with intervals from parameter draws.

        Parameters
        ----------
        periods : int or array-like of int
            Periods ``t >= 0`` to project; an int ``n`` means ``0..n``.
        level : float, default 0.95
            Confidence level of the survival interval.
        n_draws : int, default 1000
            Parameter draws from the asymptotic normal of the log-parameters.
        seed : int or None, default 0
            Random seed of the draws.

        Returns
        -------
        pandas.DataFrame
            One row per period: ``period``, ``survival`` (share active), ``retention_rate``
            (NaN at period 0), ``ci_low`` and ``ci_high`` (``level`` interval of survival).
        """
        check_level(level)
        t = _periods(periods)
        draws = np.exp(self._log_survival(self._draws(n_draws, seed)[:, None, :], t))
        tail = (1 - level) / 2
        p = self._p()
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.exp(self._log_survival(p, t) - self._log_survival(p, np.maximum(t - 1, 0)))
        return pd.DataFrame({
            "period": t,
            "survival": np.exp(self._log_survival(p, t)),
            "retention_rate": np.where(t >= 1, rate, np.nan),
            "ci_low": np.quantile(draws, tail, axis=0),
            "ci_high": np.quantile(draws, 1 - tail, axis=0),
        })  # fmt: skip

    def expected_lifetime(self, horizon: int | None = None) -> float:
        """Return the expected number of periods a new customer stays, ``E[T] = sum_{t>=0} S(t)``.

        Parameters
        ----------
        horizon : int, optional
            Count only the first ``horizon`` periods: ``sum_{t < horizon} S(t)``. None: the
            whole lifetime (infinite when the tail is too heavy, see the model).

        Returns
        -------
        float
            Periods (``inf`` when the expectation diverges and no horizon is given).
        """
        p = self._p()
        if horizon is not None:
            if not isinstance(horizon, (int, np.integer)) or horizon < 1:
                raise ParameterError(f"horizon must be an integer >= 1, got {horizon!r}")
            return float(np.exp(self._log_survival(p, np.arange(int(horizon)))).sum())
        return self._lifetime(p)

    def _lifetime(self, p: np.ndarray) -> float:
        raise NotImplementedError

    def derl(self, discount_rate: float, renewals: int = 0) -> float:
        """Discounted expected residual lifetime (Fader & Hardie 2010), in periods.

        For a customer who has made ``renewals`` renewals and is about to decide on the next:
        ``DERL = sum_{t >= n} S(t) / S(n - 1) / (1 + d) ** (t - n)`` with ``n = renewals + 1``
        (the next payment undiscounted). Multiply by the margin per period for the residual
        lifetime value; ``1 + derl(d, 0)`` is the discounted expected lifetime of a new
        customer who has just paid for her first period.

        Parameters
        ----------
        discount_rate : float
            Discount rate per period ``d`` (> 0), e.g. 0.1 a year.
        renewals : int, default 0
            Renewals the customer has made (0: just acquired).

        Returns
        -------
        float
            Discounted periods (residual; multiply by the margin per period for money).
        """
        d = float(discount_rate) if isinstance(discount_rate, (int, float, np.number)) else -1.0
        if not (np.isfinite(d) and d > 0):
            raise ParameterError(f"discount_rate must be a number > 0, got {discount_rate!r}")
        if not isinstance(renewals, (int, np.integer)) or renewals < 0:
            raise ParameterError(f"renewals must be an integer >= 0, got {renewals!r}")
        return self._derl(self._p(), d, int(renewals) + 1)

    def _derl(self, p: np.ndarray, d: float, n: int) -> float:
        """Numeric discounted sum, stopped where the discounted tail is below LIFETIME_TAIL."""
        k = np.arange(int(np.ceil(np.log(1 / LIFETIME_TAIL) / np.log1p(d))) + 1)
        log_s = self._log_survival(p, n + k) - self._log_survival(p, np.array(n - 1))
        return float(np.exp(log_s - k * np.log1p(d)).sum())


class ShiftedBetaGeometric(_ContractualModel):
    """Shifted-beta-geometric model of contract renewals (Fader & Hardie 2007).

    ``S(t) = B(alpha, beta + t) / B(alpha, beta)``; ``r(t) = (beta + t - 1) / (alpha + beta +
    t - 1)``. Fitted attributes: ``params_`` ({"alpha", "beta"}) and ``result_``.
    """

    model = "sBG"
    names = ("alpha", "beta")

    @staticmethod
    def _log_survival(p: np.ndarray, t: np.ndarray) -> np.ndarray:
        a, b = p[..., 0], p[..., 1]
        return special.betaln(a, b + t) - special.betaln(a, b)

    def _log_churn(self, p: np.ndarray, t: np.ndarray) -> np.ndarray:
        a, b = p[..., 0], p[..., 1]
        return special.betaln(a + 1, b + t - 1) - special.betaln(a, b)

    def _lifetime(self, p: np.ndarray) -> float:
        a, b = p
        return float((a + b - 1) / (a - 1)) if a > 1 else float("inf")

    def _derl(self, p: np.ndarray, d: float, n: int) -> float:
        a, b = p
        z = 1 / (1 + d)
        return float((b + n - 1) / (a + b + n - 1) * special.hyp2f1(1, b + n, a + b + n, z))


class BetaDiscreteWeibull(_ContractualModel):
    """Beta-discrete-Weibull model of contract renewals (Fader, Hardie, Liu et al. 2018).

    ``S(t) = B(alpha, beta + t ** c) / B(alpha, beta)``: ``c < 1`` each customer's churn
    probability falls with tenure, ``c > 1`` it rises, ``c = 1`` is the sBG. Expected lifetime
    and DERL are numeric sums (no closed form). Fitted attributes: ``params_`` ({"alpha",
    "beta", "c"}) and ``result_``.
    """

    model = "BdW"
    names = ("alpha", "beta", "c")

    @staticmethod
    def _log_survival(p: np.ndarray, t: np.ndarray) -> np.ndarray:
        a, b, c = p[..., 0], p[..., 1], p[..., 2]
        return special.betaln(a, b + np.power(t, c)) - special.betaln(a, b)

    def _lifetime(self, p: np.ndarray) -> float:
        a, b, c = p
        if a * c <= 1:  # S(t) ~ Gamma(a) / B(a, b) * t ** (-a c): the sum diverges
            return float("inf")
        horizon = 200_000
        body = float(np.exp(self._log_survival(p, np.arange(horizon))).sum())
        log_k = special.gammaln(a) - special.betaln(a, b)
        tail = np.exp(log_k + (1 - a * c) * np.log(horizon - 0.5)) / (a * c - 1)
        return body + float(tail)


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
