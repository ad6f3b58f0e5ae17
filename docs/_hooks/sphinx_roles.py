"""MkDocs hook: render Sphinx cross-reference roles of the docstrings as plain code.

Many docstrings (numpy convention) write ``:func:`name```, ``:class:`~pkg.mod.Name```. The
numpy parser of mkdocstrings keeps the role as text, so a page would read
``:func:<code>name</code>``. This hook drops the role and, as Sphinx does for ``~``, keeps
only the last dotted part of the name. A paragraph ending in ``::`` (reST's "a code block
follows") ends in ``:``, as Sphinx prints it.
"""

from __future__ import annotations

import re

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|mod|data|exc|obj):<code>(~?)([^<]*)</code>")


def _plain(match: re.Match[str]) -> str:
    name = match.group(2)
    if match.group(1):
        name = name.rsplit(".", 1)[-1]
    return f"<code>{name}</code>"


def on_page_content(html: str, **kwargs: object) -> str:
    """Replace every rendered role by the name in code type; ``::`` before a block by ``:``."""
    return ROLE.sub(_plain, html).replace("::</p>", ":</p>")
