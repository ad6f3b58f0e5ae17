"""The escaping helpers (crm_models.reporting.escaping) and their use in the display helpers."""

from __future__ import annotations

import pandas as pd
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from crm_models.reporting import KPI, kpi_cards, readable_table
from crm_models.reporting.escaping import (
    Markup,
    code,
    escape_html,
    escape_markdown,
    escaped_table,
    md,
    md_lines,
)
from crm_models.reporting.export import render_html

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">',
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "`<b>`",
    "a\n\n<script>alert(1)</script>",
    "&lt;script&gt;",
]


def _rendered(markdown: str) -> str:
    return markdown2html_mistune(markdown)


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_markdown_renders_as_its_own_text(value):
    html = _rendered(f"Segment **{escape_markdown(value)}** here")
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "<a " not in html and "<div" not in html and "<code" not in html
    # the user sees their string (line breaks become spaces)
    import html as std_html

    visible = std_html.unescape(html)
    assert " ".join(value.split()) in " ".join(visible.split())


def test_escape_markdown_keeps_plain_words_and_numbers():
    assert escape_markdown("electronics") == "electronics"
    assert escape_markdown("1,234.5 -3% +2") == "1,234.5 -3% +2"
    assert escape_markdown("a\r\nb") == "a b"
    assert escape_markdown(Markup("<b>ok</b>")) == "<b>ok</b>"


def test_escape_html_is_markupsafe():
    assert escape_html("<a href='x'>&</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
    assert escape_html(Markup("<b>x</b>")) == "<b>x</b>"  # trusted markup is not escaped twice
    assert escape_html(escape_html("<")) == "&lt;"


def test_md_escapes_values_after_their_format_spec():
    out = md("**{name}** holds {share:.1%} of {n:,}", name="<b>x</b>", share=0.1234, n=12345)
    assert out == "**&#60;b&#62;x&#60;/b&#62;** holds 12.3% of 12,345"
    assert isinstance(out, Markup)
    nested = md("Summary: {inner}", inner=md("*{x}*", x="[a](javascript:b)"))
    assert nested == "Summary: *&#91;a&#93;&#40;javascript&#58;b&#41;*"  # not escaped twice
    assert md("{0} and {1}", "<", ">") == "&#60; and &#62;"


def test_md_lines_keeps_lines_and_escapes_each():
    out = md_lines("arm <b>\ncontrol *x*")
    assert out == "arm &#60;b&#62;  \ncontrol &#42;x&#42;"


def test_code_is_an_escaped_code_element():
    html = _rendered(md("No warehouse at {p} yet", p=code("<svg onload=alert(1)>`x`_y_")))
    assert "<svg" not in html
    assert "<code>&lt;svg onload=alert(1)&gt;`x`_y_</code>" in html


def test_escaped_table_escapes_cells_and_labels_and_keeps_numbers():
    frame = pd.DataFrame({"<b>col</b>": ["<script>x</script>", "ok"], "n": [1234.5678, 2.0]})
    html = escaped_table(frame, precision=2, thousands=",").to_html()
    assert "<script>" not in html and "<b>col" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "&lt;b&gt;col&lt;/b&gt;" in html
    assert "1,234.57" in html
    indexed = escaped_table(frame.set_index("<b>col</b>")).to_html()
    assert "<script>" not in indexed and "&lt;script&gt;" in indexed


def test_readable_table_escapes():
    frame = pd.DataFrame({"channel": ["<img src=x onerror=alert(1)>"], "lift": [0.123456]})
    html = readable_table(frame, 3).to_html()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "0.123" in html


def test_kpi_cards_escape_every_field():
    html = kpi_cards([KPI("<script>a</script>", "<b>1</b>", "<i>[0 – 2]</i>", "<svg>")]).data
    for tag in ("<script", "<b>", "<i>", "<svg"):
        assert tag not in html
    assert "&lt;script&gt;a&lt;/script&gt;" in html


def test_page_footer_is_escaped_once():
    import nbformat

    nb = nbformat.v4.new_notebook()
    page = render_html(nb, "management", "parameters: x='<script>alert(1)</script>' & more")
    assert "<script>alert(1)</script>" not in page
    assert "x='&lt;script&gt;alert(1)&lt;/script&gt;' &amp; more" in page.replace("&#39;", "'")


def test_underscores_inside_words_stay_readable():
    assert escape_markdown("fraud_protection") == "fraud_protection"
    assert escape_markdown("_sale_ x") == "&#95;sale&#95; x"
    assert _rendered(escape_markdown("_sale_ __x__")) == "<p>_sale_ __x__</p>\n"
