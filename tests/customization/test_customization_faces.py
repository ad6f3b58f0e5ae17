"""The four faces: the seed's comparison table as the model's output, and where it flips."""

import numpy as np
import pytest

from crm_models.customization import FACES, SEED_TABLE, FaceEconomics, FaceProfitModel
from crm_models.errors import ParameterError


def test_seed_table_is_the_models_output_under_defaults():
    """Seed 002 (adaptive / cosmetic / collaborative / transparent): implementation cost
    low / fairly low / high / fairly high; imitation high / fairly high / low / fairly low;
    closeness low / low / high / high; competitive advantage low / low / high / high."""
    table = FaceProfitModel().table()
    assert table.index.tolist() == list(FACES)
    assert table.equals(SEED_TABLE[table.columns])


def test_numbers_behind_the_table_have_the_stated_meaning():
    out = FaceProfitModel().evaluate()
    e = FaceEconomics()
    # collaborative pays for product change + representation + dialogue
    assert (
        out.loc["collaborative", "fixed_cost"]
        == e.cost_product + e.cost_representation + e.cost_dialogue
    )
    # imitation rate is rate · exp(−barrier)
    assert out.loc["adaptive", "ease_of_imitation"] == pytest.approx(e.imitation_rate)
    assert out.loc["transparent", "ease_of_imitation"] == pytest.approx(
        e.imitation_rate * np.exp(-(e.barrier_product + e.barrier_memory))
    )
    # only faces that remember the customer gain retention
    assert out.loc["adaptive", "retention"] == out.loc["cosmetic", "retention"] == e.base_retention
    assert out.loc["collaborative", "retention"] > e.base_retention


@pytest.mark.parametrize("seed", range(20))
def test_imitation_order_is_structural(seed):
    """For any positive barriers with barrier_representation ≤ barrier_product, ease of
    imitation orders adaptive > cosmetic > transparent > collaborative."""
    rng = np.random.default_rng(seed)
    bp, bm = rng.uniform(0.1, 3, 2)
    br = rng.uniform(0.01, bp)
    out = FaceProfitModel(
        FaceEconomics(barrier_product=bp, barrier_representation=br, barrier_memory=bm)
    ).evaluate()["ease_of_imitation"]
    assert out["adaptive"] > out["cosmetic"] > out["transparent"] > out["collaborative"]


def test_ranking_flips_with_scale():
    """Few customers: the cheap adaptive face earns most (fixed costs dominate); many
    customers: a face that remembers the customer (collaborative) wins."""
    model = FaceProfitModel()
    assert model.with_(n_customers=2_000).ranking()[0] == "adaptive"
    assert model.with_(n_customers=100_000).ranking()[0] == "collaborative"
    flips = model.flips("n_customers", np.linspace(1_000, 100_000, 100))
    assert len(flips) >= 1
    assert flips["best_before"].iloc[0] == "adaptive"


def test_advantage_flips_when_imitation_is_slow_and_memory_does_not_retain():
    """With slow imitation and no retention / switching-cost effect of closeness, adaptive
    customization becomes a high competitive advantage too (the seed's table no longer holds)."""
    table = (
        FaceProfitModel()
        .with_(imitation_rate=0.05, retention_gain=0.0, switching_protection=0.0)
        .table()
    )
    assert table.loc["adaptive", "competitive_advantage"] == "high"
    assert not table.equals(SEED_TABLE)


def test_invalid_parameters():
    with pytest.raises(ParameterError, match="retention"):
        FaceEconomics(base_retention=0.9, retention_gain=0.2)
    with pytest.raises(ParameterError, match="unknown parameter"):
        FaceEconomics().with_(nonsense=1)
    with pytest.raises(ParameterError, match="premium_share"):
        FaceProfitModel(premium_share=1.5)
