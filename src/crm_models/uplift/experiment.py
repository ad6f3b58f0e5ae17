"""Evaluate a randomized campaign: lift per arm and outcome, SRM and balance checks, segments.

Methods (all intervals two-sided, level ``1 − alpha``):

- **Binary outcome** (visit, conversion): absolute lift = difference of proportions with
  Newcombe's hybrid score interval (closed form; statsmodels' iterative Miettinen–Nurminen
  inversion fails to bracket in ~0.5% of samples) and the score test
  (``statsmodels.stats.proportion.confint_proportions_2indep(method='newcomb')`` /
  ``test_proportions_2indep(method='score')``); relative lift = risk ratio − 1 with the
  score interval for the ratio (``method='log-adjusted'`` if that inversion fails).
- **Continuous outcome** (spend): absolute lift = difference of means with the Welch
  (unequal-variance) t interval and t test (``statsmodels.stats.weightstats.CompareMeans``);
  relative lift = ratio of means − 1 with a delta-method interval on the log scale.
- **Multiple comparisons**: the K = arms × outcomes tests form one family; ``p_adjusted`` is
  Holm-adjusted (family-wise error ≤ alpha, ``statsmodels.stats.multitest.multipletests``).
  Intervals are per comparison unless ``simultaneous=True`` (Bonferroni: level 1 − alpha/K).
- **Sample-ratio mismatch**: chi-square goodness-of-fit of the arm counts against the planned
  shares; flagged below ``srm_threshold`` (0.001 by convention, since SRM tests run on every
  experiment and a true mismatch produces tiny p-values).
- **Covariate balance**: standardized mean difference of each covariate (each level of a
  categorical one) between an arm and control, ``(m_arm − m_ctrl) / sqrt((s²_arm + s²_ctrl)/2)``;
  |SMD| > 0.1 is flagged (Austin 2009).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from crm_models.errors import DataValidationError, ParameterError

__all__ = [
    "ExperimentResult",
    "SampleRatioResult",
    "covariate_balance",
    "evaluate_experiment",
    "lift_table",
    "sample_ratio_test",
    "segment_lift",
]

DEFAULT_OUTCOMES = ("visit", "conversion", "spend")
SMD_THRESHOLD = 0.1
METHOD_NOTE = (
    "binary outcomes: difference of proportions with Newcombe hybrid score interval and "
    "score test, relative lift from the score interval of the risk ratio; continuous outcomes: "
    "Welch t interval and test, relative lift by the delta method on the log ratio of means "
    "(statsmodels). p_adjusted: Holm over all arm × outcome tests."
)


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
        rows = np.flatnonzero(frame[arm].isna().to_numpy())[:5].tolist()
        raise DataValidationError(f"column '{arm}' has missing arm labels (rows {rows})")
    for col in outcomes:
        values = frame[col]
        if not pd.api.types.is_numeric_dtype(values):
            raise DataValidationError(f"outcome column '{col}' must be numeric, got {values.dtype}")
        if values.isna().any():
            rows = np.flatnonzero(values.isna().to_numpy())[:5].tolist()
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


def _check_alpha(alpha: float) -> float:
    if not 0 < float(alpha) < 1:
        raise ParameterError(f"alpha must be in (0, 1), got {alpha}")
    return float(alpha)


def _is_binary(values: np.ndarray) -> bool:
    return bool(np.isin(values, (0, 1)).all())


# ------------------------------------------------------------------------------- lift cells


def _binary_cell(x1: np.ndarray, x0: np.ndarray, alpha: float) -> dict:
    c1, n1, c0, n0 = int(x1.sum()), len(x1), int(x0.sum()), len(x0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = confint_proportions_2indep(c1, n1, c0, n0, method="newcomb", compare="diff",
                                            alpha=alpha)
        p = test_proportions_2indep(c1, n1, c0, n0, method="score", compare="diff").pvalue
        if c0 > 0:
            try:
                rlo, rhi = confint_proportions_2indep(c1, n1, c0, n0, method="score",
                                                      compare="ratio", alpha=alpha)
            except (ValueError, RuntimeError):
                rlo, rhi = confint_proportions_2indep(c1, n1, c0, n0, method="log-adjusted",
                                                      compare="ratio", alpha=alpha)
        else:
            rlo = rhi = np.nan
    return {"abs_ci_low": float(lo), "abs_ci_high": float(hi), "p_value": float(p),
            "rel_ci_low": float(rlo) - 1, "rel_ci_high": float(rhi) - 1, "test": "newcombe/score"}


def _continuous_cell(x1: np.ndarray, x0: np.ndarray, alpha: float) -> dict:
    cm = CompareMeans(DescrStatsW(x1), DescrStatsW(x0))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = cm.tconfint_diff(alpha=alpha, usevar="unequal")
        p = cm.ttest_ind(usevar="unequal")[1]
    m1, m0 = x1.mean(), x0.mean()
    if m1 > 0 and m0 > 0:
        se_log = np.sqrt(x1.var(ddof=1) / (len(x1) * m1**2) + x0.var(ddof=1) / (len(x0) * m0**2))
        z = stats.norm.ppf(1 - alpha / 2)
        rlo, rhi = np.exp(np.log(m1 / m0) + np.array([-z, z]) * se_log) - 1
    else:
        rlo = rhi = np.nan
    return {"abs_ci_low": float(lo), "abs_ci_high": float(hi), "p_value": float(p),
            "rel_ci_low": float(rlo), "rel_ci_high": float(rhi), "test": "welch"}


def _lift_rows(frame, arm, outcomes, control, treated, alpha) -> list[dict]:
    groups = frame.groupby(frame[arm].astype(object), sort=False).indices
    rows = []
    for outcome in outcomes:
        values = frame[outcome].to_numpy(dtype=float)
        binary = _is_binary(values)
        x0 = values[groups[control]]
        for a in treated:
            x1 = values[groups[a]]
            m1, m0 = float(x1.mean()), float(x0.mean())
            if len(x1) < 2 or len(x0) < 2:
                cell = {"abs_ci_low": np.nan, "abs_ci_high": np.nan, "p_value": np.nan,
                        "rel_ci_low": np.nan, "rel_ci_high": np.nan, "test": "too few"}
            elif binary:
                cell = _binary_cell(x1, x0, alpha)
            else:
                cell = _continuous_cell(x1, x0, alpha)
            rows.append({
                "arm": a, "outcome": outcome, "n_arm": len(x1), "n_control": len(x0),
                "mean_arm": m1, "mean_control": m0, "abs_lift": m1 - m0,
                "rel_lift": m1 / m0 - 1 if m0 != 0 else np.nan, **cell,
            })
    return rows


_LIFT_COLUMNS = ["arm", "outcome", "n_arm", "n_control", "mean_arm", "mean_control", "abs_lift",
                 "abs_ci_low", "abs_ci_high", "rel_lift", "rel_ci_low", "rel_ci_high",
                 "p_value", "p_adjusted", "significant", "test"]


def holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (same as statsmodels ``multipletests(method='holm')``,
    which calls ``gc.collect()`` on every use — ~70 ms in a busy session)."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    stepped = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = stepped
    return out


def _adjust(table: pd.DataFrame, alpha: float, correction: str) -> pd.DataFrame:
    p = table["p_value"].to_numpy()
    ok = np.isfinite(p)
    adjusted = np.full(len(p), np.nan)
    if ok.any():
        if correction == "holm":
            adjusted[ok] = holm(p[ok])
        else:
            adjusted[ok] = multipletests(p[ok], alpha=alpha, method=correction)[1]
    table["p_adjusted"] = adjusted
    table["significant"] = adjusted < alpha
    return table


def lift_table(
    frame: pd.DataFrame,
    arm: str = "arm",
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    control="control",
    alpha: float = 0.05,
    correction: str = "holm",
    simultaneous: bool = False,
) -> pd.DataFrame:
    """Lift of every treated arm over ``control`` for every outcome (one row per arm × outcome).

    ``frame``: one row per customer with the arm label and outcome columns (binary 0/1 or
    continuous, e.g. spend in currency). Columns: arm, outcome, n_arm, n_control, mean_arm,
    mean_control, abs_lift (outcome units), abs_ci_low/high, rel_lift (share, 0.1 = +10%),
    rel_ci_low/high, p_value, p_adjusted (``correction`` over the table, statsmodels
    ``multipletests`` names), significant (p_adjusted < alpha), test. Methods: module docstring.
    ``simultaneous=True`` widens every interval to level 1 − alpha/K (Bonferroni).
    """
    alpha = _check_alpha(alpha)
    outcomes = list(outcomes)
    treated = _check_frame(frame, arm, outcomes, control)
    k = len(treated) * len(outcomes)
    level = alpha / k if simultaneous else alpha
    table = pd.DataFrame(_lift_rows(frame, arm, outcomes, control, treated, level))
    table = _adjust(table, alpha, correction)
    table.attrs["method"] = METHOD_NOTE
    table.attrs["interval_level"] = 1 - level
    return table[_LIFT_COLUMNS]


# ---------------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class SampleRatioResult:
    """Chi-square sample-ratio-mismatch test: counts vs planned shares."""

    counts: pd.DataFrame  # arm, n, share, expected_share, expected_n
    chi2: float
    dof: int
    p_value: float
    threshold: float

    @property
    def mismatch(self) -> bool:
        """True when p_value < threshold: the randomization (or logging) is suspect."""
        return bool(self.p_value < self.threshold)

    def summary(self) -> str:
        verdict = "MISMATCH — do not trust the lift" if self.mismatch else "no mismatch"
        return (f"SRM chi2({self.dof}) = {self.chi2:.2f}, p = {self.p_value:.3g} "
                f"(threshold {self.threshold:g}): {verdict}")


def sample_ratio_test(
    frame: pd.DataFrame,
    arm: str = "arm",
    expected_shares: dict | None = None,
    threshold: float = 0.001,
) -> SampleRatioResult:
    """Chi-square goodness-of-fit of arm counts against ``expected_shares`` (default: equal)."""
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
            raise ParameterError(f"expected_shares must be positive and sum to 1, got {dict(shares)}")
    n = counts.sum()
    expected = shares.to_numpy() * n
    chi2, p = stats.chisquare(counts.to_numpy(dtype=float), expected)
    table = pd.DataFrame({"arm": arms, "n": counts.to_numpy(), "share": counts.to_numpy() / n,
                          "expected_share": shares.to_numpy(), "expected_n": expected})
    return SampleRatioResult(table, float(chi2), len(arms) - 1, float(p), float(threshold))


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
    control="control",
    threshold: float = SMD_THRESHOLD,
) -> pd.DataFrame:
    """Standardized mean differences between each arm and control, per covariate (level).

    Categorical covariates are expanded into one indicator per level. Columns: arm, covariate,
    mean_arm, mean_control, smd, imbalanced (|smd| > ``threshold``).
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
        rows.append(pd.DataFrame({
            "arm": a, "covariate": x.columns, "mean_arm": means.loc[a].to_numpy(),
            "mean_control": means.loc[control].to_numpy(), "smd": smd,
        }))
    out = pd.concat(rows, ignore_index=True)
    out["imbalanced"] = out["smd"].abs() > threshold
    return out


# -------------------------------------------------------------------------------- segments


def segment_lift(
    frame: pd.DataFrame,
    segment: str,
    arm: str = "arm",
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    control="control",
    alpha: float = 0.05,
    correction: str = "holm",
    min_size: int = 30,
) -> pd.DataFrame:
    """Lift per segment × arm × outcome with intervals (same methods as ``lift_table``).

    Segments with fewer than ``min_size`` customers in an arm or in control get NaN intervals.
    ``p_adjusted`` is over the whole segment table. ``attrs['heterogeneity']`` holds, per arm ×
    outcome, Cochran's Q test that the absolute lift is equal across segments (inverse-variance
    weights from the interval half-widths; chi-square with segments − 1 df).
    """
    alpha = _check_alpha(alpha)
    outcomes = list(outcomes)
    treated = _check_frame(frame, arm, outcomes, control)
    if segment not in frame.columns:
        raise DataValidationError(f"segment column '{segment}' not in the campaign frame")
    if frame[segment].isna().any():
        raise DataValidationError(f"segment column '{segment}' has missing values")
    z = stats.norm.ppf(1 - alpha / 2)
    tables = []
    for name, part in frame.groupby(segment, observed=True, sort=True):
        present = set(part[arm].astype(object))
        if control not in present:
            continue
        rows = _lift_rows(part, arm, outcomes, control, [a for a in treated if a in present], alpha)
        for r in rows:
            if min(r["n_arm"], r["n_control"]) < min_size:
                for key in ("abs_ci_low", "abs_ci_high", "rel_ci_low", "rel_ci_high", "p_value"):
                    r[key] = np.nan
        t = pd.DataFrame(rows)
        t.insert(0, "segment", name)
        tables.append(t)
    table = pd.concat(tables, ignore_index=True)
    table = _adjust(table, alpha, correction)
    table = table[["segment", *_LIFT_COLUMNS]]
    se = (table["abs_ci_high"] - table["abs_ci_low"]) / (2 * z)
    het = []
    for (a, outcome), part in table.assign(se=se).groupby(["arm", "outcome"], sort=False):
        part = part[np.isfinite(part["se"]) & (part["se"] > 0)]
        if len(part) < 2:
            continue
        w = 1 / part["se"] ** 2
        pooled = float((w * part["abs_lift"]).sum() / w.sum())
        q = float((w * (part["abs_lift"] - pooled) ** 2).sum())
        het.append({"arm": a, "outcome": outcome, "segments": len(part), "q": q,
                    "p_value": float(stats.chi2.sf(q, len(part) - 1))})
    table.attrs["heterogeneity"] = pd.DataFrame(het)
    table.attrs["method"] = METHOD_NOTE
    return table


# ----------------------------------------------------------------------------- the result


@dataclass
class ExperimentResult:
    """Everything about one randomized campaign: lift, sample-ratio test and balance."""

    lift: pd.DataFrame
    srm: SampleRatioResult
    balance: pd.DataFrame | None
    alpha: float
    method: str = METHOD_NOTE
    notes: list[str] = field(default_factory=list)

    def ate(self, arm, outcome: str) -> tuple[float, float, float]:
        """(absolute lift, ci_low, ci_high) of ``arm`` on ``outcome``."""
        row = self.lift[(self.lift["arm"] == arm) & (self.lift["outcome"] == outcome)]
        if row.empty:
            raise ParameterError(f"no lift for arm {arm!r} and outcome {outcome!r}")
        r = row.iloc[0]
        return float(r["abs_lift"]), float(r["abs_ci_low"]), float(r["abs_ci_high"])

    @property
    def max_abs_smd(self) -> float:
        """Largest |SMD| over arms and covariates (NaN without covariates)."""
        if self.balance is None or self.balance.empty:
            return float("nan")
        return float(self.balance["smd"].abs().max())

    def summary(self) -> pd.DataFrame:
        """The lift table with the checks in ``attrs``; ``str(result)`` gives the notes."""
        out = self.lift.copy()
        out.attrs.update({"srm": self.srm.summary(), "max_abs_smd": self.max_abs_smd,
                          "method": self.method, "notes": list(self.notes)})
        return out

    def __str__(self) -> str:
        lines = [self.srm.summary(), f"max |SMD| = {self.max_abs_smd:.3f}", self.method,
                 *self.notes]
        return "\n".join(lines)


def evaluate_experiment(
    frame: pd.DataFrame,
    arm: str = "arm",
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    control="control",
    covariates: Sequence[str] | None = None,
    expected_shares: dict | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    simultaneous: bool = False,
    srm_threshold: float = 0.001,
) -> ExperimentResult:
    """Lift table, sample-ratio test and covariate balance for one campaign frame."""
    lift = lift_table(frame, arm, outcomes, control, alpha, correction, simultaneous)
    srm = sample_ratio_test(frame, arm, expected_shares, srm_threshold)
    balance = covariate_balance(frame, covariates, arm, control) if covariates else None
    k = len(lift)
    notes = [
        f"{k} comparisons (arms × outcomes): p_adjusted is {correction}-adjusted over all {k}; "
        + ("intervals are simultaneous (Bonferroni)." if simultaneous
           else f"intervals are per comparison ({1 - alpha:.0%}); with {k} of them, about "
                f"{k * alpha:.2f} would miss the truth by chance.")
    ]
    if srm.mismatch:
        notes.append("Sample-ratio mismatch: arm sizes differ from the plan; check assignment "
                     "and logging before trusting the lift.")
    if balance is not None and balance["imbalanced"].any():
        bad = balance.loc[balance["imbalanced"], "covariate"].unique().tolist()
        notes.append(f"Covariates with |SMD| > {SMD_THRESHOLD}: {bad}.")
    return ExperimentResult(lift, srm, balance, alpha, METHOD_NOTE, notes)
