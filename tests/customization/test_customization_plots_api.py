"""Customization plots: Axes returned, fitted objects accepted, default titles, nothing clipped."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from plot_checks import assert_nothing_clipped, clipped_sides

from crm_models.customization import (
    ChoiceMarket,
    ConjointModel,
    FaceProfitModel,
    KanoSurvey,
    VarietyOptimizer,
    design_choice_experiment,
    plots,
    simulate_answers,
    simulate_kano_answers,
    tornado,
)
from crm_models.errors import NotFittedError, ParameterError

# Level names as long as a data scientist's own ("rate_intro_zero_for_twelve_months").
LONG = "introductory_rate_zero_for_twelve_months"


@pytest.fixture(scope="module")
def optimizer():
    market = ChoiceMarket.simulate([3, 3, 2], n_customers=400, seed=1)
    return VarietyOptimizer(market_size=50_000).fit(market)


@pytest.fixture(scope="module")
def tornado_table(optimizer):
    return tornado(optimizer, n_sample=200, seed=1)


@pytest.fixture(scope="module")
def conjoint():
    attrs = {"rate": ["rate_a", "rate_b", LONG], "fee": ["fee_a", "fee_b"]}
    design = design_choice_experiment(attrs, [5.0, 10.0], 60, 6, 3, seed=1)
    answers = simulate_answers(design, {"rate_b": 0.5, LONG: 0.8, "fee_b": 0.3}, -0.1, seed=2)
    return ConjointModel(engine="newton").fit(answers)


@pytest.fixture(scope="module")
def kano():
    truth = {"fraud_protection": "must-be", LONG: "attractive", "paper_statements": "reverse"}
    return KanoSurvey().fit(simulate_kano_answers(truth, 100, seed=1))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _sweep():
    return FaceProfitModel().sweep("n_customers", np.linspace(1_000, 50_000, 10))


def test_each_plot_returns_axes_with_a_title_and_clips_nothing(
    optimizer, tornado_table, conjoint, kano
):
    drawn = {
        "type": plots.plot_profit_by_type(optimizer.by_face_, optimizer.best_.face),
        "modules": plots.plot_profit_by_modules(optimizer.profit_by_modules()),
        "tornado": plots.plot_tornado(tornado_table),
        "wtp": plots.plot_wtp(conjoint.result_.wtp("delta").table()),
        "kano": plots.plot_kano(kano.table()),
        "sweep": plots.plot_face_sweep(_sweep(), "customers served"),
    }
    clipped = {name: clipped_sides(ax.figure) for name, ax in drawn.items()}
    assert not any(clipped.values()), f"clipped under a plain savefig: {clipped}"
    for name, ax in drawn.items():
        assert_nothing_clipped(ax)
        assert isinstance(ax, Axes), name
        assert ax.get_title(), name
        assert ax.figure.get_layout_engine() is not None, name  # constrained layout


def test_fitted_objects_need_no_table_call(optimizer, conjoint, kano):
    by_type = plots.plot_profit_by_type(optimizer)
    assert "earns most" in by_type.get_title()
    assert plots.plot_profit_by_modules(optimizer).get_title().startswith("Profit")
    assert plots.plot_wtp(conjoint).get_title()  # fitted ConjointModel: its delta-method WTP
    assert plots.plot_wtp(conjoint.result_).get_title()  # ConjointResult
    assert plots.plot_wtp(conjoint.result_.wtp("delta")).get_title()  # WTPResult
    with pytest.raises(NotFittedError):
        plots.plot_wtp(ConjointModel())
    assert plots.plot_kano(kano).get_title()
    assert plots.plot_face_sweep(_sweep()).get_xlabel() == "n customers"  # index name


def test_titles_can_be_replaced_and_a_given_ax_is_used(optimizer, tornado_table):
    fig, ax = plt.subplots()
    out = plots.plot_tornado(tornado_table, ax=ax, title="What moves profit")
    assert out is ax
    assert out.get_title() == "What moves profit"
    assert plots.plot_profit_by_type(optimizer, title="By type").get_title() == "By type"


def test_unfitted_or_wrong_input_is_one_clear_error():
    with pytest.raises(ParameterError, match="fit the VarietyOptimizer first"):
        plots.plot_profit_by_type(VarietyOptimizer())
    with pytest.raises(ParameterError, match=r"plot_kano: expected a DataFrame"):
        plots.plot_kano(pd.Series([1.0]).to_numpy())
