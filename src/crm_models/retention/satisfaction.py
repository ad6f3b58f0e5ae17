"""The satisfaction → churn link: odds of leaving per satisfaction point, churn rate by band.

For customers with a survey answer (satisfaction on the 1–10 scale, e.g. the mean of the
SATI items):

- a logistic regression ``logit P(churned) = a + b · satisfaction`` (statsmodels ``Logit``,
  maximum likelihood); ``odds_ratio = exp(b)`` is the factor by which the odds of leaving
  change per satisfaction point (0.8: 20% lower odds per point), with the Wald interval
  ``exp(b ± z · se)`` and the Wald p-value of ``b = 0``;
- the churn rate in the bands 1–4, 5–6, 7–8 and 9–10 with Wilson intervals (statsmodels
  ``proportion_confint(method='wilson')``). A non-integer score falls in the band of the
  whole points below it (4.5 is in 1–4, i.e. the bands are [1, 5), [5, 7), [7, 9), [9, 10]).

Customers without a satisfaction score (NaN) are left out and counted (``n_missing``).
The link is an association in observational data, not the effect of raising satisfaction.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint

from crm_models.errors import ConvergenceError, DataValidationError, format_rows
from crm_models.results import Result, check_level, estimate_table, z_value

__all__ = ["SATISFACTION_BANDS", "SatisfactionChurnLink", "satisfaction_churn_link"]

SATISFACTION_BANDS = ("1-4", "5-6", "7-8", "9-10")
"""Bands of the 1–10 satisfaction scale: [1, 5), [5, 7), [7, 9), [9, 10]."""

_EDGES = [1.0, 5.0, 7.0, 9.0, np.inf]
MIN_CUSTOMERS = 20


def _band_table(churned: np.ndarray, satisfaction: np.ndarray, level: float) -> pd.DataFrame:
    band = pd.cut(satisfaction, _EDGES, right=False, labels=list(SATISFACTION_BANDS))
    grouped = pd.DataFrame({"band": band, "churned": churned}).groupby(
        "band", observed=False, sort=True
    )["churned"]
    customers = grouped.size().reindex(list(SATISFACTION_BANDS), fill_value=0).to_numpy()
    leavers = grouped.sum().reindex(list(SATISFACTION_BANDS), fill_value=0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(customers > 0, leavers / np.maximum(customers, 1), np.nan)
        low, high = proportion_confint(
            leavers, np.maximum(customers, 1), alpha=1 - level, method="wilson"
        )
    empty = customers == 0
    return pd.DataFrame(
        {
            "band": list(SATISFACTION_BANDS),
            "customers": customers.astype(int),
            "churned": leavers.astype(int),
            "churn_rate": rate,
            "ci_low": np.where(empty, np.nan, low),
            "ci_high": np.where(empty, np.nan, high),
        }
    )


@dataclass(frozen=True, repr=False)
class SatisfactionChurnLink(Result):
    """Logistic link between satisfaction (1–10) and churn, and churn rate by band.

    Attributes
    ----------
    odds_ratio : float
        Factor on the odds of leaving per satisfaction point (``exp(coef)``).
    ci_low, ci_high : float
        Wald interval of ``odds_ratio`` at ``level``.
    coef, se : float
        Logistic slope (log odds per point) and its standard error.
    intercept : float
        Log odds of leaving at satisfaction 0 (an extrapolation; for the fitted curve).
    p_value : float
        Wald test of no link (``coef = 0``).
    n, n_churned, n_missing : int
        Customers used, leavers among them, customers left out for lack of a score.
    bands : pandas.DataFrame
        band ('1-4', '5-6', '7-8', '9-10'), customers, churned, churn_rate (share 0–1),
        ci_low, ci_high (Wilson at ``level``; NaN for an empty band).
    level : float
        Confidence level of the intervals.
    """

    odds_ratio: float
    ci_low: float
    ci_high: float
    coef: float
    se: float
    intercept: float
    p_value: float
    n: int
    n_churned: int
    n_missing: int
    bands: pd.DataFrame
    level: float

    def predict(self, satisfaction: Any) -> np.ndarray:
        """Fitted probability of leaving at the given satisfaction scores.

        Parameters
        ----------
        satisfaction : array-like
            Scores on the 1–10 scale, shape (m,).

        Returns
        -------
        numpy.ndarray
            P(churned), shares 0–1, shape (m,).
        """
        s = np.asarray(satisfaction, dtype=float)
        return 1 / (1 + np.exp(-(self.intercept + self.coef * s)))

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Odds ratio per point, the slope, and the churn rate per band with ``level`` intervals.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; index ``quantity``: odds ratio per
            point (se by the delta method), log odds per point, churn rate in band … (share).
        """
        level = check_level(level)
        z = z_value(level)
        b = self.bands
        counts, nobs = b["churned"].to_numpy(), b["customers"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            low, high = proportion_confint(counts, np.maximum(nobs, 1), 1 - level, "wilson")
            rate = b["churn_rate"].to_numpy()
            band_se = np.sqrt(rate * (1 - rate) / nobs)
        empty = nobs == 0
        return estimate_table(
            [self.odds_ratio, self.coef, *rate],
            [self.odds_ratio * self.se, self.se, *band_se],
            [
                np.exp(self.coef - z * self.se),
                self.coef - z * self.se,
                *np.where(empty, np.nan, low),
            ],
            [
                np.exp(self.coef + z * self.se),
                self.coef + z * self.se,
                *np.where(empty, np.nan, high),
            ],
            level=level,
            index=pd.Index(
                [
                    "odds ratio of leaving per satisfaction point",
                    "log odds of leaving per satisfaction point",
                    *[f"churn rate, satisfaction {band}" for band in b["band"]],
                ],
                name="quantity",
            ),
        )


def _check_inputs(churned: Any, satisfaction: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Churn 0/1 and satisfaction 1–10 of the customers with a score; rows named on error."""
    raw = np.asarray(churned).ravel()
    y = pd.Series(raw.astype(float) if raw.dtype == bool else raw.astype(object))
    s = pd.to_numeric(pd.Series(np.asarray(satisfaction, dtype=object).ravel()), errors="coerce")
    if len(y) != len(s):
        raise DataValidationError(
            f"satisfaction_churn_link: churned has {len(y)} values and satisfaction {len(s)}; "
            "expected one of each per customer, in the same order"
        )
    y_num = pd.to_numeric(y, errors="coerce")
    bad = ~y_num.isin([0.0, 1.0]).to_numpy()
    if bad.any():
        first = np.flatnonzero(bad)
        raise DataValidationError(
            f"satisfaction_churn_link: churned must be 0 (stayed) or 1 (left), got "
            f"{y.iloc[first[:3]].tolist()} at rows {format_rows(first)}"
        )
    given = np.asarray(satisfaction, dtype=object).ravel()
    not_number = s.isna().to_numpy() & pd.notna(pd.Series(given)).to_numpy()
    out = (s < 1).to_numpy() | (s > 10).to_numpy() | not_number
    if out.any():
        first = np.flatnonzero(out)
        raise DataValidationError(
            f"satisfaction_churn_link: satisfaction must be a score from 1 to 10 (or missing "
            f"for no survey answer), got {pd.Series(given).iloc[first[:3]].tolist()} at rows "
            f"{format_rows(first)}"
        )
    have = s.notna().to_numpy()
    return y_num.to_numpy(dtype=float)[have], s.to_numpy(dtype=float)[have], int((~have).sum())


def satisfaction_churn_link(
    churned: Any, satisfaction: Any, level: float = 0.95
) -> SatisfactionChurnLink:
    """Odds of leaving per satisfaction point (logistic regression) and churn rate by band.

    Parameters
    ----------
    churned : array-like
        1 = the customer left, 0 = stayed (booleans allowed), shape (n,).
    satisfaction : array-like
        Satisfaction score on the 1–10 scale, shape (n,), in the same customer order; NaN
        for customers without a survey answer (left out and counted).
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    SatisfactionChurnLink
        Odds ratio per point with its interval and p-value, the slope, and ``bands`` (churn
        rate per band with Wilson intervals). Method: module docstring.
    """
    level = check_level(level)
    y, s, n_missing = _check_inputs(churned, satisfaction)
    if len(y) < MIN_CUSTOMERS or y.min() == y.max() or s.min() == s.max():
        raise DataValidationError(
            f"satisfaction_churn_link: need at least {MIN_CUSTOMERS} customers with a "
            f"satisfaction score, some who left and some who stayed, and more than one score; "
            f"got {len(y)} customers, {int(y.sum())} who left, scores {sorted(set(s))[:3]}…"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.Logit(y, sm.add_constant(s, has_constant="add")).fit(disp=0, maxiter=100)
        except Exception as exc:  # statsmodels' PerfectSeparationError and LinAlgError
            raise ConvergenceError(
                "satisfaction_churn_link: the logistic fit failed "
                f"({type(exc).__name__}: {exc}); satisfaction may separate leavers from "
                "stayers perfectly — look at the band table"
            ) from None
    intercept, coef = (float(v) for v in fit.params)
    se = float(fit.bse[1])
    if not (np.isfinite(se) and fit.mle_retvals.get("converged", True)):
        raise ConvergenceError(
            "satisfaction_churn_link: the logistic fit did not converge (satisfaction may "
            "separate leavers from stayers perfectly); look at the band table"
        )
    z = z_value(level)
    return SatisfactionChurnLink(
        odds_ratio=float(np.exp(coef)),
        ci_low=float(np.exp(coef - z * se)),
        ci_high=float(np.exp(coef + z * se)),
        coef=coef,
        se=se,
        intercept=intercept,
        p_value=float(fit.pvalues[1]),
        n=len(y),
        n_churned=int(y.sum()),
        n_missing=n_missing,
        bands=_band_table(y, s, level),
        level=level,
    )
