"""The overview report's tables and sentences (crm_models.reporting.overview)."""

from __future__ import annotations

import pytest

from crm_models.data import Warehouse, simulate_world
from crm_models.data.build import world_datasets
from crm_models.reporting.escaping import code
from crm_models.reporting.overview import (
    campaign_arms,
    warehouse_note,
    warehouse_tables,
    world_narrative,
)


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
    assert warehouse_note(path, tables) == f"{code(path)} holds {len(tables)} tables:"


def test_a_hostile_warehouse_path_is_text():
    note = warehouse_note("<img src=x onerror=alert(1)>`x`", None)
    assert "<img" not in note and "`x`" not in note
    assert note.startswith("No warehouse at <code>&#60;img src=x onerror=alert&#40;1&#41;&#62;")
