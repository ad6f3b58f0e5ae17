"""The one escaping path: every parameter, file name or data value reaches HTML through here.

Reports are mailed to managers, so a string from ``--set``, a file name or the data (a
product name, a channel value, a Kano feature) must show as text, never act as markup.

- ``escape_html(value)`` — for HTML built in Python (KPI cards, the page footer, the index
  page): markupsafe's ``escape``. A :class:`markupsafe.Markup` value is trusted as is.
- ``escape_markdown(value)`` — for a value put into a markdown sentence: markdown lets raw
  HTML through and has its own links (``[x](javascript:…)``), so every HTML special
  character and every markdown punctuation character becomes a numeric character
  reference (shown as itself, never parsed), and line breaks become spaces (a value cannot
  start a new block).
- ``md(template, **values)`` — ``str.format`` for markdown that escapes each interpolated
  value (after its format spec: ``{x:,.0f}`` still works); ``show_markdown`` displays it.
  Markdown built by ``md`` is :class:`markupsafe.Markup`, so nesting it in another ``md``
  does not escape it twice. ``code(value)`` is an escaped inline code span.
- ``escaped_table(frame, **formats)`` — a pandas Styler with ``escape="html"`` on the cells
  and both indexes (plain ``DataFrame`` display escapes by itself).

The HTML page around the cells (nbconvert's template) escapes the footer with ``|e``.
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler

__all__ = [
    "Markup",
    "code",
    "escape_html",
    "escape_markdown",
    "escaped_table",
    "md",
    "md_lines",
    "show_markdown",
]

# HTML specials plus every ASCII punctuation character markdown (CommonMark, GFM tables and
# strikethrough, nbconvert's math) gives a meaning to; an underscore only at a word boundary
# (inside a word, as in ``fraud_protection``, it never starts emphasis).
_MARKDOWN_SPECIAL = re.compile(r"[&<>\"'`*\[\](){}#!|~\\$:]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c]+")


def escape_html(value: Any) -> Markup:
    """Escape ``value`` for HTML text or a quoted attribute value.

    Parameters
    ----------
    value : Any
        Any object; converted with ``str``. A :class:`markupsafe.Markup` is already safe
        and is returned unchanged.

    Returns
    -------
    markupsafe.Markup
        ``&``, ``<``, ``>``, ``"`` and ``'`` replaced by character references.
    """
    return escape(value)


def escape_markdown(value: Any) -> str:
    """Escape ``value`` for a markdown sentence, so that it shows as the literal text.

    Parameters
    ----------
    value : Any
        Any object; converted with ``str``. A :class:`markupsafe.Markup` (e.g. the result of
        :func:`md` or :func:`code`) is trusted and returned as its string.

    Returns
    -------
    str
        HTML specials and markdown punctuation as numeric character references (``<`` →
        ``&#60;``), line breaks as single spaces.
    """
    if isinstance(value, Markup):
        return str(value)
    text = _LINE_BREAKS.sub(" ", str(value))
    return _MARKDOWN_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", text)


class _MarkdownFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Markup) and not format_spec:
            return str(value)
        return escape_markdown(format(value, format_spec))


_FORMATTER = _MarkdownFormatter()


def md(template: str, /, *args: Any, **values: Any) -> Markup:
    """Format a markdown ``template`` with escaped values.

    Parameters
    ----------
    template : str
        Markdown written by us (trusted), with ``str.format`` fields: ``"{name}"``,
        ``"{share:.1%}"``.
    *args, **values : Any
        The values; each is formatted with its spec, then escaped with
        :func:`escape_markdown` (a :class:`markupsafe.Markup` value is inserted as is).

    Returns
    -------
    markupsafe.Markup
        The markdown, marked safe so that nesting it in another ``md`` keeps it intact.

    Examples
    --------
    >>> str(md("Segment lift by **{by}**", by="<b>x</b>"))
    'Segment lift by **&#60;b&#62;x&#60;/b&#62;**'
    """
    return Markup(_FORMATTER.vformat(template, args, values))


def md_lines(text: Any) -> Markup:
    """Escape multi-line plain text for markdown, keeping its line breaks.

    Parameters
    ----------
    text : Any
        Plain text (e.g. a result object's ``str``); converted with ``str``.

    Returns
    -------
    markupsafe.Markup
        Each line escaped with :func:`escape_markdown`, joined by markdown hard breaks.
    """
    return Markup("  \n".join(escape_markdown(line) for line in str(text).splitlines()))


def code(value: Any) -> Markup:
    """Show ``value`` literally as inline code (an HTML ``<code>`` element).

    A markdown backtick span cannot hold an escaped value (it would show the references),
    so the span is written in HTML with the value escaped.

    Parameters
    ----------
    value : Any
        Any object; converted with ``str``.

    Returns
    -------
    markupsafe.Markup
        ``<code>…</code>`` with the value escaped.
    """
    return Markup(f"<code>{escape_markdown(value)}</code>")  # escape_markdown is HTML-safe


def show_markdown(template: str, /, *args: Any, **values: Any) -> None:
    """Display ``md(template, *args, **values)`` in the notebook (see :func:`md`).

    Parameters
    ----------
    template : str
        Markdown written by us, with ``str.format`` fields.
    *args, **values : Any
        The values, escaped.
    """
    from IPython.display import Markdown, display

    display(Markdown(str(md(template, *args, **values))))


def escaped_table(frame: pd.DataFrame, **formats: Any) -> Styler:
    """Style ``frame`` for display with its cells, column labels and index labels HTML-escaped.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    **formats : Any
        Number formats passed to ``Styler.format`` (``precision``, ``thousands`` …).

    Returns
    -------
    pandas.io.formats.style.Styler
        String cells and labels escaped (``escape="html"``), numbers formatted.
    """
    return (
        frame.style.format(escape="html", **formats)
        .format_index(escape="html", axis=0)
        .format_index(escape="html", axis=1)
    )
