"""Contractual retention models: published fits, recovery, BdW ⊃ sBG, DERL, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, NotFittedError, ParameterError
from crm_models.retention._cohort_checks import survivor_arrays
from crm_models.retention.contractual import (
    BetaDiscreteWeibull,
    ShiftedBetaGeometric,
    fader_hardie_2007,
    simulate_cohorts,
)

# Fader & Hardie (2007): sBG fitted to years 0..7 of each segment
PUBLISHED = {"regular": (0.704, 1.182), "high_end": (0.668, 3.806)}


def segment(name: str, last_year: int = 7) -> np.ndarray:
    data = fader_hardie_2007()
    rows = data[(data["segment"] == name) & (data["year"] <= last_year)]
    return rows["n_active"].to_numpy()


def sbg_survival_by_recursion(alpha: float, beta: float, n: int) -> np.ndarray:
    """S(0..n) from the paper's retention-rate recursion, independent of the model's betaln."""
    t = np.arange(1, n + 1)
    return np.r_[1.0, np.cumprod((beta + t - 1) / (alpha + beta + t - 1))]


def test_paper_data_as_published():
    data = fader_hardie_2007()
    assert list(data.columns) == ["segment", "year", "n_active"]
    assert len(data) == 26
    assert segment("regular", 12)[[1, 7, 12]].tolist() == [631, 241, 173]
    assert segment("high_end", 12)[[1, 7, 12]].tolist() == [869, 491, 394]


@pytest.mark.parametrize("name", ["regular", "high_end"])
def test_published_sbg_fits_reproduced(name):
    model = ShiftedBetaGeometric().fit(segment(name))
    alpha, beta = PUBLISHED[name]
    assert model.params_["alpha"] == pytest.approx(alpha, rel=0.005)
    assert model.params_["beta"] == pytest.approx(beta, rel=0.005)
    table = model.summary()
    assert list(table.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert (table["ci_low"] < table["estimate"]).all() and (
        table["estimate"] < table["ci_high"]
    ).all()
    assert model.result_.n_customers == 1000 and model.result_.n_periods == 7


@pytest.mark.parametrize("name", ["regular", "high_end"])
def test_projection_tracks_the_holdout_years(name):
    model = ShiftedBetaGeometric().fit(segment(name))
    actual = segment(name, 12) / 1000
    proj = model.projection(12)
    holdout = proj.iloc[8:]
    error = holdout["survival"].to_numpy() / actual[8:] - 1
    assert np.abs(error).max() < 0.05  # high end year 12: 0.378 vs 0.394 (-4.1%)
    assert ((holdout["ci_low"] <= actual[8:]) & (actual[8:] <= holdout["ci_high"])).all()


def test_projection_frame_and_seed():
    model = ShiftedBetaGeometric().fit(segment("regular"))
    proj = model.projection([0, 1, 5], n_draws=200, seed=3)
    assert list(proj.columns) == ["period", "survival", "retention_rate", "ci_low", "ci_high"]
    assert np.isnan(proj["retention_rate"].iloc[0])
    assert proj["survival"].iloc[0] == 1.0
    again = model.projection([0, 1, 5], n_draws=200, seed=3)
    pd.testing.assert_frame_equal(proj, again)
    a, b = model.params_["alpha"], model.params_["beta"]
    np.testing.assert_allclose(model.survival(5), sbg_survival_by_recursion(a, b, 5), rtol=1e-10)
    np.testing.assert_allclose(
        model.retention_rate([1, 4]), [(b + 0) / (a + b + 0), (b + 3) / (a + b + 3)], rtol=1e-10
    )


@pytest.mark.parametrize("alpha, beta", [(0.8, 2.5), (1.6, 4.0)])
def test_sbg_recovers_simulated_parameters(alpha, beta):
    survivors = simulate_cohorts(alpha, beta, 200_000, 10, seed=7)
    model = ShiftedBetaGeometric().fit(survivors)
    table = model.summary()
    truth = pd.Series({"alpha": alpha, "beta": beta})
    assert (np.abs(table["estimate"] - truth) < 3 * table["se"]).all(), table
    assert ((table["ci_low"] <= truth) & (truth <= table["ci_high"])).all(), table


@pytest.mark.parametrize("c", [0.7, 1.4])
def test_bdw_recovers_simulated_parameters(c):
    truth = pd.Series({"alpha": 1.2, "beta": 3.0, "c": c})
    survivors = simulate_cohorts(1.2, 3.0, 200_000, 12, c=c, seed=11)
    table = BetaDiscreteWeibull().fit(survivors).summary()
    assert (np.abs(table["estimate"] - truth) < 3 * table["se"]).all(), table
    assert ((table["ci_low"] <= truth) & (truth <= table["ci_high"])).all(), table


def test_three_cohorts_of_different_ages_recover_the_parameters():
    alpha, beta = 0.9, 2.0
    frames = [
        pd.DataFrame(
            {
                "cohort": label,
                "period": np.arange(age + 1),
                "n_active": simulate_cohorts(alpha, beta, 60_000, age, seed=seed),
            }
        )
        for label, age, seed in (("2024-01", 10, 1), ("2024-07", 6, 2), ("2025-01", 3, 3))
    ]
    frame = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=0)  # any order
    model = ShiftedBetaGeometric().fit(frame)
    table = model.summary()
    truth = pd.Series({"alpha": alpha, "beta": beta})
    assert (np.abs(table["estimate"] - truth) < 3 * table["se"]).all(), table
    assert ((table["ci_low"] <= truth) & (truth <= table["ci_high"])).all(), table
    assert model.result_.n_cohorts == 3 and model.result_.n_customers == 180_000
    # the youngest cohort alone is much less precise than the three together
    alone = ShiftedBetaGeometric().fit(frame, cohort="2025-01").summary()
    assert (alone["se"] > table["se"]).all()


def test_one_cohort_frame_equals_the_1d_fit():
    survivors = segment("high_end")
    frame = pd.DataFrame({"cohort": "x", "period": np.arange(8), "n_active": survivors})
    a = ShiftedBetaGeometric().fit(survivors).params_
    b = ShiftedBetaGeometric().fit(frame).params_
    assert a == pytest.approx(b, rel=1e-6)


def test_bdw_with_c_one_is_the_sbg():
    churned, censored, _ = survivor_arrays(segment("regular"), 2, "test")
    sbg, bdw = ShiftedBetaGeometric(), BetaDiscreteWeibull()
    for alpha, beta in [(0.7, 1.2), (2.0, 0.5), (5.0, 9.0)]:
        ll_sbg = sbg._loglik(np.log([alpha, beta]), churned, censored)
        ll_bdw = bdw._loglik(np.log([alpha, beta, 1.0]), churned, censored)
        assert ll_bdw == pytest.approx(ll_sbg, rel=1e-10)
    # fitted to sBG data, the BdW finds c = 1 inside its interval
    table = BetaDiscreteWeibull().fit(simulate_cohorts(0.8, 2.5, 200_000, 10, seed=5)).summary()
    assert table.loc["c", "ci_low"] <= 1 <= table.loc["c", "ci_high"]


@pytest.mark.parametrize("renewals", [0, 3])
@pytest.mark.parametrize("d", [0.1, 0.25])
def test_derl_closed_form_equals_brute_force_sum(renewals, d):
    model = ShiftedBetaGeometric().fit(segment("regular"))
    a, b = model.params_["alpha"], model.params_["beta"]
    n = renewals + 1
    s = sbg_survival_by_recursion(a, b, 5000)
    t = np.arange(n, 5001)
    brute = np.sum(s[t] / s[n - 1] * np.power(1 + d, -(t - n).astype(float)))
    assert model.derl(d, renewals=renewals) == pytest.approx(brute, rel=1e-9)
    # the BdW's numeric sum at c = 1 gives the same value
    bdw = BetaDiscreteWeibull()
    bdw.params_ = {"alpha": a, "beta": b, "c": 1.0}
    assert bdw.derl(d, renewals=renewals) == pytest.approx(brute, rel=1e-9)


def test_expected_lifetime():
    model = ShiftedBetaGeometric().fit(simulate_cohorts(1.6, 4.0, 100_000, 10, seed=1))
    a, b = model.params_["alpha"], model.params_["beta"]
    assert a > 1
    assert model.expected_lifetime() == pytest.approx((a + b - 1) / (a - 1), rel=1e-12)
    brute = sbg_survival_by_recursion(a, b, 20)[:20].sum()
    assert model.expected_lifetime(horizon=20) == pytest.approx(brute, rel=1e-10)
    # alpha <= 1: the mean lifetime diverges
    assert ShiftedBetaGeometric().fit(segment("regular")).expected_lifetime() == np.inf
    # BdW: numeric sum + tail agrees with the sBG closed form at c = 1
    bdw = BetaDiscreteWeibull()
    bdw.params_ = {"alpha": a, "beta": b, "c": 1.0}
    assert bdw.expected_lifetime() == pytest.approx((a + b - 1) / (a - 1), rel=1e-4)


BAD_1D = [
    ([1000, 800, -5, 400], "negative count"),
    ([1000, 800, 850, 400], "increase from 800 at period 1 to 850 at period 2"),
    ([0, 0, 0, 0], r"cohort size survivors\[0\] \(period 0\) is 0"),
    ([1000, 800], "needs at least 3"),
    ([1000, 800, np.nan, 400], "missing or non-numeric count at period 2"),
    ([100, 63.1, 46.8, 38.2], "not a whole number"),
    ([1000, 1000, 1000], "no customer left"),
]


@pytest.mark.parametrize("survivors, message", BAD_1D)
def test_bad_survivors_get_one_clear_error(survivors, message):
    with pytest.raises(DataValidationError, match=message):
        ShiftedBetaGeometric().fit(survivors)


def test_bdw_needs_three_periods():
    with pytest.raises(DataValidationError, match="BdW survivors: 3 value"):
        BetaDiscreteWeibull().fit([1000, 700, 500])


def cohort_frame(changes: dict | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "cohort": ["a"] * 4 + ["b"] * 3,
            "period": [0, 1, 2, 3, 0, 1, 2],
            "n_active": [500, 300, 220, 180, 400, 250, 190],
        }
    )
    for (column, row), value in (changes or {}).items():
        frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize(
    "frame, message",
    [
        (cohort_frame().drop(columns="n_active"), "missing column.*'n_active'"),
        (cohort_frame().rename(columns={"period": "t"}), "missing column.*'period'"),
        (cohort_frame({("n_active", 5): -1}), "negative count .* at rows 6"),
        (
            cohort_frame({("n_active", 6): 260}),
            "increases from 250 to 260 .*cohort 'b' \\(row 7\\)",
        ),
        (cohort_frame({("period", 2): 5}), "cohort 'a' has period 3 at row 4 where period 2"),
        (cohort_frame({("period", 1): 0}), "where period 1 was expected"),
        (cohort_frame({("n_active", 4): 0}), r"cohort size \(period 0\) is 0 at rows 5"),
        (cohort_frame({("period", 3): -1}), "non-integer or negative values at rows 4"),
    ],
)
def test_bad_cohort_frames_get_one_clear_error(frame, message):
    with pytest.raises(DataValidationError, match=message):
        ShiftedBetaGeometric().fit(frame)


def test_cohort_size_zero_and_unknown_cohort():
    frame = cohort_frame({("n_active", 4): 0, ("n_active", 5): 0, ("n_active", 6): 0})
    with pytest.raises(DataValidationError, match="cohort size \\(period 0\\) is 0 at rows 5"):
        ShiftedBetaGeometric().fit(frame)
    with pytest.raises(DataValidationError, match="no rows of cohort 'zz'"):
        ShiftedBetaGeometric().fit(cohort_frame(), cohort="zz")


def test_parameters_and_not_fitted():
    with pytest.raises(NotFittedError):
        ShiftedBetaGeometric().survival(3)
    model = ShiftedBetaGeometric().fit(segment("regular"))
    for call in (
        lambda: model.derl(0),
        lambda: model.derl(0.1, renewals=-1),
        lambda: model.expected_lifetime(horizon=0),
        lambda: model.survival([-1]),
        lambda: model.projection(5, level=95),
        lambda: simulate_cohorts(-1, 1, 10, 3),
    ):
        with pytest.raises(ParameterError):
            call()


@pytest.mark.parametrize("params", [(1.5, 3.0, 1.4), (1.1, 2.0, 0.95), (0.5, 1.0, 2.5)])
def test_bdw_expected_lifetime_equals_a_long_direct_sum(params):
    from scipy.special import betaln, gammaln

    a, b, c = params
    n = 4_000_000
    t = np.arange(n, dtype=float)
    # direct sum over 4e6 periods + the asymptotic tail S(t) ~ Gamma(a) / B(a, b) t^(-a c)
    tail = np.exp(gammaln(a) - betaln(a, b)) * (n - 0.5) ** (1 - a * c) / (a * c - 1)
    direct = np.exp(betaln(a, b + t**c) - betaln(a, b)).sum() + tail
    bdw = BetaDiscreteWeibull()
    bdw.params_ = dict(zip(("alpha", "beta", "c"), params, strict=True))
    assert bdw.expected_lifetime() == pytest.approx(direct, rel=1e-5)
    bdw.params_ = {"alpha": 0.9, "beta": 1.0, "c": 1.05}  # alpha c <= 1: diverges
    assert bdw.expected_lifetime() == np.inf


def test_lifetime_summary_intervals():
    model = ShiftedBetaGeometric().fit(segment("high_end"))
    table = model.lifetime_summary(0.1, renewals=2, horizon=12, n_draws=400, seed=1)
    assert list(table.index) == ["expected_lifetime", "derl"]
    assert list(table.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert table.loc["derl", "estimate"] == pytest.approx(model.derl(0.1, renewals=2))
    assert table.loc["expected_lifetime", "estimate"] == model.expected_lifetime(horizon=12)
    assert (table["ci_low"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_high"]).all()
    assert (table["se"] > 0).all()
    pd.testing.assert_frame_equal(
        table, model.lifetime_summary(0.1, renewals=2, horizon=12, n_draws=400, seed=1)
    )
    # regular segment: alpha < 1, the untruncated mean lifetime is infinite
    open_ended = ShiftedBetaGeometric().fit(segment("regular")).lifetime_summary(n_draws=100)
    assert list(open_ended.index) == ["expected_lifetime"]
    assert open_ended.loc["expected_lifetime", "estimate"] == np.inf
