"""Effect of a retention offer from a randomized experiment: the share of would-be leavers kept.

One row per customer of the experiment: ``arm`` (``offer`` or ``control``) and ``retained``
(1 = stayed, 0 = left) at the end of the observation window. With churn rates
``churn_control`` and ``churn_offer`` (shares 0–1)::

    effect = (churn_control − churn_offer) / churn_control = 1 − churn_offer / churn_control

is the share of the customers who would have left without the offer that the offer keeps
(0.3: three in ten would-be leavers stay). It is one minus the churn risk ratio of the two arms.

Method: the churn rates, their difference and the risk ratio come from
:func:`crm_models.uplift.lift.lift_table` run on the churn indicator ``1 − retained``: the
difference has Newcombe's hybrid score interval and the score test (its p-value tests
effect = 0), the risk ratio the score (Miettinen–Nurminen / Koopman) interval
(``statsmodels confint_proportions_2indep(compare='ratio', method='score')``), and the
interval of the effect is ``1 −`` that interval, reversed. The standard error shown is the
one the interval implies (half-width / z), as in the lift tables. Churn rates of each arm
carry Wilson intervals (``statsmodels proportion_confint``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from crm_models.errors import DataValidationError, ParameterError, format_rows
from crm_models.results import Result, check_level, estimate_table, z_value
from crm_models.uplift.lift import lift_table

__all__ = ["OfferEffect", "offer_effect"]

OFFER_METHOD = (
    "effect = 1 − churn_offer / churn_control (share of would-be leavers the offer keeps); "
    "interval = 1 − score interval of the churn risk ratio, churn difference with Newcombe's "
    "score interval and the score test (crm_models.uplift lift_table on 1 − retained); churn "
    "rates with Wilson intervals."
)


def _interval(counts: dict, level: float) -> dict:
    """Effect, churn difference and their intervals at ``level`` from the arm counts."""
    n1, c1, n0, c0 = (
        counts["n_offer"],
        counts["churned_offer"],
        counts["n_control"],
        counts["churned_control"],
    )
    churned = np.concatenate([np.ones(c1), np.zeros(n1 - c1), np.ones(c0), np.zeros(n0 - c0)])
    arm = np.array(["offer"] * n1 + ["control"] * n0, dtype=object)
    frame = pd.DataFrame({"arm": arm, "churned": churned})
    row = lift_table(frame, "arm", ["churned"], "control", level).table.iloc[0]
    effect = -float(row["rel_lift"])
    low, high = -float(row["rel_ci_high"]), -float(row["rel_ci_low"])
    z = z_value(level)
    return {
        "effect": effect,
        "ci_low": low,
        "ci_high": high,
        "se": (high - low) / (2 * z),
        "difference": -float(row["abs_lift"]),
        "difference_ci_low": -float(row["abs_ci_high"]),
        "difference_ci_high": -float(row["abs_ci_low"]),
        "p_value": float(row["p_value"]),
    }


@dataclass(frozen=True, repr=False)
class OfferEffect(Result):
    """Share of would-be leavers a retention offer keeps, from a randomized experiment.

    Attributes
    ----------
    effect : float
        ``1 − churn_offer / churn_control`` (share 0–1 when the offer helps; negative when
        more customers leave with it).
    ci_low, ci_high : float
        Interval of ``effect`` at ``level`` (1 − the score interval of the churn risk ratio).
    se : float
        Standard error implied by the interval (half-width / z), share.
    churn_control, churn_offer : float
        Churn rates of the two arms (share 0–1 who left).
    difference, difference_ci_low, difference_ci_high : float
        ``churn_control − churn_offer`` (share points as a 0–1 difference) with Newcombe's
        score interval.
    p_value : float
        Score test of no difference in churn (effect = 0).
    n_offer, n_control, churned_offer, churned_control : int
        Customers and leavers per arm.
    level : float
        Confidence level of the intervals.
    method : str
        The method, in words.
    """

    effect: float
    ci_low: float
    ci_high: float
    se: float
    churn_control: float
    churn_offer: float
    difference: float
    difference_ci_low: float
    difference_ci_high: float
    p_value: float
    n_offer: int
    n_control: int
    churned_offer: int
    churned_control: int
    level: float
    method: str = OFFER_METHOD

    def _counts(self) -> dict:
        return {
            "n_offer": self.n_offer,
            "churned_offer": self.churned_offer,
            "n_control": self.n_control,
            "churned_control": self.churned_control,
        }

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Interval of the effect at ``level`` (recomputed from the counts at another level).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level.

        Returns
        -------
        tuple of float
            ``(ci_low, ci_high)`` of the effect (share of would-be leavers kept).
        """
        level = check_level(level)
        if np.isclose(level, self.level, rtol=0, atol=1e-12):
            return self.ci_low, self.ci_high
        cell = _interval(self._counts(), level)
        return cell["ci_low"], cell["ci_high"]

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Effect, churn difference and the churn rate of each arm with ``level`` intervals.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high`` (shares 0–1); index ``quantity``:
            effect, churn difference (control − offer), churn control, churn offer.
        """
        level = check_level(level)
        cell = _interval(self._counts(), level)
        counts = np.array([self.churned_control, self.churned_offer])
        nobs = np.array([self.n_control, self.n_offer])
        low, high = proportion_confint(counts, nobs, alpha=1 - level, method="wilson")
        rates = counts / nobs
        z = z_value(level)
        diff_se = (cell["difference_ci_high"] - cell["difference_ci_low"]) / (2 * z)
        return estimate_table(
            [cell["effect"], cell["difference"], *rates],
            [cell["se"], diff_se, *np.sqrt(rates * (1 - rates) / nobs)],
            [cell["ci_low"], cell["difference_ci_low"], *low],
            [cell["ci_high"], cell["difference_ci_high"], *high],
            level=level,
            index=pd.Index(
                ["effect", "churn difference (control − offer)", "churn control", "churn offer"],
                name="quantity",
            ),
        )


def _check_experiment(
    experiment: pd.DataFrame, arm: str, outcome: str, treated: object, control: object
) -> pd.DataFrame:
    """Return the validated two-arm frame: columns ``arm`` and ``churned`` (0/1)."""
    what = "retention experiment"
    if not isinstance(experiment, pd.DataFrame):
        raise DataValidationError(
            f"{what}: expected a pandas DataFrame with columns {arm!r}, {outcome!r}, "
            f"got {type(experiment).__name__}"
        )
    missing = [c for c in (arm, outcome) if c not in experiment.columns]
    if missing:
        raise DataValidationError(
            f"{what} lacks column(s) {missing}; it has {list(experiment.columns)}"
        )
    labels = experiment[arm].astype(object)
    absent = [a for a in (treated, control) if not (labels == a).any()]
    if absent:
        present = sorted(map(str, pd.unique(labels.dropna())))
        raise DataValidationError(
            f"{what}: column '{arm}' has no row of arm(s) {absent}; arms present: {present} "
            f"(pass treated=… / control=… to name them)"
        )
    if "customer_id" in experiment.columns:
        dup = experiment["customer_id"].duplicated(keep=False).to_numpy()
        if dup.any():
            raise DataValidationError(
                f"{what}: column 'customer_id' has duplicate ids at rows "
                f"{format_rows(np.flatnonzero(dup))}; expected one row per customer"
            )
    keep = labels.isin([treated, control]).to_numpy()
    values = experiment[outcome]
    if pd.api.types.is_bool_dtype(values):
        values = values.astype(float)
    numeric = pd.to_numeric(values.astype(object), errors="coerce").astype(float)
    bad = keep & ~numeric.isin([0.0, 1.0]).to_numpy()
    if bad.any():
        first = np.flatnonzero(bad)
        shown = values.iloc[first[:3]].tolist()
        raise DataValidationError(
            f"{what}: column '{outcome}' must be 0 (left) or 1 (retained), got {shown} at rows "
            f"{format_rows(first)}"
        )
    frame = pd.DataFrame(
        {
            "arm": np.where(labels.to_numpy() == control, "control", "offer")[keep],
            "churned": 1.0 - numeric.to_numpy()[keep],
        }
    )
    n_control = int((frame["arm"] == "control").sum())
    if frame.loc[frame["arm"] == "control", "churned"].sum() == 0:
        raise DataValidationError(
            f"{what}: nobody left in the control arm {control!r} ({n_control} customers, all "
            f"'{outcome}' = 1): the share of would-be leavers kept is undefined; a longer "
            "observation window or a larger control group is needed"
        )
    return frame


def offer_effect(
    experiment: pd.DataFrame,
    *,
    arm: str = "arm",
    outcome: str = "retained",
    treated: object = "offer",
    control: object = "control",
    level: float = 0.95,
) -> OfferEffect:
    """Share of would-be leavers a retention offer keeps, with its interval.

    Parameters
    ----------
    experiment : pandas.DataFrame
        One row per customer of a randomized retention experiment: ``arm`` and ``outcome``
        (and optionally ``customer_id``, which must then be unique). Rows of other arms are
        ignored.
    arm : str, default "arm"
        Column of the arm labels.
    outcome : str, default "retained"
        Column: 1 = the customer stayed, 0 = left (booleans allowed).
    treated : object, default "offer"
        Label of the arm that received the offer.
    control : object, default "control"
        Label of the arm that did not.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    OfferEffect
        ``effect = (churn_control − churn_offer) / churn_control`` (share 0–1) with its
        interval, the churn rates and their difference. Method: module docstring.
    """
    level = check_level(level)
    frame = _check_experiment(experiment, arm, outcome, treated, control)
    offer, ctrl = frame["arm"] == "offer", frame["arm"] == "control"
    counts = {
        "n_offer": int(offer.sum()),
        "churned_offer": int(frame.loc[offer, "churned"].sum()),
        "n_control": int(ctrl.sum()),
        "churned_control": int(frame.loc[ctrl, "churned"].sum()),
    }
    if min(counts["n_offer"], counts["n_control"]) < 2:
        raise ParameterError(
            f"retention experiment: need at least 2 customers per arm, got {counts['n_offer']} "
            f"with the offer and {counts['n_control']} in control"
        )
    cell = _interval(counts, level)
    return OfferEffect(
        effect=cell["effect"],
        ci_low=cell["ci_low"],
        ci_high=cell["ci_high"],
        se=cell["se"],
        churn_control=counts["churned_control"] / counts["n_control"],
        churn_offer=counts["churned_offer"] / counts["n_offer"],
        difference=cell["difference"],
        difference_ci_low=cell["difference_ci_low"],
        difference_ci_high=cell["difference_ci_high"],
        p_value=cell["p_value"],
        level=level,
        **counts,
    )
