"""Three audiences from one executed notebook (cell tags + nbconvert preprocessors), offline."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nbformat
import pytest

from crm_models.reporting.display import FIGURES_MIME
from crm_models.reporting.export import extract_figures, render_html

EXTERNAL = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?\s*|@import\s+(?:url\(\s*)?["']?\s*|\burl\(\s*["']?\s*)(?:https?:)?//""",
    re.I,
)


class _Text(HTMLParser):
    """Visible text of a page: everything outside <style> and <script>."""

    def __init__(self):
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []
        self.classes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "script")
        self.classes.extend((dict(attrs).get("class") or "").split())

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def page(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def code_cell(source, outputs=(), tags=()):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    cell.execution_count = 1
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def markdown_cell(source, tags=()):
    cell = nbformat.v4.new_markdown_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def result(mime, data):
    return {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {mime: data},
    }


@pytest.fixture(scope="module")
def executed():
    """A hand-made executed notebook with one cell of each kind the audiences treat differently."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["crm_report"] = {"title": "Handmade KPI report"}
    nb.cells = [
        markdown_cell("# Executive summary\nRevenue grew; see the KPI below."),
        code_cell(
            "kpi_value_token = 1234567",
            [
                result("text/html", "<div class='kpi'>Revenue $1,234,567</div>"),
                {
                    "output_type": "stream",
                    "name": "stderr",
                    "text": "UserWarning: noisy_stderr_token\n",
                },
                {"output_type": "stream", "name": "stdout", "text": "stdout_line_token\n"},
            ],
        ),
        code_cell(
            "analyst_code_token = 2", [result("text/plain", "analyst_output_token")], ["analyst"]
        ),
        markdown_cell("### Exercise\nexercise_task_token: compute the share.", ["exercise"]),
        code_cell("answer = None  # exercise_code_token", tags=["exercise"]),
        code_cell(
            "answer = solution_code_token = 0.42",
            [result("text/plain", "solution_output_token")],
            ["solution"],
        ),
        code_cell(
            "publish(figures)",
            [
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {FIGURES_MIME: {"revenue": 1, "figures_token": 2}},
                }
            ],
        ),
        code_cell(
            "more = 3",
            [
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {FIGURES_MIME: {"revenue": 5}},
                }
            ],
        ),
    ]
    return nb


@pytest.fixture(scope="module")
def pages(executed):
    return {
        audience: render_html(executed, audience, footer="footer_token generated today")
        for audience in ("management", "analyst", "teaching")
    }


def test_management_has_no_code_no_stderr_and_no_tagged_cells(pages):
    html = pages["management"]
    text = "".join(page(html).parts)
    assert "Revenue $1,234,567" in text and "Executive summary" in text
    assert "stdout_line_token" in text
    for absent in (
        "kpi_value_token",
        "noisy_stderr_token",
        "analyst_code_token",
        "analyst_output_token",
        "exercise_task_token",
        "exercise_code_token",
        "solution_code_token",
        "solution_output_token",
        "publish(figures)",
    ):
        assert absent not in text, absent
    classes = set(page(html).classes)
    assert not classes & {"jp-InputPrompt", "jp-OutputPrompt", "jp-CodeMirrorEditor", "highlight"}
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html


def test_analyst_has_code_stderr_and_analyst_cells_but_no_exercise(pages):
    text = "".join(page(pages["analyst"]).parts)
    for present in (
        "kpi_value_token",
        "noisy_stderr_token",
        "analyst_code_token",
        "analyst_output_token",
        "solution_code_token",
        "Revenue $1,234,567",
    ):
        assert present in text, present
    for absent in ("exercise_task_token", "exercise_code_token"):
        assert absent not in text, absent
    assert "jp-InputPrompt" in page(pages["analyst"]).classes


def test_teaching_keeps_exercise_and_drops_solution_and_analyst_cells(pages):
    text = "".join(page(pages["teaching"]).parts)
    for present in (
        "exercise_task_token",
        "exercise_code_token",
        "kpi_value_token",
        "Revenue $1,234,567",
    ):
        assert present in text, present
    for absent in (
        "solution_code_token",
        "solution_output_token",
        "analyst_code_token",
        "analyst_output_token",
    ):
        assert absent not in text, absent


@pytest.mark.parametrize("audience", ["management", "analyst", "teaching"])
def test_every_audience_is_offline_titled_footed_and_without_figures_payload(pages, audience):
    html = pages[audience]
    assert not EXTERNAL.findall(html), EXTERNAL.findall(html)[:5]
    assert "<script" not in html.lower()
    assert re.search(r"<title>\s*Handmade KPI report\s*</title>", html)
    assert "footer_token generated today" in html
    assert "figures_token" not in html and FIGURES_MIME not in html


def test_the_external_url_scan_itself_finds_cdn_links():
    """The regex the offline tests rely on catches each form a page can load from the web."""
    for snippet in (
        '<script src="https://cdn.x/require.js">',
        "<link href='http://x/a.css'>",
        '<img src="//cdn.x/a.png">',
        "@import url(https://fonts.x/css);",
        '@import "https://x/y.css";',
        "background: url('//x/y.woff')",
    ):
        assert EXTERNAL.search(snippet), snippet
    for snippet in (
        '<img src="data:image/png;base64,AAA">',
        "<a href='segment_value.html'>",
        "url(data:image/svg+xml;utf8,x)",
        "see https://example.org in the text",
    ):
        assert not EXTERNAL.search(snippet), snippet


def test_unknown_audience_is_refused(executed):
    with pytest.raises(ValueError, match=r"audience must be one of .*'managers'"):
        render_html(executed, "managers")


def test_rendering_does_not_change_the_notebook(executed):
    before = nbformat.writes(executed)
    render_html(executed, "management")
    assert nbformat.writes(executed) == before


def test_extract_figures_merges_outputs_later_calls_win(executed):
    assert extract_figures(executed) == {"revenue": 5, "figures_token": 2}
