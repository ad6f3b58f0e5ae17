"""RFM, ABC concentration, needs classification and the selection matrices."""

import numpy as np
import pandas as pd
import pytest

from crm_models.data.synthetic import simulate_world
from crm_models.errors import DataValidationError, ParameterError
from crm_models.value import (
    NeedsMixture,
    abc_classes,
    abc_summary,
    capability_fit,
    category_counts,
    concentration_curve,
    gini,
    mix_distance,
    rfm_cells,
    rfm_scores,
    rfm_table,
    top_share,
    value_fit_matrix,
    value_level,
    value_needs_matrix,
)


@pytest.fixture(scope="module")
def world():
    return simulate_world(20_000, seed=5)


# ----------------------------------------------------------------- RFM


def test_rfm_table_matches_pandas(world):
    """DuckDB RFM measures equal a pandas groupby computation (days since last purchase to the
    observation end, transaction count, total amount)."""
    tx = world.transactions
    ours = rfm_table(tx, world.observation_end)
    g = tx.groupby("customer_id")
    assert (ours["n_purchases"] == g.size()).all()
    np.testing.assert_allclose(ours["total_spend"], g["amount"].sum(), rtol=1e-9)
    days = (world.observation_end - g["timestamp"].max()) / pd.Timedelta(days=1)
    np.testing.assert_allclose(ours["days_since_last"], days, atol=1e-6)


def test_rfm_quantile_scores_and_ties():
    """Quintiles of 10 distinct values give two customers per score; tied values always share
    a score (their average rank decides); recency is reversed (recent = 5)."""
    rfm = pd.DataFrame(
        {
            "days_since_last": np.arange(10.0),
            "n_purchases": [1, 1, 1, 1, 1, 1, 2, 3, 4, 5],
            "total_spend": np.arange(10.0) * 10,
        }
    )
    s = rfm_scores(rfm, bins=5)
    assert list(s["M"]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert list(s["R"]) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert s["F"].iloc[:6].nunique() == 1  # six tied one-time buyers share a score
    assert s.loc[0, "cell"] == f"{s.loc[0, 'R']}{s.loc[0, 'F']}{s.loc[0, 'M']}"
    assert (s["rfm_score"] == s["R"] + s["F"] + s["M"]).all()


def test_rfm_user_edges_and_cells():
    rfm = pd.DataFrame(
        {
            "days_since_last": [5.0, 40, 200],
            "n_purchases": [10, 2, 1],
            "total_spend": [500.0, 50, 5],
        }
    )
    edges = {"days_since_last": [30, 90], "n_purchases": [2, 5], "total_spend": [10, 100]}
    s = rfm_scores(rfm, bins=edges)
    assert list(s["cell"]) == ["333", "222", "111"]
    cells = rfm_cells(s, value=rfm["total_spend"])
    assert cells["value_share"].sum() == pytest.approx(1.0)
    assert cells.index[0] == "333"
    with pytest.raises(ParameterError, match="strictly increasing"):
        rfm_scores(rfm, bins={**edges, "total_spend": [100, 10]})
    with pytest.raises(DataValidationError, match="missing column"):
        rfm_scores(rfm.drop(columns="total_spend"))


# ----------------------------------------------------------------- ABC


def test_concentration_of_known_values():
    """Values 1..100: the top 20% hold (81+…+100)/5050 = 35.6%; Gini of uniform 1..n is
    (n−1)/(3n)."""
    v = np.arange(1.0, 101.0)
    assert top_share(v, 0.2) == pytest.approx(sum(range(81, 101)) / 5050)
    assert gini(v) == pytest.approx(99 / 300)
    curve = concentration_curve(v)
    assert curve.iloc[0].tolist() == [0.0, 0.0] and curve.iloc[-1].tolist() == [1.0, 1.0]


def test_abc_classes_reach_their_thresholds():
    """Class A is the smallest top group reaching 80% of value; B up to 95%."""
    rng = np.random.default_rng(0)
    v = pd.Series(rng.pareto(1.5, 5000) + 0.01)
    cls = abc_classes(v)
    summary = abc_summary(v, cls)
    a_share = summary.loc["A", "value_share"]
    assert a_share >= 0.8
    smallest_a = (
        v.sort_values(ascending=False).iloc[: summary.loc["A", "customers"] - 1].sum() / v.sum()
    )
    assert smallest_a < 0.8
    assert summary.loc[["A", "B"], "value_share"].sum() >= 0.95
    assert v[cls == "A"].min() >= v[cls == "B"].max()
    with pytest.raises(DataValidationError, match=">= 0"):
        abc_classes(np.array([1.0, -2.0]))


# ----------------------------------------------------------------- needs


def test_needs_mixture_recovers_world_and_classifies(world):
    """On the world's purchase mixes the mixture recovers the true share of different-needs
    customers and both concentrations within 3 SE, and the classification beats the
    majority rule overall and is ≥ 85% right for customers with ≥ 10 purchases."""
    counts = category_counts(world.transactions)
    model = NeedsMixture().fit(counts)
    p = world.truth.params
    truth = {
        "share_different": p.different_needs_share,
        "concentration_similar": p.similar_needs_concentration,
        "concentration_different": p.different_needs_concentration,
    }
    table = model.summary()
    z = (table["estimate"] - pd.Series(truth)) / table["se"]
    assert np.all(np.abs(z) < 3), z.to_dict()
    np.testing.assert_allclose(model.mix_[list(p.categories)], p.category_mix, atol=0.01)
    pred = model.predict(counts)
    actual = world.truth.needs_type.reindex(counts.index)
    majority = (actual == "similar").mean()
    assert (pred == actual).mean() > majority + 0.03
    many = counts.sum(axis=1) >= 10
    assert (pred[many] == actual[many]).mean() > 0.85
    assert (
        mix_distance(counts).groupby(actual).mean()["different"]
        > mix_distance(counts).groupby(actual).mean()["similar"]
    )


# ----------------------------------------------------------------- selection


def test_value_needs_matrix_counts_and_actions():
    value = pd.Series([100.0, 90, 10, 5, 1, 0], index=list("abcdef"))
    needs = pd.Series(
        ["similar", "different", "similar", "different", "similar", "different"],
        index=list("abcdef"),
    )
    m = value_needs_matrix(value, needs, high_value_share=1 / 3)
    assert m["customers"].sum() == 6
    cell = m.set_index(["value_level", "needs"])
    assert cell.loc[("high", "similar"), "action"] == "frequency marketing"
    assert cell.loc[("high", "different"), "action"] == "customized (one-to-one) marketing"
    assert cell.loc[("low", "similar"), "action"] == "mass marketing"
    assert cell.loc[("low", "different"), "action"] == "let go"
    assert cell.loc[("high", "similar"), "value"] == 100
    assert m["value_share"].sum() == pytest.approx(1)
    assert (value_level(value, 1 / 3) == "high").sum() == 2
    with pytest.raises(DataValidationError, match="needs must be one of"):
        value_needs_matrix(value, needs.replace("similar", "same"))


def test_value_fit_matrix():
    shares = pd.DataFrame({"books": [1.0, 0.0, 0.5], "music": [0.0, 1.0, 0.5]}, index=[1, 2, 3])
    fit = capability_fit(shares, {"books": 1.0})
    assert fit.tolist() == [1.0, 0.0, 0.5]
    m = value_fit_matrix(pd.Series([10.0, 5.0, 1.0], index=[1, 2, 3]), fit, high_value_share=0.34)
    cell = m.set_index(["value_level", "fit"])
    assert cell.loc[("high", "good"), "customers"] == 1
    assert cell.loc[("low", "poor"), "action"] == "drop"
    with pytest.raises(ParameterError, match="unknown categories"):
        capability_fit(shares, {"games": 1.0})
