"""manifest.json: what produced a run (the index is tested in test_reporting_front_page.py)."""

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
