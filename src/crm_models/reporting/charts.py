"""One chart style for every report: a colour-blind-safe palette and alt text from the figure.

- ``PALETTE`` is the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), ordered
  for a colour cycle; ``COLORS`` names its colours by their role in a chart (``main``,
  ``highlight``, ``neutral`` …). Package plots take their colours from here, never a literal.
- ``use_report_style()`` makes ``PALETTE`` matplotlib's colour cycle (and seaborn's current
  palette). ``crm_models.reporting`` applies it when it is imported; in a notebook kernel it
  re-applies the colour cycle once more after the cell that imported it ran, so a
  ``sns.set_theme(style=...)`` in the same setup cell (which resets seaborn's palette) does
  not undo it. A palette set in a later cell wins.
- ``describe_figure(fig)`` writes a plain-text description of a figure (titles, axis labels
  and ranges, category labels, legend entries). ``register_alt_text()`` makes it the
  ``text/plain`` version of every displayed figure; the HTML export turns it into the image's
  ``alt`` attribute (``crm_models.reporting.export.ImageAltPreprocessor``).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable

from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "COLORS",
    "PALETTE",
    "chart_axes",
    "describe_figure",
    "register_alt_text",
    "use_report_style",
    "wrap_title",
]

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
PALETTE = tuple(
    OKABE_ITO[name]
    for name in (
        "blue",
        "orange",
        "bluish_green",
        "vermillion",
        "reddish_purple",
        "sky_blue",
        "yellow",
    )
)
"""The colour cycle of every report chart: Okabe–Ito without black (kept for text and lines)."""

COLORS = {
    "main": OKABE_ITO["blue"],
    "second": OKABE_ITO["orange"],
    "third": OKABE_ITO["bluish_green"],
    "highlight": OKABE_ITO["vermillion"],
    "band": OKABE_ITO["sky_blue"],
    "muted": "#A6A6A6",
    "neutral": "#6E6E6E",
    "ink": OKABE_ITO["black"],
}
"""Colours by role: ``main`` series, ``second``/``third`` series, ``highlight`` (what to act
on), ``band`` (interval shading), ``muted`` (de-emphasised points), ``neutral`` (reference
lines), ``ink`` (zero lines, error bars)."""

_ALT_LIMIT = 900  # characters of an alt text; screen readers read it in one go


def use_report_style() -> None:
    """Make ``PALETTE`` the colour cycle of matplotlib (and seaborn's current palette).

    Only the colour cycle is changed; grid, fonts and sizes stay as the notebook set them.
    """
    from cycler import cycler

    rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))


def chart_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    """Return ``ax``, or the Axes of a new constrained-layout figure of ``size`` inches.

    Every chart helper draws through this, so a plain ``fig.savefig`` clips nothing.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        Where the caller wants the chart; None makes a new figure.
    size : tuple of float
        (width, height) in inches of the new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The axes to draw on.
    """
    if ax is None:
        import matplotlib.pyplot as plt  # pyplot only when a figure is made (CLI start-up)

        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def wrap_title(ax: Axes, title: str, width: int | None = 62) -> None:
    """Set ``title`` on ``ax`` wrapped at ``width`` characters, so it fits a narrow figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to title.
    title : str
        The title (a finding); a ``$`` is shown as a dollar sign, not as mathtext. Line
        breaks in it are kept; each line is wrapped on its own.
    width : int or None, default 62
        Characters per line; None fits the axes' width (about 10 characters per inch).
    """
    if width is None:
        figure = ax.figure  # a Figure or a SubFigure: both have a bbox (pixels) and a dpi
        inches = ax.get_position().width * figure.bbox.width / figure.dpi
        width = max(20, int(inches * 10))
    lines = [textwrap.fill(line, width) for line in title.replace("$", r"\$").split("\n")]
    ax.set_title("\n".join(lines))


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(r"\$", "$")).strip()


def _number(value: float) -> str:
    return f"{value:,.3g}" if abs(value) < 1e4 else f"{value:,.0f}"


def _axis_text(ax: Axes, which: str) -> str:
    label = _clean(ax.get_xlabel() if which == "x" else ax.get_ylabel())
    ticks = ax.get_xticklabels() if which == "x" else ax.get_yticklabels()
    words = [_clean(t.get_text()) for t in ticks]
    words = [w for w in words if re.search(r"[A-Za-z]", w)]
    if words and len(words) <= 15:
        return f"{which} axis {label or 'categories'}: " + ", ".join(words)
    if not label:
        return ""
    low, high = ax.get_xlim() if which == "x" else ax.get_ylim()
    return f"{which} axis: {label}, from {_number(min(low, high))} to {_number(max(low, high))}"


def _legend_text(ax: Axes) -> str:
    legend = ax.get_legend()
    if legend is None:
        return ""
    entries = [_clean(t.get_text()) for t in legend.get_texts()]
    title = _clean(legend.get_title().get_text())
    entries = [e for e in entries if e]
    if not entries:
        return ""
    return f"legend{f' ({title})' if title else ''}: " + "; ".join(entries)


def _parts(ax: Axes) -> Iterable[str]:
    yield _clean(ax.get_title())
    yield _axis_text(ax, "x")
    yield _axis_text(ax, "y")
    yield _legend_text(ax)


def describe_figure(fig: Figure) -> str:
    """Describe a figure in plain text for its ``alt`` attribute.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (one or more axes).

    Returns
    -------
    str
        ``"Chart: TITLE. x axis: LABEL, from A to B. y axis: … legend: …"``, one sentence per
        axes part that has text, at most 900 characters; ``"Chart without title or labels"``
        when the figure has no text at all.
    """
    sentences = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        sentences.append(_clean(suptitle.get_text()))
    for ax in fig.get_axes():
        sentences.extend(part for part in _parts(ax) if part)
    if not sentences:
        return "Chart without title or labels"
    text = "Chart: " + ". ".join(s.rstrip(".") for s in sentences) + "."
    return text if len(text) <= _ALT_LIMIT else text[: _ALT_LIMIT - 1].rstrip() + "…"


def _pretty(fig: Figure, printer, cycle: bool) -> None:
    printer.text(describe_figure(fig))


def _restyle_once(*_args) -> None:
    from IPython import get_ipython

    use_report_style()
    shell = get_ipython()
    if shell is not None:
        shell.events.unregister("post_run_cell", _restyle_once)


def _describe_figures(*_args) -> None:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/plain"].for_type(Figure, _pretty)


def register_alt_text() -> bool:
    """In an IPython kernel: describe figures as their text, and keep the report palette.

    Registers ``describe_figure`` as the ``text/plain`` formatter of matplotlib figures (the
    HTML export uses it as the image's ``alt``) — after activating the inline backend, which
    drops every figure formatter when it starts, and again before each cell (``%matplotlib``
    does the same). Re-applies ``use_report_style`` once after the current cell. Outside
    IPython it does nothing.

    Returns
    -------
    bool
        True when registered in a running IPython shell.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return False
    shell = get_ipython()
    if shell is None:
        return False
    try:  # starting the inline backend resets the figure formatters: start it first
        import matplotlib_inline.backend_inline  # noqa: F401
    except ImportError:  # pragma: no cover - a kernel without the inline backend
        pass
    _describe_figures()
    events = shell.events.callbacks
    if _describe_figures not in events["pre_run_cell"]:
        shell.events.register("pre_run_cell", _describe_figures)
    if _restyle_once not in events["post_run_cell"]:
        shell.events.register("post_run_cell", _restyle_once)
    return True
