"""Every study notebook through the real pipeline (`crm run --config … --jobs 2`) with small
parameters, once per session; then the output contract per report: files, documented JSON
keys, a management page without code, external URLs or raw customer ids, a teaching page
without solutions, the index and the manifest."""

from __future__ import annotations

import ast
import json
import math
import os
import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

from crm_models.cli import main
from crm_models.reporting import fmt_int, fmt_interval, fmt_money_range, fmt_money_short
from crm_models.reporting.catalog import discover

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: each xdist worker runs the notebooks itself
    fcntl = None

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
REPORTS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
SUFFIXES = (".html", ".analyst.html", ".teaching.html", ".json", ".ipynb")

# Small parameters: the whole module runs in well under 90 s on 2 cores.
SMALL = {
    "00_overview": {"n_customers": 2000, "warehouse": ""},
    "segment_value": {"n_customers": 2000, "n_draws": 30},
    "campaign_uplift": {"n_customers": 2000, "n_boot": 50},
    "churn_retention": {"n_customers": 2000},
    "satisfaction_loyalty_profit": {"n_respondents": 300, "n_boot": 200, "run_sem": False},
    "customization_tradeoffs": {
        "n_customers": 2000,
        "n_respondents": 150,
        "tornado_sample": 500,
        "n_boot": 100,
    },
}

# The keys of NAME.json -> figures, as each notebook's final markdown cell documents them.
DOCUMENTED = {
    "00_overview": {
        "customers",
        "transactions",
        "revenue",
        "repeat_buyer_share",
        "active_share_true",
        "consent_shares",
        "relationship_level_shares",
        "campaign",
        "warehouse_tables",
    },
    "segment_value": {
        "source",
        "observation_end",
        "calibration_end",
        "model",
        "time_unit",
        "published_parameters",
        "parameters",
        "standard_errors",
        "loglik",
        "holdout",
        "customer_equity",
        "clv_horizon_months",
        "annual_discount_rate",
        "margin_rate",
        "top20_share",
        "gini",
        "abc",
        "value_needs_cells",
        "value_fit_cells",
        "winback",
        "data_quality",
        "engine",
        "spark_master",
        "stage_seconds",
    },
    "campaign_uplift": {
        "data_source",
        "outcome",
        "ate",
        "srm",
        "balance",
        "models",
        "selected_model",
        "recommended_policy",
        "recommended_share",
        "recommended_share_ci",
        "recommended_contacts",
        "expected_incremental_profit",
        "expected_incremental_profit_ci",
        "n_eligible",
        "profit_everyone",
        "profit_everyone_ci",
        "gain_over_everyone",
        "gain_over_everyone_ci",
        "profit_nobody",
        "plan_expected_profit",
        "opted_out",
        "excluded",
        "consent_cost",
        "consent_cost_ci",
        "truth_corr",
        "policy_value",
        "engine",
        "spark_master",
    },
    "churn_retention": {
        "data_source",
        "cutoff",
        "observation_end",
        "inactivity_days",
        "customers_scored",
        "active_customers",
        "at_risk",
        "ranking",
        "better_ranking",
        "auc_difference",
        "auc_difference_ci",
        "expected_incremental_profit",
        "expected_incremental_profit_ci",
        "offers",
        "offer_effect",
        "offer_effect_range",
        "offer_effect_assumed",
        "not_contactable",
        "value_at_risk",
        "satisfaction_odds_ratio",
        "cox",
        "concordance",
        "sbg",
        "retention_12_months",
        "expected_lifetime_months",
        "derl_months",
    },
    "satisfaction_loyalty_profit": {
        "data_source",
        "model",
        "satisfaction_index",
        "indices",
        "path_coefficients",
        "r2",
        "gof",
        "reliability",
        "htmt",
        "importance_performance",
        "retention_profit",
        "retention_curve",
        "relationship_ladder",
        "sem",
        "data_quality",
    },
    "customization_tradeoffs": {
        "configuration_counts",
        "part_worths",
        "wtp",
        "conjoint",
        "kano",
        "optimum",
        "profit_by_type",
        "profit_by_modules",
        "tornado",
        "faces_table",
        "faces_numbers",
        "faces_table_matches_seed",
        "faces_by_market_size",
        "selection",
    },
}
# Documented as null under these parameters (no warehouse given; SEM switched off).
NULL_HERE = {
    "00_overview": {"warehouse_tables"},
    "satisfaction_loyalty_profit": {"sem"},
    # only cdnow_sample reproduces published fits; spark_master is null when DuckDB ran
    "segment_value": {"published_parameters", "spark_master"},
    "campaign_uplift": {"spark_master"},
}

# Charts (<img> with a data: URI) on the management and the analyst page, at the SMALL sizes.
CHARTS = {
    "00_overview": {"management": 2, "analyst": 2},
    "segment_value": {"management": 3, "analyst": 6},
    "campaign_uplift": {"management": 2, "analyst": 5},
    "churn_retention": {"management": 3, "analyst": 7},
    "satisfaction_loyalty_profit": {"management": 3, "analyst": 4},
    "customization_tradeoffs": {"management": 4, "analyst": 5},
}


# -- the run -------------------------------------------------------------------------------------


def _run_once(base: Path) -> dict:
    """Run every study notebook into ``base / 'reports'`` unless a previous call did."""
    done = base / "result.json"
    if done.is_file():
        return json.loads(done.read_text())
    unconfigured = sorted(set(REPORTS) - set(SMALL))
    assert not unconfigured, f"add small test parameters to SMALL for {unconfigured}"
    out = base / "reports"
    config = base / "small.yaml"
    jobs = [{"name": name, "notebook": name, "parameters": SMALL[name]} for name in REPORTS]
    config.write_text(yaml.safe_dump({"jobs": jobs}, sort_keys=False))
    start = time.perf_counter()
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--notebooks",
            str(NOTEBOOKS),
            "--output",
            str(out),
            "--jobs",
            "2",
        ]
    )
    result = {"out": str(out), "code": code, "seconds": time.perf_counter() - start}
    done.write_text(json.dumps(result))
    return result


@contextmanager
def _exclusive(path: Path):
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The run, once per session: under pytest-xdist the workers share it (file lock) instead
    of each executing every notebook."""
    if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None:
        base = tmp_path_factory.getbasetemp().parent / "study-run"
        base.mkdir(exist_ok=True)
        with _exclusive(base / ".lock"):
            result = _run_once(base)
    else:
        result = _run_once(tmp_path_factory.mktemp("study-run"))
    out = Path(result["out"])
    manifest = json.loads((out / "manifest.json").read_text())
    return SimpleNamespace(
        out=out,
        code=result["code"],
        seconds=result["seconds"],
        manifest=manifest,
        entries={e["name"]: e for e in manifest["reports"]},
    )


def test_the_run_succeeds(run):
    failed = {
        n: (e["error"], e["executed_notebook"])
        for n, e in run.entries.items()
        if e["status"] != "ok"
    }
    assert not failed and run.code == 0
    assert sorted(run.entries) == REPORTS


# -- HTML helpers --------------------------------------------------------------------------------

EXTERNAL = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?\s*|@import\s+(?:url\(\s*)?["']?\s*|\burl\(\s*["']?\s*)(?:https?:)?//""",
    re.I,
)
ID_HEADER = re.compile(
    r"^(customer|respondent|client)?[ _-]?id$|^(customer|respondent)[ _-]?(id|number|no)$", re.I
)


class Page(HTMLParser):
    """A rendered report: visible text, class names, headings, table headers and cells."""

    def __init__(self, html: str):
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []
        self.elements: list[tuple[str, dict]] = []
        self.headings: list[str] = []
        self.table_headers: list[str] = []
        self._open: list[tuple[str, list[str]]] = []
        self.feed(html)
        self.text = "".join(self.parts)
        self.squashed = re.sub(r"\s+", "", self.text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        self.skip += tag in ("style", "script")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "th"):
            self._open.append((tag, []))

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script")
        if self._open and self._open[-1][0] == tag:
            _, words = self._open.pop()
            text = " ".join("".join(words).split()).rstrip("¶").strip()
            (self.table_headers if tag == "th" else self.headings).append(text)

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)
            if self._open:
                self._open[-1][1].append(data)

    def with_class(self, *names: str) -> list[tuple[str, dict]]:
        return [
            (t, a) for t, a in self.elements if set((a.get("class") or "").split()) & set(names)
        ]


_pages: dict[Path, Page] = {}


def page(path: Path) -> Page:
    if path not in _pages:
        _pages[path] = Page(path.read_text(encoding="utf-8"))
    return _pages[path]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def cells(name: str, tag: str | None = None, kind: str | None = None) -> list:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    return [
        c
        for c in nb.cells
        if (tag is None or tag in c.metadata.get("tags", []))
        and (kind is None or c.cell_type == kind)
    ]


# -- outputs and JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORTS)
def test_outputs_exist(run, name):
    entry = run.entries[name]
    assert entry["status"] == "ok", (entry["error"], entry["executed_notebook"])
    for suffix in SUFFIXES:
        assert (run.out / f"{name}{suffix}").stat().st_size > 0, suffix
    assert not (run.out / f"{name}.failed.ipynb").exists()
    executed = nbformat.read(run.out / f"{name}.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


def _finite_numbers(value, where="figures"):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _finite_numbers(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _finite_numbers(v, f"{where}[{i}]")
    elif isinstance(value, float):
        yield where, math.isfinite(value)


def _refuse_constant(token):
    raise ValueError(f"non-standard JSON number {token}")


@pytest.mark.parametrize("name", REPORTS)
def test_json_has_the_documented_keys_with_finite_numbers(run, name):
    doc = cells(name, kind="markdown")[-1].source
    for key in DOCUMENTED[name]:
        assert key.removesuffix("_ci") in doc, (
            f"{name}: key {key} is not in the notebook's documentation"
        )
    payload = json.loads((run.out / f"{name}.json").read_text(), parse_constant=_refuse_constant)
    figures = payload["figures"]
    assert set(figures) == DOCUMENTED[name], set(figures) ^ DOCUMENTED[name]
    for key in DOCUMENTED[name]:
        if key in NULL_HERE.get(name, set()):
            assert figures[key] is None, key
        else:
            assert figures[key] not in (None, "", [], {}), key
    not_finite = [where for where, ok in _finite_numbers(figures) if not ok]
    assert not not_finite
    report = discover(NOTEBOOKS)[name]
    expected = {p.name: p.default for p in report.parameters.values()} | SMALL[name]
    assert payload["parameters"] == expected


def _ce(f):
    return f["customer_equity"]


SANITY = {
    "00_overview": lambda f: [
        f["customers"] == 2000,
        math.isclose(sum(f["consent_shares"].values()), 1.0),
        math.isclose(sum(f["relationship_level_shares"].values()), 1.0),
        0 <= f["repeat_buyer_share"] <= 1,
        sum(arm["customers"] for arm in f["campaign"]) <= f["customers"],
    ],
    "segment_value": lambda f: [
        _ce(f)["ci_low"] <= _ce(f)["estimate"] <= _ce(f)["ci_high"],
        _ce(f)["n_draws"] == 30 and _ce(f)["n_customers"] == 2000,
        0.2 <= f["top20_share"] <= 1 and 0 <= f["gini"] <= 1,
        math.isclose(sum(c["value_share"] for c in f["abc"].values()), 1.0),
    ],
    "campaign_uplift": lambda f: [
        all(a["ci_low"] <= a["abs_lift"] <= a["ci_high"] for a in f["ate"]),
        f["recommended_policy"] in {"model", "everyone", "nobody"},
        0 <= f["recommended_share_ci"][0] <= f["recommended_share_ci"][1] <= 1,
        f["n_eligible"] + f["opted_out"] <= 2000,
    ],
    "churn_retention": lambda f: [
        f["expected_incremental_profit_ci"][0]
        <= f["expected_incremental_profit"]
        <= f["expected_incremental_profit_ci"][1],
        f["better_ranking"] in {"early warning", "P(alive)"},
        f["customers_scored"] <= 2000 and f["offers"] + f["not_contactable"] <= 2000,
        0 <= f["offer_effect"] <= 1 and 0 < f["retention_12_months"] < 1,
    ],
    "satisfaction_loyalty_profit": lambda f: [
        0
        <= f["satisfaction_index"]["ci_low"]
        <= f["satisfaction_index"]["index"]
        <= f["satisfaction_index"]["ci_high"]
        <= 100,
        f["model"]["respondents"] == 300 and f["model"]["n_boot"] <= 200,
        0 <= f["gof"] <= 1,
    ],
    "customization_tradeoffs": lambda f: [
        f["conjoint"]["respondents"] == 150,
        f["optimum"]["profit_ci"][0] <= f["optimum"]["profit_ci"][1],
        isinstance(f["faces_table_matches_seed"], bool),
    ],
}

# Headline figures as the management page prints them: the JSON and the page agree.
HEADLINES = {
    "00_overview": lambda f: [
        fmt_int(f["customers"]),
        fmt_int(f["transactions"]),
        fmt_money_short(f["revenue"]),
    ],
    # estimated money: k/M with its interval in the same unit (reporting.formatting)
    "segment_value": lambda f: [
        fmt_money_range(_ce(f)["estimate"], _ce(f)["ci_low"], _ce(f)["ci_high"]),
    ],
    "campaign_uplift": lambda f: [
        fmt_money_range(f["expected_incremental_profit"], *f["expected_incremental_profit_ci"]),
    ],
    "churn_retention": lambda f: [
        fmt_money_range(
            f["expected_incremental_profit"], *f["expected_incremental_profit_ci"], signed=True
        ),
    ],
    "satisfaction_loyalty_profit": lambda f: [
        f"{f['satisfaction_index']['index']:.1f}",
        fmt_interval(
            f["satisfaction_index"]["ci_low"],
            f["satisfaction_index"]["ci_high"],
            lambda x: f"{x:.1f}",
        ),
    ],
    "customization_tradeoffs": lambda f: [
        fmt_money_range(f["optimum"]["profit"], *f["optimum"]["profit_ci"]),
    ],
}


@pytest.mark.parametrize("name", REPORTS)
def test_json_figures_are_consistent_and_shown_on_the_page(run, name):
    figures = json.loads((run.out / f"{name}.json").read_text())["figures"]
    checks = SANITY[name](figures)
    assert all(checks), checks
    text = page(run.out / f"{name}.html").text
    for shown in HEADLINES[name](figures):
        assert shown in text, shown


# -- management page -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORTS)
def test_management_page_has_no_code(run, name):
    html = (run.out / f"{name}.html").read_text(encoding="utf-8")
    management = page(run.out / f"{name}.html")
    assert not management.with_class(
        "jp-InputPrompt",
        "jp-OutputPrompt",
        "jp-CodeMirrorEditor",
        "highlight",
        "jp-Cell-inputWrapper-code",
    )
    code_cells = [
        a for t, a in management.with_class("jp-CodeCell") if "jp-Cell" in a["class"].split()
    ]
    assert code_cells and all("jp-mod-noInput" in a["class"].split() for a in code_cells)
    assert (
        "Traceback" not in management.text and "An Exception was encountered" not in management.text
    )
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html
    assert 'data-mime-type="application/vnd.jupyter.error"' not in html
    # a bare repr (e.g. a dict returned by the last line of a cell) is a debugging dump
    reprs = [
        a
        for t, a in management.with_class("jp-OutputArea-executeResult")
        if a.get("data-mime-type") == "text/plain"
    ]
    assert not reprs, f"{len(reprs)} plain-text repr output(s) on the management page"
    # the code itself: no line of any code cell appears as text
    for cell in cells(name, kind="code"):
        for line in cell.source.splitlines():
            if len(line.strip()) > 30:
                assert squash(line) not in management.squashed, line


@pytest.mark.parametrize("name", REPORTS)
def test_management_page_is_offline(run, name):
    html = (run.out / f"{name}.html").read_text(encoding="utf-8")
    assert not EXTERNAL.findall(html), sorted(set(EXTERNAL.findall(html)))
    # the only scripts: the embedded table library (once) and the interactive tables' own,
    # all inline — nothing is loaded from anywhere
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", html, re.I)
    assert html.count("async function injectModule") <= 1
    assert "<link" not in html.lower()  # every style is inline


@pytest.mark.parametrize("name", REPORTS)
def test_management_page_shows_no_raw_customer_ids(run, name):
    management = page(run.out / f"{name}.html")
    id_columns = [h for h in management.table_headers if ID_HEADER.match(h.strip())]
    assert not id_columns, id_columns
    for raw in ("customer_id", "respondent_id"):
        assert raw not in management.text, raw


@pytest.mark.parametrize("name", REPORTS)
def test_management_page_has_no_analyst_or_exercise_material(run, name):
    """Cells tagged analyst/exercise/solution are removed — and so must be their untagged
    companions: analyst headings, the JSON-key documentation and the answer check."""
    management = page(run.out / f"{name}.html")
    assert not [h for h in management.headings if "analyst" in h.lower() or "exercise" in h.lower()]
    assert (
        "relative tolerance" not in management.text
        and "exact answer required" not in management.text
    )
    assert "JSON" not in " ".join(management.headings)
    doc_first_line = cells(name, kind="markdown")[-1].source.splitlines()[0]
    assert squash(re.sub(r"[`*#]", "", doc_first_line)) not in management.squashed
    for cell in cells(name, "analyst", "markdown"):
        first = re.sub(r"[`*#]", "", cell.source.splitlines()[0])
        assert squash(first) not in management.squashed, first


@pytest.mark.parametrize("name", REPORTS)
def test_pages_show_the_expected_number_of_charts(run, name):
    """A chart that silently disappears (or doubles) changes the count on its page."""
    assert name in CHARTS, f"add the chart counts of {name} to CHARTS"
    found = {}
    for audience, suffix in (("management", ".html"), ("analyst", ".analyst.html")):
        images = [a for t, a in page(run.out / f"{name}{suffix}").elements if t == "img"]
        assert all((a.get("src") or "").startswith("data:image/") for a in images), audience
        found[audience] = len(images)
    assert found == CHARTS[name]


# -- teaching page -------------------------------------------------------------------------------


def _solution_expressions(source: str) -> list[str]:
    """Right-hand sides of the solution cell's assignments, except bare names."""
    tree = ast.parse(source)
    return [
        ast.get_source_segment(source, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and not isinstance(node.value, ast.Name)
    ]


@pytest.mark.parametrize("name", REPORTS)
def test_teaching_page_has_the_exercise_but_not_the_solution(run, name):
    teaching = page(run.out / f"{name}.teaching.html")
    analyst = page(run.out / f"{name}.analyst.html")
    management = page(run.out / f"{name}.html")
    exercise = cells(name, "exercise", "markdown")
    assert exercise, f"{name} has no exercise"
    task = squash(re.sub(r"[`*]", "", exercise[0].source.splitlines()[1]))
    assert task in teaching.squashed and task not in management.squashed
    solutions = cells(name, "solution")
    assert solutions, f"{name} has no solution cell"
    for cell in solutions:
        assert squash(cell.source) in analyst.squashed  # present where it should be ...
        assert squash(cell.source) not in teaching.squashed  # ... and gone for students
        for expression in _solution_expressions(cell.source):
            assert squash(expression) not in teaching.squashed, f"the solution leaks: {expression}"
    for cell in cells(name, "analyst"):
        lines = [line for line in cell.source.splitlines() if len(line.strip()) > 25]
        if lines:
            assert squash(lines[0]) not in teaching.squashed, lines[0]
    assert not EXTERNAL.findall((run.out / f"{name}.teaching.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", REPORTS)
def test_analyst_page_has_code_and_is_offline(run, name):
    analyst_html = (run.out / f"{name}.analyst.html").read_text(encoding="utf-8")
    analyst = page(run.out / f"{name}.analyst.html")
    assert analyst.with_class("jp-InputPrompt") and analyst.with_class("highlight")
    assert not EXTERNAL.findall(analyst_html)


# -- index and manifest --------------------------------------------------------------------------


def test_index_links_every_report(run):
    index = page(run.out / "index.html")
    links = {a["href"] for t, a in index.elements if t == "a" and "href" in a}
    reports = discover(NOTEBOOKS)
    for name in REPORTS:
        assert {
            f"{name}.html",
            f"{name}.analyst.html",
            f"{name}.teaching.html",
            f"{name}.json",
        } <= links
        assert reports[name].title in index.text and reports[name].summary in index.text
    assert "manifest.json" in links
    assert not [
        h for t, a in index.elements for h in [a.get("href", "")] if re.match(r"(https?:)?//", h)
    ]


def test_manifest_records_parameters_inputs_versions_commit_timings_status(run):
    info = run.manifest["run"]
    for package in ("crm-models", "pandas", "numpy", "lifetimes", "papermill", "nbconvert"):
        assert info["packages"][package], package
    assert info["python"] and info["platform"] and len(info["code_fingerprint"]) == 64
    assert info["jobs"] == REPORTS and info["started_at"] <= info["finished_at"]
    if (
        shutil.which("git")
        and subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True).returncode == 0
    ):
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        assert info["git_commit"] == head and isinstance(info["git_dirty"], bool)
    else:
        assert info["git_commit"] is None
    reports = discover(NOTEBOOKS)
    for name in REPORTS:
        entry = run.entries[name]
        assert entry["status"] == "ok" and entry["error"] == ""
        assert (
            entry["parameters"]
            == {p.name: p.default for p in reports[name].parameters.values()} | SMALL[name]
        )
        assert entry["inputs"] == {}  # every study runs on simulated data here
        assert 0 < entry["work_seconds"] < entry["seconds"] < run.seconds
        assert re.fullmatch(r"[0-9a-f]{64}", entry["cache_key"])
        assert (
            entry["finished_at"] and Path(entry["executed_notebook"]) == run.out / f"{name}.ipynb"
        )
        assert entry["title"] == reports[name].title and entry["notebook"] == str(
            NOTEBOOKS / f"{name}.ipynb"
        )


def test_overview_runs_on_a_fresh_clone_without_a_warehouse(tmp_path, monkeypatch, capsys):
    """The overview's default warehouse (data/crm.duckdb) is git-ignored: on a fresh clone the
    report still runs and says how to build it."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "reports"
    code = main(
        [
            "run",
            "00_overview",
            "--set",
            "n_customers=200",
            "--notebooks",
            str(NOTEBOOKS),
            "--output",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr()
    figures = json.loads((out / "00_overview.json").read_text())["figures"]
    assert figures["customers"] == 200 and figures["warehouse_tables"] is None
    assert "crm data build" in page(out / "00_overview.html").text
    assert not (tmp_path / "data").exists()  # nothing created as a side effect


# -- notebook sources ----------------------------------------------------------------------------

DEFINITION = re.compile(r"^(?:async\s+def|def|class)\s", re.MULTILINE)


@pytest.mark.parametrize("name", REPORTS)
def test_no_notebook_cell_defines_a_function_or_class(name):
    """Notebooks are parameters, calls, charts and prose: code with a name lives in the package."""
    defining = [
        cell.source.splitlines()[0]
        for cell in cells(name, kind="code")
        if DEFINITION.search(cell.source)
    ]
    assert not defining, f"{name}: cells defining functions/classes: {defining}"


@pytest.mark.parametrize("name", REPORTS)
def test_every_numeric_parameter_has_a_closed_range(name):
    """Every int/float parameter declares [low, high] (or choices) in the parameters cell, so
    that the range-edge test (tests/test_notebook_ranges.py) covers both of its ends."""
    report = discover(NOTEBOOKS)[name]
    open_ended = [
        f"{p.name} ({p.describe_constraint() or 'no constraint'})"
        for p in report.parameters.values()
        if p.type_name in ("int", "float") and not p.choices and (p.low is None or p.high is None)
    ]
    assert not open_ended, f"{name}: numeric parameters without a [low, high] range: {open_ended}"


def test_overview_headline_figures_recomputed_from_the_world(run):
    """The overview's figures, recomputed from the simulated world with pandas alone."""
    from crm_models.data import simulate_world
    from crm_models.defaults import DEFAULT_SEED  # the overview's default seed

    figures = json.loads((run.out / "00_overview.json").read_text())["figures"]
    world = simulate_world(n_customers=SMALL["00_overview"]["n_customers"], seed=DEFAULT_SEED)
    tx = world.transactions
    # a repeat buyer bought in two or more distinct Monday-to-Sunday weeks (BTYD frequency > 0)
    weeks = tx.assign(week=tx["timestamp"].dt.to_period("W-SUN")).groupby("customer_id")["week"]
    assert figures["customers"] == len(world.customers)
    assert figures["transactions"] == len(tx)
    assert math.isclose(figures["revenue"], tx["amount"].sum(), rel_tol=1e-9)
    assert math.isclose(figures["repeat_buyer_share"], (weeks.nunique() > 1).mean(), rel_tol=1e-9)
    shares = world.customers["consent_status"].value_counts(normalize=True)
    assert all(
        math.isclose(figures["consent_shares"][k], v, rel_tol=1e-9) for k, v in shares.items()
    )


@pytest.mark.parametrize("name", REPORTS)
def test_every_parameter_has_its_help_on_one_line(name):
    """``crm list`` and the range checks read each parameter's one-line comment: a parameters
    cell wrapped by a formatter (``x = (\n 1  # help\n)``) silently loses both."""
    report = discover(NOTEBOOKS)[name]
    bare = [p.name for p in report.parameters.values() if not p.help]
    assert not bare, f"{name}: parameters without a help comment: {bare}"
    assert all(not str(p.default).startswith("(") for p in report.parameters.values())
