"""Tables that fit the screen and sort by column (long ones also filter) — offline.

``interactive_tables()`` (once per notebook, in a cell every audience sees) embeds the
itables/DataTables JavaScript and CSS in the page itself (``connected=False``: no external
URL). ``table_html(styler, n_rows)`` then renders a table: inside a container that scrolls
sideways on a narrow screen (the page itself never does), and — when the library is loaded —
as a DataTable sorted by a click on a column header; a table with more than
``INTERACTIVE_MIN_ROWS`` rows also gets a search box and pages. The cells come from the
escaped Styler (``escaping.escaped_table``): a data string
shows as text in the static table and in the interactive one alike.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = ["INTERACTIVE_MIN_ROWS", "interactive_tables", "interactive_tables_enabled", "table_html"]

INTERACTIVE_MIN_ROWS = 10
_STATE = {"enabled": False}
_LONG = {"topStart": "pageLength", "topEnd": "search", "bottomStart": "info", "bottomEnd": "paging"}
_SHORT = {"topStart": None, "topEnd": None, "bottomStart": None, "bottomEnd": None}
_SCROLL = "<div class='crm-table' style='max-width:100%;overflow-x:auto'>{}</div>"
# itables' own help links (fixed text of the library, never data): no external URL in a page.
_HELP_LINK = re.compile(r"\(need <a href=https://itables\.org/[^>]*>help</a>\?\)")
_PREVIEW_LINK = re.compile(
    r"<sup><noscript>.*?</noscript><a href=https://itables\.org/[^>]*>ⓘ</a></sup>"
)


def interactive_tables() -> None:
    """Embed the table library in the page and make every displayed table sortable.

    Call once near the top of a notebook, in a cell without audience tags (the library must
    be in every page). ``readable_table`` s, and the DataFrames and Stylers an analyst cell
    displays, then render through :func:`table_html`: sortable, in a sideways-scrolling box,
    without the library's links to its website. A DataFrame's cells are escaped by the
    library, a Styler's by :func:`~crm_models.reporting.escaping.escaped_table` (a Styler is
    HTML already, as in pandas' own display). Without the library tables stay static.
    """
    try:
        import itables
        import itables.options as opt
    except ImportError:  # pragma: no cover - itables is a dependency
        return
    import pandas as pd
    from pandas.io.formats.style import Styler

    opt.display_logo_when_loading = False
    itables.init_notebook_mode(all_interactive=False, connected=False)
    pd.DataFrame._repr_html_ = lambda frame: table_html(frame, len(frame))
    Styler._repr_html_ = lambda styler: table_html(styler, len(styler.data))
    _STATE["enabled"] = True


def interactive_tables_enabled() -> bool:
    """Whether :func:`interactive_tables` ran in this kernel."""
    return _STATE["enabled"]


def table_html(styler: Styler | pd.DataFrame, n_rows: int, interactive: bool | None = None) -> str:
    """HTML of a styled (escaped) table in a container that scrolls sideways when too wide.

    Parameters
    ----------
    styler : pandas.io.formats.style.Styler or pandas.DataFrame
        The table: a Styler with cells and labels already escaped, or a DataFrame (its
        cells are escaped by the library; shown static, pandas escapes them too).
    n_rows : int
        Rows of the table.
    interactive : bool, optional
        Force (True) or refuse (False) the sortable version; default: when
        :func:`interactive_tables` ran. Search box and pages only above
        ``INTERACTIVE_MIN_ROWS`` rows.

    Returns
    -------
    str
        Self-contained HTML (no external URL).
    """
    if interactive is None:
        interactive = _STATE["enabled"]
    if not interactive:
        return _SCROLL.format(styler.to_html())
    from itables import to_html_datatable

    html = to_html_datatable(
        styler,
        connected=False,
        allow_html=not isinstance(styler, pd.DataFrame),  # a Styler: escaped already
        classes="display compact",
        layout=_LONG if n_rows > INTERACTIVE_MIN_ROWS else _SHORT,
        lengthMenu=[10, 25, 100],
    )
    html = _PREVIEW_LINK.sub("", _HELP_LINK.sub("", html))
    return _SCROLL.format(html)
