"""`crm run` end to end on tiny notebooks: outputs, cache, --force, config jobs, failure
isolation and atomic outputs. Each execution starts a real kernel (about 3 s)."""

from __future__ import annotations

import hashlib
import json
import re
from html import escape
from pathlib import Path

import nbformat
import papermill
import pytest

import crm_models.reporting.export as export
import crm_models.reporting.runner as runner
from crm_models.cli import main

pytestmark = pytest.mark.processes  # left out of the pandas-3 pass of .ci/run

SUFFIXES = (".html", ".analyst.html", ".teaching.html", ".json", ".ipynb")


@pytest.fixture
def executions(monkeypatch):
    """Records every papermill execution (name of the notebook, parameters) and runs it."""
    calls = []
    real = papermill.execute_notebook

    def spy(input_path, output_path, **kwargs):
        calls.append((Path(input_path).stem, dict(kwargs.get("parameters") or {})))
        return real(input_path, output_path, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", spy)
    return calls


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """Run from tmp_path (the root that relative input paths resolve against), with a fixed
    code fingerprint so that edits to the package during the test cannot defeat the cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "package_fingerprint", lambda: "fixed-code-fingerprint")
    return tmp_path


def snapshot(out: Path, name: str) -> dict[str, tuple[bytes, int]]:
    return {
        s: ((out / f"{name}{s}").read_bytes(), (out / f"{name}{s}").stat().st_mtime_ns)
        for s in SUFFIXES
    }


def content(out: Path, name: str) -> dict[str, bytes]:
    """The report's five files by suffix, with any out-of-date banner taken off the pages."""
    files = {s: (out / f"{name}{s}").read_bytes() for s in SUFFIXES}
    return {s: _STALE.sub(b"", data) if s.endswith(".html") else data for s, data in files.items()}


_STALE = re.compile(rb"<!-- crm:stale -->.*?<!-- /crm:stale -->", re.S)


def stale_banner(out: Path, name: str, suffix: str = ".html") -> str:
    """The text of the out-of-date banner on a page of ``name`` ('' if none)."""
    found = _STALE.search((out / f"{name}{suffix}").read_bytes())
    return re.sub(r"<[^>]+>", "", found.group().decode()) if found else ""


def entry(out: Path, name: str) -> dict:
    manifest = json.loads((out / "manifest.json").read_text())
    return next(e for e in manifest["reports"] if e["name"] == name)


def figures(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.json").read_text())["figures"]


def index_row(out: Path, name: str) -> str:
    """The index.html card of report ``name`` (issue 14: the index is one card per report)."""
    html = (out / "index.html").read_text()
    cards = re.findall(
        r"<div class='card' id='([^']*)'>(.*?)(?=<div class='card'|<footer)", html, re.S
    )
    matching = [body for card, body in cards if card == name]
    assert len(matching) == 1, f"no single index card for {name}: {cards}"
    return matching[0]


def test_outputs_of_one_report(workspace, demo_dir, capsys, executions):
    out = workspace / "out"
    assert main(["run", "--notebooks", str(demo_dir), "--output", str(out), "--set", "n=6"]) == 0
    log = capsys.readouterr().out
    assert re.search(r"^demo\s+ok\s+\d+\.\d s \(cells \d+\.\d s\)$", log, flags=re.M), log
    assert "1 of 1 report(s) ok" in log
    for suffix in SUFFIXES:
        assert (out / f"demo{suffix}").stat().st_size > 0
    payload = json.loads((out / "demo.json").read_text())
    assert payload["report"] == "demo" and payload["title"] == "Demo report"
    assert payload["parameters"] == {"n": 6, "label": "a", "data": "", "fail": False}
    assert payload["figures"] == {"n": 6, "square": 36, "label": "a", "rows": 0}
    html = (out / "demo.html").read_text()
    assert "<strong>36</strong>" in html  # the number the JSON carries is the one the page shows
    assert "application/vnd.crm-models.figures+json" not in html
    executed = nbformat.read(out / "demo.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "n = 6" in injected[0].source
    assert not (out / "demo.failed.ipynb").exists()
    assert not list(out.rglob("*.tmp"))
    row = index_row(out, "demo")
    assert (
        "href='demo.html'" in row and "Demo report" in row and "A tiny demo that squares n." in row
    )
    assert ">current<" in row
    assert executions == [("demo", payload["parameters"])]


def test_cache_force_and_what_invalidates_it(workspace, demo_dir, capsys, executions):
    out = workspace / "out"
    run = ["run", "--notebooks", str(demo_dir), "--output", str(out)]
    assert main(run) == 0 and len(executions) == 1
    first = snapshot(out, "demo")
    capsys.readouterr()

    # unchanged: not executed, outputs untouched, status cached
    assert main(run) == 0
    log = capsys.readouterr().out
    assert len(executions) == 1
    assert re.search(
        r"^demo\s+cached \(unchanged notebook, parameters, code and data; --force", log, re.M
    )
    assert snapshot(out, "demo") == first
    assert entry(out, "demo")["status"] == "cached"
    assert ">current (unchanged, served from the cache)<" in index_row(out, "demo")

    # --force re-executes
    assert main([*run, "--force"]) == 0 and len(executions) == 2
    assert entry(out, "demo")["status"] == "ok"
    assert (out / "demo.html").stat().st_mtime_ns != first[".html"][1]

    # a changed parameter re-executes, the same one again is cached
    assert main([*run, "--set", "n=5"]) == 0 and len(executions) == 3
    assert figures(out, "demo")["square"] == 25
    assert main([*run, "--set", "n=5"]) == 0 and len(executions) == 3

    # an input file: hashed into the manifest; changing its content re-executes
    data = workspace / "in.csv"
    data.write_text("a\nb\n")
    with_data = [*run, "--set", "n=5", "--set", "data=in.csv"]
    assert main(with_data) == 0 and len(executions) == 4
    assert figures(out, "demo")["rows"] == 2
    assert entry(out, "demo")["inputs"] == {"in.csv": hashlib.sha256(b"a\nb\n").hexdigest()}
    assert main(with_data) == 0 and len(executions) == 4
    data.write_text("a\nb\nc\n")
    assert main(with_data) == 0 and len(executions) == 5
    assert figures(out, "demo")["rows"] == 3

    # a changed notebook re-executes
    notebook = demo_dir / "demo.ipynb"
    notebook.write_bytes(notebook.read_bytes() + b"\n")
    assert main(with_data) == 0 and len(executions) == 6


def test_deleted_output_is_rebuilt_not_cached(workspace, demo_dir, executions):
    out = workspace / "out"
    run = ["run", "--notebooks", str(demo_dir), "--output", str(out)]
    assert main(run) == 0
    (out / "demo.teaching.html").unlink()
    assert main(run) == 0 and len(executions) == 2
    assert entry(out, "demo")["status"] == "ok" and (out / "demo.teaching.html").exists()


def test_config_runs_named_jobs_of_the_same_notebook(workspace, demo_dir, executions):
    out = workspace / "out"
    config = workspace / "schedule.yaml"
    config.write_text(
        "jobs:\n"
        "  - {name: small, notebook: demo, parameters: {n: 2}}\n"
        "  - {name: large, notebook: demo, parameters: {n: 9, label: b}}\n"
    )
    assert (
        main(["run", "--config", str(config), "--notebooks", str(demo_dir), "--output", str(out)])
        == 0
    )
    assert sorted(name for name, _ in executions) == ["demo", "demo"]
    assert figures(out, "small") == {"n": 2, "square": 4, "label": "a", "rows": 0}
    assert figures(out, "large") == {"n": 9, "square": 81, "label": "b", "rows": 0}
    for name in ("small", "large"):
        assert all((out / f"{name}{s}").exists() for s in SUFFIXES)
        assert f"href='{name}.html'" in index_row(out, name)
        assert entry(out, name)["notebook"] == str(demo_dir / "demo.ipynb")
    assert not (out / "demo.html").exists()


def test_failing_notebook_is_isolated_and_keeps_its_last_good_outputs(
    workspace, notebook_factory, demo_factory, capsys
):
    """good + bad in one folder; bad fails on its second run (fail=true, run in 2 workers):
    good still runs, bad is 'failed' in the index with the error's last line and the path of
    the executed notebook, the exit code is 1 and bad's previous outputs stay byte-identical."""
    folder = workspace / "nb"
    notebook_factory(
        folder / "good.ipynb",
        "n: int = 2  # [1, 10]\n",
        [
            (
                "code",
                "from crm_models.reporting import publish_figures\n\n"
                "_ = publish_figures({'double': 2 * n})",
            ),
        ],
    )
    demo_factory(folder / "bad.ipynb", title="Bad report")
    out = workspace / "out"
    run = ["run", "--notebooks", str(folder), "--output", str(out)]
    assert main(run) == 0
    good_before = snapshot(out, "good")
    bad_before = snapshot(out, "bad")
    capsys.readouterr()

    code = main([*run, "--set", "fail=true", "--set", "n=4", "--force", "--jobs", "2"])
    captured = capsys.readouterr()
    assert code == 1
    error = "RuntimeError: boom: the demo failed on purpose with n=4"
    failed_path = out / "bad.failed.ipynb"
    assert re.search(
        rf"^bad\s+FAILED\s+\d+\.\d s: {error} \(see {re.escape(str(failed_path))}\)$",
        captured.out,
        re.M,
    ), captured.out
    assert "1 of 2 report(s) ok" in captured.out
    assert captured.err.strip() == "failed: bad"

    # the last good report, byte for byte, with an out-of-date banner on its three pages
    assert content(out, "bad") == {s: data for s, (data, _) in bad_before.items()}
    made_at = entry(out, "bad")["last_good_at"]
    assert made_at and made_at in bad_before[".json"][0].decode()
    for page in (".html", ".analyst.html", ".teaching.html"):
        banner = stale_banner(out, "bad", page)
        made = made_at[:16].replace("T", " ") + " UTC"  # made_at is ISO 8601 in UTC
        assert banner.startswith(f"Out of date. This page was made {made}. The newest"), banner
        assert escape(error) in banner
    assert entry(out, "good")["status"] == "ok" and figures(out, "good") == {"double": 8}
    assert snapshot(out, "good") != good_before
    bad = entry(out, "bad")
    assert (bad["status"], bad["error"], bad["executed_notebook"]) == (
        "failed",
        error,
        str(failed_path),
    )
    assert bad["parameters"]["fail"] is True
    executed = nbformat.read(failed_path, as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert [(o.ename, o.evalue) for o in errors] == [("RuntimeError", error.split(": ", 1)[1])]

    row = index_row(out, "bad")
    assert ">failed<" in row and escape(error) in row and escape(str(failed_path)) in row
    assert "href='bad.html'" in row and "the last good report is kept" in row
    assert ">current<" in index_row(out, "good")
    assert not list(out.rglob("*.tmp"))

    # fixed again: bad succeeds, its failed notebook is cleared, the banner is gone
    assert main([*run, "--set", "n=4"]) == 0
    assert entry(out, "bad")["status"] == "ok" and not failed_path.exists()
    assert stale_banner(out, "bad") == ""
    assert figures(out, "bad")["square"] == 16


def test_failure_while_rendering_keeps_every_previous_output(
    workspace, demo_dir, monkeypatch, capsys
):
    """The renderer breaks on the second audience (after the management page was rendered):
    the report is marked failed and none of its previous outputs is replaced, no temp file left."""
    out = workspace / "out"
    run = ["run", "--notebooks", str(demo_dir), "--output", str(out)]
    assert main(run) == 0
    before = snapshot(out, "demo")
    real = export.render_html

    def flaky(notebook, audience="management", footer="", name=""):
        if audience == "analyst":
            raise RuntimeError("renderer exploded")
        return real(notebook, audience, footer, name)

    monkeypatch.setattr(export, "render_html", flaky)
    capsys.readouterr()
    assert main([*run, "--set", "n=7"]) == 1
    assert content(out, "demo") == {s: data for s, (data, _) in before.items()}
    assert "rendering failed: RuntimeError: renderer exploded" in stale_banner(out, "demo")
    failed = entry(out, "demo")
    assert failed["status"] == "failed"
    assert failed["error"] == "rendering failed: RuntimeError: renderer exploded"
    assert Path(failed["executed_notebook"]).is_file()
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".*.tmp"))
    assert "renderer exploded" in index_row(out, "demo")
