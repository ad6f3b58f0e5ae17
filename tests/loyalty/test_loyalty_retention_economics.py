"""Satisfaction → retention curve, behaviour by band, retention economics and the ladder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.loyalty.behaviour import link_survey_to_behaviour
from crm_models.loyalty.economics import RetentionEconomics, mechanism_ladder, relationship_ladder
from crm_models.loyalty.index import construct_index
from crm_models.loyalty.pls import PLSPathModel
from crm_models.loyalty.retention import RetentionCurve, behaviour_by_band, wilson_interval


def test_hinge_threshold_is_recovered():
    """Data from logit p = −2 + 0.005·s + 0.12·(s − 70)₊ (n = 4,000): the threshold estimate is
    within 5 points of 70, its profile interval covers 70, non-linearity is detected
    (p < 1e-6) and the slope above the break exceeds the slope below."""
    rng = np.random.default_rng(4)
    s = rng.uniform(0, 100, 4000)
    p = 1 / (1 + np.exp(-(-2 + 0.005 * s + 0.12 * np.maximum(s - 70, 0))))
    y = rng.random(4000) < p
    fitted = RetentionCurve().fit(s, y)
    rc = fitted.result_
    assert abs(rc.threshold - 70) < 5
    assert rc.threshold_ci_low <= 70 <= rc.threshold_ci_high
    assert rc.nonlinear and rc.nonlinearity_p < 1e-6
    assert rc.slope_above > rc.slope_below + 0.05
    curve = fitted.curve([20, 60, 90])
    assert np.all(np.diff(curve["p_spline"]) > 0)
    assert np.all((curve["p_low"] <= curve["p_spline"]) & (curve["p_spline"] <= curve["p_high"]))


def test_linear_data_shows_no_nonlinearity():
    """Data from a straight logit (seeded): the spline-vs-linear test does not reject at 5%."""
    rng = np.random.default_rng(7)
    s = rng.uniform(0, 100, 3000)
    y = rng.random(3000) < 1 / (1 + np.exp(-(-1.5 + 0.03 * s)))
    rc = RetentionCurve().fit(s, y).result_
    assert not rc.nonlinear and rc.nonlinearity_p > 0.05


def test_retention_input_errors():
    with pytest.raises(DataValidationError, match="0/1"):
        RetentionCurve().fit(np.arange(50.0), np.full(50, 2))
    with pytest.raises(ParameterError, match="df"):
        RetentionCurve(df=1).fit(np.arange(50.0), np.arange(50) % 2)


def test_wilson_and_bands():
    lo, hi = wilson_interval(np.array([8]), np.array([10])).to_numpy().T
    # Wilson 95% interval for 8/10: 0.4902 – 0.9433 (standard textbook value)
    assert lo[0] == pytest.approx(0.4902, abs=1e-4) and hi[0] == pytest.approx(0.9433, abs=1e-4)
    frame = pd.DataFrame(
        {
            "satisfaction_index": [10, 55, 55, 95, 95, 95],
            "retained": [0, 1, 0, 1, 1, 1],
            "annual_spend": [1, 2, 4, 3, 3, 3.0],
        }
    )
    out = behaviour_by_band(frame).set_index("band")
    assert out["customers"].sum() == 6
    assert out.loc["50–60", "retention"] == 0.5 and out.loc["90–100", "spend"] == 3.0
    assert out.loc["60–70", "customers"] == 0 and np.isnan(out.loc["60–70", "retention"])


def test_link_to_behaviour_on_world(world_2000):
    """Annual spend = total spend / years since first purchase; retention from the truth;
    the world's loyalty link makes retention and spend higher in the top satisfaction half."""
    w = world_2000
    model = PLSPathModel(n_boot=0).fit(w.survey)
    idx = construct_index(model, w.survey, "CUSA")
    scores = pd.Series(idx.scores.to_numpy(), index=w.survey["customer_id"])
    alive = w.truth.purchase.set_index("customer_id")["alive_at_end"]
    link = link_survey_to_behaviour(scores, w.transactions, w.observation_end, alive, w.customers)
    cid = int(link["customer_id"].iloc[0])
    tx = w.transactions[w.transactions["customer_id"] == cid]
    years = (w.observation_end - tx["timestamp"].min()).total_seconds() / (7 * 86400) / 52
    assert link["annual_spend"].iloc[0] == pytest.approx(tx["amount"].sum() / years)
    top = link["satisfaction_index"] > link["satisfaction_index"].median()
    assert link.loc[top, "retained"].mean() > link.loc[~top, "retained"].mean()
    ladder = relationship_ladder(
        link, RetentionEconomics(annual_margin=1.0), margin_rate=0.3
    ).set_index("level")
    assert ladder["annual_retention"].is_monotonic_increasing
    assert ladder.loc["partner", "customer_value"] > ladder.loc["acquaintance", "customer_value"]
    assert ladder.loc["acquaintance", "value_up_one_level"] > 0


def test_clv_closed_forms():
    """Constant margin m, retention r, discount d: CLV = m/(1+d−r) and +5 points of retention
    raise it by (1+d−r)/(1+d−r−0.05) − 1 = 20% at r = 0.80, d = 0.10 (the 'only ~20%' case)."""
    e = RetentionEconomics(annual_margin=100, annual_discount_rate=0.10)
    assert e.clv(0.8) == pytest.approx(100 / 0.3, rel=1e-9)
    assert e.profit_effect(0.8) == pytest.approx(0.20, rel=1e-6)
    ea = RetentionEconomics(annual_margin=100, annual_discount_rate=0.10, acquisition_cost=150)
    expected = (100 / 0.25 - 100 / 0.3) / (100 / 0.3 - 150)
    assert ea.profit_effect(0.8) == pytest.approx(expected, rel=1e-6)
    r = np.array([0.5, 0.7, 0.9])
    np.testing.assert_allclose(e.clv(r), 100 / (1.1 - r), rtol=1e-9)


def test_growing_margins_make_the_reichheld_sasser_range():
    """Constant margins give 20% (outside 25–85%); acquisition cost plus margins growing with
    tenure put the effect inside the range; the margin profile adds up its mechanisms."""
    full = RetentionEconomics(
        annual_margin=100,
        acquisition_cost=150,
        spend_growth=0.10,
        growth_years=5,
        cost_to_serve=30,
        cost_decline=0.15,
        referral_profit=15,
        price_premium=5,
    )
    ladder = mechanism_ladder(full, 0.80)
    assert ladder["profit_effect"].iloc[0] == pytest.approx(0.20, rel=1e-6)
    assert not ladder["in_rs_range"].iloc[0] and ladder["in_rs_range"].iloc[-1]
    gross_const = RetentionEconomics(annual_margin=100).profit_effect(0.8, net=False)
    assert full.profit_effect(0.8, net=False) > gross_const  # growth alone raises the leverage
    prof = full.margin_profile(8)
    parts = prof[
        ["base_margin", "rising_spend", "lower_cost_to_serve", "referrals", "price_premium"]
    ]
    np.testing.assert_allclose(parts.sum(axis=1), prof["annual_margin"])
    assert prof["annual_margin"].is_monotonic_increasing


def test_customer_equity_by_explicit_sum():
    e = RetentionEconomics(
        annual_margin=50, acquisition_cost=20, annual_discount_rate=0.08, spend_growth=0.05
    )
    r = 0.75
    m = e.margin_profile(e.horizon_years + 1)["annual_margin"].to_numpy()
    existing = sum(r**t * m[t] / 1.08**t for t in range(1, e.horizon_years + 1))
    new = sum(r ** (t - 1) * m[t - 1] / 1.08**t for t in range(1, e.horizon_years + 1)) - 20
    expected = 1000 * existing + 100 * new * sum(1.08**-y for y in range(5))
    assert e.customer_equity(r, 1000, 100, 5) == pytest.approx(expected, rel=1e-9)


def test_economics_errors():
    with pytest.raises(ParameterError, match="margin"):
        RetentionEconomics(annual_margin=0)
    with pytest.raises(ParameterError, match="retention"):
        RetentionEconomics().clv(1.0)
