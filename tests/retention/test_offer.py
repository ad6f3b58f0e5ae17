"""offer_effect: the share of would-be leavers a retention offer keeps, with its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.retention.offer import OfferEffect, offer_effect


def simulate_experiment(n: int, churn_control: float, effect: float, seed: int) -> pd.DataFrame:
    """Randomized experiment: offer arm churns at churn_control × (1 − effect)."""
    rng = np.random.default_rng(seed)
    arm = rng.choice(np.array(["offer", "control"], dtype=object), n)
    churn = np.where(arm == "offer", churn_control * (1 - effect), churn_control)
    retained = (rng.random(n) >= churn).astype(int)
    return pd.DataFrame({"customer_id": np.arange(1, n + 1), "arm": arm, "retained": retained})


def test_planted_effect_is_covered_and_rates_are_the_arms_counts():
    """Large experiment with a known effect 0.4: the interval covers it and is narrow; churn
    rates and their difference are the arms' plain shares; summary at another level is
    recomputed (narrower at 0.80)."""
    frame = simulate_experiment(40_000, churn_control=0.3, effect=0.4, seed=3)
    result = offer_effect(frame)
    assert isinstance(result, OfferEffect)
    assert result.ci_low < 0.4 < result.ci_high
    assert result.ci_high - result.ci_low < 0.06
    churn = 1 - frame.groupby("arm")["retained"].mean()
    assert result.churn_control == pytest.approx(churn["control"])
    assert result.churn_offer == pytest.approx(churn["offer"])
    assert result.effect == pytest.approx(1 - churn["offer"] / churn["control"])
    assert result.difference == pytest.approx(churn["control"] - churn["offer"])
    assert result.difference_ci_low < result.difference < result.difference_ci_high
    assert result.p_value < 1e-6
    table = result.summary()
    assert list(table.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert table.loc["effect", "ci_low"] == pytest.approx(result.ci_low)
    low80, high80 = result.interval(0.80)
    assert result.ci_low < low80 < result.effect < high80 < result.ci_high
    assert result.summary(0.80).loc["effect", "ci_low"] == pytest.approx(low80)
    assert result.to_dict()["effect"] == pytest.approx(result.effect)


def test_interval_coverage_over_repeated_experiments():
    """200 experiments of 2,000 customers, true effect 0.25: the 95% interval covers the
    truth in 90–99% of them (a wrong interval — e.g. the risk ratio's instead of one minus
    it — covers in none)."""
    hits = 0
    for seed in range(200):
        result = offer_effect(simulate_experiment(2_000, 0.3, 0.25, seed))
        hits += result.ci_low <= 0.25 <= result.ci_high
    assert 180 <= hits <= 198


def test_labels_booleans_and_other_arms():
    """Booleans as outcome, custom arm labels; rows of a third arm are ignored."""
    frame = simulate_experiment(3_000, 0.4, 0.3, seed=1)
    base = offer_effect(frame)
    other = frame.assign(
        arm=frame["arm"].map({"offer": "rabatt", "control": "kontrolle"}),
        retained=frame["retained"].astype(bool),
    )
    extra = pd.DataFrame({"customer_id": [10**6, 10**6 + 1], "arm": "x", "retained": [0, 0]})
    relabelled = offer_effect(
        pd.concat([other, extra], ignore_index=True), treated="rabatt", control="kontrolle"
    )
    assert relabelled.effect == pytest.approx(base.effect)
    assert relabelled.n_offer + relabelled.n_control == len(frame)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f[f["arm"] == "control"], r"no row of arm\(s\) \['offer'\]"),
        (lambda f: f.drop(columns="retained"), r"lacks column\(s\) \['retained'\]"),
        (lambda f: f.assign(retained=f["retained"].where(f.index != 2, 2)), r"0 \(left\).*rows 3"),
        (
            lambda f: f.assign(retained=f["retained"].astype(float).where(f.index != 4)),
            r"'retained' must be 0.*rows 5",
        ),
        (lambda f: f.assign(retained=np.where(f["arm"] == "control", 1, f["retained"])), "nobody"),
        (
            lambda f: f.assign(customer_id=f["customer_id"].where(f.index != 7, 1)),
            "duplicate ids at rows 1, 8",
        ),
    ],
    ids=["missing arm", "missing column", "outcome 2", "outcome NaN", "no control churn", "dups"],
)
def test_bad_experiments_get_one_clear_error(change, message):
    frame = simulate_experiment(200, 0.3, 0.3, seed=0)
    with pytest.raises(DataValidationError, match=message):
        offer_effect(change(frame))


def test_bad_parameters():
    frame = simulate_experiment(200, 0.3, 0.3, seed=0)
    with pytest.raises(ParameterError, match="level"):
        offer_effect(frame, level=95)
    with pytest.raises(DataValidationError, match="DataFrame"):
        offer_effect(frame.to_numpy())
    with pytest.raises(ParameterError, match="at least 2 customers per arm"):
        offer_effect(pd.DataFrame({"arm": ["offer", "control", "control"], "retained": [1, 0, 1]}))
