"""Uplift plots: ax=None, Axes returned, default titles, nothing clipped under a plain savefig,
result objects accepted, Qini legend figures that tell near-equal models apart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from plot_checks import assert_nothing_clipped

from crm_models.uplift import evaluate_experiment, holdout_profit_curve, uplift_metrics
from crm_models.uplift.plots import (
    _distinct_labels,
    plot_balance,
    plot_deciles,
    plot_holdout_profit,
    plot_lift,
    plot_qini_curves,
)


@pytest.fixture(scope="module")
def study():
    rng = np.random.default_rng(3)
    n = 3000
    arm = rng.choice(["control", "email", "sms"], n)
    x = rng.normal(size=n)
    p = 0.1 + 0.05 * (arm != "control") * (x > 0)
    conversion = (rng.random(n) < p).astype(int)
    frame = pd.DataFrame(
        {
            "arm": arm,
            "conversion": conversion,
            "spend": conversion * rng.gamma(2.0, 20.0, n),
            "recency_days": rng.exponential(60, n),
            "frequency": rng.poisson(3, n),
        }
    )
    experiment = evaluate_experiment(
        frame, outcomes=["conversion", "spend"], covariates=["recency_days", "frequency"]
    )
    two = arm != "sms"
    score = x[two] + rng.normal(0, 0.5, two.sum())
    metrics = uplift_metrics(conversion[two], score, arm[two] == "email")
    curve = holdout_profit_curve(
        conversion[two], arm[two], np.full(two.sum(), "email"), score, 30.0, 0.5, n_boot=50
    )
    return experiment, metrics, curve


def _calls(study):
    experiment, metrics, curve = study
    return {
        "lift": lambda **kw: plot_lift(experiment.lift, **kw),
        "lift_table": lambda **kw: plot_lift(experiment.lift.table, **kw),
        "holdout_profit": lambda **kw: plot_holdout_profit(curve, **kw),
        "qini": lambda **kw: plot_qini_curves({"T": metrics, "S": metrics}, **kw),
        "qini_single": lambda **kw: plot_qini_curves(metrics, **kw),
        "deciles": lambda **kw: plot_deciles(metrics, **kw),
        "deciles_table": lambda **kw: plot_deciles(metrics.deciles, **kw),
        "balance": lambda **kw: plot_balance(experiment, **kw),
        "balance_table": lambda **kw: plot_balance(experiment.balance, **kw),
    }


@pytest.mark.parametrize(
    "name",
    [
        "lift",
        "lift_table",
        "holdout_profit",
        "qini",
        "qini_single",
        "deciles",
        "deciles_table",
        "balance",
        "balance_table",
    ],
)
def test_plot_defaults_return_axes_with_a_title_and_clip_nothing(study, name):
    ax = _calls(study)[name]()
    assert isinstance(ax, plt.Axes)
    assert ax.get_title()
    assert ax.figure.get_layout_engine() is not None
    assert_nothing_clipped(ax)
    plt.close(ax.figure)


@pytest.mark.parametrize("name", ["lift", "holdout_profit", "qini", "deciles", "balance"])
def test_plot_draws_on_the_given_axes(study, name):
    fig, (left, right) = plt.subplots(1, 2)
    ax = _calls(study)[name](ax=right, title="Given title")
    assert ax is right and ax.get_title() == "Given title" and not left.has_data()
    plt.close(fig)


def test_qini_legend_tells_near_equal_models_apart(study):
    _, metrics, _ = study
    base = metrics.qini_coefficient
    coefficients = [base, base + 0.0004, base + 0.0011, base - 0.0003]
    models = {
        f"model {i}": metrics.__class__(**{**vars(metrics), "qini_coefficient": c})
        for i, c in enumerate(coefficients)
    }
    ax = plot_qini_curves(models)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    figures = [lab.split("Qini ")[1] for lab in labels if lab.startswith("model")]
    assert len(figures) == 4 and len(set(figures)) == 4
    plt.close(ax.figure)


def test_distinct_labels_keeps_two_decimals_when_they_suffice():
    assert _distinct_labels([0.123, 0.456]) == ["0.12", "0.46"]
    assert _distinct_labels([0.1231, 0.1234]) == ["0.1231", "0.1234"]
    assert _distinct_labels([0.5, 0.5]) == ["0.50", "0.50"]
