"""Variety optimizer: the known optimum of a small case, checked by brute force."""

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import special

from crm_models.customization import (
    FACES,
    ChoiceMarket,
    FaceEconomics,
    VarietyCosts,
    VarietyOptimizer,
    VarietyResult,
    face_sweep,
    faces_numbers,
    fixed_cost_hurdle,
    label_table,
    profit_by_attribute,
    profit_interval,
    selection_table,
    tornado,
)
from crm_models.customization.faces import STANDARD
from crm_models.errors import NotFittedError, ParameterError

COSTS = VarietyCosts(fixed_cost_per_module=100_000, complexity_scale=20_000)


@pytest.fixture(scope="module")
def market():
    return ChoiceMarket.simulate([3, 4, 2], n_customers=400, seed=7, pw_sd=1.0, fit_scale=0.35)


def brute_force_profit(market, k, premium, face_name, costs, econ, market_size, weight):
    """Profit written out independently: enumerate every offered configuration, nested logit
    by explicit sums, costs from the stated formulas, lifetime sums by explicit loops."""
    face = STANDARD if face_name == "standard" else FACES[face_name]
    v = market.module_utilities()
    lam = market.fit_scale
    starts = market._starts
    offered = list(itertools.product(*[range(s, s + ki) for s, ki in zip(starts, k, strict=True)]))
    util = np.stack([v[:, list(c)].sum(axis=1) for c in offered], axis=1)
    cmargin = np.array([(market.module_price - market.module_cost)[list(c)].sum() for c in offered])
    iv = lam * special.logsumexp(util / lam, axis=1)
    u_std = v[:, starts].sum(axis=1)
    exp_margin = special.softmax(util / lam, axis=1) @ cmargin
    phi = econ.fit_capture(face)
    u = (
        market.firm_constant
        + u_std
        + phi * (iv - u_std)
        + market.price_coef * (market.base_price + premium)
        - market.outside_utility
    )
    p = 1 / (1 + np.exp(-u)) * weight
    s = market_size / len(p)
    q = s * p.sum()
    n_conf, m = np.prod(k), np.sum(k)
    mts = costs.holding_cost * costs.service_z * np.sqrt(n_conf / q)
    hm = costs.holding_cost / len(k)
    post = costs.assembly_cost + hm * costs.service_z * sum(np.sqrt(ki / q) for ki in k)
    unit = min(mts, post)
    r = econ.retention(face)
    psi, lam_i = econ.protection(face), econ.imitation(face)
    a_f = e_f = d = 0.0
    for t in range(econ.horizon_years):
        disc = (1 + econ.annual_discount_rate) ** -t
        a_f += r**t * disc
        e_f += r**t * disc * (psi + (1 - psi) * np.exp(-lam_i * t))
        d += disc
    margin = market.base_price - market.base_cost - econ.order_cost(face) + exp_margin
    contribution = (s * (p * margin).sum() - q * unit) * a_f + premium * q * e_f
    return (
        contribution
        - costs.complexity_scale * m**costs.complexity_exponent * d
        - costs.fixed_cost_per_module * (m - len(k))
        - econ.fixed_cost(face)
    )


def test_evaluate_matches_brute_force(market):
    """Every candidate's profit equals the independent brute-force formula (rel. 1e-9)."""
    econ = FaceEconomics()
    weight = np.random.default_rng(0).gamma(2.0, 0.5, market.n_customers)
    opt = VarietyOptimizer(COSTS, econ, market_size=50_000).fit(market, customer_weight=weight)
    rng = np.random.default_rng(1)
    for face in ("standard", *FACES):
        for _ in range(4):
            k = [int(rng.integers(1, s + 1)) for s in market._sizes]
            prem = float(rng.uniform(0, 20))
            got = opt.evaluate([k], [prem], face)["profit"].iloc[0]
            want = brute_force_profit(market, k, prem, face, COSTS, econ, 50_000, weight)
            assert got == pytest.approx(want, rel=1e-9)


def test_optimizer_finds_brute_force_optimum(market):
    """Exhaustive and coordinate search both return the maximum of the brute-force profit
    over all k (3 × 4 × 2) × premium grid × faces; the case is built so the optimum is
    interior (neither the standard product, nor all modules, nor an edge of the grid)."""
    econ = FaceEconomics()
    grid = np.arange(0.0, 41.0, 4.0)
    weight = np.ones(market.n_customers)
    best = max(
        (
            (brute_force_profit(market, list(k), p, f, COSTS, econ, 50_000, weight), f, k, p)
            for f in FACES
            for k in itertools.product(*[range(1, s + 1) for s in market._sizes])
            for p in grid
        ),
        key=lambda x: x[0],
    )
    std = brute_force_profit(market, [1, 1, 1], 0.0, "standard", COSTS, econ, 50_000, weight)
    if std > best[0]:
        best = (std, "standard", (1, 1, 1), 0.0)
    assert best[1] != "standard" and 3 < sum(best[2]) < 9 and 0 < best[3] < grid[-1]
    for method in ("exhaustive", "coordinate"):
        opt = VarietyOptimizer(
            COSTS, econ, premium_grid=grid, market_size=50_000, method=method
        ).fit(market)
        assert isinstance(opt.best_, VarietyResult)
        assert opt.best_.face == best[1], method
        assert tuple(opt.best_.modules_per_attribute.values()) == tuple(best[2]), method
        assert opt.best_.premium == best[3]
        assert opt.best_.profit == pytest.approx(best[0], rel=1e-9)
        assert opt.best_.summary().loc["profit", "estimate"] == opt.best_.profit


def test_interior_optimum_exists_and_variety_grows_with_market(market):
    """Small market: fewer modules than the maximum; a much larger market: more modules."""
    small = VarietyOptimizer(COSTS, market_size=20_000).fit(market).best_
    large = VarietyOptimizer(COSTS, market_size=2_000_000).fit(market).best_
    assert small.modules < large.modules
    assert large.face != "standard"


def test_sensitivity_outputs(market):
    opt = VarietyOptimizer(COSTS, market_size=200_000).fit(market)
    curve = profit_by_attribute(opt)
    assert set(curve["attribute"]) == set(market.space.attributes)
    best_in_curve = curve.groupby("attribute")["profit"].max()
    assert np.allclose(best_in_curve, opt.best_.profit)
    pbm = opt.profit_by_modules()
    assert not pbm.duplicated(["face", "modules"]).any()
    tor = tornado(opt, inputs=("market_size", "costs.fixed_cost_per_module"), n_sample=None)
    assert list(tor.columns[:4]) == ["input", "label", "base_value", "base_profit"]
    assert tor["base_profit"].iloc[0] == pytest.approx(opt.best_.profit)
    assert tor["swing"].is_monotonic_decreasing
    # more customers, more profit
    row = tor.set_index("input").loc["market_size"]
    assert row["profit_high"] > row["profit_low"]


def test_selection_table(market):
    """Customers who buy more (weight) gain more from the customized offer."""
    weight = np.where(np.arange(market.n_customers) % 2 == 0, 3.0, 0.3)
    opt = VarietyOptimizer(COSTS, market_size=500_000).fit(market, customer_weight=weight)
    cells = pd.Series(np.where(weight > 1, "high", "low"))
    table = selection_table(opt, cells, face="collaborative").set_index("cell")
    assert table.loc["high", "mean_increment"] > table.loc["low", "mean_increment"]
    assert table["customers"].sum() == market.n_customers


def test_bad_inputs(market):
    with pytest.raises(ParameterError, match="face"):
        VarietyOptimizer(faces=("standard", "bespoke")).fit(market)
    with pytest.raises(ParameterError, match="customer_weight"):
        VarietyOptimizer().fit(market, customer_weight=np.ones(3))
    with pytest.raises(NotFittedError, match="fit\\(data\\) first"):
        profit_by_attribute(VarietyOptimizer())
    with pytest.raises(ParameterError, match="k: expected"):
        VarietyOptimizer(faces=("standard",)).fit(market).evaluate([[9, 1, 1]], [0.0], "adaptive")


def test_profit_interval_contains_point_and_matches_fit(market):
    """The bootstrap point equals the optimizer's profit; the interval brackets it; the gain
    equals best minus standard profit."""
    opt = VarietyOptimizer(COSTS, market_size=200_000).fit(market)
    res = profit_interval(opt, n_boot=200, seed=3)
    s = res.summary(level=0.95)
    assert list(s.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert res.profit == pytest.approx(opt.best_.profit, rel=1e-9)
    assert s.loc["profit", "ci_low"] < res.profit < s.loc["profit", "ci_high"]
    assert res.gain == pytest.approx(
        opt.best_.profit - opt.by_face_.loc["standard", "profit"], rel=1e-9
    )
    # the interval is exactly the draws' quantiles at the level
    np.testing.assert_allclose(
        s.loc["gain", ["ci_low", "ci_high"]].to_numpy(float),
        np.quantile(res.gain_draws, [0.025, 0.975]),
        rtol=1e-12,
    )
    assert "profit_draws" not in res.to_dict()


@pytest.fixture(scope="module")
def world_optimizer():
    from crm_models.data.synthetic import simulate_world

    world = simulate_world(6_000, seed=1)
    market = ChoiceMarket.from_world(world, order="popularity")
    return VarietyOptimizer(market_size=200_000).fit(market)


def test_world_market_reproduces_seed_faces_table(world_optimizer):
    """In the synthetic world's market under documented defaults, the seed's comparison table
    (adaptive / cosmetic / collaborative / transparent) is the market model's output too."""
    from crm_models.customization import SEED_TABLE

    numbers = faces_numbers(world_optimizer)
    labels = label_table(numbers)
    assert labels.equals(SEED_TABLE[labels.columns])
    assert (
        numbers.loc["collaborative", "competitive_advantage"]
        > numbers.loc["adaptive", "competitive_advantage"]
    )


def test_world_ranking_flips_with_market_size(world_optimizer):
    """Small market: the standard product wins (variety and customization do not pay);
    large market: collaborative customization wins."""
    sweep = face_sweep(world_optimizer, "market_size", [20_000, 500_000], n_sample=1_500)
    assert sweep["best"].tolist() == ["standard", "collaborative"]


def test_hurdle_is_extra_fixed_cost_per_customer(world_optimizer):
    opt = world_optimizer
    row, std = opt.by_face_.loc[opt.best_.face], opt.by_face_.loc["standard"]
    extra = (
        row["fixed_cost"]
        + row["complexity_cost"]
        + row["implementation_cost"]
        - std["fixed_cost"]
        - std["complexity_cost"]
    )
    assert fixed_cost_hurdle(opt) == pytest.approx(extra / opt.market_size_)
