"""What a study notebook calls to show results to a manager and hand figures to the pipeline.

- ``publish_figures(dict)`` hands the headline figures to ``crm run``: they are displayed
  under a private MIME type that the HTML templates ignore and the runner writes to
  ``NAME.json`` — the same numbers the report shows, with no side channel.
- ``kpi_cards`` renders a row of KPI figures (value, interval, unit) as inline-CSS HTML
  that works offline.
- ``fmt_*`` format numbers for people: rounding, thousands separators, units.
- ``readable_table`` rounds a frame and adds thousands separators for display.

Every text from a parameter, a file name or the data is escaped on the way in
(``crm_models.reporting.escaping``).

Imported in a notebook kernel, this module sets the report chart style (the colour-blind-safe
palette of ``crm_models.reporting.charts``) and the figures' alt text; a plain Python process
(``crm``) does not import matplotlib for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from crm_models.reporting.escaping import escape_html, escaped_table
from crm_models.reporting.formatting import KPI, KPI_BASES, plain_columns
from crm_models.reporting.tables import table_html
from crm_models.results import to_jsonable

if TYPE_CHECKING:
    from IPython.display import HTML

FIGURES_MIME = "application/vnd.crm-models.figures+json"


def _chart_style_in_kernel() -> None:
    """In an IPython kernel, apply the report palette and register figure alt text."""
    import sys

    ipython = sys.modules.get("IPython")
    if ipython is None or ipython.get_ipython() is None:
        return
    from crm_models.reporting.charts import register_alt_text, use_report_style

    use_report_style()
    register_alt_text()


_chart_style_in_kernel()


def publish_figures(figures: Mapping[str, Any]) -> None:
    """Display ``figures`` for the report runner (invisible in HTML).

    Call once, at the end of a study notebook; a later call replaces earlier keys. The
    runner writes them to ``NAME.json`` (see ``crm_models.reporting.export.extract_figures``).

    Parameters
    ----------
    figures : Mapping[str, Any]
        Headline figures; converted by ``crm_models.results.to_jsonable`` (NaN and inf
        become null, a ``Result`` becomes its ``to_dict()``).

    Raises
    ------
    TypeError
        If a value cannot be written as JSON (raised here, in the notebook).
    """
    payload = to_jsonable(figures)
    json.dumps(payload)  # fail here, in the notebook, if something is not serializable
    try:
        from IPython.display import display

        display({FIGURES_MIME: payload}, raw=True)
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        pass


def fmt_int(x: float) -> str:
    """Format a count with thousands separators: 12345.6 -> '12,346'.

    Parameters
    ----------
    x : float
        The number (rounded to a whole number).

    Returns
    -------
    str
        The formatted number.
    """
    return f"{x:,.0f}"


def fmt_money(x: float, currency: str = "$", digits: int = 0) -> str:
    """Format money: 1234567 -> '$1,234,567' (thousands separators, no scientific notation).

    Parameters
    ----------
    x : float
        Amount in currency units; a negative amount gets a leading '-'.
    currency : str, default "$"
        Currency symbol put before the number.
    digits : int, default 0
        Decimal places.

    Returns
    -------
    str
        The formatted amount.
    """
    sign = "-" if x < 0 else ""
    return f"{sign}{currency}{abs(x):,.{digits}f}"


def fmt_pct(x: float, digits: int = 1) -> str:
    """Format a share as a percentage: 0.1234 -> '12.3%'.

    Parameters
    ----------
    x : float
        Share (0.1234 = 12.34%).
    digits : int, default 1
        Decimal places of the percentage.

    Returns
    -------
    str
        The percentage with a '%' sign.
    """
    return f"{100 * x:.{digits}f}%"


def fmt_interval(low: float, high: float, fmt: Callable[[float], str] = fmt_int) -> str:
    """Format an interval: (low, high) -> '[low – high]' with the given number formatter.

    Parameters
    ----------
    low : float
        Lower bound.
    high : float
        Upper bound.
    fmt : callable, default fmt_int
        Formatter of each bound (e.g. ``fmt_money``, ``fmt_pct``).

    Returns
    -------
    str
        '[low – high]' with an en dash.
    """
    return f"[{fmt(low)} – {fmt(high)}]"


def kpi_cards(kpis: Sequence[KPI]) -> HTML:
    """Render a row of KPI cards as offline HTML (inline CSS only).

    Parameters
    ----------
    kpis : Sequence[KPI]
        The figures, left to right.

    Returns
    -------
    IPython.display.HTML
        The cards; ``display(kpi_cards(...))`` shows them.
    """
    from IPython.display import HTML

    card = (
        "<div class='crm-kpi' data-basis='{basis}' style='flex:1 1 180px;border:1px solid "
        "#d0d7de;border-radius:8px;padding:10px 14px;margin:4px;background:#f6f8fa'>"
        "<div class='crm-kpi-label' style='font-size:12px;color:#57606a'>{label}</div>"
        "<div class='crm-kpi-value' style='font-size:24px;font-weight:600;color:#1f2328'>"
        "{value}</div>"
        "<div class='crm-kpi-interval' style='font-size:12px;color:#57606a'>{interval}</div>"
        "<div class='crm-kpi-note' style='font-size:11px;color:#6e7781'>{note}</div></div>"
    )
    cards = "".join(
        card.format(
            basis=escape_html(k.basis),
            label=escape_html(k.label),
            value=escape_html(k.value),
            interval=escape_html(
                f"95% interval {k.interval}" if k.interval else KPI_BASES[k.basis]
            ),
            note=escape_html(k.note or ""),
        )
        for k in kpis
    )
    return HTML(f"<div style='display:flex;flex-wrap:wrap'>{cards}</div>")


@dataclass(frozen=True)
class ReadableTable:
    """A formatted table for display (see :func:`readable_table`)."""

    styler: Any
    n_rows: int
    interactive: bool | None = None

    def to_html(self) -> str:
        """Render the table as HTML (scroll container; interactive when long and enabled)."""
        return table_html(self.styler, self.n_rows, self.interactive)

    def _repr_html_(self) -> str:
        return self.to_html()


def readable_table(
    frame: pd.DataFrame,
    digits: int = 2,
    labels: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> ReadableTable:
    """Round floats, add thousands separators, use plain column labels and hide the index.

    Text cells and column labels are HTML-escaped (``escaped_table``): a product name or a
    channel value from the data shows as text, never as markup. Internal column names
    (``value_level``, ``kano_class``) become plain words (``formatting.plain_label``). The
    table sits in a container that scrolls sideways on a narrow screen; once
    ``interactive_tables()`` ran it sorts by column (a long one also filters and pages;
    ``reporting.tables``).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    digits : int, default 2
        Decimals of float columns.
    labels : Mapping[str, str], optional
        Column labels for this table (over ``formatting.COLUMN_LABELS``).
    interactive : bool, optional
        Force or refuse the interactive version (default: when the library is loaded).

    Returns
    -------
    ReadableTable
        Displays as HTML; ``.to_html()`` gives the same HTML, ``.styler`` the Styler.
    """
    shown = plain_columns(frame, labels)
    styler = escaped_table(shown, precision=digits, thousands=",").hide(axis="index")
    return ReadableTable(styler, len(frame), interactive)


DOWNLOADS_MIME = "application/vnd.crm-models.download+json"
DOWNLOAD_KEY = r"[a-z0-9][a-z0-9_-]{0,63}"
"""The pattern of a download key (a plain slug: it becomes part of a file name)."""


def publish_download(frame: pd.DataFrame, key: str, label: str) -> None:
    """Hand ``frame`` to ``crm run`` as a CSV file beside the report, with a link on the page.

    The runner writes it as ``NAME.KEY.csv`` (``NAME``: the job's name) and replaces this
    output by a link to that file in every page
    (``crm_models.reporting.export.extract_downloads``). Run interactively, the notebook shows
    the label and the file name pattern.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to download (written with its columns, without the index).
    key : str
        A plain slug: lowercase letters, digits, ``_`` and ``-`` (at most 64 characters).
    label : str
        What the link says, e.g. ``"Win-back list (2,210 customers)"``.

    Raises
    ------
    ValueError
        If ``key`` is not such a slug.
    """
    import re

    if not isinstance(key, str) or re.fullmatch(DOWNLOAD_KEY, key) is None:
        raise ValueError(
            f"download key {key!r}: use lowercase letters, digits, '_' and '-' (max 64)"
        )
    payload = {
        "key": key,
        "label": str(label),
        "rows": len(frame),
        "csv": frame.to_csv(index=False),
    }
    fallback = (
        f"<p>Download: {escape_html(label)} — written by <code>crm run</code> as "
        f"<code>REPORT.{escape_html(key)}.csv</code> beside the report.</p>"
    )
    try:
        from IPython.display import display

        display({DOWNLOADS_MIME: payload, "text/html": fallback}, raw=True)
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        pass
