"""Logit choice: the factorized configurator equals explicit enumeration; menus; premium."""

import itertools

import numpy as np
import pytest
from scipy import special

from crm_models.customization import ChoiceMarket, logit_probabilities
from crm_models.data.synthetic import simulate_world
from crm_models.errors import ParameterError


@pytest.fixture(scope="module")
def market():
    return ChoiceMarket.simulate([3, 2, 4], n_customers=500, seed=1, fit_scale=0.4)


def explicit_nest(market, k):
    """Inclusive value and expected module margin by enumerating every configuration."""
    v = market.module_utilities()
    lam = market.fit_scale
    starts = market._starts
    configs = list(itertools.product(*[range(s, s + ki) for s, ki in zip(starts, k, strict=True)]))
    util = np.stack([v[:, list(c)].sum(axis=1) for c in configs], axis=1)
    margin = np.array([(market.module_price - market.module_cost)[list(c)].sum() for c in configs])
    iv = lam * special.logsumexp(util / lam, axis=1)
    q = special.softmax(util / lam, axis=1)
    return iv, q @ margin


@pytest.mark.parametrize("k", [(1, 1, 1), (2, 2, 3), (3, 2, 4)])
def test_configurator_factorization_equals_enumeration(market, k):
    """IV(k) = Σ_a λ·logsumexp over offered modules equals λ·logsumexp over all Π k_a
    configurations (to 1e-10); so does the expected module margin."""
    ivs, margins = market._cumulative_tables()
    iv = sum(t[ki - 1] for t, ki in zip(ivs, k, strict=True))
    mg = sum(t[ki - 1] for t, ki in zip(margins, k, strict=True))
    iv_x, mg_x = explicit_nest(market, k)
    np.testing.assert_allclose(iv, iv_x, atol=1e-10)
    np.testing.assert_allclose(mg, mg_x, atol=1e-10)


def test_menu_probabilities_and_revenue(market):
    menu = np.array([[0, 0, 0], [1, 1, 2], [2, 0, 3]])
    res = market.evaluate_menu(menu)
    p = res.probabilities
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert res.shares.sum() + res.outside_share == pytest.approx(1.0)
    # adding alternatives to the standard product cannot lower consumer surplus
    assert res.fit_gain > 0
    u = market.menu_utilities(menu)
    np.testing.assert_allclose(p, logit_probabilities(u, market.outside_utility))


def test_more_variety_more_share_and_fit(market):
    small = market.evaluate_configurator([1, 1, 1])
    large = market.evaluate_configurator([3, 2, 4])
    assert small.fit_gain == pytest.approx(0.0, abs=1e-12)
    assert large.share > small.share and large.fit_gain > 0


def test_price_premium_restores_standard_share(market):
    """At the premium, the configurator's share equals the standard product's (1e-5)."""
    k = [3, 2, 4]
    prem = market.price_premium(k)
    target = market.evaluate_configurator([1, 1, 1]).share
    assert market.evaluate_configurator(k, extra_price=prem).share == pytest.approx(
        target, abs=1e-5
    )
    assert prem > 0


def test_from_world_aligns_modules():
    world = simulate_world(500, seed=2)
    m = ChoiceMarket.from_world(world)
    assert m.module_ids == world.products["module_id"].tolist()
    np.testing.assert_allclose(
        m.part_worths[:, 1], world.truth.part_worths[m.module_ids[1]].to_numpy()
    )
    pop = ChoiceMarket.from_world(world, order="popularity")
    means = pop.module_utilities().mean(axis=0)
    for s, size in zip(pop._starts, pop._sizes, strict=True):
        assert np.all(np.diff(means[s : s + size]) <= 1e-12)


def test_bad_inputs():
    with pytest.raises(ParameterError, match="price_coef: must be negative"):
        ChoiceMarket.simulate([2, 2], 10).__class__(
            ChoiceMarket.simulate([2, 2], 10).space, np.zeros((10, 4)), np.ones(10)
        )
    m = ChoiceMarket.simulate([2, 2], 10)
    with pytest.raises(ParameterError, match="modules_per_attribute"):
        m.configurator_utility([3, 1])
    with pytest.raises(ParameterError, match="fit_scale"):
        m.with_(fit_scale=0.0)
