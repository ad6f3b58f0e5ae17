"""Value plots: ``ax=`` honoured, Axes returned, default titles, nothing clipped by a plain
savefig, and raw inputs accepted without a separate table call."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from plot_checks import assert_nothing_clipped

from crm_models.data.public import load_cdnow_summary
from crm_models.errors import ParameterError
from crm_models.value import (
    BGNBD,
    abc_classes,
    abc_summary,
    plots,
    value_fit_matrix,
    value_needs_matrix,
)
from crm_models.value.diagnostics import (
    calibration_vs_holdout,
    expectation_grid,
    period_transactions,
)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow_summary()


@pytest.fixture(scope="module")
def bg(cdnow: pd.DataFrame) -> BGNBD:
    return BGNBD().fit(cdnow)


@pytest.fixture(scope="module")
def value(cdnow: pd.DataFrame) -> pd.Series:
    return (cdnow["frequency"] + 1.0) * 10.0


@pytest.fixture(scope="module")
def needs(value: pd.Series) -> pd.Series:
    rng = np.random.default_rng(3)
    return pd.Series(rng.choice(["similar", "different"], len(value)), index=value.index)


@pytest.fixture(scope="module")
def cal_holdout(cdnow: pd.DataFrame, bg: BGNBD) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "frequency_cal": cdnow["frequency"].to_numpy(),
            "recency_cal": cdnow["recency"].to_numpy(),
            "T_cal": cdnow["T"].to_numpy(),
            "frequency_holdout": rng.poisson(0.5 + 0.3 * cdnow["frequency"].to_numpy()),
            "duration_holdout": 39.0,
        }
    )


def _calls(cdnow, bg, value, needs, cal_holdout):
    """Each plot called the simplest way: raw inputs, no title, no ax."""
    return {
        "concentration": lambda **kw: plots.plot_concentration(value, **kw),
        "abc": lambda **kw: plots.plot_abc(value, **kw),
        "selection_needs": lambda **kw: plots.plot_selection_matrix(
            value_needs_matrix(value, needs), **kw
        ),
        "selection_fit": lambda **kw: plots.plot_selection_matrix(
            value_fit_matrix(
                value, pd.Series(0.7, index=value.index).where(needs == "similar", 0.2)
            ),
            **kw,
        ),
        "period_transactions": lambda **kw: plots.plot_period_transactions(bg, data=cdnow, **kw),
        "calibration_holdout": lambda **kw: plots.plot_calibration_holdout(
            bg, cal_holdout=cal_holdout, **kw
        ),
        "expectation_heatmap": lambda **kw: plots.plot_expectation_heatmap(
            bg, "p_alive", t=52.0, T=39.0, time_label="weeks", **kw
        ),
        "clv_distribution": lambda **kw: plots.plot_clv_distribution(value, **kw),
    }


NAMES = [
    "concentration",
    "abc",
    "selection_needs",
    "selection_fit",
    "period_transactions",
    "calibration_holdout",
    "expectation_heatmap",
    "clv_distribution",
]


@pytest.fixture(scope="module")
def calls(cdnow, bg, value, needs, cal_holdout):
    return _calls(cdnow, bg, value, needs, cal_holdout)


@pytest.mark.parametrize("name", NAMES)
def test_default_call_returns_titled_axes_nothing_clipped(calls, name: str) -> None:
    """Raw input, no title: an Axes with a non-empty default title, labelled axes, and a plain
    savefig at the default figure size clips nothing."""
    ax = calls[name]()
    try:
        assert isinstance(ax, Axes)
        assert ax.get_title().strip()
        assert ax.get_xlabel().strip() and ax.get_ylabel().strip()
        assert ax.figure.get_layout_engine() is not None
        assert_nothing_clipped(ax)
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("name", NAMES)
def test_given_ax_is_drawn_on(calls, name: str) -> None:
    """``ax=`` given: the plot draws there, returns that Axes, makes no new figure; the
    title given is used."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained")
    try:
        before = plt.get_fignums()
        out = calls[name](ax=right, title="my finding")
        assert out is right
        assert plt.get_fignums() == before
        assert right.has_data() or right.collections or right.patches
        assert not left.has_data()
        assert right.get_title() == "my finding"
    finally:
        plt.close(fig)


def test_old_table_arguments_still_work(cdnow, bg, value, cal_holdout) -> None:
    """The notebook's calls (table first, title second) still draw the same charts."""
    cls = abc_classes(value)
    grid = expectation_grid(bg, t=10, T=38.86, max_frequency=10, n_recency=8)
    axes = [
        plots.plot_abc(abc_summary(value, cls), "A customers"),
        plots.plot_period_transactions(period_transactions(bg, cdnow), "fit"),
        plots.plot_calibration_holdout(calibration_vs_holdout(bg, cal_holdout), "holdout"),
        plots.plot_expectation_heatmap(grid, "expected_purchases", "grid", "weeks"),
    ]
    try:
        assert [a.get_title() for a in axes] == ["A customers", "fit", "holdout", "grid"]
    finally:
        for a in axes:
            plt.close(a.figure)


def test_two_panel_expectation_heatmaps(bg) -> None:
    """The two-panel helper takes ``axes=`` (a pair) and returns both Axes."""
    grid = expectation_grid(bg, t=10, T=38.86, max_frequency=10, n_recency=8)
    axes = plots.plot_expectation_heatmaps(grid, time_label="weeks")
    try:
        assert len(axes) == 2 and all(isinstance(a, Axes) for a in axes)
        assert axes[0].figure is axes[1].figure
        assert_nothing_clipped(axes[0])
    finally:
        plt.close(axes[0].figure)
    fig, pair = plt.subplots(1, 2, layout="constrained")
    try:
        out = plots.plot_expectation_heatmaps(grid, axes=pair)
        assert out[0] is pair[0] and out[1] is pair[1]
    finally:
        plt.close(fig)


def test_model_without_its_data_is_refused(bg) -> None:
    """A model given without the data it needs: one error naming the missing argument."""
    with pytest.raises(ParameterError, match="data="):
        plots.plot_period_transactions(bg)
    with pytest.raises(ParameterError, match="cal_holdout="):
        plots.plot_calibration_holdout(bg)
    with pytest.raises(ParameterError, match="t=.*T="):
        plots.plot_expectation_heatmap(bg, "p_alive")
    with pytest.raises(ParameterError, match="column"):
        plots.plot_expectation_heatmap(bg, "clv", t=1.0, T=1.0)
