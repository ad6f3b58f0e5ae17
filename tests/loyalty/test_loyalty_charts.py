"""The loyalty charts tell what the text tells: honest axes, quadrant only for a clear driver."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from crm_models.loyalty import clear_drivers, investment_levers  # noqa: E402
from crm_models.loyalty.ipm import standing_out  # noqa: E402
from crm_models.loyalty.plots import (  # noqa: E402
    CONCENTRATE,
    path_title,
    plot_importance_performance,
    plot_paths,
    plot_retention_economics,
)
from crm_models.reporting.charts import COLORS, PALETTE, describe_figure  # noqa: E402


def _ipm(quadrants, below, importance_low=(0.5, 0.3, 0.1)):
    return pd.DataFrame(
        {
            "construct": ["CUSA", "PERQ", "IMAG"],
            "label": ["Satisfaction", "Perceived quality", "Image"],
            "importance": [0.6, 0.4, 0.2],
            "importance_low": list(importance_low),
            "importance_high": [0.7, 0.5, 0.5],
            "importance_points": [0.61, 0.43, 0.25],
            "performance": [55.3, 54.25, 56.0],
            "performance_low": [54.7, 53.6, 55.4],
            "performance_high": [55.9, 54.9, 56.6],
            "quadrant": quadrants,
            "below_average": below,
            "target_label": ["Loyalty"] * 3,
        }
    )


FLAT = (["keep up the good work", "concentrate here", "low priority"], [False, False, False])
CLEAR = (["keep up the good work", "concentrate here", "low priority"], [False, True, False])


def _colors(ax) -> set[str]:
    return {
        to_hex(c.get_color()).upper()
        for c in ax.get_children()
        if hasattr(c, "get_color") and c.get_label() in {CONCENTRATE, "driver"}
    } | {to_hex(line.get_color()).upper() for line in ax.get_lines()}


def _drawn(ipm, levers=None):
    fig, ax = plt.subplots()
    plot_importance_performance(ipm, "a finding", ax=ax, levers=levers)
    return fig, ax


def test_standing_out_is_the_text_rule_invest_among_clear_levers():
    ipm = _ipm(*CLEAR)
    levers = investment_levers(ipm, exclude="CUSA")
    assert list(standing_out(ipm, clear_drivers(levers))) == [False, True, False]
    assert not standing_out(_ipm(*FLAT), clear_drivers(investment_levers(_ipm(*FLAT)))).any()
    # an interval spanning zero: not clear, so it does not stand out, even if flagged
    unclear = _ipm(*CLEAR, importance_low=(0.5, -0.1, 0.1))
    assert not standing_out(unclear, clear_drivers(investment_levers(unclear, "CUSA"))).any()
    assert not standing_out(unclear).any()  # the default applies the same interval rule


def test_importance_performance_uses_the_whole_performance_scale():
    fig, ax = _drawn(_ipm(*FLAT))
    assert ax.get_ylim() == (0.0, 100.0)  # not 54.25–56
    plt.close(fig)


def test_no_concentrate_quadrant_when_no_driver_stands_out():
    ipm = _ipm(*FLAT)
    fig, ax = _drawn(ipm, clear_drivers(investment_levers(ipm, "CUSA")))
    labels = ax.get_legend_handles_labels()[1]
    assert CONCENTRATE not in labels
    assert not ax.collections or all(
        to_hex(c.get_facecolor()[0]).upper() != COLORS["highlight"]
        for c in ax.collections
        if len(c.get_facecolor())
    )
    assert COLORS["highlight"] not in _colors(ax)
    assert "no quadrant to concentrate on" in " ".join(t.get_text() for t in ax.texts)
    assert "concentrate" not in describe_figure(fig).split("legend")[-1]
    plt.close(fig)


def test_concentrate_quadrant_marked_for_the_driver_the_text_names():
    ipm = _ipm(*CLEAR)
    fig, ax = _drawn(ipm, clear_drivers(investment_levers(ipm, "CUSA")))
    assert CONCENTRATE in ax.get_legend_handles_labels()[1]
    assert COLORS["highlight"] in _colors(ax)
    assert len(ax.collections) >= 1  # the shaded quadrant
    assert "no quadrant" not in " ".join(t.get_text() for t in ax.texts)
    plt.close(fig)


def test_point_labels_alternate_so_neighbours_do_not_overlap():
    ipm = _ipm(*FLAT)
    fig, ax = _drawn(ipm)
    offsets = {a.get_text(): a.xyann[1] for a in ax.texts if hasattr(a, "xyann")}
    assert offsets["Image"] != offsets["Perceived quality"]
    assert offsets["Perceived quality"] != offsets["Satisfaction"]
    plt.close(fig)


def test_long_titles_are_wrapped_and_lines_use_the_palette():
    curve = pd.DataFrame({"retention": [0.5, 0.9], "profit_effect": [0.2, 0.4]})
    fig, ax = plt.subplots()
    title = "+5 points of retention: +20% with constant margins, +37% with acquisition cost"
    plot_retention_economics({"a": curve, "b": curve}, 0.8, title, ax=ax)
    assert "\n" in ax.get_title()
    colors = [to_hex(line.get_color()).upper() for line in ax.get_lines()[:2]]
    assert colors == list(PALETTE[:2])
    plt.close(fig)


@pytest.mark.parametrize(
    ("low", "expected"),
    [([0.1, 0.2, -0.1], "2 of 3 paths"), ([0.1, 0.2, 0.05], "3 of 3 paths")],
)
def test_path_title_states_the_strongest_path_and_how_many_are_clear(low, expected):
    paths = pd.DataFrame(
        {
            "label": ["A → B", "B → C", "A → C"],
            "estimate": [0.3, -0.6, 0.1],
            "ci_low": low[:1] + [-0.7] + low[2:],
            "ci_high": [0.4, -0.5, 0.3],
        }
    )
    title = path_title(paths, "PLSc")
    assert title.startswith("B → C is the strongest path (-0.60)")
    assert expected in title and title.endswith("(PLSc)")
    fig, ax = plt.subplots()
    plot_paths(paths, title, ax=ax)
    assert np.isclose(ax.patches[1].get_width(), -0.6)
    plt.close(fig)
