"""Intervals of differences between policies: paired replicates, coverage, honest wording.

The simulated world below has a known individual uplift, so the true profit of targeting the
top share by a (noisy) ranking and of mailing everyone is known customer by customer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.uplift import (
    PolicyDifference,
    holdout_profit_curve,
    policy_profits,
    true_policy_values,
)
from crm_models.uplift.narrative import everyone_comparison, profit_chart_title, qini_title
from crm_models.uplift.paired import consent_cost_interval, poisson_weights

MARGIN, COST = 10.0, 0.1


def world(n: int, rng: np.random.Generator):
    """Hold-out of a randomized campaign (control / a) with known uplift per customer."""
    x = rng.normal(size=n)
    tau = np.where(x > 0, 0.05, -0.01)  # true uplift of arm a
    t = np.where(rng.random(n) < 0.5, "a", "control")
    p = 0.05 + 0.02 * (x > 1) + tau * (t == "a")
    y = (rng.random(n) < p).astype(float)
    priority = x + rng.normal(scale=0.7, size=n)  # an imperfect model's ranking
    return y, t, tau, priority


def test_identical_policies_differ_by_exactly_zero():
    rng = np.random.default_rng(3)
    y, t, _, priority = world(2000, rng)
    send = np.where(priority > 0, "a", "control")
    w = poisson_weights(len(y), 300, seed=1)
    prof = policy_profits(w, y, t, {"p": send, "q": send.copy()}, MARGIN, COST)
    diff = (prof["p"] - prof["q"]).to_numpy()
    d = PolicyDifference.from_replicates(diff[0], diff[1:])
    assert (d.estimate, d.ci_low, d.ci_high) == (0.0, 0.0, 0.0)
    # the profits themselves vary a lot between replicates: only pairing cancels them
    assert prof["p"].iloc[1:].std() > 100


def test_curve_and_everyone_share_replicates():
    """Everybody sent arm a: the curve at 100% IS mailing everyone, in every replicate."""
    rng = np.random.default_rng(4)
    y, t, _, priority = world(3000, rng)
    curve = holdout_profit_curve(y, t, np.full(len(y), "a"), priority, MARGIN, COST, n_boot=300)
    gain = curve.gain_over_everyone("a", share=1.0)
    assert gain.estimate == pytest.approx(0.0, abs=1e-9)
    assert gain.ci_low == pytest.approx(0.0, abs=1e-9)
    assert gain.ci_high == pytest.approx(0.0, abs=1e-9)
    # unpaired, the two profits' own intervals are wide
    low, high = curve.everyone_interval["a"]
    assert high - low > 500


def test_gain_interval_covers_the_true_gain():
    """Percentile interval of the paired difference at a fixed cut-off covers the truth."""
    rng = np.random.default_rng(5)
    n, share, covered, errors = 3000, 0.5, 0, []
    reps = 60
    for _ in range(reps):
        y, t, tau, priority = world(n, rng)
        curve = holdout_profit_curve(
            y, t, np.full(n, "a"), priority, MARGIN, COST, n_points=11, n_boot=200, seed=7
        )
        gain = curve.gain_over_everyone("a", share=share)
        truth = true_policy_values(tau, priority, MARGIN, COST, arms=["a"], shares=[share, 1.0])
        true_gain = float(truth.table["model"].iloc[0] - truth.table["model"].iloc[1])
        covered += gain.ci_low <= true_gain <= gain.ci_high
        errors.append(gain.estimate - true_gain)
    assert covered / reps >= 0.87
    # recovery: no systematic error (mean error within 3 standard errors of 0)
    assert abs(np.mean(errors)) < 3 * np.std(errors) / np.sqrt(reps)


def test_default_gain_is_the_difference_of_the_headlines():
    rng = np.random.default_rng(6)
    y, t, _, priority = world(4000, rng)
    curve = holdout_profit_curve(y, t, np.full(len(y), "a"), priority, MARGIN, COST, n_boot=200)
    gain = curve.gain_over_everyone()
    assert gain.estimate == pytest.approx(curve.best_profit_debiased - curve.everyone["a"])
    assert gain.ci_low < gain.ci_high
    assert len(gain.draws) == 200


def test_consent_cost_interval_scales_with_the_policy_replicates():
    boot = np.array([50.0, 100.0, 150.0, 200.0])
    cost = consent_cost_interval(30.0, 100.0, boot, level=0.5)
    assert cost.estimate == 30.0
    np.testing.assert_allclose([cost.ci_low, cost.ci_high], 0.3 * np.quantile(boot, [0.25, 0.75]))
    none = consent_cost_interval(0.0, 100.0, boot)
    assert (none.estimate, none.ci_low, none.ci_high) == (0.0, 0.0, 0.0)
    assert np.isnan(consent_cost_interval(30.0, -5.0, boot).ci_low)


def _diff(estimate, low, high):
    return PolicyDifference(estimate, low, high, 0.95, 200)


@pytest.mark.parametrize(
    ("low", "high", "expected", "forbidden"),
    [
        (-900.0, 3000.0, "not clearly better", "more than"),
        (300.0, 2100.0, "clearly better", "not clearly"),
        (-3000.0, -200.0, "less than", "more than"),
    ],
)
def test_wording_follows_the_interval_of_the_difference(low, high, expected, forbidden):
    text = everyone_comparison(_diff(1200.0, low, high), "offer_a")
    assert expected in text
    assert forbidden not in text
    if low <= 0 <= high:
        assert "includes" in text


def test_chart_title_claims_no_gain_when_the_interval_spans_zero():
    rng = np.random.default_rng(8)
    y, t, _, priority = world(2000, rng)
    curve = holdout_profit_curve(y, t, np.full(len(y), "a"), priority, MARGIN, COST, n_boot=50)
    title = profit_chart_title(curve, _diff(1200.0, -900.0, 3000.0))
    assert "not clearly better" in title and "more than" not in title
    assert "\\$" in title  # a literal dollar for matplotlib, no mathtext
    title = profit_chart_title(curve, _diff(1200.0, 300.0, 2100.0))
    assert "more\nthan mailing everyone" in title


def test_qini_title_names_the_best_model_and_says_when_none_can_be_ranked():
    qini = pd.Series({"S": 0.12, "T": 0.31, "X": float("nan")})
    assert qini_title("offer_a", qini) == "Offer A: T ranks best on the hold-out (Qini 0.31)"
    undefined = pd.Series({"S": float("nan"), "T": float("nan")})  # a hold-out of a few rows
    assert "too small to rank" in qini_title("offer_b", undefined)
