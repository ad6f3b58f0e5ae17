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
satisfaction band; ``link_survey_to_behaviour`` joins survey scores to retention and spend
from the transactions (vectorized, no per-customer loop).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from patsy import dmatrix
from scipy import stats

from crm_models.errors import DataValidationError, ParameterError

DEFAULT_BANDS = (0, 50, 60, 70, 80, 90, 100)


def _check_xy(score, retained) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(score, dtype=float)
    y = np.asarray(retained)
    if s.ndim != 1 or y.shape != s.shape:
        raise DataValidationError(f"score and retained must be 1-D of equal length, got {s.shape} and {y.shape}")
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


def wilson_interval(successes: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions (vectorized)."""
    z = stats.norm.ppf(0.5 + level / 2)
    n = np.asarray(n, dtype=float)
    p = np.divide(successes, n, out=np.full_like(n, np.nan), where=n > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


class RetentionCurve:
    """Logistic curves of retention on a satisfaction score (e.g. the 0–100 index).

    Parameters: ``df`` spline degrees of freedom, ``level`` for intervals, ``grid_size`` for
    the threshold search (between the 5th and 95th score percentiles).

    After ``fit(score, retained)``: ``linear_`` and ``spline_`` (statsmodels results),
    ``nonlinearity_lr_``, ``nonlinearity_p_``, ``nonlinear_`` (p below 1 − level: only then
    is the threshold meaningful), ``threshold_`` (τ), ``threshold_ci_``,
    ``slope_below_`` and ``slope_above_`` (log-odds per score point below/above τ),
    ``odds_ratio_10_below_/above_`` (per 10 points).
    """

    def __init__(self, df: int = 4, level: float = 0.95, grid_size: int = 60) -> None:
        self.df = df
        self.level = level
        self.grid_size = grid_size

    def fit(self, score: Sequence[float], retained: Sequence[bool]) -> RetentionCurve:
        if not isinstance(self.df, (int, np.integer)) or self.df < 3:
            raise ParameterError(f"df must be an integer >= 3, got {self.df!r}")
        if not 0 < self.level < 1:
            raise ParameterError(f"level must be in (0, 1), got {self.level!r}")
        s, y = _check_xy(score, retained)
        self.score_range_ = (float(s.min()), float(s.max()))
        X_lin = sm.add_constant(s)
        self.linear_ = sm.GLM(y, X_lin, family=sm.families.Binomial()).fit()
        self._spline_design = dmatrix(f"cr(x, df={int(self.df)}, constraints='center')", {"x": s}, return_type="dataframe")
        self.spline_ = sm.GLM(y, self._spline_design, family=sm.families.Binomial()).fit()
        self.nonlinearity_lr_ = float(2 * (self.spline_.llf - self.linear_.llf))
        extra = self._spline_design.shape[1] - 2
        self.nonlinearity_p_ = float(stats.chi2.sf(max(self.nonlinearity_lr_, 0.0), extra))
        self.nonlinear_ = bool(self.nonlinearity_p_ < 1 - self.level)
        # hinge logit, profile likelihood over tau
        grid = np.linspace(*np.percentile(s, [5, 95]), self.grid_size)
        llf = np.empty(len(grid))
        fits = []
        for k, tau in enumerate(grid):  # one 3-parameter GLM per grid point (not per customer)
            X = np.column_stack([np.ones_like(s), s, np.maximum(s - tau, 0.0)])
            res = sm.GLM(y, X, family=sm.families.Binomial()).fit()
            llf[k] = res.llf
            fits.append(res)
        best = int(np.argmax(llf))
        self.profile_ = pd.DataFrame({"tau": grid, "loglik": llf})
        self.threshold_ = float(grid[best])
        inside = grid[2 * (llf[best] - llf) <= stats.chi2.ppf(self.level, 1)]
        self.threshold_ci_ = (float(inside.min()), float(inside.max()))
        self.hinge_ = fits[best]
        b, c = self.hinge_.params[1], self.hinge_.params[2]
        self.slope_below_ = float(b)
        self.slope_above_ = float(b + c)
        self.odds_ratio_10_below_ = float(np.exp(10 * b))
        self.odds_ratio_10_above_ = float(np.exp(10 * (b + c)))
        return self

    def curve(self, grid: Sequence[float] | None = None) -> pd.DataFrame:
        """Fitted P(retained) on ``grid`` from the spline, hinge and linear logits, with spline interval."""
        if not hasattr(self, "spline_"):
            raise ParameterError("the curve is not fitted yet; call fit(score, retained) first")
        if grid is None:
            grid = np.linspace(*self.score_range_, 101)
        g = np.clip(np.asarray(grid, dtype=float), *self.score_range_)
        X = dmatrix(self._spline_design.design_info, {"x": g}, return_type="dataframe").to_numpy()
        eta = X @ self.spline_.params.to_numpy()
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, self.spline_.cov_params().to_numpy(), X))
        z = stats.norm.ppf(0.5 + self.level / 2)
        expit = _expit
        Xh = np.column_stack([np.ones_like(g), g, np.maximum(g - self.threshold_, 0.0)])
        return pd.DataFrame({
            "score": g,
            "p_spline": expit(eta), "p_low": expit(eta - z * se), "p_high": expit(eta + z * se),
            "p_hinge": expit(Xh @ self.hinge_.params),
            "p_linear": expit(self.linear_.params[0] + self.linear_.params[1] * g),
        })

    def summary(self) -> pd.DataFrame:
        """Headline numbers: threshold with interval, slopes either side, non-linearity test."""
        return pd.DataFrame([
            ("threshold (score where retention takes off)", self.threshold_),
            ("threshold interval low", self.threshold_ci_[0]),
            ("threshold interval high", self.threshold_ci_[1]),
            ("odds ratio per +10 points below threshold", self.odds_ratio_10_below_),
            ("odds ratio per +10 points above threshold", self.odds_ratio_10_above_),
            ("non-linearity LR statistic (spline vs linear)", self.nonlinearity_lr_),
            ("non-linearity p-value", self.nonlinearity_p_),
        ], columns=["quantity", "value"])


def _expit(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def behaviour_by_band(
    frame: pd.DataFrame,
    score: str = "satisfaction_index",
    retained: str = "retained",
    spend: str | None = "annual_spend",
    bands: Sequence[float] = DEFAULT_BANDS,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per satisfaction band: customers, retention rate (Wilson interval), mean spend (t-interval)."""
    for col in [score, retained] + ([spend] if spend else []):
        if col not in frame.columns:
            raise DataValidationError(f"behaviour_by_band: column {col!r} is missing")
    edges = np.asarray(bands, dtype=float)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ParameterError(f"bands must be increasing edges, got {list(bands)!r}")
    labels = [f"{edges[i]:g}–{edges[i + 1]:g}" for i in range(len(edges) - 1)]
    band = pd.cut(frame[score], edges, labels=labels, include_lowest=True)
    g = frame.assign(_band=band, _ret=frame[retained].astype(float)).groupby("_band", observed=False)
    out = pd.DataFrame({"band": labels})
    n = g.size().reindex(labels).to_numpy()
    k = g["_ret"].sum().reindex(labels).to_numpy()
    out["customers"] = n
    out["score_mean"] = g[score].mean().reindex(labels).to_numpy()
    out["retention"] = np.divide(k, n, out=np.full(len(n), np.nan), where=n > 0)
    out["retention_low"], out["retention_high"] = wilson_interval(k, n, level)
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


def retention_contrast(
    frame: pd.DataFrame,
    score: str = "satisfaction_index",
    retained: str = "retained",
    q: int = 4,
    level: float = 0.95,
) -> dict[str, float]:
    """Retention of the top vs the bottom ``1/q`` of customers by score, with Wilson intervals and
    Newcombe's hybrid score interval of the difference (top − bottom)."""
    if q < 2:
        raise ParameterError(f"q must be >= 2, got {q!r}")
    lo_cut, hi_cut = frame[score].quantile([1 / q, 1 - 1 / q])
    low = frame.loc[frame[score] <= lo_cut, retained].astype(float)
    high = frame.loc[frame[score] >= hi_cut, retained].astype(float)
    (l1, l2), (u1, u2) = wilson_interval(np.array([high.sum(), low.sum()]),
                                         np.array([len(high), len(low)]), level)
    p1, p2 = high.mean(), low.mean()
    d = p1 - p2
    return {"bottom_rate": p2, "bottom_low": l2, "bottom_high": u2, "bottom_n": len(low),
            "top_rate": p1, "top_low": l1, "top_high": u1, "top_n": len(high), "difference": d,
            "difference_low": d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            "difference_high": d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)}


def customer_behaviour(
    transactions: pd.DataFrame,
    observation_end: pd.Timestamp,
    retained: pd.Series,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per customer with transactions: retained, purchases, annual spend, tenure, relationship level.

    ``retained`` is a boolean Series by customer_id (e.g. the synthetic world's
    ``truth.purchase.alive_at_end`` or a model's P(alive) > 0.5). Annual spend is the total
    transaction amount divided by the years between first purchase and ``observation_end``
    (at least one week). One vectorized group-by; no per-customer loop.
    """
    for col in ("customer_id", "timestamp", "amount"):
        if col not in transactions.columns:
            raise DataValidationError(f"transactions: column {col!r} is missing")
    agg = transactions.groupby("customer_id").agg(total=("amount", "sum"), first=("timestamp", "min"),
                                                   purchases=("amount", "size"))
    weeks = ((pd.Timestamp(observation_end) - agg["first"]).dt.total_seconds() / (7 * 86400)).clip(lower=1)
    out = pd.DataFrame({
        "retained": retained.reindex(agg.index).fillna(False).astype(bool),
        "purchases": agg["purchases"].astype(int),
        "annual_spend": agg["total"] / (weeks / 52.0),
        "tenure_years": weeks / 52.0,
    }, index=agg.index)
    if customers is not None and "relationship_level" in customers.columns:
        out["relationship_level"] = customers.set_index("customer_id")["relationship_level"].reindex(out.index)
    out.index.name = "customer_id"
    return out


def link_survey_to_behaviour(
    scores: pd.Series,
    transactions: pd.DataFrame,
    observation_end: pd.Timestamp,
    retained: pd.Series,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Join survey scores (a Series indexed by customer_id) to ``customer_behaviour``.

    Respondents without transactions get 0 purchases and 0 spend.
    """
    tx = transactions[transactions["customer_id"].isin(scores.index)]
    behaviour = customer_behaviour(tx, observation_end, retained, customers)
    out = pd.DataFrame({"satisfaction_index": scores})
    out.index.name = "customer_id"
    out = out.join(behaviour, how="left")
    out["retained"] = retained.reindex(out.index).fillna(False).astype(bool)
    out["purchases"] = out["purchases"].fillna(0).astype(int)
    out["annual_spend"] = out["annual_spend"].fillna(0.0)
    return out.reset_index()
