"""Buy-till-you-die models, spend model and customer lifetime value on top of ``lifetimes``.

One class per model, scikit-learn style (hyper-parameters in ``__init__``, ``fit`` returns
``self``, learned attributes end in ``_``), each with a statsmodels-like ``result_``
(``summary()``, ``conf_int()``, log-likelihood, standard errors):

=================  ==============================  ============================================
class              lifetimes likelihood             data (per customer)
=================  ==============================  ============================================
``BGNBD``          ``BetaGeoFitter``               frequency, recency, T (continuous time)
``MBGNBD``         ``ModifiedBetaGeoFitter``       frequency, recency, T
``ParetoNBD``      ``ParetoNBDFitter``             frequency, recency, T
``BGBB``           ``BetaGeoBetaBinomFitter``      frequency, recency, n_periods (discrete)
``GammaGamma``     ``GammaGammaFitter``            frequency > 0, monetary_value > 0
=================  ==============================  ============================================

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
- **Log-likelihood in the data's time unit** (lifetimes reports it in rescaled time), so the
  CDNOW BG/NBD fit shows the published −9,582.4.

Time units: whatever unit ``recency`` and ``T`` are in (days, weeks); ``alpha`` (and Pareto/NBD
``beta``) are in that unit. ``time_unit`` ('D' or 'W') only matters for CLV's months.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import betaln, gammaln, hyp2f1

from crm_models.errors import DataValidationError, ParameterError
from crm_models.value._likelihoods import (
    BGNBDData,
    GammaGammaData,
    bgnbd_objective,
    gamma_gamma_objective,
)
from crm_models.value._optim import minimize_log_params, numerical_gradient

PERIODS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "H": 30.0 * 24}
"""Time units per month, as in ``lifetimes.utils._customer_lifetime_value``."""


# --------------------------------------------------------------------------- results


@dataclass
class FitResult:
    """Fitted parameters with their uncertainty (statsmodels-like).

    ``cov_log`` is the covariance of the log-parameters (``H⁻¹ / n_obs``); ``cov`` its delta-
    method image on the natural scale. ``loglik`` is the total log-likelihood in the data's time
    unit (penalizer excluded).
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
    extra: dict = field(default_factory=dict)

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance of the natural-scale parameters (delta method)."""
        p = self.params.to_numpy()
        return pd.DataFrame(self.cov_log.to_numpy() * np.outer(p, p), index=self.params.index,
                            columns=self.params.index)

    @property
    def se(self) -> pd.Series:
        """Standard errors of the natural-scale parameters."""
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index, name="se")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald interval on the log scale, exponentiated: columns ``lower``, ``upper``."""
        if not 0 < level < 1:
            raise ParameterError(f"level must be in (0, 1), got {level!r}")
        z = stats.norm.ppf(0.5 + level / 2)
        se_log = np.sqrt(np.diag(self.cov_log.to_numpy()))
        log_p = np.log(self.params.to_numpy())
        return pd.DataFrame({"lower": np.exp(log_p - z * se_log), "upper": np.exp(log_p + z * se_log)},
                            index=self.params.index)

    @property
    def aic(self) -> float:
        return 2 * len(self.params) - 2 * self.loglik

    @property
    def bic(self) -> float:
        return len(self.params) * np.log(self.n_obs) - 2 * self.loglik

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Table: coef, se, lower, upper (log-scale Wald interval) per parameter."""
        ci = self.conf_int(level)
        return pd.DataFrame({"coef": self.params, "se": self.se, "lower": ci["lower"],
                             "upper": ci["upper"]})

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return (f"<{self.model} fit: {values}; loglik={self.loglik:,.1f}, n={self.n_obs:,.0f} "
                f"customers in {self.n_patterns:,} patterns>")


# --------------------------------------------------------------------------- validation


def _column(frame: pd.DataFrame, name: str, source: str) -> np.ndarray:
    if name not in frame.columns:
        raise DataValidationError(
            f"{source}: missing column '{name}' (have {list(frame.columns)}); expected a per-customer "
            "summary with frequency, recency, T (see crm_models.data.summary.rfm_summary)"
        )
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataValidationError(
            f"{source}: column '{name}' has {int(bad.sum())} missing/non-numeric value(s), "
            f"e.g. at index {list(frame.index[bad][:5])}"
        )
    return values


def _fail_rows(frame: pd.DataFrame, mask: np.ndarray, source: str, message: str) -> None:
    if mask.any():
        raise DataValidationError(
            f"{source}: {message} in {int(mask.sum())} row(s), e.g. at index {list(frame.index[mask][:5])}"
        )


def rfm_arrays(data: pd.DataFrame, source: str = "summary", third: str = "T"):
    """Validated NumPy arrays (frequency, recency, T) from a per-customer summary frame."""
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(f"{source}: expected a pandas DataFrame, got {type(data).__name__}")
    if len(data) == 0:
        raise DataValidationError(f"{source}: the summary is empty")
    x = _column(data, "frequency", source)
    tx = _column(data, "recency", source)
    T = _column(data, third, source)
    _fail_rows(data, x < 0, source, "column 'frequency' is negative")
    _fail_rows(data, x != np.round(x), source, "column 'frequency' is not a whole number")
    _fail_rows(data, tx < 0, source, "column 'recency' is negative")
    _fail_rows(data, tx > T, source, f"column 'recency' is larger than '{third}'")
    _fail_rows(data, (x == 0) & (tx != 0), source, "column 'recency' is not 0 where frequency is 0")
    _fail_rows(data, T <= 0, source, f"column '{third}' is not positive")
    return x, tx, T


def _weights(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ParameterError(f"weights must be {n} finite non-negative numbers with a positive sum")
    return w


def compress(columns: dict[str, np.ndarray], weights: np.ndarray | None = None):
    """Distinct rows of ``columns`` with summed ``weights`` and the inverse index.

    Returns ``(patterns: DataFrame, counts: ndarray, inverse: ndarray)`` such that
    ``patterns.iloc[inverse]`` reproduces the input rows.
    """
    keys = pd.DataFrame(columns)
    inverse = keys.groupby(list(columns), sort=False, observed=True).ngroup().to_numpy()
    n_groups = int(inverse.max()) + 1 if len(inverse) else 0
    counts = np.bincount(inverse, weights=weights, minlength=n_groups)
    first = np.full(n_groups, len(inverse), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(inverse)))
    patterns = keys.iloc[first].reset_index(drop=True)
    return patterns, counts, inverse


# --------------------------------------------------------------------------- base class


@dataclass
class _Problem:
    """What ``fit`` optimizes: mean NLL over log-parameters and bookkeeping."""

    objective: Callable
    x0: np.ndarray
    n_obs: float
    n_patterns: int
    shift: float = 0.0  # add to the log-likelihood to express it in the data's time unit
    scale: float = 1.0  # time rescaling used in fitting (time parameters are divided by it)
    hessian: Callable | None = None
    newton_first: bool = False


WARM_START_ROWS = 20_000  # above this many patterns, start from a fit on a subsample


def _warm_start(build, x, tx, T, w, fallback):
    """Log-parameters fitted on a binomial thinning of the customers (seeded, deterministic)."""
    rng = np.random.default_rng(12345)
    share = WARM_START_ROWS / len(x)
    sub = rng.binomial(np.round(w).astype(np.int64), share).astype(float)
    keep = sub > 0
    if keep.sum() < 100:
        return fallback, False
    objective = build(x[keep], tx[keep], T[keep], sub[keep])
    with np.errstate(all="ignore"):
        res = optimize.minimize(lambda th: objective(th)[:2], fallback, jac=True, method="BFGS",
                                options={"gtol": 1e-6, "maxiter": 500})
    ok = bool(np.all(np.isfinite(res.x)) and np.max(np.abs(res.x)) < 15)
    return (res.x, True) if ok else (fallback, False)


class _Model:
    """Shared fitting machinery; subclasses define the likelihood and predictions."""

    name = "model"
    param_names: tuple[str, ...] = ()
    time_params: tuple[str, ...] = ()  # parameters measured in time units (rescaled in fitting)
    lifetimes_fitter_name = ""  # name of the lifetimes fitter with the same likelihood

    @property
    def lifetimes_class(self) -> type:
        """The lifetimes fitter class (imported on use: lifetimes is slow to import)."""
        import lifetimes

        return getattr(lifetimes, self.lifetimes_fitter_name)

    def __init__(self, penalizer_coef: float = 0.0, gtol: float = 1e-7, max_iter: int = 1000,
                 unique_patterns: bool = True):
        self.penalizer_coef = penalizer_coef
        self.gtol = gtol
        self.max_iter = max_iter
        self.unique_patterns = unique_patterns

    # -- to implement
    def _prepare(self, data, weights) -> _Problem:
        raise NotImplementedError

    def _check_params(self) -> None:
        if not (isinstance(self.penalizer_coef, (int, float)) and self.penalizer_coef >= 0):
            raise ParameterError(f"penalizer_coef must be a number >= 0, got {self.penalizer_coef!r}")
        if not (isinstance(self.gtol, float) and 0 < self.gtol < 1e-2):
            raise ParameterError(f"gtol must be a float in (0, 0.01), got {self.gtol!r}")

    def fit(self, data: pd.DataFrame, weights=None):
        """Fit by maximum likelihood on the distinct patterns of ``data``; returns ``self``.

        With ``unique_patterns=False`` (hyper-parameter) every row enters the likelihood
        separately — same estimates, slower; kept for checking.

        ``weights`` (optional, one per row) counts customers per row, e.g. for a table that is
        already aggregated. Raises ``ConvergenceError`` when the fit does not converge.
        """
        self._check_params()
        from threadpoolctl import threadpool_limits

        # one BLAS thread: the dot products here are small; threads only add contention
        with threadpool_limits(limits=1, user_api="blas"):
            pb = self._prepare(data, weights)
            opt = minimize_log_params(pb.objective, pb.x0, self.name, self.param_names,
                                      gtol=self.gtol, max_iter=self.max_iter, hessian=pb.hessian,
                                      newton_first=pb.newton_first)
        n_obs, n_patterns = pb.n_obs, pb.n_patterns
        params = np.exp(opt.x)
        for name in self.time_params:
            params[self.param_names.index(name)] /= pb.scale
        cov_log = np.linalg.inv(opt.hessian) / n_obs
        penalty = self.penalizer_coef * float(np.sum(np.exp(2 * opt.x)))
        loglik = -(opt.fun - penalty) * n_obs + pb.shift
        self.params_ = pd.Series(params, index=list(self.param_names), name=self.name)
        self.result_ = FitResult(
            model=self.name, params=self.params_.copy(),
            cov_log=pd.DataFrame(cov_log, index=self.params_.index, columns=self.params_.index),
            loglik=float(loglik), n_obs=float(n_obs), n_patterns=int(n_patterns),
            iterations=opt.iterations, grad_max=float(np.max(np.abs(opt.grad))),
            penalizer_coef=float(self.penalizer_coef),
        )
        return self

    def _fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ParameterError(f"{self.name}: call fit(...) before predicting")

    def with_params(self, params) -> _Model:
        """A copy of this fitted model with other parameter values (e.g. a posterior draw)."""
        self._fitted()
        other = copy.copy(self)
        other.params_ = pd.Series(np.asarray(params, dtype=float), index=self.params_.index,
                                  name=self.name)
        return other

    def draw_params(self, n_draws: int, seed: int = 0) -> np.ndarray:
        """``n_draws`` × k parameter draws from the asymptotic normal of the log-parameters."""
        self._fitted()
        rng = np.random.default_rng(seed)
        mean = np.log(self.result_.params.to_numpy())
        return np.exp(rng.multivariate_normal(mean, self.result_.cov_log.to_numpy(), size=n_draws))

    def summary(self) -> pd.DataFrame:
        """Parameter table of the fit (coef, se, 95% interval)."""
        self._fitted()
        return self.result_.summary()


class _TransactionModel(_Model):
    """Continuous-time models of repeat purchases on (frequency, recency, T)."""

    def _lifetimes_nll(self):
        return self.lifetimes_class._negative_log_likelihood

    def _prepare(self, data, weights):
        x, tx, T = rfm_arrays(data, f"{self.name}.fit")
        counts = _weights(weights, len(x))
        if self.unique_patterns:
            patterns, counts, _ = compress({"frequency": x, "recency": tx, "T": T}, counts)
            x, tx, T = (patterns[c].to_numpy() for c in ("frequency", "recency", "T"))
        keep = counts > 0
        x, tx, T, counts = x[keep], tx[keep], T[keep], counts[keep]
        scale = 1.0 / T.max()
        x0 = np.full(len(self.param_names), 0.1)  # lifetimes' starting point
        objective, hessian = self._objective(x, tx * scale, T * scale, counts)
        newton_first = False
        if hessian is not None and len(x) > WARM_START_ROWS:
            x0, newton_first = _warm_start(lambda *a: self._objective(*a)[0], x, tx * scale,
                                           T * scale, counts, x0)
        # each purchase time contributes a density in 1/time: shift back from rescaled time
        shift = float(counts @ x) * np.log(scale)
        return _Problem(objective, x0, float(counts.sum()), len(x), shift, scale, hessian,
                        newton_first)

    def _objective(self, x, tx, T, w):
        """(value-and-gradient, analytic Hessian or None) on rescaled data."""
        from autograd import value_and_grad

        nll = value_and_grad(self._lifetimes_nll())
        pen = self.penalizer_coef
        return (lambda theta: nll(theta, x, tx, T, w, pen)), None

    def lifetimes_fitter(self):
        """A lifetimes fitter carrying these parameters (for lifetimes' own prediction methods)."""
        self._fitted()
        fitter = self.lifetimes_class()
        fitter.params_ = self.params_.copy()
        fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time
        return fitter

    def expected_purchases(self, t, data: pd.DataFrame) -> np.ndarray:
        """Expected repeat purchases in (T, T + t] per customer, given the history in ``data``."""
        x, tx, T = rfm_arrays(data, f"{self.name}.expected_purchases")
        with np.errstate(all="ignore"):
            return np.asarray(self.lifetimes_fitter().conditional_expected_number_of_purchases_up_to_time(
                t, x, tx, T), dtype=float)

    def p_alive(self, data: pd.DataFrame) -> np.ndarray:
        """Probability that each customer is still active at T."""
        x, tx, T = rfm_arrays(data, f"{self.name}.p_alive")
        with np.errstate(all="ignore"):
            return np.asarray(self.lifetimes_fitter().conditional_probability_alive(x, tx, T), dtype=float)

    def expected_purchases_new(self, t) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a new customer (unconditional)."""
        self._fitted()
        return np.asarray(self.lifetimes_fitter().expected_number_of_purchases_up_to_time(t), dtype=float)

    def _cum_purchases_on_patterns(self, times, x, tx, T) -> np.ndarray:
        """Expected purchases in (T, T + t] for each t in ``times``: shape (len(times), n)."""
        fitter = self.lifetimes_fitter()
        out = np.zeros((len(times), len(x)))
        with np.errstate(all="ignore"):
            for k, t in enumerate(times):
                if t > 0:
                    out[k] = fitter.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T)
        return out


def _period_counts(params, T, max_count: int, modified: bool) -> np.ndarray:
    """Σ_i P(X(T_i) = k) for k < max_count, then the rest; BG/NBD or MBG/NBD closed form.

    With NB(j) the NBD probability of j purchases in t:
    BG/NBD  P(k) = B(a, b+k)/B(a, b)·NB(k) + [k > 0]·B(a+1, b+k−1)/B(a, b)·(1 − Σ_{j<k} NB(j));
    MBG/NBD P(k) = B(a, b+k+1)/B(a, b)·NB(k) + B(a+1, b+k)/B(a, b)·(1 − Σ_{j<k} NB(j)).
    """
    r, alpha, a, b = params
    uT, nT = np.unique(np.asarray(T, dtype=float), return_counts=True)
    k = np.arange(max_count, dtype=float)[:, None]
    log_nb = (gammaln(r + k) - gammaln(r) - gammaln(k + 1) + r * np.log(alpha / (alpha + uT))
              + k * np.log(uT / (alpha + uT)))
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


class _BetaGeometricModel(_TransactionModel):
    """Models with geometric dropout after each purchase (BG/NBD, MBG/NBD)."""

    dropout_at_zero = False  # MBG/NBD: customers can also drop out before any repeat purchase

    def period_count_distribution(self, T: np.ndarray, max_count: int) -> np.ndarray:
        """Expected number of customers with 0, 1, …, ``max_count``+ repeat purchases by their T.

        Sums P(X(T_i) = k) over customers (FHL 2005 eq. 8); the last cell is "max_count or more".
        """
        self._fitted()
        return _period_counts(self.params_.to_numpy(), T, max_count, modified=self.dropout_at_zero)


class BGNBD(_BetaGeometricModel):
    """BG/NBD (Fader, Hardie & Lee 2005): Poisson purchases, geometric dropout after each.

    Parameters r, alpha (Gamma purchase-rate heterogeneity, alpha in time units), a, b (Beta
    dropout probability). Fitted with an exact analytic gradient (same likelihood as lifetimes'
    ``BetaGeoFitter``).
    """

    name = "BG/NBD"
    param_names = ("r", "alpha", "a", "b")
    time_params = ("alpha",)
    lifetimes_fitter_name = "BetaGeoFitter"

    def _objective(self, x, tx, T, w):
        data = BGNBDData.build(x, tx, T, w)
        pen = self.penalizer_coef
        return ((lambda theta: bgnbd_objective(theta, data, pen)),
                (lambda theta: bgnbd_objective(theta, data, pen, hessian=True)[2]))


    def _cum_purchases_on_patterns(self, times, x, tx, T) -> np.ndarray:
        """Fast path: E[X(t) | x, t_x, T] = N(t; x, T) · P(alive | x, t_x, T).

        N (the hypergeometric part) depends on (x, T) only, so it is computed once per distinct
        (x, T) pair and time point; P(alive) once per row. Same formula as lifetimes.
        """
        r, alpha, a, b = self.params_.to_numpy()
        pairs, _, inv = compress({"x": x, "T": T})
        ux, uT = pairs["x"].to_numpy(), pairs["T"].to_numpy()
        out = np.zeros((len(times), len(x)))
        with np.errstate(all="ignore"):
            _a, _b, _c = r + ux, b + ux, a + b + ux - 1
            first = (a + b + ux - 1) / (a - 1)
            for k, t in enumerate(times):
                if t <= 0:
                    continue
                z = t / (alpha + uT + t)
                ln_h = np.log(hyp2f1(_a, _b, _c, z))
                alt = np.log(hyp2f1(_c - _a, _c - _b, _c, z)) + (_c - _a - _b) * np.log(1 - z)
                ln_h = np.where(np.isinf(ln_h), alt, ln_h)
                numer = first * (1 - np.exp(ln_h + (r + ux) * np.log((alpha + uT) / (alpha + t + uT))))
                out[k] = numer[inv]
            denom = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
        return out / denom


class MBGNBD(_BetaGeometricModel):
    """MBG/NBD (Batislam et al. 2007): like BG/NBD, but customers can also drop out at time 0."""

    name = "MBG/NBD"
    param_names = ("r", "alpha", "a", "b")
    time_params = ("alpha",)
    lifetimes_fitter_name = "ModifiedBetaGeoFitter"
    dropout_at_zero = True



class ParetoNBD(_TransactionModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): Poisson purchases, exponential lifetime.

    Parameters r, alpha (purchase rate), s, beta (dropout rate; alpha and beta in time units).
    lifetimes fits it with Nelder-Mead and no standard errors; here: BFGS with a central-
    difference gradient of lifetimes' log-likelihood, Newton polish, Hessian-based errors.
    """

    name = "Pareto/NBD"
    param_names = ("r", "alpha", "s", "beta")
    time_params = ("alpha", "beta")
    lifetimes_fitter_name = "ParetoNBDFitter"

    def __init__(self, penalizer_coef: float = 0.0, gtol: float = 1e-6, max_iter: int = 1000,
                 unique_patterns: bool = True):
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
        """Expected repeat purchases in (0, t] of a new customer (unconditional)."""
        self._fitted()
        r, alpha, s, beta = self.params_.to_numpy()
        t = np.asarray(t, dtype=float)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


def _periods_alias(data):
    if isinstance(data, pd.DataFrame) and "n_periods" not in data.columns and "periods" in data.columns:
        return data.rename(columns={"periods": "n_periods"})
    return data


class BGBB(_Model):
    """BG/BB (Fader, Hardie & Shang 2010) for discrete purchase opportunities.

    Data: frequency (purchases in n_periods opportunities after the first), recency (period
    of the last purchase) and n_periods (or ``periods``, as in lifetimes' donations table),
    optionally a ``weights`` column counting customers per row; parameters alpha, beta (purchase probability), gamma,
    delta (dropout probability). Likelihood of lifetimes' ``BetaGeoBetaBinomFitter``.
    """

    name = "BG/BB"
    param_names = ("alpha", "beta", "gamma", "delta")
    lifetimes_fitter_name = "BetaGeoBetaBinomFitter"

    def _prepare(self, data, weights):
        from autograd import value_and_grad

        data = _periods_alias(data)
        x, tx, n = rfm_arrays(data, f"{self.name}.fit", third="n_periods")
        if weights is None and "weights" in data.columns:
            weights = data["weights"].to_numpy(dtype=float)
        w = _weights(weights, len(x))
        _fail_rows(data, n != np.round(n), f"{self.name}.fit", "column 'n_periods' is not a whole number")
        _fail_rows(data, x > n, f"{self.name}.fit", "column 'frequency' is larger than 'n_periods'")
        counts = w
        if self.unique_patterns:
            patterns, counts, _ = compress({"frequency": x, "recency": tx, "n_periods": n}, w)
            x, tx, n = (patterns[c].to_numpy() for c in ("frequency", "recency", "n_periods"))
        keep = counts > 0
        x, tx, n = (v[keep].astype(np.int64) for v in (x, tx, n))
        counts = counts[keep]
        nll = value_and_grad(self.lifetimes_class._negative_log_likelihood)
        pen = self.penalizer_coef
        return _Problem(lambda theta: nll(theta, x, tx, n, counts, pen), np.full(4, 0.1),
                        float(counts.sum()), len(x))

    def lifetimes_fitter(self):
        """A lifetimes ``BetaGeoBetaBinomFitter`` carrying these parameters."""
        self._fitted()
        fitter = self.lifetimes_class()
        fitter.params_ = self.params_.copy()
        return fitter

    def expected_purchases(self, m_periods: int, data: pd.DataFrame) -> np.ndarray:
        """Expected purchases in the next ``m_periods`` opportunities per customer."""
        x, tx, n = rfm_arrays(_periods_alias(data), f"{self.name}.expected_purchases",
                              third="n_periods")
        return np.asarray(self.lifetimes_fitter().conditional_expected_number_of_purchases_up_to_time(
            m_periods, x, tx.astype(np.int64), n.astype(np.int64)), dtype=float)

    def p_alive(self, data: pd.DataFrame, m_periods: int = 0) -> np.ndarray:
        """Probability of being alive at opportunity n_periods + ``m_periods``."""
        x, tx, n = rfm_arrays(_periods_alias(data), f"{self.name}.p_alive", third="n_periods")
        return np.asarray(self.lifetimes_fitter().conditional_probability_alive(
            m_periods, x, tx.astype(np.int64), n.astype(np.int64)), dtype=float)


class GammaGamma(_Model):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005b; lifetimes' naming p, q, v).

    Fitted on repeat customers only (frequency > 0) with their mean repeat spend
    ``monetary_value``; rows with frequency 0 are ignored. Mean spend per transaction in the
    population is ``p v / (q − 1)``. ``independence_`` after fitting: the correlation between
    frequency and mean spend, which the model assumes to be ~0.

    ``nonpositive``: what to do with repeat customers whose mean spend is <= 0 (e.g. free
    items): 'raise' (default) or 'drop' them from the fit (``n_dropped_`` counts them).
    """

    name = "Gamma-Gamma"
    param_names = ("p", "q", "v")

    def __init__(self, penalizer_coef: float = 0.0, gtol: float = 1e-7, max_iter: int = 1000,
                 unique_patterns: bool = True, nonpositive: str = "raise"):
        super().__init__(penalizer_coef, gtol, max_iter, unique_patterns)
        self.nonpositive = nonpositive

    def _prepare(self, data, weights):
        source = f"{self.name}.fit"
        if not isinstance(data, pd.DataFrame):
            raise DataValidationError(f"{source}: expected a pandas DataFrame, got {type(data).__name__}")
        x = _column(data, "frequency", source)
        m = _column(data, "monetary_value", source)
        w = _weights(weights, len(x))
        repeat = x > 0
        if self.nonpositive not in ("raise", "drop"):
            raise ParameterError(f"nonpositive must be 'raise' or 'drop', got {self.nonpositive!r}")
        bad = repeat & (m <= 0)
        if self.nonpositive == "raise":
            _fail_rows(data, bad, source, "column 'monetary_value' is not positive for a repeat "
                       "customer (frequency > 0); use GammaGamma(nonpositive='drop') to skip them")
        self.n_dropped_ = int(bad.sum())
        repeat &= ~bad
        if repeat.sum() < 10:
            raise DataValidationError(f"{source}: need at least 10 repeat customers, got {int(repeat.sum())}")
        x, m, w = x[repeat], m[repeat], w[repeat]
        self.independence_ = frequency_spend_independence(x, m)
        if self.unique_patterns:
            patterns, w, _ = compress({"x": x, "m": m}, w)
            x, m = patterns["x"].to_numpy(), patterns["m"].to_numpy()
        pen = self.penalizer_coef

        def build(x_, m_, _unused, w_):
            gg = GammaGammaData.build(x_, m_, w_)
            return lambda theta: gamma_gamma_objective(theta, gg, pen)

        gg = GammaGammaData.build(x, m, w)

        def objective(theta):
            return gamma_gamma_objective(theta, gg, pen)

        def hessian(theta):
            return gamma_gamma_objective(theta, gg, pen, hessian=True)[2]

        x0, newton_first = np.full(3, 0.1), False
        if len(x) > WARM_START_ROWS:
            # _warm_start thins rows given as (x, tx, T, w); here tx and T slots both carry m
            x0, newton_first = _warm_start(build, x, m, m, w, x0)
        return _Problem(objective, x0, float(w.sum()), len(x), hessian=hessian,
                        newton_first=newton_first)

    def expected_spend(self, data: pd.DataFrame) -> np.ndarray:
        """Conditional expected mean spend per future transaction (population mean if x = 0)."""
        self._fitted()
        x = _column(data, "frequency", f"{self.name}.expected_spend")
        m = _column(data, "monetary_value", f"{self.name}.expected_spend")
        return self._expected_spend(x, m)

    def _expected_spend(self, x, m):
        p, q, v = self.params_.to_numpy()
        weight = p * x / (p * x + q - 1)
        return (1 - weight) * (v * p / (q - 1)) + weight * m

    @property
    def mean_spend_(self) -> float:
        """Population mean spend per transaction, p v / (q − 1) (infinite if q ≤ 1)."""
        self._fitted()
        p, q, v = self.params_.to_numpy()
        return float(p * v / (q - 1)) if q > 1 else float("inf")


# --------------------------------------------------------------------------- diagnostics


def frequency_spend_independence(frequency, monetary_value) -> dict:
    """Pearson and Spearman correlation of frequency and mean spend among repeat buyers.

    Gamma-Gamma assumes they are independent; |correlation| above ~0.3 is a warning sign.
    Spearman uses at most 200,000 evenly spaced customers (ranking is the slow part).
    """
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    keep = x > 0
    x, m = x[keep], m[keep]
    step = max(1, len(x) // 200_000)
    pearson = stats.pearsonr(x, m) if len(x) > 2 and x.std() > 0 else (np.nan, np.nan)
    spearman = stats.spearmanr(x[::step], m[::step]) if len(x) > 2 and x.std() > 0 else (np.nan, np.nan)
    return {"pearson": float(pearson[0]), "pearson_p": float(pearson[1]),
            "spearman": float(spearman[0]), "spearman_p": float(spearman[1]), "n": int(len(x)),
            "independent": bool(abs(pearson[0]) < 0.3) if np.isfinite(pearson[0]) else False}


def holdout_metrics(model: _TransactionModel, cal_holdout: pd.DataFrame) -> dict:
    """Predicted vs actual holdout purchases per customer from a calibration/holdout table.

    ``cal_holdout`` has lifetimes' columns frequency_cal, recency_cal, T_cal,
    frequency_holdout, duration_holdout. Returns n, actual and predicted totals, MAE, RMSE,
    Pearson correlation and aggregate error (predicted − actual) / actual.
    """
    need = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    missing = [c for c in need if c not in cal_holdout.columns]
    if missing:
        raise DataValidationError(f"holdout_metrics: missing column(s) {missing}; expected {need}")
    cal = pd.DataFrame({"frequency": cal_holdout["frequency_cal"].to_numpy(),
                        "recency": cal_holdout["recency_cal"].to_numpy(),
                        "T": cal_holdout["T_cal"].to_numpy()}, index=cal_holdout.index)
    x, tx, T = rfm_arrays(cal, "holdout_metrics")
    duration = cal_holdout["duration_holdout"].to_numpy(dtype=float)
    actual = cal_holdout["frequency_holdout"].to_numpy(dtype=float)
    predicted = np.empty(len(x))
    for d in np.unique(duration):  # usually one holdout length for everybody
        rows = duration == d
        predicted[rows] = model._cum_purchases_on_patterns([d], x[rows], tx[rows], T[rows])[0]
    err = predicted - actual
    return {
        "n_customers": int(len(x)),
        "actual_total": float(actual.sum()),
        "predicted_total": float(predicted.sum()),
        "aggregate_error": float(err.sum() / actual.sum()) if actual.sum() > 0 else float("nan"),
        "mae": float(np.abs(err).mean()),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "correlation": float(np.corrcoef(predicted, actual)[0, 1]) if actual.std() > 0 else float("nan"),
    }


# --------------------------------------------------------------------------- CLV


def _check_clv_args(horizon_months, discount_rate, time_unit, margin):
    if not (isinstance(horizon_months, (int, np.integer)) and horizon_months >= 1):
        raise ParameterError(f"horizon_months must be an integer >= 1, got {horizon_months!r}")
    if not (isinstance(discount_rate, (int, float)) and 0 <= discount_rate < 1):
        raise ParameterError(f"discount_rate (monthly) must be in [0, 1), got {discount_rate!r}")
    if time_unit not in PERIODS_PER_MONTH:
        raise ParameterError(f"time_unit must be one of {list(PERIODS_PER_MONTH)}, got {time_unit!r}")
    if not (isinstance(margin, (int, float)) and 0 < margin <= 1):
        raise ParameterError(f"margin must be in (0, 1], got {margin!r}")


def monthly_rate(annual_rate: float) -> float:
    """Monthly discount rate equivalent to an annual one: (1 + annual)^(1/12) − 1."""
    if not (isinstance(annual_rate, (int, float)) and 0 <= annual_rate < 10):
        raise ParameterError(f"annual discount rate must be in [0, 10), got {annual_rate!r}")
    return float((1 + annual_rate) ** (1 / 12) - 1)


def _clv_arrays(model, spend, x, tx, T, m, horizon_months, discount_rate, time_unit, margin,
                alive_only=False):
    factor = PERIODS_PER_MONTH[time_unit]
    times = np.arange(0, horizon_months + 1) * factor
    if alive_only:
        cum = _alive_cum_purchases(model, times, x, T)
    else:
        cum = model._cum_purchases_on_patterns(times, x, tx, T)
    disc = (1 + discount_rate) ** -np.arange(1, horizon_months + 1)
    purchases = disc @ np.diff(cum, axis=0)
    return margin * spend._expected_spend(x, m) * purchases


def customer_lifetime_value(
    model: _TransactionModel,
    spend: GammaGamma,
    data: pd.DataFrame,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    time_unit: str = "D",
    margin: float = 1.0,
) -> pd.Series:
    """Discounted expected value of each customer over the next ``horizon_months`` months.

    Same definition as lifetimes' ``GammaGammaFitter.customer_lifetime_value``:
    ``Σ_k margin · E[spend] · (E[X(k·f)] − E[X((k−1)·f)]) / (1 + d)^k`` for months k = 1..H,
    with f time units per month (``time_unit`` 'D' → 30, 'W' → 4.345) and ``discount_rate`` d
    per month (see ``monthly_rate``). Computed once per distinct (frequency, recency, T)
    pattern, vectorized. Returns a Series (currency) indexed like ``data``.
    """
    _check_clv_args(horizon_months, discount_rate, time_unit, margin)
    model._fitted()
    spend._fitted()
    x, tx, T = rfm_arrays(data, "customer_lifetime_value")
    m = _column(data, "monetary_value", "customer_lifetime_value")
    clv = _clv_arrays(model, spend, x, tx, T, m, horizon_months, discount_rate, time_unit, margin)
    return pd.Series(clv, index=data.index, name="clv")


@dataclass
class CustomerEquity:
    """Customer equity (sum of CLV) with an interval from parameter uncertainty."""

    estimate: float
    lower: float
    upper: float
    level: float
    draws: np.ndarray
    n_customers: int

    def summary(self) -> pd.Series:
        return pd.Series({"customer_equity": self.estimate, "lower": self.lower,
                          "upper": self.upper, "level": self.level, "n_customers": self.n_customers,
                          "n_draws": len(self.draws)})


def customer_equity(
    model: _TransactionModel,
    spend: GammaGamma,
    data: pd.DataFrame,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    time_unit: str = "D",
    margin: float = 1.0,
    level: float = 0.95,
    n_draws: int = 200,
    seed: int = 0,
    max_customers_per_draw: int = 5_000,
) -> CustomerEquity:
    """Sum of CLV over ``data`` and a ``level`` interval for it.

    The interval reflects estimation uncertainty of both models' parameters: ``n_draws``
    parameter sets are drawn from the asymptotic normal distribution of the log-parameters
    (``FitResult.cov_log``) and customer equity is recomputed for each; the interval is the
    percentile interval of those draws. It does not include the purchase-process noise of
    individual customers (small for large bases). For speed, each draw is evaluated on a
    seeded random subsample of at most ``max_customers_per_draw`` customers as a ratio to the
    subsample's equity at the estimates, times the full-base estimate (parameter uncertainty
    moves every customer's CLV together, so the ratio is what matters).
    """
    _check_clv_args(horizon_months, discount_rate, time_unit, margin)
    if not (isinstance(n_draws, (int, np.integer)) and n_draws >= 20):
        raise ParameterError(f"n_draws must be an integer >= 20, got {n_draws!r}")
    if not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1), got {level!r}")
    x, tx, T = rfm_arrays(data, "customer_equity")
    m = _column(data, "monetary_value", "customer_equity")
    args = (horizon_months, discount_rate, time_unit, margin)
    estimate = float(_clv_arrays(model, spend, x, tx, T, m, *args).sum())
    n_customers = len(x)
    rng = np.random.default_rng(seed)
    if len(x) > max_customers_per_draw:
        sub = np.sort(rng.choice(len(x), max_customers_per_draw, replace=False))
        x, tx, T, m = x[sub], tx[sub], T[sub], m[sub]
    base = float(_clv_arrays(model, spend, x, tx, T, m, *args).sum())
    model_draws = model.draw_params(n_draws, seed)
    spend_draws = spend.draw_params(n_draws, seed + 1)
    draws = estimate / base * np.array([
        _clv_arrays(model.with_params(pm), spend.with_params(ps), x, tx, T, m, *args).sum()
        for pm, ps in zip(model_draws, spend_draws, strict=True)
    ])
    draws = draws[np.isfinite(draws)]
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return CustomerEquity(estimate, float(lo), float(hi), float(level), draws, n_customers)


def _alive_cum_purchases(model, times, x, T):
    """E[X(T, T+t] | alive at T, x, T] for BG/NBD-type models: the numerator of FHL eq. 10."""
    if not isinstance(model, BGNBD):
        raise ParameterError("second_lifetime_value needs a BGNBD model")
    r, alpha, a, b = model.params_.to_numpy()
    out = np.zeros((len(times), len(x)))
    with np.errstate(all="ignore"):
        _a, _b, _c = r + x, b + x, a + b + x - 1
        for k, t in enumerate(times):
            if t <= 0:
                continue
            z = t / (alpha + T + t)
            ln_h = np.log(hyp2f1(_a, _b, _c, z))
            alt = np.log(hyp2f1(_c - _a, _c - _b, _c, z)) + (_c - _a - _b) * np.log(1 - z)
            ln_h = np.where(np.isinf(ln_h), alt, ln_h)
            out[k] = (a + b + x - 1) / (a - 1) * (1 - np.exp(ln_h + (r + x) * np.log((alpha + T) / (alpha + t + T))))
    return out


def second_lifetime_value(
    model: BGNBD,
    spend: GammaGamma,
    data: pd.DataFrame,
    reactivation_rate: float,
    cost_per_contact: float,
    lapsed_below: float = 0.3,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    time_unit: str = "D",
    margin: float = 1.0,
) -> pd.DataFrame:
    """Second lifetime value: what winning back each lapsed customer is worth.

    A customer is *lapsed* when P(alive) < ``lapsed_below``. If a win-back contact (cost
    ``cost_per_contact``) reactivates a share ``reactivation_rate`` of them, a reactivated
    customer is alive again with their posterior purchase rate, so their value is the BG/NBD
    CLV *conditional on being alive* (``clv_if_won_back``). Columns (currency):

    - ``slv = reactivation_rate · clv_if_won_back − cost_per_contact`` (Stauss & Friege's
      second lifetime value net of the contact cost);
    - ``winback_gain = reactivation_rate · (clv_if_won_back − clv) − cost_per_contact``: the
      incremental value over doing nothing (the current ``clv`` already counts the chance
      that the customer is still active). Contact when it is positive.
    """
    for name, value in [("reactivation_rate", reactivation_rate), ("lapsed_below", lapsed_below)]:
        if not (isinstance(value, (int, float)) and 0 <= value <= 1):
            raise ParameterError(f"{name} must be in [0, 1], got {value!r}")
    if not (isinstance(cost_per_contact, (int, float)) and cost_per_contact >= 0):
        raise ParameterError(f"cost_per_contact must be >= 0, got {cost_per_contact!r}")
    _check_clv_args(horizon_months, discount_rate, time_unit, margin)
    x, tx, T = rfm_arrays(data, "second_lifetime_value")
    m = _column(data, "monetary_value", "second_lifetime_value")
    args = (horizon_months, discount_rate, time_unit, margin)
    clv = _clv_arrays(model, spend, x, tx, T, m, *args)
    clv_alive = _clv_arrays(model, spend, x, tx, T, m, *args, alive_only=True)
    p_alive = model.p_alive(data)
    lapsed = p_alive < lapsed_below
    out = pd.DataFrame({
        "p_alive": p_alive, "lapsed": lapsed, "clv": clv, "clv_if_won_back": clv_alive,
        "slv": reactivation_rate * clv_alive - cost_per_contact,
        "winback_gain": reactivation_rate * (clv_alive - clv) - cost_per_contact,
    }, index=data.index)
    out.loc[~lapsed, ["slv", "winback_gain"]] = np.nan
    return out


__all__ = [
    "BGBB",
    "BGNBD",
    "MBGNBD",
    "CustomerEquity",
    "FitResult",
    "GammaGamma",
    "ParetoNBD",
    "compress",
    "customer_equity",
    "customer_lifetime_value",
    "frequency_spend_independence",
    "holdout_metrics",
    "monthly_rate",
    "rfm_arrays",
    "second_lifetime_value",
]
