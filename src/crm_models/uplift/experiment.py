"""Evaluate a randomized campaign: lift per arm and outcome, sample-ratio and balance checks.

:func:`evaluate_experiment` combines :func:`~crm_models.uplift.lift_table` (methods in
``crm_models.uplift.lift``), :func:`~crm_models.uplift.sample_ratio_test` and
:func:`~crm_models.uplift.covariate_balance` (``crm_models.uplift.checks``) into one
:class:`ExperimentResult`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crm_models.results import Result
from crm_models.uplift.checks import (
    DEFAULT_OUTCOMES,
    SMD_THRESHOLD,
    SampleRatioResult,
    covariate_balance,
    sample_ratio_test,
)
from crm_models.uplift.lift import METHOD_NOTE, LiftEstimate, LiftResult, lift_table

__all__ = ["ExperimentResult", "evaluate_experiment"]


# ----------------------------------------------------------------------------- the result


@dataclass(frozen=True, repr=False)
class ExperimentResult(Result):
    """Everything about one randomized campaign: lift, sample-ratio test and balance.

    Parameters
    ----------
    lift : LiftResult
        Lift per arm × outcome.
    srm : SampleRatioResult
        Sample-ratio-mismatch test.
    balance : pandas.DataFrame or None
        Standardized mean differences (``covariate_balance``), None without covariates.
    level : float
        Confidence level of the lift intervals.
    method : str
        The methods, in words.
    notes : tuple of str
        Warnings and reading notes.
    """

    lift: LiftResult
    srm: SampleRatioResult
    balance: pd.DataFrame | None
    level: float
    method: str = METHOD_NOTE
    notes: tuple[str, ...] = field(default_factory=tuple)

    def ate(self, arm: Any, outcome: str) -> LiftEstimate:
        """Absolute lift of ``arm`` on ``outcome`` with its interval.

        Parameters
        ----------
        arm : str
            A treated arm.
        outcome : str
            An outcome column.

        Returns
        -------
        LiftEstimate
            ``estimate``, ``ci_low``, ``ci_high`` (outcome units).
        """
        return self.lift.estimate(arm, outcome)

    @property
    def max_abs_smd(self) -> float:
        """Largest |SMD| over arms and covariates (NaN without covariates)."""
        if self.balance is None or self.balance.empty:
            return float("nan")
        return float(self.balance["smd"].abs().max())

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Absolute lift per arm × outcome (see :meth:`LiftResult.summary`).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; index (arm, outcome).
        """
        return self.lift.summary(level)

    def __str__(self) -> str:
        lines = [self.srm.message, f"max |SMD| = {self.max_abs_smd:.3f}", self.method, *self.notes]
        return "\n".join(lines)


def evaluate_experiment(
    frame: pd.DataFrame,
    arm: str = "arm",
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    control: Any = "control",
    covariates: Sequence[str] | None = None,
    expected_shares: dict | None = None,
    level: float = 0.95,
    correction: str = "holm",
    simultaneous: bool = False,
    srm_threshold: float = 0.001,
) -> ExperimentResult:
    """Lift table, sample-ratio test and covariate balance for one campaign frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer: arm, outcomes, covariates.
    arm, outcomes, control, level, correction, simultaneous
        As in :func:`lift_table`.
    covariates : sequence of str, optional
        Columns whose balance between arms is checked.
    expected_shares : dict, optional
        Planned share per arm (default equal shares).
    srm_threshold : float, default 0.001
        p-value below which the sample ratio is flagged.

    Returns
    -------
    ExperimentResult
        Lift, sample-ratio test, balance and notes.
    """
    lift = lift_table(frame, arm, outcomes, control, level, correction, simultaneous)
    srm = sample_ratio_test(frame, arm, expected_shares, srm_threshold)
    balance = covariate_balance(frame, covariates, arm, control) if covariates else None
    k = len(lift.table)
    tail = 1 - lift.level
    notes = [
        f"{k} comparisons (arms × outcomes): p_adjusted is {correction}-adjusted over all {k}; "
        + (
            "intervals are simultaneous (Bonferroni)."
            if simultaneous
            else f"intervals are per comparison ({lift.level:.0%}); with {k} of them, about "
            f"{k * tail:.2f} would miss the truth by chance."
        )
    ]
    if srm.mismatch:
        notes.append(
            "Sample-ratio mismatch: arm sizes differ from the plan; check assignment "
            "and logging before trusting the lift."
        )
    if balance is not None and balance["imbalanced"].any():
        bad = balance.loc[balance["imbalanced"], "covariate"].unique().tolist()
        notes.append(f"Covariates with |SMD| > {SMD_THRESHOLD}: {bad}.")
    return ExperimentResult(lift, srm, balance, lift.level, METHOD_NOTE, tuple(notes))
