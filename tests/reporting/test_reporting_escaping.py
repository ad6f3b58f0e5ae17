"""A hostile corpus through the real ``crm run``: no markup from parameters, file names or data.

One schedule (``--config``, ``--jobs 2``) runs the affected reports at small sizes with the
corpus as string parameters, in data file names and as data values (product names, Hillstrom
``channel`` values, Kano feature names); every produced page (three audiences per report and
``index.html``) is parsed with ``html.parser``: no script beyond the template's own, the
embedded table library and the per-table scripts of interactive tables (whose table markup
holds only escaped cells), no external URL in any script, no element or attribute of the
corpus, no ``javascript:`` URL, and the escaped text is visible.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from crm_models.reporting.export import AUDIENCES, render_html

CORPUS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">',
)
# A file name cannot hold "/": these two carry the corpus into data_source / kano_answers.
HOSTILE_NAME = "<svg onload=alert(1)><img src=x onerror=alert(1)>"
URL_ATTRIBUTES = {"href", "src", "style", "action", "formaction", "xlink:href", "data"}
# Interactive tables (itables): one script shows the table, one builds it from ``dt_args``,
# whose ``table_html`` is the escaped Styler table.
_SHOW_TABLE = re.compile(
    r'document\.getElementById\("(\w+)"\)\?\.removeAttribute\("hidden"\);'
    r'document\.getElementById\("\1_fallback"\)\?\.setAttribute\("hidden", "hidden"\);'
)
_DT_ARGS = re.compile(r"let dt_args = (\{.*?\});\n\s*new ITable", re.S)
_TABLE_TAGS = {"table", "thead", "tbody", "tr", "th", "td", "caption", "style"}
SUFFIXES = {"management": ".html", "analyst": ".analyst.html", "teaching": ".teaching.html"}


class _Page(HTMLParser):
    """Start tags with their attributes, script contents and the visible text of a page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join("".join(self.text).split())


def _visible(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def template_baseline() -> dict[str, _Page]:
    """What the template itself ships: a page rendered from an empty notebook per audience."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("clean")]
    return {a: _Page(render_html(nb, a, "clean footer")) for a in AUDIENCES}


def _transactions(path: Path) -> None:
    """Transactions of a small synthetic world whose six product names are the corpus."""
    from crm_models.data.synthetic import simulate_world

    tx = simulate_world(n_customers=500, seed=1).transactions.copy()
    names = dict(zip(sorted(tx["product"].unique()), CORPUS, strict=True))
    tx["product"] = tx["product"].map(names)
    tx.to_csv(path, index=False)


def _hillstrom(path: Path, n: int = 3000) -> None:
    """A Hillstrom-format CSV with random rows; the ``channel`` values are the corpus."""
    rng = np.random.default_rng(3)
    segment = rng.choice(["No E-Mail", "Mens E-Mail", "Womens E-Mail"], n)
    history = rng.gamma(2.0, 120.0, n).round(2)
    visit = (rng.random(n) < np.where(segment == "No E-Mail", 0.10, 0.16)).astype(int)
    conversion = visit * (rng.random(n) < 0.1)
    pd.DataFrame(
        {
            "recency": rng.integers(1, 13, n),
            "history_segment": "1) $0 - $100",
            "history": history,
            "mens": rng.integers(0, 2, n),
            "womens": rng.integers(0, 2, n),
            "zip_code": rng.choice(["Urban", "Surburban", "Rural"], n),
            "newbie": rng.integers(0, 2, n),
            "channel": rng.choice(CORPUS[:3], n),
            "segment": segment,
            "visit": visit,
            "conversion": conversion,
            "spend": (conversion * rng.gamma(2.0, 50.0, n)).round(2),
        }
    ).to_csv(path, index=False)


def _kano(path: Path) -> None:
    """Kano answers whose feature names are the corpus (must-be and attractive classes)."""
    from crm_models.customization import simulate_kano_answers

    classes = ["must-be", "attractive", "must-be", "attractive", "must-be", "attractive"]
    simulate_kano_answers(dict(zip(CORPUS, classes, strict=True)), 40, 0.9, seed=2).to_csv(
        path, index=False
    )


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, template_baseline) -> tuple[Path, dict]:
    """Run the schedule once; returns the output folder and the jobs."""
    root = Path(__file__).resolve().parents[2]
    work = tmp_path_factory.mktemp("hostile")
    data = work / "in"
    data.mkdir()
    tx = data / f"tx_{HOSTILE_NAME}.csv"
    hill = data / f"hillstrom_{HOSTILE_NAME}.csv"
    kano = data / f"kano_{HOSTILE_NAME}.csv"
    _transactions(tx)
    _hillstrom(hill)
    _kano(kano)
    jobs = {
        "seg_hostile": {
            "notebook": "segment_value",
            "parameters": {
                "data_source": str(tx),
                "strong_categories": ",".join(CORPUS[:3]),
                "compare_models": "bgnbd",
                "n_draws": 20,
            },
        },
        "uplift_hostile": {
            "notebook": "campaign_uplift",
            "parameters": {
                "data_source": str(hill),
                "learners": "T",
                "n_boot": 10,
            },
        },
        "uplift_segment_hostile": {  # no such column: the page says so, quoting the name
            "notebook": "campaign_uplift",
            "parameters": {"n_customers": 500, "segment_by": CORPUS[0], "n_boot": 10},
        },
        "custom_hostile": {
            "notebook": "customization_tradeoffs",
            "parameters": {
                "n_customers": 500,
                "n_respondents": 100,
                "kano_answers": str(kano),
                "tornado_sample": 100,
                "n_boot": 10,
            },
        },
        "churn_hostile": {  # the file name reaches the data sentence and the footer
            "notebook": "churn_retention",
            "parameters": {"data_source": str(tx), "inactivity_days": 60},
        },
        "overview_hostile": {
            "notebook": "00_overview",
            "parameters": {"n_customers": 200, "warehouse": " ".join(CORPUS)},
        },
    }
    config = work / "schedule.yaml"
    config.write_text(
        yaml.safe_dump({"jobs": [{"name": k, **v} for k, v in jobs.items()]}), encoding="utf-8"
    )
    out = work / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "crm_models.cli", "run", "--config", str(config), "--jobs", "2"]
        + ["--output", str(out)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return out, jobs, proc


def _pages(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.html"))}


def test_every_run_produced_its_pages(hostile_run):
    out, jobs, proc = hostile_run
    for name in jobs:
        for suffix in SUFFIXES.values():
            assert (out / f"{name}{suffix}").is_file(), (name, suffix, proc.stdout, proc.stderr)
    assert (out / "index.html").is_file()


def _table_script(script: str) -> bool:
    """Whether ``script`` is one of the per-table scripts of an interactive table, with only
    escaped table markup inside (no element or attribute from the data)."""
    if _SHOW_TABLE.fullmatch(script.strip()):
        return True
    found = _DT_ARGS.search(script)
    if not found or "new ITable(table, dt_args)" not in script:
        return False
    rest = script[: found.start()] + script[found.end() :]
    if "http" in rest or "<" in rest:
        return False
    args = json.loads(found.group(1))
    table = _Page(args.get("table_html", ""))
    allowed_attrs = {"id", "class", "style"}
    return not table.scripts and all(
        tag in _TABLE_TAGS and all(key in allowed_attrs for key, _ in attrs)
        for tag, attrs in table.tags
    )


def _library_scripts() -> set[str]:
    """The scripts ``interactive_tables()`` puts in a page (the embedded itables bundle)."""
    import IPython.display

    from crm_models.reporting import tables

    shown: list = []
    original = IPython.display.display
    IPython.display.display = lambda obj, **_: shown.append(obj)
    try:
        tables.interactive_tables()
    finally:
        IPython.display.display = original
        tables._STATE["enabled"] = False
    return set(_Page("".join(getattr(o, "data", "") for o in shown)).scripts)


def test_no_markup_from_the_corpus_in_any_page(hostile_run, template_baseline):
    out, _, _ = hostile_run
    pages = _pages(out)
    assert len(pages) >= 13  # 4 reports x 3 audiences + index
    clean_scripts = {a: sorted(p.scripts) for a, p in template_baseline.items()}
    allowed_scripts = {s for scripts in clean_scripts.values() for s in scripts}
    library = _library_scripts()
    for name, html in pages.items():
        page = _Page(html)
        tables = [s for s in page.scripts if _table_script(s)]
        loaded = [s for s in page.scripts if s in library]
        own = [s for s in page.scripts if s not in library and not _table_script(s)]
        assert set(own) <= allowed_scripts, (name, set(own) - allowed_scripts)
        assert not any(re.search(r"https?://", s) for s in page.scripts), name  # offline
        audience = next((a for a, s in SUFFIXES.items() if name.endswith(s)), "management")
        if name != "index.html":
            assert len(own) == len(clean_scripts[audience]), name
            assert len(loaded) == (len(library) if loaded else 0), name  # once, complete
            assert not tables or loaded, name  # an interactive table has its library
        for tag, attrs in page.tags:
            assert tag not in {"svg", "iframe", "object", "embed"}, (name, tag, attrs)
            for key, value in attrs:
                assert not key.lower().startswith("on"), (name, tag, key, value)
                if value and key.lower() in URL_ATTRIBUTES:
                    squashed = "".join(value.split()).lower()
                    assert "javascript:" not in squashed, (name, tag, key, value)
            if tag == "img":
                assert dict(attrs).get("src") != "x", (name, attrs)
            if tag == "a":
                assert not (dict(attrs).get("href") or "").startswith("javascript"), name
            if tag == "div":
                assert "url(" not in (dict(attrs).get("style") or ""), (name, attrs)


def test_the_hostile_strings_stay_visible_as_text(hostile_run):
    out, _, _ = hostile_run

    def text(page: str) -> str:
        return _Page((out / page).read_text(encoding="utf-8")).visible

    for suffix in SUFFIXES.values():
        seg = text(f"seg_hostile{suffix}")
        for s in CORPUS[:3]:  # strong_categories in the footer
            assert _visible(s) in seg, (suffix, s)
        for report in ("seg_hostile", "uplift_hostile", "custom_hostile", "churn_hostile"):
            assert HOSTILE_NAME in text(f"{report}{suffix}"), (report, suffix)  # file name
    seg = text("seg_hostile.html")  # product names in the value x fit sentence
    assert all(_visible(s) in seg for s in CORPUS[:3])
    uplift = text("uplift_hostile.analyst.html")  # channel values in the segment lift table
    assert all(_visible(s) in uplift for s in CORPUS[:3])
    custom = text("custom_hostile.html")  # Kano feature names in the executive summary
    assert all(_visible(s) in custom for s in CORPUS)
    overview = text("overview_hostile.html")  # the warehouse path in a sentence
    assert _visible(" ".join(CORPUS)) in overview
    for suffix in (".html", ".analyst.html"):  # "no column <script>…: not shown"
        assert _visible(CORPUS[0]) in text(f"uplift_segment_hostile{suffix}"), suffix
