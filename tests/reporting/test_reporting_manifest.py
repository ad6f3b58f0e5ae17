"""manifest.json and index.html: what produced a run, and every report's status for people."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from crm_models.reporting.manifest import (
    environment_info,
    file_sha256,
    package_fingerprint,
    write_index,
    write_manifest,
)

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


ENTRIES = [
    {
        "name": "b_ok",
        "title": "B report",
        "summary": "B summary",
        "status": "ok",
        "seconds": 12.34,
        "finished_at": "2025-01-01T00:00:00+00:00",
    },
    {"name": "a_cached", "title": "A report", "summary": "", "status": "cached", "seconds": 0.0},
    {
        "name": "c_failed",
        "title": "C <report>",
        "summary": "",
        "status": "failed",
        "seconds": 1.0,
        "error": "ValueError: x < 0 & y",
        "executed_notebook": "reports/c_failed.failed.ipynb",
    },
    {
        "name": "d_failed_first",
        "title": "D report",
        "status": "failed",
        "seconds": 2.0,
        "error": "KeyError: 'k'",
        "executed_notebook": "reports/d.failed.ipynb",
    },
]


@pytest.fixture
def index_html(tmp_path) -> str:
    for name in ("b_ok", "a_cached", "c_failed"):  # d_failed_first never succeeded
        (tmp_path / f"{name}.html").write_text("report")
    write_index(
        tmp_path / "index.html",
        {"git_commit": "0123456789abcdef", "git_dirty": True, "packages": {"crm-models": "0.1.0"}},
        ENTRIES,
        write,
    )
    return (tmp_path / "index.html").read_text()


def test_index_lists_every_report_in_name_order_with_status_and_time(index_html):
    rows = index_html.split("<tr>")[2:]
    assert [r.split("</a>")[0].split(">")[-1] if "<a href" in r else None for r in rows][:3] == [
        "A report",
        "B report",
        "C &lt;report&gt;",
    ]
    assert (
        ">cached<" in rows[0]
        and ">ok<" in rows[1]
        and ">failed<" in rows[2]
        and ">failed<" in rows[3]
    )
    assert "12.3 s" in rows[1] and "B summary" in rows[1] and "2025-01-01T00:00:00+00:00" in rows[1]
    for name in ("a_cached", "b_ok", "c_failed"):
        for target in (
            f"{name}.html",
            f"{name}.analyst.html",
            f"{name}.teaching.html",
            f"{name}.json",
        ):
            assert f"href='{target}'" in index_html
    assert "0123456789ab" in index_html and "(uncommitted changes)" in index_html
    assert 'href="manifest.json"' in index_html


def test_failed_entries_show_error_and_executed_notebook_escaped(index_html):
    rows = index_html.split("<tr>")[2:]
    assert "ValueError: x &lt; 0 &amp; y" in rows[2] and "x < 0" not in rows[2]
    assert "executed notebook: reports/c_failed.failed.ipynb" in rows[2]
    assert "the last good report is kept" in rows[2]
    # a report that never succeeded has no page to link to
    assert "href='d_failed_first.html'" not in index_html
    assert "KeyError: &#39;k&#39;" in rows[3] and "the last good report is kept" not in rows[3]


def test_manifest_records_run_and_reports(tmp_path):
    run = {"started_at": "t0", "git_commit": "abc", "packages": {"pandas": "2.3.3"}}
    write_manifest(tmp_path / "manifest.json", run, ENTRIES[:2], write)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest == {"run": run, "reports": ENTRIES[:2]}


def test_environment_info_versions_and_git_commit(tmp_path):
    info = environment_info(ROOT)
    for package in ("crm-models", "pandas", "numpy", "papermill", "nbconvert"):
        assert info["packages"][package], package
    assert info["python"].count(".") == 2 and info["platform"]
    if shutil.which("git") and (ROOT / ".git").exists():
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        assert info["git_commit"] == head and isinstance(info["git_dirty"], bool)
    outside = environment_info(tmp_path)  # not a repository
    assert outside["git_commit"] is None and outside["git_dirty"] is None


def test_hashes(tmp_path):
    data = tmp_path / "x.bin"
    data.write_bytes(b"\x00" * (3 << 20) + b"tail")  # larger than one read block
    assert file_sha256(data) == hashlib.sha256(data.read_bytes()).hexdigest()
    fingerprint = package_fingerprint()
    assert len(fingerprint) == 64 and fingerprint == package_fingerprint()


@pytest.fixture
def package_copy(tmp_path) -> Path:
    """A copy of the installed ``crm_models`` package (code and package data)."""
    from crm_models.reporting.manifest import PACKAGE_ROOT

    copy = tmp_path / "crm_models"
    shutil.copytree(PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_fingerprint_covers_the_installed_package_by_default(package_copy):
    assert package_fingerprint(package_copy) == package_fingerprint()


@pytest.mark.parametrize(
    "edit",
    [
        "template edited",
        "template config edited",
        "template asset added",
        "sql file added",
        "module edited",
        "file renamed",
    ],
)
def test_any_code_or_template_edit_changes_the_fingerprint(package_copy, edit):
    """Cached reports must rebuild after a template edit, not only after a code edit."""
    before = package_fingerprint(package_copy)
    templates = package_copy / "reporting" / "templates" / "crm_offline"
    if edit == "template edited":
        template = templates / "index.html.j2"
        template.write_text(
            template.read_text(encoding="utf-8") + "\n{# edited #}\n", encoding="utf-8"
        )
    elif edit == "template config edited":
        (templates / "conf.json").write_text('{"base_template": "lab"}', encoding="utf-8")
    elif edit == "template asset added":
        (templates / "static").mkdir(exist_ok=True)
        (templates / "static" / "report.css").write_text("body { color: red }", encoding="utf-8")
    elif edit == "sql file added":
        (package_copy / "data" / "sql").mkdir(exist_ok=True)
        (package_copy / "data" / "sql" / "summary.sql").write_text("SELECT 1", encoding="utf-8")
    elif edit == "module edited":
        (package_copy / "results.py").write_text("# edited\n", encoding="utf-8")
    else:
        (templates / "index.html.j2").rename(templates / "index2.html.j2")
    assert package_fingerprint(package_copy) != before


def test_byte_code_caches_do_not_change_the_fingerprint(package_copy):
    before = package_fingerprint(package_copy)
    (package_copy / "__pycache__").mkdir()
    (package_copy / "__pycache__" / "results.cpython-311.pyc").write_bytes(b"\x00cache")
    assert package_fingerprint(package_copy) == before


def test_index_links_are_file_names_never_url_schemes(tmp_path):
    page = tmp_path / "index.html"
    (tmp_path / "javascript:alert(1).html").write_text("x")
    entries = [{"name": "javascript:alert(1)", "status": "ok", "title": "<b>T</b>"}]
    write_index(page, {}, entries, lambda p, text: p.write_text(text))
    html = page.read_text()
    assert "href='javascript:" not in html and "href='javascript%3Aalert%281%29.html'" in html
    assert "<b>T</b>" not in html and "&lt;b&gt;T&lt;/b&gt;" in html
