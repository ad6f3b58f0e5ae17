"""Safety net: secondary outputs of the value study pinned exactly, each against an
independent computation (a mutation probe once found bugs in these that no test caught)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from crm_models.data.public import load_cdnow_summary
from crm_models.value import BGNBD, GammaGamma, customer_equity, second_lifetime_value


@pytest.fixture(scope="module")
def fitted():
    data = load_cdnow_summary(with_monetary=True)  # weekly time unit
    return data, BGNBD().fit(data), GammaGamma().fit(data)


@pytest.mark.parametrize("level", [0.95, 0.8])
def test_customer_equity_interval_is_the_draws_quantiles(fitted, level):
    """ci_low / ci_high (at the fitted level) and summary(level) are the draws' (1 ∓ level)/2
    quantiles — not another pair of quantiles."""
    data, bg, gg = fitted
    ce = customer_equity(
        bg,
        gg,
        data,
        horizon_months=12,
        monthly_discount_rate=0.01,
        time_unit="W",
        margin_rate=0.3,
        level=level,
        n_draws=60,
        seed=3,
    )
    low, high = np.quantile(ce.draws, [(1 - level) / 2, (1 + level) / 2])
    assert (ce.ci_low, ce.ci_high) == (low, high)
    assert ce.n_draws == len(ce.draws) == 60 and ce.n_customers == len(data)
    for at in (level, 0.5):
        table = ce.summary(at)
        expected = np.quantile(ce.draws, [(1 - at) / 2, (1 + at) / 2])
        assert list(table.columns) == ["estimate", "se", "ci_low", "ci_high"]
        np.testing.assert_array_equal(table.loc["customer_equity", ["ci_low", "ci_high"]], expected)
        assert table.loc["customer_equity", "estimate"] == ce.estimate
    assert set(ce.to_dict()) == {"estimate", "ci_low", "ci_high", "level", "n_customers", "n_draws"}
    assert "array" not in repr(ce) and len(repr(ce)) < 200


def _won_back_value(params, spend, x, tx, T, m, horizon, rate, per_month, margin_rate):
    """Σ_{k=1..H} margin · E[spend] · (N(k f) − N((k−1) f)) / (1 + d)^k per customer, where
    N(t) = E[purchases in (T, T+t] | alive at T] = (a+b+x−1)/(a−1) ·
    (1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))) — FHL (2005) eq. 10
    without the P(alive) factor; written out one customer and one month at a time."""
    r, alpha, a, b = params
    p, q, v = spend
    out = np.zeros(len(x))
    for i in range(len(x)):
        xi, Ti = x[i], T[i]

        def n_alive(t, xi=xi, Ti=Ti):
            if t == 0:
                return 0.0
            h = hyp2f1(r + xi, b + xi, a + b + xi - 1, t / (alpha + Ti + t))
            return (
                (a + b + xi - 1) / (a - 1) * (1 - ((alpha + Ti) / (alpha + Ti + t)) ** (r + xi) * h)
            )

        spend_i = (q - 1) / (p * xi + q - 1) * (v * p / (q - 1)) + p * xi / (p * xi + q - 1) * m[i]
        total = 0.0
        for k in range(1, horizon + 1):
            step = n_alive(k * per_month) - n_alive((k - 1) * per_month)
            total += margin_rate * spend_i * step / (1 + rate) ** k
        out[i] = total
    return out


def test_won_back_clv_is_p_alive_times_won_back_value(fitted):
    """clv_if_won_back equals the month-by-month sum written out independently, and the
    current clv equals P(alive) × clv_if_won_back (BG/NBD: E[X] = P(alive) · E[X | alive])."""
    data, bg, gg = fitted
    rows = data[data["frequency"] <= 20].iloc[::40]  # direct ₂F₁ series converges here
    args = {
        "horizon_months": 7,
        "monthly_discount_rate": 0.02,
        "time_unit": "W",
        "margin_rate": 0.4,
    }
    slv = second_lifetime_value(
        bg, gg, rows, reactivation_rate=0.25, cost_per_contact=1.5, lapsed_below=0.5, **args
    )
    x, tx, T, m = (rows[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value"))
    expected = _won_back_value(
        bg.params_.to_numpy(), gg.params_.to_numpy(), x, tx, T, m, 7, 0.02, 4.345, 0.4
    )
    np.testing.assert_allclose(slv["clv_if_won_back"], expected, rtol=1e-10)
    p_alive = bg.lifetimes_fitter().conditional_probability_alive(x, tx, T)
    np.testing.assert_allclose(slv["p_alive"], p_alive, rtol=1e-12)
    np.testing.assert_allclose(slv["clv"], p_alive * expected, rtol=1e-10)
    lapsed = slv[slv["lapsed"]]
    assert len(lapsed) > 0
    np.testing.assert_allclose(lapsed["slv"], 0.25 * lapsed["clv_if_won_back"] - 1.5, rtol=1e-12)
    np.testing.assert_allclose(
        lapsed["winback_gain"], 0.25 * (lapsed["clv_if_won_back"] - lapsed["clv"]) - 1.5, rtol=1e-12
    )
    assert pd.isna(slv.loc[~slv["lapsed"], "slv"]).all()
