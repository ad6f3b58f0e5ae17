"""The customization report's headline figures, recomputed with the package API alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_models.cli import main
from crm_models.customization import (
    ChoiceMarket,
    ConjointModel,
    FaceEconomics,
    VarietyCosts,
    VarietyOptimizer,
    attributes_from_products,
    design_choice_experiment,
    profit_interval,
    simulate_answers,
)
from crm_models.data.corrections import prepare_transactions
from crm_models.data.synthetic import simulate_world
from crm_models.value import (
    GammaGamma,
    NeedsMixture,
    category_counts,
    customer_lifetime_value,
    load_inputs,
    monthly_rate,
    transaction_model,
    value_needs_matrix,
)
from crm_models.value.units import customer_summary

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SMALL = {"n_customers": 1500, "n_respondents": 120, "tornado_sample": 300, "n_boot": 60, "seed": 4}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("customization_report")
    args = ["run", "customization_tradeoffs", "--force", "--output", str(out)]
    args += ["--notebooks", str(NOTEBOOKS)]
    for k, v in SMALL.items():
        args += ["--set", f"{k}={v}"]
    assert main(args) == 0
    return out


@pytest.fixture(scope="module")
def figures(report):
    return json.loads((report / "customization_tradeoffs.json").read_text())["figures"]


def test_recommended_profit_and_interval_recomputed(figures):
    """The recommended decision, its profit and its interval, from the package API with the
    notebook's default economics (not from the notebook's code)."""
    n, seed = SMALL["n_customers"], SMALL["seed"]
    world = simulate_world(n_customers=n, seed=seed)
    spend = world.transactions.groupby("customer_id")["amount"].sum()
    ids = world.truth.part_worths["customer_id"]
    weight = world.transactions.groupby("customer_id").size().reindex(ids).fillna(0.0)
    assert len(spend.reindex(ids)) == n
    weight = (weight / weight.mean()).to_numpy()
    market = ChoiceMarket.from_world(world, order="popularity", base_price=60.0, base_cost=35.0)
    opt = VarietyOptimizer(
        VarietyCosts(fixed_cost_per_module=150_000.0, complexity_scale=5_000.0),
        FaceEconomics(
            horizon_years=5, annual_discount_rate=0.10, imitation_rate=1.0, retention_gain=0.15
        ),
        market_size=200_000,
    ).fit(market, customer_weight=weight)
    optimum = figures["optimum"]
    assert optimum["face"] == opt.best_.face
    assert optimum["modules_per_attribute"] == opt.best_.modules_per_attribute
    assert optimum["profit"] == pytest.approx(opt.best_.profit, rel=1e-9)
    s = profit_interval(opt, n_boot=SMALL["n_boot"], seed=seed).summary(level=0.95)
    np.testing.assert_allclose(
        optimum["profit_ci"], s.loc["profit", ["ci_low", "ci_high"]].to_numpy(float), rtol=1e-9
    )
    assert optimum["gain_vs_standard"] == pytest.approx(s.loc["gain", "estimate"], rel=1e-9)


def test_part_worth_recomputed(figures):
    """One conjoint part-worth and its SE, refitted from the same simulated experiment."""
    n, seed, n_resp = SMALL["n_customers"], SMALL["seed"], SMALL["n_respondents"]
    world = simulate_world(n_customers=n, seed=seed)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(n, n_resp, replace=False))
    pw = world.truth.part_worths.iloc[idx].reset_index(drop=True)
    design = design_choice_experiment(
        attributes_from_products(world.products),
        [5.0, 10.0, 15.0, 20.0],
        n_resp,
        8,
        3,
        no_choice=True,
        seed=seed,
    )
    answers = simulate_answers(
        design,
        pw.drop(columns=["customer_id", "price_coef"]),
        pw["price_coef"].to_numpy(),
        -1.0,
        seed=seed + 1,
    )
    res = ConjointModel(engine="newton").fit(answers).result_
    row = next(r for r in figures["part_worths"] if not r["reference"])
    assert row["part_worth"] == pytest.approx(float(res.params[row["level"]]), rel=1e-9)
    assert row["se"] == pytest.approx(float(res.se[row["level"]]), rel=1e-9)


def test_cells_are_segment_values_cells(figures):
    """The report's value × needs counts equal segment value's on the same world, computed
    the way the segment-value notebook does (CLV from BG/NBD and Gamma-Gamma, top 20% by
    CLV, needs mixture, value_needs_matrix)."""
    n, seed = SMALL["n_customers"], SMALL["seed"]
    inputs = load_inputs("synthetic", n, seed)
    transactions, _ = prepare_transactions(inputs.transactions)
    end = inputs.observation_end
    summary = customer_summary(transactions, end, inputs.time_unit)
    clv = customer_lifetime_value(
        transaction_model("bgnbd").fit(summary),
        GammaGamma(nonpositive="drop").fit(summary),
        summary,
        horizon_months=12,
        monthly_discount_rate=monthly_rate(0.10),
        time_unit=inputs.time_unit,
        margin_rate=0.30,
    )
    counts = category_counts(transactions, end)
    needs = NeedsMixture().fit(counts).predict(counts).reindex(clv.index)
    matrix = value_needs_matrix(clv, needs, high_value_share=0.2)
    expected = {
        f"{r.value_level} value / {r.needs} needs": r.customers for r in matrix.itertuples()
    }
    got = {row["cell"]: row["customers"] for row in figures["selection"]}
    assert got == expected
    assert sum(got.values()) == n


def test_customized_offer_download(report, figures):
    """One row per customer of the recommended cells; ids are the world's; plain labels."""
    rows = pd.read_csv(report / "customization_tradeoffs.customized_offers.csv")
    offered = [r for r in figures["selection"] if r["recommendation"] == "customized"]
    assert len(rows) == sum(r["customers"] for r in offered)
    assert set(rows["group"]) == {r["cell"] for r in offered}
    world = simulate_world(n_customers=SMALL["n_customers"], seed=SMALL["seed"])
    assert rows["customer_id"].is_unique
    assert set(rows["customer_id"]) <= set(world.truth.part_worths["customer_id"])
    assert all("_" not in c for c in rows.columns if c != "customer_id")
    page = (report / "customization_tradeoffs.html").read_text()
    assert "customization_tradeoffs.customized_offers.csv" in page
