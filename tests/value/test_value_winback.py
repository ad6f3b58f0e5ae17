"""The win-back value's interval (parameter draws, the list of customers held fixed) and its
wording."""

from __future__ import annotations

import numpy as np
import pytest

from crm_models.data.public import load_cdnow_summary
from crm_models.value import BGNBD, GammaGamma, second_lifetime_value
from crm_models.value.narrative import winback_clause, winback_estimate
from crm_models.value.valuation import WinbackTotals, winback_totals
from crm_models.value.winback import winback_value

ARGS = {"horizon_months": 12, "monthly_discount_rate": 0.01, "time_unit": "W", "margin_rate": 0.3}


@pytest.fixture(scope="module")
def fitted():
    data = load_cdnow_summary(with_monetary=True)  # weekly time unit
    bg = BGNBD().fit(data)
    gg = GammaGamma(nonpositive="drop").fit(data)
    slv = second_lifetime_value(bg, gg, data, reactivation_rate=0.2, cost_per_contact=0.5, **ARGS)
    return data, bg, gg, slv


def test_winback_interval_is_the_gain_of_the_same_list_under_parameter_draws(fitted):
    data, bg, gg, slv = fitted
    result = winback_value(bg, gg, data, slv, 0.2, 0.5, n_draws=40, seed=3, **ARGS)
    totals = winback_totals(slv)
    assert (result.lapsed, result.worth_contacting) == (totals.lapsed, totals.worth_contacting)
    assert result.expected_gain == totals.expected_gain  # headline unchanged
    assert result.ci_low < result.expected_gain < result.ci_high
    assert result.n_draws == 40 == len(result.draws)
    # one draw recomputed by hand, over the customers worth contacting at the estimate
    worth = slv["lapsed"] & (slv["winback_gain"] > 0)
    pm, ps = bg.draw_params(40, 3)[0], gg.draw_params(40, 4)[0]
    again = second_lifetime_value(
        bg.with_params(pm), gg.with_params(ps), data, 0.2, 0.5, lapsed_below=1.0, **ARGS
    )
    assert result.draws[0] == pytest.approx(again.loc[worth, "winback_gain"].sum(), rel=1e-9)
    # the draws' quantiles are the interval; summary reports them
    lo, hi = np.quantile(result.draws, [0.025, 0.975])
    assert (result.ci_low, result.ci_high) == pytest.approx((lo, hi))
    row = result.summary().loc["expected_gain"]
    assert row["ci_low"] == pytest.approx(lo) and row["se"] > 0
    assert "draws" not in result.to_dict()


def test_an_empty_list_is_worth_zero(fitted):
    """A prohibitive contact cost empties the list: gain 0 with interval [0, 0]."""
    data, bg, gg, _ = fitted
    slv = second_lifetime_value(bg, gg, data, 0.2, 1e6, **ARGS)
    result = winback_value(bg, gg, data, slv, 0.2, 1e6, n_draws=20, **ARGS)
    assert (result.worth_contacting, result.expected_gain, result.ci_low, result.ci_high) == (
        0,
        0.0,
        0.0,
        0.0,
    )


def test_winback_wording_follows_the_interval():
    plain = WinbackTotals(40, 10, 123.4)
    assert winback_clause(plain) == "is worth about $123."
    assert not winback_estimate(plain).has_interval
    sure = WinbackTotals(40, 10, 7590.0, 7510.0, 7680.0, 0.95, 100)
    assert winback_clause(sure) == "is worth about $7.59k [$7.51k – $7.68k]."
    unsure = WinbackTotals(40, 10, 300.0, -120.0, 700.0, 0.95, 100)
    text = winback_clause(unsure)
    assert "may not pay" in text and "includes $0" in text and "worth about" not in text
