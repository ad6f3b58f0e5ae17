"""Value × needs cells shared with segment value, reconciled actions, offer list, Kano labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crm_models.customization import (
    ChoiceMarket,
    KanoSurvey,
    VarietyCosts,
    VarietyOptimizer,
    customized_offer_list,
    plots,
    selection_table,
    simulate_kano_answers,
    value_needs_cells,
)
from crm_models.customization.selection import _reconciled, cell_label
from crm_models.data.synthetic import simulate_world
from crm_models.errors import DataValidationError, ParameterError
from crm_models.value.selection import (
    LET_GO_OFFER,
    NEEDS_ACTIONS,
    assign_actions,
    clv_needs_table,
    value_level,
)

# the report's Kano survey (notebooks/customization_tradeoffs.ipynb, default parameters)
KANO_TRUTH = {
    "fraud_protection": "must-be",
    "mobile_app": "must-be",
    "fee_none": "one-dimensional",
    "rate_low": "one-dimensional",
    "rate_intro_zero": "attractive",
    "design_photo": "attractive",
    "rewards_cashback": "attractive",
    "design_premium": "indifferent",
    "rewards_miles": "indifferent",
    "paper_statements": "reverse",
}


def test_value_needs_cells_labels_each_customer():
    levels = np.array(["high", "low", "low", "high"], dtype=object)
    needs = pd.Series(["similar", "different", "similar", "different"])
    got = value_needs_cells(levels, needs)
    assert list(got) == [cell_label(v, n) for v, n in zip(levels, needs, strict=True)]
    with pytest.raises(ParameterError, match="one of each per customer"):
        value_needs_cells(levels, needs[:3])


def test_assign_actions_uses_the_table():
    value = pd.Series([10.0, 1.0, 2.0, 9.0, 0.5], index=list("abcde"))
    needs = pd.Series(["different", "different", "similar", "similar", "odd"], index=list("abcde"))
    got = assign_actions(value, needs, high_value_share=0.4)
    levels = value_level(value, 0.4)
    expected = [NEEDS_ACTIONS.get((levels[k], needs[k]), "unknown") for k in value.index]
    assert list(got) == expected
    assert got["b"] == "let go" and got["e"] == "unknown"


@pytest.fixture(scope="module")
def world():
    return simulate_world(n_customers=800, seed=5)


def test_clv_needs_table_one_row_per_customer(world):
    table = clv_needs_table(world.transactions, world.observation_end)
    assert table.index.is_unique and len(table) == world.transactions["customer_id"].nunique()
    assert (table["value_level"] == "high").sum() == round(0.2 * len(table))
    high = table.loc[table["value_level"] == "high", "clv"].min()
    assert high >= table.loc[table["value_level"] == "low", "clv"].max()
    with pytest.raises(ParameterError, match="unknown setting"):
        clv_needs_table(world.transactions, world.observation_end, horizon=3)
    with pytest.raises(DataValidationError, match="no 'product' column"):
        clv_needs_table(world.transactions.drop(columns="product"), world.observation_end)


@pytest.fixture(scope="module")
def fitted():
    market = ChoiceMarket.simulate([3, 4, 2], n_customers=400, seed=7, pw_sd=1.0, fit_scale=0.35)
    costs = VarietyCosts(fixed_cost_per_module=100_000, complexity_scale=20_000)
    opt = VarietyOptimizer(costs, market_size=500_000).fit(market)
    levels = np.where(np.arange(400) % 5 == 0, "high", "low")
    needs = np.where(np.arange(400) % 3 == 0, "different", "similar")
    customers = pd.DataFrame(
        {"customer_id": np.arange(1000, 1400), "value_level": levels, "needs": needs}
    )
    customers["cell"] = value_needs_cells(levels, needs)
    return opt, customers


def test_let_go_cell_gets_self_service_or_nothing(fitted):
    opt, customers = fitted
    table = selection_table(opt, customers["cell"], face="collaborative").set_index("cell")
    let_go = cell_label("low", "different")
    table["recommendation"] = "customized"

    actions = pd.Series(_reconciled(table.reset_index()), index=table.index)
    assert actions[let_go] == "customized offer, self-service only (no dedicated spend)"
    assert actions[cell_label("high", "different")].endswith("one-to-one, with dedicated contact")
    table["recommendation"] = "standard"
    actions = pd.Series(_reconciled(table.reset_index()), index=table.index)
    assert actions[let_go] == "no customized offer (let go)"
    assert actions[cell_label("low", "similar")] == "standard product"
    assert "self-service" in LET_GO_OFFER and "no dedicated spend" in LET_GO_OFFER


def test_offer_list_leaves_out_cells_not_offered(fitted):
    opt, customers = fitted
    table = selection_table(opt, customers["cell"], face="collaborative")
    not_offered = cell_label("low", "different")
    table.loc[table["cell"] == not_offered, "recommendation"] = "standard"
    rows = customized_offer_list(opt, customers, table, "collaborative, 2 × 2 × 1", "collaborative")
    offered = customers[customers["cell"] != not_offered]
    assert list(rows["customer_id"]) == list(offered["customer_id"])
    assert not_offered not in set(rows["group"])
    assert rows["expected gain per customer ($)"].notna().all()
    with pytest.raises(ParameterError, match="one per market customer"):
        customized_offer_list(opt, customers.iloc[:10], table, "x", "collaborative")


def test_kano_labels_do_not_overlap_on_the_default_survey():
    """The report's layout (two charts side by side), its default survey: no two feature
    labels' boxes overlap after drawing, and none shows an internal name."""
    answers = simulate_kano_answers(KANO_TRUTH, 200, agreement=0.6, seed=1)
    table = KanoSurvey().fit(answers).table()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    ax = plots.plot_kano(table, ax=axes[1])
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [label.get_window_extent(renderer) for label in ax.kano_labels]
    clashes = [
        (ax.kano_labels[i].get_text(), ax.kano_labels[j].get_text())
        for i in range(len(boxes))
        for j in range(i)
        if boxes[i].overlaps(boxes[j])
    ]
    assert clashes == []
    texts = [label.get_text() for label in ax.kano_labels]
    assert "rate intro zero" in texts and not any("_" in t for t in texts)
    assert ax.get_legend().get_title().get_text() == "Customer reaction (Kano)"
    counts = table["kano_class"].value_counts()
    assert ax.get_title().startswith(f"{counts['must-be']} must-be")
    plt.close(fig)


def test_wtp_chart_title_names_every_module_it_cannot_tell_apart():
    wtp = pd.DataFrame(
        {
            "level": ["rate_intro_zero", "fee_none", "design_premium"],
            "estimate": [11.0, 10.0, 4.0],
            "ci_low": [9.0, 8.0, 2.0],
            "ci_high": [14.0, 12.0, 6.0],
        }
    )
    fig, ax = plt.subplots()
    plots.plot_wtp(wtp, ax=ax)
    assert (
        ax.get_title()
        == "Highest willingness to pay (intervals overlap):\nrate intro zero, fee none"
    )
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "rate intro zero"
    plots.plot_wtp(wtp.assign(ci_low=[10.5, 8.0, 2.0], ci_high=[11.5, 10.4, 6.0]), ax=ax)
    assert ax.get_title() == "Customers pay most for rate intro zero"
    plt.close(fig)
