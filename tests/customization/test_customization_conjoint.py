"""Choice-based conjoint: balanced design, recovery of known part-worths, WTP, user files."""

import numpy as np
import pandas as pd
import pytest

from crm_models.customization import (
    ConjointModel,
    attributes_from_products,
    design_choice_experiment,
    read_answers,
    simulate_answers,
)
from crm_models.data.synthetic import simulate_world
from crm_models.errors import DataValidationError, ParameterError

ATTRS = {
    "rate": ["rate_standard", "rate_low", "rate_intro_zero"],
    "fee": ["fee_annual", "fee_none"],
    "design": ["design_classic", "design_premium", "design_photo"],
    "rewards": ["rewards_none", "rewards_cashback", "rewards_miles"],
}
TRUE = {
    "rate_low": 0.6,
    "rate_intro_zero": 0.9,
    "fee_none": 0.8,
    "design_premium": 0.3,
    "design_photo": 0.5,
    "rewards_cashback": 0.7,
    "rewards_miles": 0.5,
}
PRICE, NONE = -0.08, -1.0
PRICES = [5.0, 10.0, 15.0, 20.0]


@pytest.fixture(scope="module")
def answers():
    design = design_choice_experiment(
        ATTRS, PRICES, n_respondents=300, n_tasks=8, n_alternatives=3, no_choice=True, seed=11
    )
    return simulate_answers(design, TRUE, PRICE, no_choice_utility=NONE, seed=12)


@pytest.fixture(scope="module")
def fitted(answers):
    return ConjointModel(engine="newton").fit(answers)


def test_design_is_level_balanced_without_overlap():
    """Per attribute, level counts differ by at most n_alternatives; no level repeats within
    a task (distinct levels = min(levels, alternatives)); one no-choice row per task."""
    d = design_choice_experiment(
        ATTRS, PRICES, n_respondents=37, n_tasks=5, n_alternatives=3, seed=4
    )
    prof = d[d["no_choice"] == 0]
    levels = {**{a: len(v) for a, v in ATTRS.items()}, "price": len(PRICES)}
    for a, n_levels in levels.items():
        counts = prof[a].value_counts()
        assert counts.max() - counts.min() <= 3
        distinct = prof.groupby(["respondent_id", "task"], observed=True)[a].nunique()
        assert (distinct == min(n_levels, 3)).all()
    assert (d.groupby(["respondent_id", "task"])["no_choice"].sum() == 1).all()
    assert d[d["no_choice"] == 1][list(ATTRS)].isna().all().all()


def test_part_worths_recovered_within_3_se(fitted):
    """Homogeneous truth, 300 respondents × 8 tasks × (3 + none): every estimate
    (7 part-worths, price, none) satisfies |est − true| < 3·SE."""
    s = fitted.result_.summary()
    truth = pd.Series({**TRUE, "price": PRICE, "none": NONE})
    assert list(s.columns) == ["estimate", "se", "ci_low", "ci_high"]
    z = (s["estimate"] - truth[s.index]) / s["se"]
    assert (z.abs() < 3).all(), z


def test_statsmodels_engine_matches_newton(answers, fitted):
    """statsmodels ConditionalLogit and the Newton engine maximize the same likelihood:
    coefficients agree to 1e-3 and SEs to 1%."""
    sm = ConjointModel(engine="statsmodels").fit(answers)
    np.testing.assert_allclose(sm.params_, fitted.params_, atol=1e-3)
    np.testing.assert_allclose(sm.se_, fitted.se_, rtol=0.01)
    assert sm.result_.loglik == pytest.approx(fitted.result_.loglik, abs=1e-3)


def test_wtp_delta_covers_truth_and_bootstrap_agrees(fitted):
    """True WTP = β/0.08 lies within 3 delta-method SEs for every level; the respondent
    bootstrap SE is within ±40% of the delta SE (100 resamples)."""
    w = fitted.result_.wtp("delta").summary(level=0.95)
    true_wtp = pd.Series(TRUE) / -PRICE
    assert (((w["estimate"] - true_wtp[w.index]) / w["se"]).abs() < 3).all()
    assert ((w["ci_low"] < w["estimate"]) & (w["estimate"] < w["ci_high"])).all()
    b = fitted.result_.wtp("bootstrap", n_boot=100, seed=1).summary()
    ratio = b["se"] / w["se"]
    assert ratio.between(0.6, 1.4).all(), ratio


def test_heterogeneous_world_wtp_ratio():
    """World respondents have heterogeneous part-worths: the logit means are attenuated,
    but WTP (a ratio) of each module vs the world's mean WTP (mean β / |mean α|) stays
    within 30% for the modules with mean part-worth ≥ 0.5."""
    world = simulate_world(600, seed=3)
    attrs = attributes_from_products(world.products)
    d = design_choice_experiment(attrs, PRICES, n_respondents=600, n_tasks=10, seed=5)
    pw = world.truth.part_worths.reset_index(drop=True)
    ans = simulate_answers(
        d,
        pw.drop(columns=["customer_id", "price_coef"]),
        pw["price_coef"].to_numpy(),
        no_choice_utility=-1.0,
        seed=6,
    )
    w = ConjointModel(engine="newton").fit(ans).result_.wtp().summary()
    true = world.truth.part_worth_means / -world.truth.price_coef_mean
    big = true[(world.truth.part_worth_means >= 0.5)].index
    rel = (w.loc[big, "estimate"] / true[big] - 1).abs()
    assert (rel < 0.3).all(), rel


def test_user_file_roundtrip(tmp_path, answers, fitted):
    path = tmp_path / "answers.csv"
    answers.to_csv(path, index=False)
    own = read_answers(path)
    refit = ConjointModel(engine="newton", reference={a: v[0] for a, v in ATTRS.items()}).fit(own)
    np.testing.assert_allclose(refit.params_[fitted.params_.index], fitted.params_, atol=1e-8)


def test_user_file_errors(answers):
    bad = answers.copy()
    bad.loc[bad.index[:4], "chosen"] = 1
    with pytest.raises(DataValidationError, match="exactly one 1 per"):
        read_answers(bad)
    bad = answers.drop(columns="price")
    with pytest.raises(DataValidationError, match="missing column"):
        read_answers(bad)
    bad = answers.copy()
    bad["rate"] = bad["rate"].astype(object)
    bad.loc[0, "rate"] = None
    with pytest.raises(DataValidationError, match="'rate' is empty in row"):
        read_answers(bad)
    bad = answers.copy()
    bad["price"] = bad["price"].astype(object)
    bad.loc[1, "price"] = "cheap"
    with pytest.raises(DataValidationError, match="'price' must be a number"):
        read_answers(bad)
    with pytest.raises(DataValidationError, match="not found"):
        read_answers("/nonexistent/answers.csv")
    with pytest.raises(ParameterError, match="engine"):
        ConjointModel(engine="magic").fit(answers)


@pytest.mark.slow
def test_wtp_interval_coverage():
    """Over 300 simulated studies (150 respondents × 6 tasks), the 95% delta-method interval
    of each WTP covers the truth in 91–99% of studies (±3 binomial SE around 95%)."""
    true_wtp = pd.Series(TRUE) / -PRICE
    hits = []
    for rep in range(300):
        d = design_choice_experiment(ATTRS, PRICES, 150, 6, 3, seed=1000 + rep)
        a = simulate_answers(d, TRUE, PRICE, NONE, seed=2000 + rep)
        w = ConjointModel(engine="newton").fit(a).result_.wtp().summary()
        hits.append(
            ((w["ci_low"] <= true_wtp[w.index]) & (true_wtp[w.index] <= w["ci_high"])).to_numpy()
        )
    coverage = np.mean(hits, axis=0)
    assert np.all((coverage >= 0.91) & (coverage <= 0.99)), coverage


# -- safety net: results convention and the delta method, pinned exactly ------------------------


def test_wtp_delta_se_is_finite_difference_quadratic_form(fitted):
    """The delta-method SE of each WTP equals sqrt(g'Σg) with g the gradient of
    β_j / (−β_price), here by central finite differences (independent of the code)."""
    res = fitted.result_
    params, cov = res.params.to_numpy(), res.cov.to_numpy()
    names = list(res.params.index)
    price = names.index("price")
    got = res.wtp("delta")
    for lev in got.estimate.index:
        j = names.index(lev)

        def ratio(b, j=j):
            return b[j] / -b[price]

        g = np.zeros(len(params))
        for q in range(len(params)):
            h = 1e-6 * max(1.0, abs(params[q]))
            up, down = params.copy(), params.copy()
            up[q] += h
            down[q] -= h
            g[q] = (ratio(up) - ratio(down)) / (2 * h)
        assert got.estimate[lev] == pytest.approx(ratio(params), rel=1e-12)
        assert got.se[lev] == pytest.approx(np.sqrt(g @ cov @ g), rel=1e-7), lev
    s = got.summary(level=0.9)
    np.testing.assert_allclose(s["ci_high"] - s["estimate"], 1.6448536269514722 * s["se"])


def test_conjoint_results_follow_the_convention(fitted):
    """Frozen results, `level` intervals, JSON-ready to_dict, no std_err columns."""
    import dataclasses

    res = fitted.result_
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.loglik = 0.0
    s90 = res.summary(level=0.90)
    np.testing.assert_allclose(s90["ci_high"] - s90["estimate"], 1.6448536269514722 * s90["se"])
    pw = res.part_worths()
    assert {"part_worth", "se"} <= set(pw.columns) and "std_err" not in pw.columns
    table = res.wtp().table()
    assert list(table.columns) == ["attribute", "level", "estimate", "se", "ci_low", "ci_high"]
    d = res.to_dict()
    assert d["n_sets"] == res.n_sets and "cov" not in d and "arrays" not in d
    boot = res.wtp("bootstrap", n_boot=30, seed=2)
    s = boot.summary(level=0.8)
    np.testing.assert_allclose(s["ci_low"], boot.draws.quantile(0.1).to_numpy(), rtol=1e-12)
    with pytest.raises(ParameterError, match="level"):
        res.summary(level=95)
