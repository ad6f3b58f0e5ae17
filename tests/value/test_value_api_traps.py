"""Issue 15 traps of the value API: units carried by the data, models in the wrong order,
count-only summaries, calibration output fed to fit, short reprs and HTML summaries."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_models.data import rfm_summary, simulate_world
from crm_models.errors import DataValidationError, ParameterError
from crm_models.value import (
    BGBB,
    BGNBD,
    MBGNBD,
    GammaGamma,
    ParetoNBD,
    customer_equity,
    customer_lifetime_value,
    holdout_metrics,
    second_lifetime_value,
    winback_value,
)


@pytest.fixture(scope="module")
def world():
    return simulate_world(3000, seed=1)


@pytest.fixture(scope="module")
def weekly(world):
    summary = rfm_summary(world.transactions, world.observation_end, time_unit="W")
    return summary, BGNBD().fit(summary), GammaGamma().fit(summary)


def test_summary_and_models_carry_their_time_unit(weekly):
    summary, bg, gg = weekly
    assert summary.attrs["time_unit"] == "W"
    for kept in (summary.copy(), summary.loc[summary["frequency"] > 0], summary.iloc[:10]):
        assert kept.attrs["time_unit"] == "W"
    assert bg.time_unit_ == "W" and gg.time_unit_ == "W"


def test_forgetting_time_unit_after_a_weekly_summary_no_longer_inflates_clv(world, weekly):
    summary, bg, gg = weekly
    clv = customer_lifetime_value(bg, gg, summary)  # time_unit left out: the model's weeks
    pd.testing.assert_series_equal(clv, customer_lifetime_value(bg, gg, summary, time_unit="W"))
    daily = rfm_summary(world.transactions, world.observation_end, time_unit="D")
    clv_daily = customer_lifetime_value(BGNBD().fit(daily), GammaGamma().fit(daily), daily)
    assert clv.sum() == pytest.approx(clv_daily.sum(), rel=0.05)
    # what a summary without the attribute gets (the old, silent behaviour): days assumed
    bare = summary.copy()
    bare.attrs = {}
    inflated = customer_lifetime_value(BGNBD().fit(bare), GammaGamma().fit(bare), bare)
    assert inflated.sum() > 2 * clv.sum()


@pytest.mark.parametrize("function", ["clv", "equity", "slv", "winback"])
def test_a_unit_that_disagrees_with_the_model_is_refused(weekly, function):
    summary, bg, gg = weekly
    calls = {
        "clv": lambda: customer_lifetime_value(bg, gg, summary, time_unit="D"),
        "equity": lambda: customer_equity(bg, gg, summary, time_unit="D", n_draws=20),
        "slv": lambda: second_lifetime_value(bg, gg, summary, 0.1, 1.0, time_unit="D"),
        "winback": lambda: winback_value(
            bg,
            gg,
            summary,
            second_lifetime_value(bg, gg, summary, 0.1, 1.0),
            0.1,
            1.0,
            time_unit="D",
            n_draws=20,
        ),
    }
    with pytest.raises(ParameterError, match=r"time_unit='D' \(days\).*weeks.*time_unit='W'"):
        calls[function]()


def test_models_in_the_wrong_order_are_named(weekly):
    summary, bg, gg = weekly
    with pytest.raises(ParameterError, match="got GammaGamma; pass the spend model as `spend`"):
        customer_lifetime_value(gg, bg, summary)
    with pytest.raises(ParameterError, match="spend must be a fitted GammaGamma"):
        customer_equity(bg, bg, summary)


def test_count_only_summary_fits_the_transaction_models(world):
    counts = rfm_summary(world.transactions.drop(columns="amount"), world.observation_end)
    assert list(counts.columns) == ["frequency", "recency", "T"]
    for model in (BGNBD(), ParetoNBD(), MBGNBD()):
        assert model.fit(counts).params_.notna().all()
    weekly = rfm_summary(
        world.transactions.drop(columns="amount"), world.observation_end, time_unit="W"
    )
    assert BGBB(penalizer_coef=0.01).fit(weekly).params_.notna().all()
    with pytest.raises(DataValidationError, match="needs|frequency and monetary_value") as error:
        GammaGamma().fit(counts)
    assert "'monetary_value'" in str(error.value) and "amount column" in str(error.value)


def test_calibration_output_feeds_fit_and_holdout_metrics(world):
    cal = rfm_summary(
        world.transactions,
        world.observation_end,
        calibration_end=world.observation_end - pd.Timedelta(days=180),
    )
    model = BGNBD().fit(cal)
    assert model.time_unit_ == "D"
    renamed = cal.rename(columns=lambda c: c.removesuffix("_cal"))
    pd.testing.assert_series_equal(model.params_, BGNBD().fit(renamed).params_)
    assert GammaGamma().fit(cal).params_.notna().all()
    assert holdout_metrics(model, cal).summary().notna().any().any()


def test_reprs_are_short_and_informative(weekly):
    summary, bg, gg = weekly
    assert repr(BGNBD()) == "BGNBD(not fitted)"
    assert repr(BGNBD(penalizer_coef=0.01)) == "BGNBD(penalizer_coef=0.01, not fitted)"
    text = repr(bg)
    assert text.startswith("BGNBD(time_unit='W', fitted on 3,000 customers: r=")
    assert "alpha=" in text and "b=" in text and len(text) < 200
    assert "<table" in bg._repr_html_() and "not fitted" in BGNBD()._repr_html_()
    equity = customer_equity(bg, gg, summary, n_draws=50)
    slv = second_lifetime_value(bg, gg, summary, 0.1, 1.0)
    results = [
        bg.result_,
        equity,
        winback_value(bg, gg, summary, slv, 0.1, 1.0, n_draws=20),
        holdout_metrics(
            bg,
            rfm_summary(
                pd.DataFrame(
                    {
                        "customer_id": [1, 1, 1, 2, 2],
                        "timestamp": pd.to_datetime(
                            ["2024-01-01", "2024-02-01", "2024-05-01", "2024-01-03", "2024-04-10"]
                        ),
                    }
                ),
                calibration_end="2024-03-01",
            ),
        ),
    ]
    for result in results:
        assert len(repr(result)) < 300, repr(result)
        html = result._repr_html_()
        assert "<table" in html and "estimate" in html
