"""How far the loyalty study's answer can be trusted, and the stable estimation for the data.

- ``check_estimation(result, measurement)`` reads the fitted model: constructs whose
  reliability fails its thresholds (Cronbach's α or composite reliability ρ_C below 0.70),
  bootstrap R² upper bounds above 1, path standard errors above ``SE_LIMIT`` — the signs
  that the intervals are unstable and a ranking of drivers would over-claim.
- ``fit_stable(spec, survey, …)`` fits the requested model; when consistent PLS (PLSc) is
  unstable on these data it refits standard PLS, which does not divide by weak
  reliabilities, and says so (``EstimationChoice.sentence``).
- ``clear_drivers(levers)`` keeps the drivers whose interval excludes zero: only those are
  ranked on the management page.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_models.loyalty.diagnostics import EstimationWarning
from crm_models.loyalty.pls import PLSPathModel
from crm_models.loyalty.reliability import MeasurementAssessment, assess_measurement
from crm_models.loyalty.spec import ModelSpec

__all__ = [
    "SE_LIMIT",
    "EstimationCheck",
    "EstimationChoice",
    "check_estimation",
    "clear_drivers",
    "fit_stable",
]

SE_LIMIT = 0.5  # a standardized path with a bootstrap SE above this has no usable interval


@dataclass(frozen=True)
class EstimationCheck:
    """What the fitted model says about its own reliability.

    Attributes
    ----------
    unreliable : tuple of str
        Labels of the constructs failing α or ρ_C (below 0.70).
    max_r2_high : float
        Largest bootstrap upper bound of an R² (above 1 means unstable).
    max_path_se : float
        Largest bootstrap standard error of a standardized path.
    unstable : bool
        Whether the intervals are not usable (an R² bound above 1 or a path SE above
        ``SE_LIMIT``).
    """

    unreliable: tuple[str, ...]
    max_r2_high: float
    max_path_se: float
    unstable: bool

    @property
    def trustworthy(self) -> bool:
        """Whether measurement passes and intervals are stable."""
        return not self.unreliable and not self.unstable


@dataclass(frozen=True)
class EstimationChoice:
    """The model kept for the report and why (``sentence`` is plain language).

    Attributes
    ----------
    pls : PLSPathModel
        The fitted model whose figures the report uses.
    measurement : MeasurementAssessment
        ``assess_measurement`` of that model.
    check : EstimationCheck
        ``check_estimation`` of that model.
    consistent : bool
        Whether the kept model is consistent PLS.
    fell_back : bool
        Whether consistent PLS was requested but rejected as unstable.
    rejected : EstimationCheck or None
        The check of the rejected consistent fit (None when not fallen back).
    """

    pls: PLSPathModel
    measurement: MeasurementAssessment
    check: EstimationCheck
    consistent: bool
    fell_back: bool
    rejected: EstimationCheck | None = None

    @property
    def sentence(self) -> str:
        """One plain sentence: which estimation the figures use, and why."""
        name = "consistent PLS" if self.consistent else "standard PLS"
        if self.fell_back and self.rejected is not None:
            return (
                "Estimation: standard PLS. Consistent PLS, the default, gave unstable intervals "
                f"on these data (an R² upper bound of {self.rejected.max_r2_high:.2f}, above 1; "
                f"a path standard error of {self.rejected.max_path_se:.1f}), "
                "so the figures use standard PLS, which is stable here."
            )
        return f"Estimation: {name}, stable on these data."


def check_estimation(result, measurement: MeasurementAssessment) -> EstimationCheck:
    """Read the reliability flags and the stability of the bootstrap intervals.

    Parameters
    ----------
    result : PLSResult
        The fitted model (``r2_table`` and ``path_table`` with bootstrap intervals).
    measurement : MeasurementAssessment
        ``assess_measurement(result)``.

    Returns
    -------
    EstimationCheck
        Failing constructs and the instability signs.
    """
    rel = measurement.reliability
    failing = ~(rel["alpha_ok"].astype(bool) & rel["rho_c_ok"].astype(bool))
    r2_high = pd.to_numeric(result.r2_table()["ci_high"], errors="coerce").to_numpy(float)
    se = pd.to_numeric(result.path_table()["se"], errors="coerce").to_numpy(float)
    max_r2 = float(np.nanmax(r2_high)) if r2_high.size else float("nan")
    max_se = float(np.nanmax(se)) if se.size else float("nan")
    unstable = bool(
        (r2_high.size and not np.isfinite(r2_high).all())
        or max_r2 > 1.0
        or (se.size and not np.isfinite(se).all())
        or max_se > SE_LIMIT
    )
    return EstimationCheck(tuple(rel.loc[failing, "label"]), max_r2, max_se, unstable)


def fit_stable(
    spec: ModelSpec,
    survey: pd.DataFrame,
    *,
    scheme: str,
    consistent: bool,
    n_boot: int,
    seed: int,
    scale: tuple[float, float] = (1, 10),
) -> EstimationChoice:
    """Fit the requested PLS model; fall back to standard PLS when PLSc is unstable.

    Parameters
    ----------
    spec : ModelSpec
        Model specification.
    survey : pandas.DataFrame
        Survey items.
    scheme : str
        Inner weighting scheme.
    consistent : bool
        Whether PLSc is requested (refit without it when its intervals are unstable).
    n_boot : int
        Bootstrap resamples.
    seed : int
        Bootstrap seed.
    scale : tuple of float, default (1, 10)
        Item scale.

    Returns
    -------
    EstimationChoice
        The model kept, its measurement assessment and check, and whether it fell back.
    """

    def fit(plsc: bool):
        pls = PLSPathModel(spec, scheme=scheme, consistent=plsc, n_boot=n_boot, seed=seed)
        pls.fit(survey, scale=scale)
        measurement = assess_measurement(pls.result_)
        return pls, measurement, check_estimation(pls.result_, measurement)

    # PLSc's own warnings are kept back: they are moot when this function falls back
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EstimationWarning)
        pls, measurement, check = fit(consistent)
    falls_back = consistent and check.unstable
    for w in caught:
        if not (falls_back and issubclass(w.category, EstimationWarning)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not falls_back:
        return EstimationChoice(pls, measurement, check, consistent, False)
    plain, plain_measurement, plain_check = fit(False)
    return EstimationChoice(plain, plain_measurement, plain_check, False, True, rejected=check)


def clear_drivers(levers: pd.DataFrame, check: EstimationCheck | None = None) -> pd.DataFrame:
    """Keep the drivers whose effect interval excludes zero (the only ones worth ranking).

    Parameters
    ----------
    levers : pandas.DataFrame
        ``investment_levers`` output (``importance_low``, ``importance_high``).
    check : EstimationCheck, optional
        When its intervals are unstable, no driver is kept (nothing is ranked).

    Returns
    -------
    pandas.DataFrame
        The rows whose interval lies entirely above or below zero, order kept.
    """
    low, high = levers["importance_low"], levers["importance_high"]
    keep = (low > 0) | (high < 0)
    if check is not None and check.unstable:
        keep &= False
    return levers[keep]
