"""Notebook-friendly loyalty objects: plots with ax=None and default titles, short reprs, HTML."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402
from plot_checks import assert_nothing_clipped  # noqa: E402

from crm_models.loyalty import (  # noqa: E402
    CovarianceSEM,
    ModelSpec,
    PLSPathModel,
    RetentionCurve,
    RetentionEconomics,
)
from crm_models.loyalty.plots import (  # noqa: E402
    plot_importance_performance,
    plot_paths,
    plot_retention_curve,
    plot_retention_economics,
)

SMALL = "CUEX ~ IMAG\nCUSA ~ IMAG + CUEX\nCUSL ~ CUSA"


@pytest.fixture(scope="module")
def pls(world_2000):
    return PLSPathModel(SMALL, consistent=True, n_boot=100, seed=1).fit(world_2000.survey)


@pytest.fixture(scope="module")
def curve():
    rng = np.random.default_rng(4)
    s = rng.uniform(0, 100, 2000)
    y = rng.random(2000) < 1 / (1 + np.exp(-(-2 + 0.005 * s + 0.12 * np.maximum(s - 70, 0))))
    return RetentionCurve().fit(s, y)


def _ipm() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "construct": ["CUSA", "PERQ", "IMAG"],
            "label": ["Satisfaction", "Perceived quality", "Image"],
            "importance": [0.6, 0.4, 0.2],
            "importance_low": [0.5, 0.3, 0.1],
            "importance_high": [0.7, 0.5, 0.5],
            "performance": [55.3, 54.25, 56.0],
            "performance_low": [54.7, 53.6, 55.4],
            "performance_high": [55.9, 54.9, 56.6],
            "quadrant": ["keep up the good work", "concentrate here", "low priority"],
            "below_average": [False, True, False],
            "target_label": ["Loyalty"] * 3,
        }
    )


def _plots(pls, curve):
    return {
        "paths": lambda ax=None: plot_paths(pls, ax=ax),
        "importance_performance": lambda ax=None: plot_importance_performance(_ipm(), ax=ax),
        "retention_economics": lambda ax=None: plot_retention_economics(
            RetentionEconomics(acquisition_cost=150.0), 0.8, ax=ax
        ),
        "retention_curve": lambda ax=None: plot_retention_curve(curve, ax=ax),
    }


@pytest.mark.parametrize(
    "name", ["paths", "importance_performance", "retention_economics", "retention_curve"]
)
def test_plot_returns_axes_with_title_constrained_and_nothing_clipped(pls, curve, name):
    """Called with only the fitted object: Axes back, a default title, a constrained layout,
    and nothing clipped by a plain savefig at the default size; a given ax is drawn on."""
    draw = _plots(pls, curve)[name]
    ax = draw()
    try:
        assert isinstance(ax, Axes)
        assert ax.get_title().strip()
        assert isinstance(ax.figure.get_layout_engine(), ConstrainedLayoutEngine)
        assert_nothing_clipped(ax)
    finally:
        plt.close(ax.figure)
    fig, given = plt.subplots()
    try:
        assert draw(given) is given
    finally:
        plt.close(fig)


def test_plot_paths_default_title_states_the_finding(pls):
    ax = plot_paths(pls)
    try:
        assert "strongest path" in ax.get_title() and "(PLSc)" in ax.get_title()
    finally:
        plt.close(ax.figure)
    ax = plot_paths(pls.result_.path_table(), "my title")  # the table, as the notebook calls it
    try:
        assert ax.get_title() == "my title"
    finally:
        plt.close(ax.figure)


def test_reprs_are_short_and_informative(pls, curve):
    """Class name, key hyper-parameters, fitted or not, n and headline estimates; < 200 chars."""
    fresh = repr(PLSPathModel("ecsi", consistent=True, n_boot=500))
    assert fresh.startswith("PLSPathModel(spec='ecsi'") and "not fitted" in fresh
    fitted = repr(pls)
    assert "consistent=True" in fitted and "n=2000" in fitted and "R²(CUSL)=" in fitted
    assert "draws=100" in fitted
    for text in (fresh, fitted, repr(curve), repr(CovarianceSEM()), repr(ModelSpec.ecsi())):
        assert len(text) < 200 and " at 0x" not in text
    assert "threshold=" in repr(curve) and "nonlinear=True" in repr(curve)
    assert repr(ModelSpec.ecsi()).startswith("ModelSpec(7 constructs, 24 items, 12 paths")


def test_html_summaries_are_tables_with_escaped_names(world_2000, curve):
    """_repr_html_ shows the summary table; names from the user are escaped."""
    assert "<table" in curve._repr_html_() and "threshold" in curve._repr_html_()
    survey = world_2000.survey.rename(columns={"CUSL1": "<b>L1"})
    spec = ModelSpec(
        {"<i>Sat": ("CUSA1", "CUSA2", "CUSA3"), "Loy": ("<b>L1", "CUSL2", "CUSL3")},
        [("<i>Sat", "Loy")],
    )
    html = PLSPathModel(spec).fit(survey)._repr_html_()
    assert "<table" in html and "&lt;i&gt;Sat" in html and "<i>Sat" not in html
    assert "n_boot=500" in html  # the note: no bootstrap, no intervals
    assert "not fitted" in PLSPathModel()._repr_html_()
