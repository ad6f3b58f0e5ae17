"""The front page (index.html): one card per report with its question, headline figure,
parameters, job name and state; the history of runs; the navigation bar of every page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
import yaml

from crm_models.reporting.front_page import headline_figure, update_history, write_index
from crm_models.reporting.runner import run_reports

pytestmark = pytest.mark.processes  # left out of the pandas-3 pass of .ci/run

PARAMETERS = """n: int = 3  # items [1, 100]
label: str = "a"  # label {a, b}
fail: bool = False  # raise on purpose
"""
HEADLINE_BODY = [
    "if fail:\n    raise RuntimeError('boom: failed on purpose')",
    "from crm_models.reporting import publish_figures\n\n"
    "_ = publish_figures({'square': n * n, 'area': "
    "{'estimate': 10.0 * n, 'ci_low': 10.0 * n - 1, 'ci_high': 10.0 * n + 1}})",
]


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def write_notebook(path: Path, body: list[str], **crm_report) -> Path:
    """A notebook: the parameters cell, then ``body`` code cells; ``crm_report`` metadata."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["crm_report"] = crm_report
    parameters = nbformat.v4.new_code_cell(PARAMETERS)
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, *(nbformat.v4.new_code_cell(source) for source in body)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


# --- headline figures -------------------------------------------------------------------------

FIGURES = {
    "equity": {"estimate": 238461.3, "ci_low": 236300.9, "ci_high": 241874.3},
    "profit": 3647.3,
    "profit_ci": [1235.1, 5388.4],
    "optimum": {"profit": 7.6e6, "low": 7.4e6, "high": 7.9e6},
    "index": {"index": 55.3, "ci_low": 54.7, "ci_high": 55.9},
    "text": "abc",
}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"figure": "equity"}, (238461.3, 236300.9, 241874.3)),
        ({"figure": "profit", "interval": "profit_ci"}, (3647.3, 1235.1, 5388.4)),
        (
            {"figure": "optimum.profit", "interval": ["optimum.low", "optimum.high"]},
            (7.6e6, 7.4e6, 7.9e6),
        ),
        ({"figure": "index"}, (55.3, 54.7, 55.9)),
        ({"figure": "profit"}, (3647.3, None, None)),
    ],
)
def test_headline_figures_are_read_from_the_published_figures(spec, expected):
    figure = headline_figure({**spec, "label": "L", "unit": "money"}, FIGURES)
    assert (figure["estimate"], figure["ci_low"], figure["ci_high"]) == expected
    assert figure["label"] == "L" and figure["unit"] == "money"


@pytest.mark.parametrize(
    "spec", [None, {}, {"figure": "missing"}, {"figure": "text"}, {"figure": "equity.x"}]
)
def test_no_headline_when_the_figure_is_not_a_number(spec):
    assert headline_figure(spec, FIGURES) is None


# --- cards from manifest entries, without running anything ------------------------------------

ENTRIES = [
    {"name": "b_ok", "title": "B report", "summary": "B summary", "status": "ok",
     "finished_at": "2025-01-01T00:00:00+00:00", "parameters": {"n": 3}},
    {"name": "a_cached", "title": "A report", "summary": "", "status": "cached"},
    {"name": "c_failed", "title": "C <report>", "status": "failed", "cache_key": "k",
     "error": "ValueError: x < 0 & y", "executed_notebook": "reports/c_failed.failed.ipynb",
     "last_good_at": "2024-12-31T00:00:00+00:00"},
    {"name": "d_failed_first", "title": "D report", "status": "failed", "cache_key": "k",
     "error": "KeyError: 'k'", "executed_notebook": "reports/d.failed.ipynb"},
]  # fmt: skip


def cards(html: str) -> dict[str, str]:
    found = re.findall(
        r"<div class='card' id='([^']*)'>(.*?)(?=<div class='card'|<footer)", html, re.S
    )
    return {unquote(name): body for name, body in found}


@pytest.fixture
def index_html(tmp_path) -> str:
    for name in ("b_ok", "a_cached", "c_failed"):  # d_failed_first never succeeded
        (tmp_path / f"{name}.html").write_text("report")
    write_index(
        tmp_path / "index.html",
        {"git_commit": "0123456789abcdef", "git_dirty": True, "packages": {"crm-models": "0.1"}},
        ENTRIES,
        write,
    )
    return (tmp_path / "index.html").read_text()


def test_one_card_per_report_in_name_order_with_links_to_every_audience(index_html):
    found = cards(index_html)
    assert list(found) == ["a_cached", "b_ok", "c_failed", "d_failed_first"]
    assert "C &lt;report&gt;" in found["c_failed"] and "<report>" not in index_html
    assert "B summary" in found["b_ok"] and "ran 2025-01-01 00:00 UTC" in found["b_ok"]
    assert ">current<" in found["b_ok"] and "current (unchanged" in found["a_cached"]
    for name in ("a_cached", "b_ok", "c_failed"):
        for target in ("html", "analyst.html", "teaching.html", "json"):
            assert f"href='{name}.{target}'" in found[name]
    assert "0123456789ab" in index_html and "(uncommitted changes)" in index_html
    assert 'href="manifest.json"' in index_html and 'href="history.json"' in index_html
    assert 'name="viewport"' in index_html


def test_a_failed_report_shows_its_error_and_that_its_pages_are_stale(index_html):
    card = cards(index_html)["c_failed"]
    assert "ValueError: x &lt; 0 &amp; y" in card and "x < 0" not in card
    assert "reports/c_failed.failed.ipynb" in card
    assert "the newest run failed; the last good report is kept (made 2024-12-31 00:00 UTC)" in card
    assert "<span class='status' style='color:#cf222e'>failed</span>" in card
    never = cards(index_html)["d_failed_first"]
    assert "href='d_failed_first.html'" not in never and "no report yet" in never
    assert "KeyError: &#39;k&#39;" in never


def test_index_links_are_file_names_never_url_schemes(tmp_path):
    page = tmp_path / "index.html"
    (tmp_path / "javascript:alert(1).html").write_text("x")
    entries = [{"name": "javascript:alert(1)", "status": "ok", "title": "<b>T</b>"}]
    write_index(page, {}, entries, write)
    html = page.read_text()
    assert "href='javascript:" not in html and "href='javascript%3Aalert%281%29.html'" in html
    assert "<b>T</b>" not in html and "&lt;b&gt;T&lt;/b&gt;" in html


def test_history_keeps_the_last_ten_runs_and_skips_cached_and_other_reports(tmp_path):
    history = tmp_path / "history.json"
    for k in range(12):
        entries = [
            {"name": "a", "status": "ok", "finished_at": f"t{k:02d}", "parameters": {"k": k}},
            {"name": "b", "status": "cached", "finished_at": "t00"},
            {"name": "c", "status": "ok", "finished_at": "t00"},  # not part of this run
        ]
        update_history(history, tmp_path, entries, write, {"jobs": ["a", "b"]})
    runs = json.loads(history.read_text())
    assert list(runs) == ["a"] and [r["at"] for r in runs["a"]] == [
        f"t{k:02d}" for k in range(2, 12)
    ]
    update_history(history, tmp_path, entries, write, {"jobs": ["a"]})  # same run again
    again = json.loads(history.read_text())["a"]
    assert [r["at"] for r in again] == [f"t{k:02d}" for k in range(2, 12)]


# --- a real run: two notebooks, a schedule with two jobs of one, a failure -------------------


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def hrefs(page: Path) -> list[str]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.hrefs


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    """Run a schedule (two jobs of ``square``, one of ``demo``), then fail one job."""
    root = tmp_path_factory.mktemp("front")
    notebooks, out = root / "notebooks", root / "reports"
    write_notebook(
        notebooks / "square.ipynb",
        HEADLINE_BODY,
        title="Square",
        summary="Squares n.",
        question="How big is the square of n?",
        headline={"figure": "area", "label": "Area", "unit": "money"},
    )
    write_notebook(notebooks / "demo.ipynb", ["x = n"], title="Demo report", summary="A tiny demo.")
    schedule = root / "schedule.yml"
    jobs = [
        {"name": "square_small", "notebook": "square", "parameters": {"n": 2}},
        {"name": "square_big", "notebook": "square", "parameters": {"n": 7, "label": "b"}},
        {"name": "demo", "notebook": "demo"},
    ]
    schedule.write_text(yaml.safe_dump({"jobs": jobs}))
    run = {"notebooks_dir": notebooks, "output_dir": out, "root": root, "log": lambda _: None}
    first = run_reports(config=schedule, **run)
    assert [r.status for r in first] == ["ok", "ok", "ok"]
    jobs[1]["parameters"]["n"] = 8  # a second run of square_big: the history shows a trend
    schedule.write_text(yaml.safe_dump({"jobs": jobs[1:2]}))
    run_reports(config=schedule, **run)
    jobs[1]["parameters"]["fail"] = True
    schedule.write_text(yaml.safe_dump({"jobs": jobs[1:2]}))
    failed = run_reports(config=schedule, **run, error=lambda _: None)
    assert [r.status for r in failed] == ["failed"]
    return out


def test_schedule_jobs_of_one_notebook_are_told_apart(front):
    found = cards((front / "index.html").read_text(encoding="utf-8"))
    assert set(found) == {"square_small", "square_big", "demo"}
    small, big = found["square_small"], found["square_big"]
    assert "job <code>square_small</code>" in small and "job <code>square_big</code>" in big
    assert "Settings: <code>n = 2</code>" in small
    assert "label = &#39;b&#39;" in big and "n = 8" in big
    assert "fail = True" in big  # the failing run's settings are the entry's
    assert "Settings: the notebook&#39;s defaults" in found["demo"]
    assert "How big is the square of n?" in small
    assert "A tiny demo." in found["demo"]  # no question: the summary


def test_cards_lead_with_the_headline_figure_and_interval(front):
    found = cards((front / "index.html").read_text(encoding="utf-8"))
    assert "Area" in found["square_small"] and "$20" in found["square_small"]
    assert re.search(r"95% interval \[\$19\S* – \$21\S*\]", found["square_small"])
    assert "$80" in found["square_big"]  # the last good run (n = 8): its pages are shown


def test_failed_with_stale_pages_and_history_trend(front):
    big = cards((front / "index.html").read_text(encoding="utf-8"))["square_big"]
    assert "failed" in big and "the last good report is kept (made " in big
    assert "RuntimeError: boom: failed on purpose" in big
    runs = json.loads((front / "history.json").read_text())["square_big"]
    assert [r["status"] for r in runs] == ["ok", "ok", "failed"]
    assert [r["headline"]["estimate"] for r in runs[:2]] == [70.0, 80.0]
    trend = big.split("Last runs")[1]
    assert trend.index("failed: RuntimeError") < trend.index("$80") < trend.index("$70")


def test_every_link_of_the_index_and_the_nav_bars_resolves(front):
    for page in [front / "index.html", *front.glob("*.html")]:
        links = hrefs(page)
        assert links, page
        for href in links:
            assert (front / unquote(href)).is_file(), f"{page.name}: {href}"
    nav = hrefs(front / "square_small.analyst.html")[:4]
    assert nav == ["index.html", "square_small.html", "square_small.teaching.html",
                   "square_small.json"]  # fmt: skip
    page = (front / "square_small.analyst.html").read_text(encoding="utf-8")
    assert '<strong aria-current="page">Analyst</strong>' in page


NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_study_declares_its_question_and_a_published_headline(path):
    notebook = nbformat.read(path, as_version=4)
    meta = notebook.metadata["crm_report"]
    headline = meta["headline"]
    assert meta["question"].endswith("?") and headline["label"]
    assert headline["unit"] in {"money", "percent", "count", "number"}
    published = "".join(c.source for c in notebook.cells if "publish_figures(" in c.source)
    paths = [headline["figure"]]
    paths += [headline["interval"]] if isinstance(headline.get("interval"), str) else []
    for figure in paths:
        assert f'"{figure.split(".")[0]}":' in published, figure
