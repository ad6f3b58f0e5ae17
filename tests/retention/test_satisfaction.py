"""satisfaction_churn_link: logistic slope recovered, Wilson band rates, bad inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crm_models.errors import ConvergenceError, DataValidationError
from crm_models.retention.satisfaction import SATISFACTION_BANDS, satisfaction_churn_link

TRUE_INTERCEPT, TRUE_SLOPE = 1.2, -0.3


def _simulate(n: int, seed: int):
    rng = np.random.default_rng(seed)
    satisfaction = rng.integers(1, 11, n).astype(float)
    p = 1 / (1 + np.exp(-(TRUE_INTERCEPT + TRUE_SLOPE * satisfaction)))
    return (rng.random(n) < p).astype(int), satisfaction, p


def test_known_logistic_slope_is_recovered():
    """20,000 simulated customers with logit P(leave) = 1.2 − 0.3 · satisfaction: the slope is
    within 3 standard errors of −0.3 (odds ratio within 0.03 of exp(−0.3)), the intervals are
    exp(b ± z·se), and each band's churn rate is within 3 standard errors of its true rate;
    customers without a score are left out and counted."""
    churned, satisfaction, p = _simulate(20_000, seed=21)
    satisfaction[:100] = np.nan
    link = satisfaction_churn_link(churned, satisfaction)
    assert abs(link.coef - TRUE_SLOPE) < 3 * link.se  # within sampling error (99.7%)
    assert link.odds_ratio == pytest.approx(np.exp(link.coef))
    assert link.ci_low == pytest.approx(np.exp(link.coef - 1.959964 * link.se))
    assert link.odds_ratio == pytest.approx(np.exp(TRUE_SLOPE), abs=0.03)
    assert link.n == 19_900 and link.n_missing == 100
    assert link.p_value < 1e-10
    table = link.summary()
    row = table.loc["log odds of leaving per satisfaction point"]
    assert row["ci_low"] == pytest.approx(link.coef - 1.959964 * link.se)
    assert table.loc["odds ratio of leaving per satisfaction point", "ci_low"] == pytest.approx(
        link.ci_low
    )
    bands = link.bands
    assert bands["band"].tolist() == list(SATISFACTION_BANDS)
    assert bands["customers"].sum() == 19_900
    edges = [(1, 5), (5, 7), (7, 9), (9, 11)]
    for (low, high), band in zip(edges, bands.itertuples(), strict=True):
        inside = (satisfaction >= low) & (satisfaction < high)
        assert band.customers == inside.sum()
        assert band.churn_rate == pytest.approx(churned[inside].mean())
        truth = p[inside].mean()
        assert abs(band.churn_rate - truth) < 3 * np.sqrt(truth * (1 - truth) / inside.sum())
        assert band.ci_low < band.churn_rate < band.ci_high
    assert link.predict([1, 10])[0] > link.predict([1, 10])[1]
    assert json.loads(json.dumps(link.to_dict()))["bands"][0]["band"] == "1-4"
    wider = link.summary(0.99)
    assert (wider["ci_high"] - wider["ci_low"] > table["ci_high"] - table["ci_low"]).all()


def test_non_integer_scores_and_empty_bands():
    """Means of items (4.5 is in band 1–4); a band nobody falls in has NaN rate and interval."""
    rng = np.random.default_rng(2)
    satisfaction = rng.choice([4.5, 6.0, 6.5], 300)
    churned = (rng.random(300) < np.where(satisfaction < 5, 0.5, 0.2)).astype(bool)
    link = satisfaction_churn_link(churned, satisfaction)
    bands = link.bands.set_index("band")
    assert bands.loc["1-4", "customers"] == (satisfaction == 4.5).sum()
    assert bands.loc["7-8", "customers"] == 0 and np.isnan(bands.loc["7-8", "churn_rate"])
    assert np.isnan(link.summary().loc["churn rate, satisfaction 9-10", "ci_low"])


@pytest.mark.parametrize(
    ("churned", "satisfaction", "message"),
    [
        ([0, 1] * 20, [5.0] * 39, "churned has 40 values and satisfaction 39"),
        ([0, 1, 2] + [0, 1] * 20, [5.0] * 43, r"0 \(stayed\) or 1 \(left\), got \[2\] at rows 3"),
        ([0, 1] * 20, [5.0, 11.0] + [6.0] * 38, r"score from 1 to 10.*\[11.0\] at rows 2"),
        ([0, 1] * 20, ["good"] + [6.0] * 39, r"got \['good'\] at rows 1"),
        ([0, 1] * 5, list(range(1, 11)), "at least 20 customers"),
        ([0] * 40, list(range(1, 11)) * 4, "some who left and some who stayed"),
    ],
    ids=["lengths", "churned 2", "score 11", "score text", "too few", "nobody left"],
)
def test_bad_inputs_get_one_clear_error(churned, satisfaction, message):
    with pytest.raises(DataValidationError, match=message):
        satisfaction_churn_link(churned, satisfaction)


def test_perfect_separation_is_a_convergence_error():
    satisfaction = np.tile(np.arange(1, 11, dtype=float), 5)
    with pytest.raises(ConvergenceError, match="separate"):
        satisfaction_churn_link((satisfaction < 5).astype(int), satisfaction)
