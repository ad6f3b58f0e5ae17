"""ACSI-style index and importance–performance map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.data.synthetic import CONSTRUCT_ITEMS
from crm_models.errors import DataValidationError, ParameterError
from crm_models.loyalty.index import construct_index, index_table, index_weights
from crm_models.loyalty.ipm import importance_performance
from crm_models.loyalty.pls import PLSPathModel


def _expected_item(mean: float, sd: float) -> float:
    """E[clip(round(mean + sd·v), 1, 10)] for v ~ N(0, 1), exactly."""
    from scipy import stats

    k = np.arange(1, 11)
    lo = np.where(k == 1, -np.inf, (k - 0.5 - mean) / sd)
    hi = np.where(k == 10, np.inf, (k + 0.5 - mean) / sd)
    return float((k * (stats.norm.cdf(hi) - stats.norm.cdf(lo))).sum())


@pytest.fixture(scope="module")
def fitted(world_2000):
    return PLSPathModel(consistent=True, n_boot=1000, seed=3).fit(world_2000.survey)


def test_index_definition_and_interval(fitted, world_2000):
    """The index is 100·(weighted item mean − 1)/9 with sum-to-one weights ∝ weight/sd; its 95%
    bootstrap interval covers the population index. In the world every item has the same
    expected value E[x] (same mean, sd and rounding), so the population index of any construct
    is 100·(E[x] − 1)/9 whatever the weights."""
    survey = world_2000.survey
    res = construct_index(fitted, survey, "CUSA")
    w = index_weights(fitted, "CUSA")
    assert w.sum() == pytest.approx(1.0) and (w > 0).all()
    manual = 100 * (survey[w.index].to_numpy() @ w.to_numpy() - 1) / 9
    np.testing.assert_allclose(res.scores.to_numpy(), manual)
    assert res.overall == pytest.approx(manual.mean())
    params = world_2000.truth.params
    truth = 100 * (_expected_item(params.item_mean, params.item_sd) - 1) / 9
    assert res.ci_low < truth < res.ci_high
    assert 0.5 < res.ci_high - res.ci_low < 3.0  # ≈ 2·1.96·sd/√n for n = 2,000
    table = index_table(fitted, survey)
    assert len(table) == 7 and table["index"].between(0, 100).all()


def test_index_without_bootstrap_and_errors(world_2000):
    model = PLSPathModel().fit(world_2000.survey)
    res = construct_index(model, world_2000.survey, "CUSL")
    assert res.interval_method.startswith("t-interval") and res.ci_low < res.overall < res.ci_high
    with pytest.raises(ParameterError, match="unknown construct"):
        construct_index(model, world_2000.survey, "NOPE")
    with pytest.raises(DataValidationError, match="within 1–10"):
        construct_index(model, world_2000.survey.assign(CUSL1=11), "CUSL")


def test_importance_performance_matches_total_effects(fitted, world_2000):
    """Importance = the model's total effect on loyalty; drivers rank as the true total effects
    of the world (computed from its paths as (I − B)⁻¹ − I) wherever those differ by > 0.05."""
    survey = world_2000.survey
    ipm = importance_performance(fitted, survey, "CUSL").set_index("construct")
    eff = fitted.result_.effects().set_index(["source", "target"])
    for c in ipm.index:
        assert ipm.loc[c, "importance"] == pytest.approx(eff.loc[(c, "CUSL"), "total"])
        assert (
            ipm.loc[c, "importance_low"]
            <= ipm.loc[c, "importance"]
            <= ipm.loc[c, "importance_high"]
        )
    assert set(ipm.index) == {"IMAG", "CUEX", "PERQ", "PERV", "CUSA", "CUSCO"}
    names = list(CONSTRUCT_ITEMS)
    B = np.zeros((7, 7))
    for (s, t), v in world_2000.truth.params.paths.items():
        B[names.index(s), names.index(t)] = v
    total = pd.Series(
        (np.linalg.inv(np.eye(7) - B) - np.eye(7))[:, names.index("CUSL")], index=names
    )
    for a in ipm.index:
        for b in ipm.index:
            if total[a] > total[b] + 0.05:
                assert ipm.loc[a, "importance"] > ipm.loc[b, "importance"], (a, b)
    assert set(ipm["quadrant"]) <= {
        "concentrate here",
        "keep up the good work",
        "low priority",
        "possible overkill",
    }
    with pytest.raises(ParameterError, match="no construct has an effect"):
        importance_performance(fitted, survey, "IMAG")
