"""One world, one number: every default report and ``crm data build`` use the same world.

The default world is defined once (``crm_models.defaults``); the notebooks' parameter defaults
are literals, so these tests hold them to the package constants.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import pytest

from crm_models.cli import build_parser
from crm_models.data import WorldParams, simulate_world
from crm_models.data.build import build_default_warehouse
from crm_models.defaults import DEFAULT_N_CUSTOMERS, DEFAULT_SEED
from crm_models.reporting.catalog import read_report

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
REPORTS = [
    "00_overview",
    "campaign_uplift",
    "churn_retention",
    "customization_tradeoffs",
    "satisfaction_loyalty_profit",
    "segment_value",
]
LOYALTY_RESPONDENTS = round(WorldParams().survey_share * DEFAULT_N_CUSTOMERS)


@pytest.fixture(scope="module")
def defaults() -> dict[str, dict[str, object]]:
    return {
        name: {
            p.name: p.default for p in read_report(NOTEBOOKS / f"{name}.ipynb").parameters.values()
        }
        for name in REPORTS
    }


def test_the_default_world_is_twenty_thousand_customers_seed_one():
    assert (DEFAULT_N_CUSTOMERS, DEFAULT_SEED) == (20_000, 1)
    assert LOYALTY_RESPONDENTS == 4_000


@pytest.mark.parametrize("name", REPORTS)
def test_every_notebook_defaults_to_the_default_world(defaults, name):
    params = defaults[name]
    assert params["seed"] == DEFAULT_SEED
    if name == "satisfaction_loyalty_profit":
        assert "n_customers" not in params
        assert params["n_respondents"] == LOYALTY_RESPONDENTS
    else:
        assert params["n_customers"] == DEFAULT_N_CUSTOMERS


def test_all_notebooks_are_checked():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb") if ".student" not in p.name) == REPORTS


def test_the_build_and_the_command_line_default_to_the_same_world():
    signature = inspect.signature(build_default_warehouse).parameters
    assert signature["n_customers"].default == DEFAULT_N_CUSTOMERS
    assert signature["seed"].default == DEFAULT_SEED
    args = build_parser().parse_args(["data", "build"])
    assert (args.customers, args.seed) == (DEFAULT_N_CUSTOMERS, DEFAULT_SEED)


def test_the_loyalty_default_survey_comes_from_the_default_world():
    from crm_models.loyalty.inputs import load_inputs

    inputs = load_inputs("synthetic", LOYALTY_RESPONDENTS, DEFAULT_SEED)
    world = simulate_world(DEFAULT_N_CUSTOMERS, seed=DEFAULT_SEED)
    assert len(inputs.customers) == DEFAULT_N_CUSTOMERS
    assert len(inputs.survey) == LOYALTY_RESPONDENTS
    pd.testing.assert_frame_equal(inputs.customers, world.customers)
    pd.testing.assert_frame_equal(inputs.transactions, world.transactions)
    pd.testing.assert_frame_equal(inputs.survey, world.survey)
