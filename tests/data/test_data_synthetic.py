"""The synthetic CRM world: deterministic per seed, documented, valid, and true to its truth.

Statistical checks use a fixed seed and a tolerance of 4 standard errors computed from n,
so they test the generator's law, not a copied run.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from crm_models.data.schemas import check_references, validate
from crm_models.data.synthetic import (
    ARMS,
    CONSTRUCT_ITEMS,
    WorldParams,
    param_table,
    simulate_world,
)
from crm_models.errors import ParameterError

N = 20_000


@pytest.fixture(scope="module")
def world():
    return simulate_world(n_customers=N, seed=3)


def _truth_frames(world) -> dict[str, pd.DataFrame | pd.Series]:
    truth = world.truth
    return {
        name: getattr(truth, name)
        for name in (
            "paths",
            "loadings",
            "latents",
            "purchase",
            "uplift",
            "needs_type",
            "category_shares",
            "part_worths",
            "part_worth_means",
        )
    }


def test_same_seed_same_world():
    first = simulate_world(n_customers=2_000, seed=42)
    second = simulate_world(n_customers=2_000, seed=42)
    for name, frame in first.tables().items():
        pd.testing.assert_frame_equal(frame, second.tables()[name], check_exact=True)
    for name, frame in _truth_frames(first).items():
        compare = (
            pd.testing.assert_series_equal
            if isinstance(frame, pd.Series)
            else pd.testing.assert_frame_equal
        )
        compare(frame, _truth_frames(second)[name], check_exact=True)
    assert first.observation_end == second.observation_end
    assert first.truth.bgnbd == second.truth.bgnbd


def test_different_seed_different_world():
    first = simulate_world(n_customers=2_000, seed=42)
    other = simulate_world(n_customers=2_000, seed=43)
    assert not first.transactions["amount"].equals(other.transactions["amount"])
    assert not first.customers["signup_date"].equals(other.customers["signup_date"])
    assert not np.allclose(first.truth.latents["CUSA"], other.truth.latents["CUSA"])


def test_param_table_documents_every_parameter():
    table = param_table()
    assert table["parameter"].tolist() == [f.name for f in fields(WorldParams)]
    assert table["description"].str.len().min() > 10
    defaults = WorldParams()
    for row in table.itertuples(index=False):
        value = getattr(defaults, row.parameter)
        if isinstance(value, (int, float, str, tuple)):
            assert row.default == value and row.value == value


def test_param_table_shows_value_and_default_apart():
    table = param_table(WorldParams(r=1.5, survey_share=0.5)).set_index("parameter")
    assert table.loc["r", "value"] == 1.5 and table.loc["r", "default"] == 0.9
    assert table.loc["survey_share", "value"] == 0.5
    assert table.loc["alpha", "value"] == table.loc["alpha", "default"] == 8.0


def test_truth_is_returned_with_the_parameters(world):
    truth = world.truth
    params = truth.params
    assert truth.bgnbd == {"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b}
    assert truth.gamma_gamma == {"p": params.gg_p, "q": params.gg_q, "v": params.gg_v}
    assert len(truth.paths) == len(params.paths)
    assert {(s, t): c for s, t, c in truth.paths.itertuples(index=False)} == params.paths
    assert truth.loadings["item"].tolist() == [
        i for items in CONSTRUCT_ITEMS.values() for i in items
    ]
    for frame in (truth.latents, truth.purchase, truth.uplift, truth.part_worths):
        assert frame["customer_id"].tolist() == world.customers["customer_id"].tolist()
    np.testing.assert_allclose(
        truth.uplift["uplift_offer_a"], truth.uplift["p_offer_a"] - truth.uplift["p_control"]
    )
    np.testing.assert_allclose(truth.category_shares.sum(axis=1), 1.0)


def test_tables_pass_their_schemas(world):
    for name, frame in world.tables().items():
        clean = validate(frame, name, source=f"world {name}")
        assert len(clean) == len(frame)
    ids = world.customers["customer_id"]
    for name in ("transactions", "survey", "campaign"):
        check_references(world.tables()[name], ids, name, f"world {name}")


def test_transactions_sorted_and_start_at_signup(world):
    tx = world.transactions
    customers = world.customers
    assert customers["customer_id"].tolist() == list(range(1, N + 1))
    order = tx[["customer_id", "timestamp"]]
    assert order.equals(order.sort_values(["customer_id", "timestamp"], kind="stable"))
    first = tx.groupby("customer_id")["timestamp"].min()
    assert first.index.tolist() == customers["customer_id"].tolist()  # everyone bought once
    assert (first.to_numpy() == customers["signup_date"].to_numpy()).all()
    assert tx["timestamp"].max() <= world.observation_end
    assert (tx["amount"] > 0).all() and (tx["quantity"] >= 1).all()


def test_dropped_customers_last_purchase_is_their_dropout(world):
    """Truth and data agree: a dead customer's last purchase is at signup + dropout_time."""
    purchase = world.truth.purchase.set_index("customer_id")
    dead = purchase.index[~purchase["alive_at_end"]]
    assert 0 < len(dead) < N
    last = world.transactions.groupby("customer_id")["timestamp"].max()[dead]
    signup = world.customers.set_index("customer_id")["signup_date"][dead]
    expected = signup + pd.to_timedelta(purchase.loc[dead, "dropout_time"] * 7, unit="D")
    assert (last - expected).abs().max() <= pd.Timedelta(seconds=1)
    assert np.isinf(purchase.loc[purchase["alive_at_end"], "dropout_time"]).all()


def test_purchase_rates_follow_the_bgnbd_population(world):
    """Gamma(r, alpha) rates and Beta(a, b) dropout probabilities, exactly marginally."""
    purchase = world.truth.purchase
    p = world.truth.params
    rate_sd = np.sqrt(p.r) / p.alpha
    assert abs(purchase["lam"].mean() - p.r / p.alpha) < 4 * rate_sd / np.sqrt(N)
    mean_p = p.a / (p.a + p.b)
    sd_p = np.sqrt(p.a * p.b / ((p.a + p.b) ** 2 * (p.a + p.b + 1)))
    assert abs(purchase["p_dropout"].mean() - mean_p) < 4 * sd_p / np.sqrt(N)


def test_opt_outs_are_not_in_the_campaign(world):
    customers = world.customers
    opted_out = set(customers.loc[customers["consent_status"] == "opt_out", "customer_id"])
    campaign_ids = set(world.campaign["customer_id"])
    assert opted_out and not (opted_out & campaign_ids)
    assert campaign_ids == set(customers["customer_id"]) - opted_out
    assert (world.campaign["sent_date"] == world.observation_end).all()


def test_campaign_arms_balanced(world):
    counts = world.campaign["arm"].value_counts()
    n = len(world.campaign)
    assert set(counts.index) == set(ARMS)
    for arm, share in zip(ARMS, world.truth.params.campaign_arm_shares, strict=True):
        sd = np.sqrt(n * share * (1 - share))
        assert abs(counts[arm] - n * share) < 4 * sd, (arm, counts[arm], n * share, sd)


def test_conversions_follow_the_true_probabilities(world):
    """Per arm, the conversion count is a sum of Bernoulli(p_arm) over its customers."""
    campaign = world.campaign.merge(world.truth.uplift, on="customer_id")
    for arm in ARMS:
        group = campaign[campaign["arm"] == arm]
        p = group[f"p_{arm}"]
        sd = np.sqrt((p * (1 - p)).sum())
        assert abs(group["conversion"].sum() - p.sum()) < 4 * sd
    assert (campaign.loc[campaign["conversion"] == 1, "visit"] == 1).all()
    assert (campaign.loc[campaign["conversion"] == 0, "spend"] == 0).all()


def test_consent_dates(world):
    customers = world.customers
    out = customers["consent_status"] == "opt_out"
    assert (customers.loc[out, "consent_date"] >= customers.loc[out, "signup_date"]).all()
    assert (customers.loc[out, "consent_date"] <= world.observation_end).all()
    assert (customers.loc[~out, "consent_date"] == customers.loc[~out, "signup_date"]).all()
    shares = customers["consent_status"].value_counts(normalize=True)
    for status, share in zip(
        ("opt_in", "double_opt_in", "opt_out"), world.truth.params.consent_shares, strict=True
    ):
        assert abs(shares[status] - share) < 4 * np.sqrt(share * (1 - share) / N)


def test_survey_items(world):
    survey = world.survey
    items = [i for its in CONSTRUCT_ITEMS.values() for i in its]
    assert list(survey.columns) == ["customer_id", *items]
    assert len(survey) == round(world.truth.params.survey_share * N)
    assert survey["customer_id"].is_unique
    values = survey[items].to_numpy()
    assert values.min() >= 1 and values.max() <= 10


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"r": 0.0}, "WorldParams.r"),
        ({"alpha": -1.0}, "WorldParams.alpha"),
        ({"signup_weeks": 200.0}, "WorldParams.signup_weeks"),
        ({"survey_share": 1.5}, "WorldParams.survey_share"),
        ({"dropout_loyalty_corr": 1.0}, "WorldParams.dropout_loyalty_corr"),
        ({"category_mix": (0.5, 0.5)}, "WorldParams.category_mix"),
        ({"consent_shares": (0.5, 0.3, 0.3)}, "WorldParams.consent_shares"),
        ({"campaign_arm_shares": (1.0, 0.0)}, "WorldParams.campaign_arm_shares"),
        ({"loadings": {"XYZ1": 0.8}}, "WorldParams.loadings"),
        ({"loadings": {"IMAG1": 1.3}}, "WorldParams.loadings"),
        ({"paths": {("CUSL", "IMAG"): 0.3}}, "WorldParams.paths"),
        ({"paths": {("IMAG", "CUSA"): 0.9, ("PERQ", "CUSA"): 0.9}}, "WorldParams.paths"),
        ({"start_date": "someday"}, "WorldParams.start_date"),
        ({"level_quantiles": (0.9, 0.2)}, "WorldParams.level_quantiles"),
    ],
)
def test_invalid_parameters_are_named(kwargs, name):
    with pytest.raises(ParameterError, match=name.replace(".", r"\.")):
        simulate_world(n_customers=100, seed=0, params=WorldParams(**kwargs))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_customers": 5}, "n_customers"),
        ({"n_customers": 100.5}, "n_customers"),
        ({"seed": -1}, "seed"),
        ({"seed": "0"}, "seed"),
    ],
)
def test_invalid_size_or_seed(kwargs, name):
    arguments = {"n_customers": 100, "seed": 0, **kwargs}
    with pytest.raises(ParameterError, match=f"^{name} must be"):
        simulate_world(**arguments)
