"""Satisfaction → retention: a non-linear curve, its take-off threshold, and behaviour by band.

Satisfied customers still defect; only the very satisfied are reliably loyal (Jones & Sasser
1995). ``RetentionCurve`` estimates P(retained | satisfaction score) three ways:

- a linear logit (the straight-line benchmark);
- a logit on a natural cubic regression spline of the score (``df`` degrees of freedom), whose
  likelihood-ratio test against the linear logit is the test of non-linearity;
- a *hinge* (segmented) logit ``logit p = a + b·s + c·(s − τ)₊`` whose break point τ, found by
  profile likelihood over a grid, is the threshold where loyalty takes off; its interval is the
  profile-likelihood set {τ : 2·(ℓ_max − ℓ(τ)) ≤ χ²₁(level)} (approximate: τ is not a regular
  parameter).

``behaviour_by_band`` tabulates retention (Wilson interval) and spend (t-interval) per
satisfaction band; ``retention_contrast`` compares the top and bottom quarters. Linking the
survey to the transactions lives in ``behaviour``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from patsy import dmatrix
from scipy import stats

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import Result, check_fitted, check_level, estimate_table, z_value

__all__ = [
    "RetentionCurve",
    "RetentionCurveResult",
    "behaviour_by_band",
    "wilson_interval",
]

DEFAULT_BANDS = (0, 50, 60, 70, 80, 90, 100)


def _check_xy(score: Sequence[float], retained: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(score, dtype=float)
    y = np.asarray(retained)
    if s.ndim != 1 or y.shape != s.shape:
        raise DataValidationError(
            f"score and retained must be 1-D of equal length, got {s.shape} and {y.shape}"
        )
    if not np.isfinite(s).all():
        raise DataValidationError("score has missing or infinite values")
    if y.dtype == bool:
        y = y.astype(float)
    y = y.astype(float)
    if not np.isin(y, (0.0, 1.0)).all():
        raise DataValidationError("retained must be 0/1 or boolean")
    if len(s) < 30 or y.min() == y.max():
        raise DataValidationError("need at least 30 customers with both retained and lost ones")
    return s, y


def wilson_interval(successes: np.ndarray, n: np.ndarray, level: float = 0.95) -> pd.DataFrame:
    """Wilson score interval for binomial proportions (vectorized).

    Parameters
    ----------
    successes : numpy.ndarray
        Successes per group.
    n : numpy.ndarray
        Trials per group (NaN interval where 0).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``ci_low, ci_high``; one row per group.
    """
    low, high = _wilson(successes, n, level)
    return pd.DataFrame({"ci_low": low, "ci_high": high})


def _wilson(successes: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = stats.norm.ppf(0.5 + check_level(level) / 2)
    n = np.asarray(n, dtype=float)
    p = np.divide(successes, n, out=np.full_like(n, np.nan), where=n > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


@dataclass(frozen=True, repr=False)
class RetentionCurveResult(Result):
    """Headline numbers of a fitted ``RetentionCurve``.

    Not in ``to_dict()``: ``profile``, ``hinge_params``, ``hinge_cov``.

    Attributes
    ----------
    threshold : float
        τ, the score (0–100 index) where retention takes off.
    threshold_ci_low, threshold_ci_high : float
        Profile-likelihood interval of τ at ``level``.
    slope_below, slope_above : float
        Log-odds of retention per score point below / above τ.
    odds_ratio_10_below, odds_ratio_10_above : float
        Odds ratios of retention per +10 points below / above τ.
    nonlinearity_lr, nonlinearity_p : float
        Likelihood-ratio statistic and p-value of the spline vs the linear logit.
    nonlinear : bool
        Whether ``nonlinearity_p < 1 − level``.
    level : float
        Confidence level.
    n_customers : int
        Customers fitted.
    profile : pandas.DataFrame
        Log-likelihood over the τ grid (``tau, loglik``).
    hinge_params : numpy.ndarray
        Hinge logit coefficients (intercept, slope, slope change), conditional on τ.
    hinge_cov : numpy.ndarray
        Their 3 × 3 covariance.
    """

    threshold: float
    threshold_ci_low: float
    threshold_ci_high: float
    slope_below: float
    slope_above: float
    odds_ratio_10_below: float
    odds_ratio_10_above: float
    nonlinearity_lr: float
    nonlinearity_p: float
    nonlinear: bool
    level: float
    n_customers: int
    profile: pd.DataFrame = field(metadata={"json": False})
    hinge_params: np.ndarray = field(metadata={"json": False})
    hinge_cov: np.ndarray = field(metadata={"json": False})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Threshold (profile-likelihood interval), slopes and odds ratios (Wald, given τ), LR test.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; rows ``threshold, slope_below,
            slope_above, odds_ratio_10_below, odds_ratio_10_above, nonlinearity_lr,
            nonlinearity_p``.
        """
        z = z_value(level)
        grid, llf = self.profile["tau"].to_numpy(), self.profile["loglik"].to_numpy()
        inside = grid[2 * (llf.max() - llf) <= stats.chi2.ppf(level, 1)]
        c = self.hinge_cov
        se = np.sqrt([c[1, 1], c[1, 1] + c[2, 2] + 2 * c[1, 2]])
        slopes = np.array([self.slope_below, self.slope_above])
        with np.errstate(over="ignore"):  # a tiny sample can give an infinite odds-ratio bound
            odds = np.exp(10 * (slopes[:, None] + np.array([-z, z])[None, :] * se[:, None]))
        rows = {
            "threshold": (self.threshold, np.nan, inside.min(), inside.max()),
            "slope_below": (slopes[0], se[0], slopes[0] - z * se[0], slopes[0] + z * se[0]),
            "slope_above": (slopes[1], se[1], slopes[1] - z * se[1], slopes[1] + z * se[1]),
            "odds_ratio_10_below": (self.odds_ratio_10_below, np.nan, *odds[0]),
            "odds_ratio_10_above": (self.odds_ratio_10_above, np.nan, *odds[1]),
            "nonlinearity_lr": (self.nonlinearity_lr, np.nan, np.nan, np.nan),
            "nonlinearity_p": (self.nonlinearity_p, np.nan, np.nan, np.nan),
        }
        values = np.array(list(rows.values()), dtype=float)
        return estimate_table(
            values[:, 0], values[:, 1], values[:, 2], values[:, 3], level=level, index=list(rows)
        )


class RetentionCurve:
    """Logistic curves of retention on a satisfaction score (e.g. the 0–100 index).

    Parameters
    ----------
    df : int, default 4
        Degrees of freedom of the natural cubic spline.
    level : float, default 0.95
        Confidence level of the threshold interval, of the non-linearity decision and of the
        curve's band.
    grid_size : int, default 60
        Grid of the threshold search (between the 5th and 95th score percentiles).

    Attributes
    ----------
    result_ : RetentionCurveResult
        Threshold with interval, slopes, odds ratios, non-linearity test.
    linear_, spline_, hinge_ : statsmodels GLM results
        The three logits (used by :meth:`curve`).
    """

    def __init__(self, df: int = 4, level: float = 0.95, grid_size: int = 60) -> None:
        self.df = df
        self.level = level
        self.grid_size = grid_size

    def fit(self, score: Sequence[float], retained: Sequence[bool]) -> RetentionCurve:
        """Fit the linear, spline and hinge logits of ``retained`` on ``score``.

        Parameters
        ----------
        score : sequence of float
            Satisfaction score per customer.
        retained : sequence of bool
            Whether the customer was retained (0/1 or boolean).

        Returns
        -------
        RetentionCurve
            ``self``, with ``result_`` set.
        """
        if not isinstance(self.df, (int, np.integer)) or self.df < 3:
            raise ParameterError(f"df must be an integer >= 3, got {self.df!r}")
        check_level(self.level)
        s, y = _check_xy(score, retained)
        self.score_range_ = (float(s.min()), float(s.max()))
        self.linear_ = sm.GLM(y, sm.add_constant(s), family=sm.families.Binomial()).fit()
        self.spline_design_ = dmatrix(
            f"cr(x, df={int(self.df)}, constraints='center')", {"x": s}, return_type="dataframe"
        )
        self.spline_ = sm.GLM(y, self.spline_design_, family=sm.families.Binomial()).fit()
        lr = float(2 * (self.spline_.llf - self.linear_.llf))
        extra = self.spline_design_.shape[1] - 2
        p_value = float(stats.chi2.sf(max(lr, 0.0), extra))
        # hinge logit, profile likelihood over tau
        p5, p95 = np.percentile(s, [5, 95])
        grid = np.linspace(float(p5), float(p95), self.grid_size)
        llf = np.empty(len(grid))
        fits = []
        for k, tau in enumerate(grid):  # one 3-parameter GLM per grid point (not per customer)
            X = np.column_stack([np.ones_like(s), s, np.maximum(s - tau, 0.0)])
            res = sm.GLM(y, X, family=sm.families.Binomial()).fit()
            llf[k] = res.llf
            fits.append(res)
        best = int(np.argmax(llf))
        inside = grid[2 * (llf[best] - llf) <= stats.chi2.ppf(self.level, 1)]
        self.hinge_ = fits[best]
        b, c = self.hinge_.params[1], self.hinge_.params[2]
        self.result_ = RetentionCurveResult(
            threshold=float(grid[best]),
            threshold_ci_low=float(inside.min()),
            threshold_ci_high=float(inside.max()),
            slope_below=float(b),
            slope_above=float(b + c),
            odds_ratio_10_below=float(np.exp(10 * b)),
            odds_ratio_10_above=float(np.exp(10 * (b + c))),
            nonlinearity_lr=lr,
            nonlinearity_p=p_value,
            nonlinear=bool(p_value < 1 - self.level),
            level=float(self.level),
            n_customers=int(len(s)),
            profile=pd.DataFrame({"tau": grid, "loglik": llf}),
            hinge_params=np.asarray(self.hinge_.params, dtype=float),
            hinge_cov=np.asarray(self.hinge_.cov_params(), dtype=float),
        )
        return self

    def __repr__(self) -> str:
        from crm_models.loyalty.display import estimator_repr

        def headline() -> str:
            r = self.result_
            return (
                f"n={r.n_customers}, threshold={r.threshold:.1f} "
                f"[{r.threshold_ci_low:.1f}, {r.threshold_ci_high:.1f}], nonlinear={r.nonlinear}"
            )

        return estimator_repr(self, {"df": self.df, "level": self.level}, headline)

    def _repr_html_(self) -> str:
        from crm_models.loyalty.display import summary_html

        return summary_html(self)

    def curve(self, grid: Sequence[float] | None = None) -> pd.DataFrame:
        """Fitted P(retained) on ``grid``: spline, hinge and linear logits, with spline band.

        Parameters
        ----------
        grid : sequence of float, optional
            Scores (clipped to the observed range; default 101 points over it).

        Returns
        -------
        pandas.DataFrame
            Columns ``score, p_spline, p_low, p_high, p_hinge, p_linear``.
        """
        check_fitted(self, "result_")
        low, high = self.score_range_
        points = np.linspace(low, high, 101) if grid is None else np.asarray(grid, dtype=float)
        g = np.clip(points, low, high)
        X = dmatrix(self.spline_design_.design_info, {"x": g}, return_type="dataframe").to_numpy()
        eta = X @ self.spline_.params.to_numpy()
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, self.spline_.cov_params().to_numpy(), X))
        z = stats.norm.ppf(0.5 + self.level / 2)
        expit = _expit
        Xh = np.column_stack([np.ones_like(g), g, np.maximum(g - self.result_.threshold, 0.0)])
        return pd.DataFrame(
            {
                "score": g,
                "p_spline": expit(eta),
                "p_low": expit(eta - z * se),
                "p_high": expit(eta + z * se),
                "p_hinge": expit(Xh @ self.hinge_.params),
                "p_linear": expit(self.linear_.params[0] + self.linear_.params[1] * g),
            }
        )

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the result's estimate table (``result_.summary``).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``.
        """
        check_fitted(self, "result_")
        return self.result_.summary(level)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def behaviour_by_band(
    frame: pd.DataFrame,
    score: str = "satisfaction_index",
    retained: str = "retained",
    spend: str | None = "annual_spend",
    bands: Sequence[float] = DEFAULT_BANDS,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per satisfaction band: customers, retention rate (Wilson interval), mean spend (t-interval).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer.
    score, retained : str
        Columns of the satisfaction score and of the retained flag.
    spend : str or None, default "annual_spend"
        Column of the annual spend (None: no spend columns).
    bands : sequence of float
        Increasing band edges.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Per band: ``band, customers, score_mean, retention, retention_low, retention_high`` and
        ``spend, spend_low, spend_high``.
    """
    for col in [score, retained] + ([spend] if spend else []):
        if col not in frame.columns:
            raise DataValidationError(f"behaviour_by_band: column {col!r} is missing")
    edges = np.asarray(bands, dtype=float)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ParameterError(f"bands must be increasing edges, got {list(bands)!r}")
    labels = [f"{edges[i]:g}–{edges[i + 1]:g}" for i in range(len(edges) - 1)]
    band = pd.cut(frame[score], edges, labels=labels, include_lowest=True)
    g = frame.assign(_band=band, _ret=frame[retained].astype(float)).groupby(
        "_band", observed=False
    )
    out = pd.DataFrame({"band": labels})
    n = g.size().reindex(labels).to_numpy()
    k = g["_ret"].sum().reindex(labels).to_numpy()
    out["customers"] = n
    out["score_mean"] = g[score].mean().reindex(labels).to_numpy()
    out["retention"] = np.divide(k, n, out=np.full(len(n), np.nan), where=n > 0)
    out["retention_low"], out["retention_high"] = _wilson(k, n, level)
    if spend:
        mean = g[spend].mean().reindex(labels).to_numpy()
        sd = g[spend].std(ddof=1).reindex(labels).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            t = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
            half = t * sd / np.sqrt(n)
        out["spend"] = mean
        out["spend_low"] = mean - half
        out["spend_high"] = mean + half
    return out
