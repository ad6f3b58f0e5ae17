"""Shared check for plot helpers: a figure saved with a plain ``fig.savefig`` clips nothing."""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.figure import Figure

# One pixel at 100 dpi: rounding in the renderer, not a clipped label.
TOLERANCE_INCHES = 0.01


def clipped_sides(figure: Figure) -> list[str]:
    """Sides of the canvas that some artist (label, title, legend, tick) crosses.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure, drawn by a plain ``savefig`` (no ``bbox_inches``) first.

    Returns
    -------
    list of str
        Names of the sides ("left", "bottom", "right", "top") where the tight bounding box
        of everything drawn lies outside the figure; empty when nothing is clipped.
    """
    figure.savefig(io.BytesIO(), format="png")
    tight = figure.get_tightbbox(figure.canvas.get_renderer())
    width, height = figure.get_size_inches()
    sides = {
        "left": tight.x0 < -TOLERANCE_INCHES,
        "bottom": tight.y0 < -TOLERANCE_INCHES,
        "right": tight.x1 > width + TOLERANCE_INCHES,
        "top": tight.y1 > height + TOLERANCE_INCHES,
    }
    return [side for side, out in sides.items() if out]


def assert_nothing_clipped(drawn: Axes | Figure) -> None:
    """Fail with the clipped sides when a plot helper's figure clips under a plain savefig.

    Parameters
    ----------
    drawn : Axes or Figure
        What the plot helper returned.
    """
    figure = drawn if isinstance(drawn, Figure) else drawn.get_figure()
    sides = clipped_sides(figure)
    assert not sides, f"clipped at the {', '.join(sides)} edge(s) under a plain savefig"
