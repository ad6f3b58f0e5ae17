"""Checks of a randomized campaign before its lift is trusted.

Frame validation, sample ratio, covariate balance.

- **Sample-ratio mismatch**: chi-square goodness-of-fit of the arm counts against the planned
  shares; flagged below ``threshold`` (0.001 by convention, since SRM tests run on every
  experiment and a true mismatch produces tiny p-values).
- **Covariate balance**: standardized mean difference of each covariate (each level of a
  categorical one) between an arm and control, ``(m_arm − m_ctrl) / sqrt((s²_arm + s²_ctrl)/2)``;
  |SMD| > 0.1 is flagged (Austin 2009).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crm_models.errors import DataValidationError, ParameterError, format_rows
from crm_models.results import Result, check_level, estimate_table

__all__ = ["SampleRatioResult", "covariate_balance", "sample_ratio_test"]

DEFAULT_OUTCOMES = ("visit", "conversion", "spend")
SMD_THRESHOLD = 0.1


# ------------------------------------------------------------------------------ validation


def _check_frame(frame: pd.DataFrame, arm: str, outcomes: Sequence[str], control) -> list:
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in [arm, *outcomes] if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"campaign frame lacks column(s) {missing}; it has {list(frame.columns)}"
        )
    if frame[arm].isna().any():
        rows = format_rows(np.flatnonzero(frame[arm].isna().to_numpy()))
        raise DataValidationError(f"column '{arm}' has missing arm labels (rows {rows})")
    for col in outcomes:
        values = frame[col]
        if not pd.api.types.is_numeric_dtype(values):
            raise DataValidationError(f"outcome column '{col}' must be numeric, got {values.dtype}")
        if values.isna().any():
            rows = format_rows(np.flatnonzero(values.isna().to_numpy()))
            raise DataValidationError(f"outcome column '{col}' has missing values (rows {rows})")
    arms = list(pd.unique(frame[arm].astype(object)))
    if control not in arms:
        raise DataValidationError(
            f"control arm {control!r} not found in column '{arm}'; arms present: {arms}"
        )
    treated = [a for a in _ordered_arms(frame[arm]) if a != control]
    if not treated:
        raise DataValidationError(f"column '{arm}' holds only the control arm {control!r}")
    return treated


def _ordered_arms(arm_values: pd.Series) -> list:
    if isinstance(arm_values.dtype, pd.CategoricalDtype):
        present = set(arm_values.unique())
        return [c for c in arm_values.cat.categories if c in present]
    return sorted(pd.unique(arm_values.astype(object)), key=str)


def _is_binary(values: np.ndarray) -> bool:
    return bool(np.isin(values, (0, 1)).all())


# ---------------------------------------------------------------------------- sample ratio


@dataclass(frozen=True, repr=False)
class SampleRatioResult(Result):
    """Chi-square sample-ratio-mismatch test: counts vs planned shares.

    Parameters
    ----------
    counts : pandas.DataFrame
        arm, n, share, expected_share, expected_n.
    chi2 : float
        Chi-square statistic.
    dof : int
        Degrees of freedom (arms − 1).
    p_value : float
        p-value of the test.
    threshold : float
        p-value below which the sample ratio is flagged.
    """

    counts: pd.DataFrame
    chi2: float
    dof: int
    p_value: float
    threshold: float

    @property
    def mismatch(self) -> bool:
        """True when p_value < threshold: the randomization (or logging) is suspect."""
        return bool(self.p_value < self.threshold)

    @property
    def message(self) -> str:
        """The test in one sentence, e.g. ``SRM chi2(2) = 3.72, p = 0.155 …: no mismatch``."""
        verdict = "MISMATCH — do not trust the lift" if self.mismatch else "no mismatch"
        return (
            f"SRM chi2({self.dof}) = {self.chi2:.2f}, p = {self.p_value:.3g} "
            f"(threshold {self.threshold:g}): {verdict}"
        )

    def __str__(self) -> str:
        return self.message

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Observed share of each arm with its binomial standard error and Wald interval.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row per arm.
        """
        check_level(level)
        share = self.counts["share"].to_numpy(dtype=float)
        n = float(self.counts["n"].sum())
        se = np.sqrt(share * (1 - share) / n)
        return estimate_table(
            share, se, level=level, index=pd.Index(self.counts["arm"], name="arm")
        )


def sample_ratio_test(
    frame: pd.DataFrame,
    arm: str = "arm",
    expected_shares: dict | None = None,
    threshold: float = 0.001,
) -> SampleRatioResult:
    """Chi-square goodness-of-fit of arm counts against ``expected_shares``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer with the arm label.
    arm : str, default "arm"
        Column of the arm labels.
    expected_shares : dict, optional
        Planned share per arm (default: equal shares).
    threshold : float, default 0.001
        p-value below which the sample ratio is flagged.

    Returns
    -------
    SampleRatioResult
        Counts, statistic, p-value and the verdict.
    """
    if arm not in frame.columns:
        raise DataValidationError(f"campaign frame lacks column '{arm}'")
    counts = frame[arm].astype(object).value_counts()
    arms = _ordered_arms(frame[arm])
    counts = counts.reindex(arms)
    if expected_shares is None:
        shares = pd.Series(1.0 / len(arms), index=arms)
    else:
        unknown = set(expected_shares) - set(arms)
        missing = set(arms) - set(expected_shares)
        if unknown or missing:
            raise ParameterError(
                f"expected_shares must name exactly the arms {arms}; "
                f"unknown {sorted(map(str, unknown))}, missing {sorted(map(str, missing))}"
            )
        shares = pd.Series(expected_shares, dtype=float).reindex(arms)
        if (shares <= 0).any() or not np.isclose(shares.sum(), 1.0):
            raise ParameterError(
                f"expected_shares must be positive and sum to 1, got {dict(shares)}"
            )
    n = counts.sum()
    expected = shares.to_numpy() * n
    chi2, p = stats.chisquare(counts.to_numpy(dtype=float), expected)
    table = pd.DataFrame(
        {
            "arm": arms,
            "n": counts.to_numpy(),
            "share": counts.to_numpy() / n,
            "expected_share": shares.to_numpy(),
            "expected_n": expected,
        }
    )
    return SampleRatioResult(table, float(chi2), len(arms) - 1, float(p), float(threshold))


# -------------------------------------------------------------------------------- balance


def _design_matrix(frame: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    parts = []
    for col in covariates:
        if col not in frame.columns:
            raise DataValidationError(f"covariate '{col}' not in the campaign frame")
        values = frame[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            parts.append(values.astype(float).rename(col))
        else:
            dummies = pd.get_dummies(values.astype(object), prefix=col, prefix_sep="=", dtype=float)
            parts.append(dummies)
    return pd.concat(parts, axis=1)


def covariate_balance(
    frame: pd.DataFrame,
    covariates: Sequence[str],
    arm: str = "arm",
    control: Any = "control",
    threshold: float = SMD_THRESHOLD,
) -> pd.DataFrame:
    """Standardized mean differences between each arm and control, per covariate (level).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer with the arm label and the covariates.
    covariates : sequence of str
        Covariate columns; categorical ones are expanded into one indicator per level.
    arm : str, default "arm"
        Column of the arm labels.
    control : object, default "control"
        Label of the control arm.
    threshold : float, default 0.1
        |SMD| above which a covariate is flagged.

    Returns
    -------
    pandas.DataFrame
        Columns arm, covariate, mean_arm, mean_control, smd, imbalanced.
    """
    treated = _check_frame(frame, arm, [], control)
    x = _design_matrix(frame, covariates)
    g = frame[arm].astype(object).to_numpy()
    means = x.groupby(g).mean()
    variances = x.groupby(g).var(ddof=1)
    rows = []
    for a in treated:
        pooled = np.sqrt((variances.loc[a] + variances.loc[control]) / 2)
        diff = means.loc[a] - means.loc[control]
        smd = np.where(pooled > 0, diff / pooled.where(pooled > 0, 1.0), 0.0)
        rows.append(
            pd.DataFrame(
                {
                    "arm": a,
                    "covariate": x.columns,
                    "mean_arm": means.loc[a].to_numpy(),
                    "mean_control": means.loc[control].to_numpy(),
                    "smd": smd,
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["imbalanced"] = out["smd"].abs() > threshold
    return out
