"""The loyalty study's own-table routes: ``warehouse:DATASET`` (survey, and the dataset's
transactions for behaviour) and a validated transactions file linked to a survey file."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_models.data.build import world_datasets
from crm_models.data.synthetic import simulate_world
from crm_models.data.warehouse import Warehouse
from crm_models.errors import ParameterError
from crm_models.loyalty.inputs import load_inputs


@pytest.fixture(scope="module")
def world():
    return simulate_world(n_customers=800, seed=5)


@pytest.fixture
def project(tmp_path, monkeypatch, world):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "crm-models"\n')
    monkeypatch.setenv("CRM_PROJECT", str(tmp_path))
    Warehouse(tmp_path / "data" / "crm.duckdb").build(world_datasets(world), source="test")
    return tmp_path


def test_warehouse_survey_is_linked_to_the_datasets_transactions(project, world):
    inputs = load_inputs("warehouse:world", active_weeks=26.0)
    assert len(inputs.survey) == len(world.survey) and inputs.has_behaviour
    assert "warehouse dataset 'world'" in inputs.label and "linked to" in inputs.label
    end = world.transactions["timestamp"].max()
    last = world.transactions.groupby("customer_id")["timestamp"].max()
    expected = (end - last) <= pd.Timedelta(weeks=26)
    pd.testing.assert_series_equal(inputs.retained.sort_index(), expected.sort_index())


def test_survey_file_with_a_transactions_file(project, world, tmp_path):
    survey, tx = tmp_path / "survey.csv", tmp_path / "tx.csv"
    world.survey.to_csv(survey, index=False)
    world.transactions[["customer_id", "timestamp", "amount"]].to_csv(tx, index=False)
    inputs = load_inputs(str(survey), transactions=str(tx))
    assert inputs.has_behaviour and inputs.label.endswith(f"linked to file {tx}")
    with pytest.raises(ParameterError, match="transactions must be one of"):
        load_inputs(str(survey), transactions=str(tmp_path / "missing.csv"))
