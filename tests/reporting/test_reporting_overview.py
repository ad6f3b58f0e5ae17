"""The overview report's tables and sentences (crm_models.reporting.overview)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.data import Warehouse, simulate_world
from crm_models.data.build import world_datasets
from crm_models.defaults import DEFAULT_N_CUSTOMERS, DEFAULT_SEED
from crm_models.reporting.escaping import code
from crm_models.reporting.overview import (
    campaign_arms,
    campaign_table,
    compare_world,
    trend_title,
    warehouse_note,
    warehouse_tables,
    world_narrative,
    world_scope,
    world_sentence,
)

WEEKS = pd.date_range("2024-01-07", periods=104, freq="W")


@pytest.fixture(scope="module")
def world():
    return simulate_world(n_customers=400, seed=3)


def test_campaign_arms_summarise_each_arm(world):
    table = campaign_arms(world)
    assert list(table.columns) == [
        "arm",
        "customers",
        "visit_rate",
        "conversion_rate",
        "spend_per_customer",
    ]
    assert table["customers"].sum() == len(world.campaign)
    for _, row in table.iterrows():
        arm = world.campaign[world.campaign["arm"] == row["arm"]]
        assert row["customers"] == len(arm)
        assert row["visit_rate"] == pytest.approx(arm["visit"].mean())
        assert row["conversion_rate"] == pytest.approx(arm["conversion"].mean())
        assert row["spend_per_customer"] == pytest.approx(arm["spend"].mean())


def test_the_campaign_table_speaks_plain_words(world):
    arms = campaign_arms(world)
    table = campaign_table(arms)
    assert list(table.columns) == [
        "Offer",
        "Customers",
        "Visited",
        "Bought",
        "Spend per customer",
    ]
    assert list(table["Offer"]) == ["No offer (control)", "Offer A", "Offer B"]
    assert list(table["Bought"]) == [f"{100 * r:.1f}%" for r in arms["conversion_rate"]]
    assert table["Spend per customer"].str.match(r"^\$\d+\.\d\d$").all()


def test_world_narrative_states_window_levels_and_reach(world):
    text = world_narrative(world)
    levels = world.customers["relationship_level"].value_counts(normalize=True)
    assert f"**{world.transactions['timestamp'].min():%d %b %Y}**" in text
    assert f"**{world.observation_end:%d %b %Y}**" in text
    assert f"{100 * levels['partner']:.1f}% of customers are partners" in text
    assert f"{100 * levels['acquaintance']:.1f}% acquaintances" in text
    assert f"reached {len(world.campaign):,} customers who had not opted out" in text


def test_no_warehouse_asked_for_or_none_there(tmp_path):
    assert warehouse_tables("") is None
    assert warehouse_note("", None) == "No warehouse given (parameter `warehouse` is empty)."
    missing = tmp_path / "absent.duckdb"
    assert warehouse_tables(missing) is None
    assert warehouse_note(missing, None) == (
        f"No warehouse at {code(missing)} yet: build it with `crm data build`."
    )
    assert not missing.exists()


def test_an_existing_warehouse_is_listed(tmp_path, world):
    path = tmp_path / "crm.duckdb"
    Warehouse(path).build(world_datasets(world), source="test")
    tables = warehouse_tables(str(path))
    assert {"dataset", "table", "rows"} <= set(tables.columns)
    assert len(tables) == len(Warehouse(path).info())
    assert warehouse_note(path, tables) == (
        f"{code(path)} holds {len(tables)} tables (listed on the analyst page)."
    )


def test_a_hostile_warehouse_path_is_text():
    note = warehouse_note("<img src=x onerror=alert(1)>`x`", None)
    assert "<img" not in note and "`x`" not in note
    assert note.startswith("No warehouse at <code>&#60;img src=x onerror=alert&#40;1&#41;&#62;")


def test_a_rising_series_is_said_to_rise():
    title = trend_title(pd.Series(np.linspace(1_000, 40_000, 104), WEEKS))
    assert title.startswith("Weekly revenue rises from $")
    assert "level" not in title and "falls" not in title


def test_a_flat_series_is_said_to_stay_level():
    noise = np.random.default_rng(0).normal(0, 200, 104)
    title = trend_title(pd.Series(10_000 + noise, WEEKS))
    assert title == "Weekly revenue stays level at about $10.0k"


def test_a_halving_series_is_said_to_fall_by_half():
    values = np.r_[np.linspace(1_000, 40_000, 52), np.linspace(40_000, 20_000, 52)]
    title = trend_title(pd.Series(values, WEEKS))
    assert title.startswith("Weekly revenue peaks at $39")
    assert "then falls 4" in title and "in the last 8 weeks" in title
    assert "level" not in title and "stays" not in title


def test_a_rise_then_a_plateau_is_said_to_stay_there():
    values = np.r_[np.linspace(1_000, 40_000, 52), np.full(52, 40_000)]
    title = trend_title(pd.Series(values, WEEKS))
    assert title.startswith("Weekly revenue rises from $")
    assert title.endswith("then stays there")


def test_a_falling_series_and_an_empty_one():
    assert trend_title(pd.Series(np.linspace(40_000, 20_000, 104), WEEKS)).startswith(
        "Weekly revenue falls 4"
    )
    assert trend_title(pd.Series([], dtype=float)) == "Weekly revenue: no data"


def test_the_page_says_whether_it_describes_the_default_world(world):
    default = world_scope(world, DEFAULT_N_CUSTOMERS, DEFAULT_SEED)
    assert default.endswith("the world every study uses by default.")
    assert f"**{DEFAULT_N_CUSTOMERS:,} customers** (seed {DEFAULT_SEED})" in default
    other = world_scope(world, 400, 3)
    assert "every study uses" not in other
    assert f"The studies use {DEFAULT_N_CUSTOMERS:,} customers with seed {DEFAULT_SEED}" in other


def test_the_warehouse_holds_the_same_world(tmp_path, world):
    path = tmp_path / "crm.duckdb"
    Warehouse(path).build(world_datasets(world), source="crm data build (world n=400, seed=3)")
    comparison = compare_world(path, world)
    assert comparison.same and comparison.differences == ()
    assert world_sentence(comparison).startswith("The warehouse holds the same world")


def test_a_warehouse_built_with_other_parameters_says_what_differs(tmp_path, world):
    path = tmp_path / "crm.duckdb"
    other = simulate_world(n_customers=500, seed=3)
    Warehouse(path).build(world_datasets(other), source="crm data build (world n=500, seed=3)")
    comparison = compare_world(path, world)
    assert not comparison.same
    assert "customers: 500 rows in the warehouse, 400 in this world" in comparison.differences
    sentence = world_sentence(comparison)
    assert "same world" not in sentence and "**not** the world on this page" in sentence
    assert "n=500, seed=3" in sentence


def test_same_size_other_seed_and_a_later_load_are_differences(tmp_path, world):
    path = tmp_path / "crm.duckdb"
    other = simulate_world(n_customers=400, seed=4)
    Warehouse(path).build(world_datasets(other), source="test")
    assert "customers: same row count, different rows" in compare_world(path, world).differences
    Warehouse(path).build(world_datasets(world), source="test")
    extra = tmp_path / "products.csv"
    world.products.head(1).assign(module_id="rate_extra").to_csv(extra, index=False)
    Warehouse(path).load(extra, "products", dataset="world")
    comparison = compare_world(path, world)
    assert not comparison.same
    assert [d.split(":")[0] for d in comparison.differences] == ["products"]
    assert "changed by a later load" in comparison.differences[0]


def test_no_warehouse_no_comparison(tmp_path, world):
    assert compare_world("", world) is None
    assert compare_world(tmp_path / "absent.duckdb", world) is None
    assert world_sentence(None) == ""
