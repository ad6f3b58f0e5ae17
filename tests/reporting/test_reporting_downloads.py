"""Downloads: per-customer CSV files a notebook publishes (``publish_download``) are written
beside the report as ``NAME.KEY.csv``, linked from its pages, recorded in the manifest and
published with the rest of the set — also when ``crm run`` is killed with SIGKILL."""

from __future__ import annotations

import io
import json
import random
import signal
import time
from pathlib import Path

import pandas as pd
import pytest
from test_reporting_faults import crm, finish

from crm_models.reporting.display import publish_download
from crm_models.reporting.publish import matches, recover

KILLS = 4

PARAMETERS = """n: int = 3  # rows [1, 100]
with_download: bool = True  # publish the download
fail: bool = False  # raise on purpose
"""
BODY = [
    "if fail:\n    raise RuntimeError('boom')",
    "import pandas as pd\n"
    "from crm_models.reporting import publish_download, publish_figures\n\n"
    "frame = pd.DataFrame({'customer_id': range(n), 'n': n, "
    "'note': ['<script>alert(1)</script>, \"quoted\"'] * n})\n"
    "if with_download:\n"
    "    publish_download(frame, 'win_back', f'Win-back list ({n} customers)')\n"
    "_ = publish_figures({'n': n})",
]


def entry(out: Path, name: str = "lists") -> dict:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return next(e for e in manifest["reports"] if e["name"] == name)


@pytest.fixture
def folder(tmp_path, notebook_factory):
    notebooks, out = tmp_path / "notebooks", tmp_path / "reports"
    notebook_factory(
        notebooks / "lists.ipynb", PARAMETERS, [("code", source) for source in BODY], title="Lists"
    )
    return notebooks, out


def run(folder, *extra: str) -> str:
    notebooks, out = folder
    code, stdout, stderr = finish(
        crm("run", "lists", "--notebooks", str(notebooks), "--output", str(out), *extra)
    )
    assert code == (1 if "fail=true" in extra else 0), stderr
    return stdout


@pytest.mark.parametrize("key", ["", "Win", "a.b", "../x", "a/b", "x y", "é", "a" * 65, 3])
def test_a_download_key_must_be_a_plain_slug(key):
    with pytest.raises(ValueError, match="download key"):
        publish_download(pd.DataFrame({"a": [1]}), key, "label")


def test_downloads_are_files_beside_the_report_linked_and_recorded(folder):
    _, out = folder
    run(folder, "--set", "n=4")
    csv = out / "lists.win_back.csv"
    frame = pd.read_csv(csv)
    assert list(frame.columns) == ["customer_id", "n", "note"] and len(frame) == 4
    assert frame["note"].iloc[0] == '<script>alert(1)</script>, "quoted"'
    for suffix in (".html", ".analyst.html", ".teaching.html"):
        page = (out / f"lists{suffix}").read_text(encoding="utf-8")
        assert 'href="lists.win_back.csv"' in page and "Win-back list (4 customers)" in page
        assert "<script>alert(1)" not in page and "vnd.crm-models.download" not in page
    recorded = entry(out)["outputs"]
    assert ".win_back.csv" in recorded and matches(out, "lists", recorded)
    assert "cached" in run(folder, "--set", "n=4")

    csv.write_text(csv.read_text().replace("<script>", "<edited>"))  # changed on disk
    assert not matches(out, "lists", recorded)
    assert "cached" not in run(folder, "--set", "n=4")
    assert "<script>" in csv.read_text()


@pytest.mark.processes
def test_a_missing_download_is_not_served_from_the_cache(folder):
    _, out = folder
    run(folder)
    (out / "lists.win_back.csv").unlink()
    assert "cached" not in run(folder)
    assert (out / "lists.win_back.csv").is_file()


@pytest.mark.processes
def test_a_download_no_longer_published_is_removed(folder):
    _, out = folder
    run(folder)
    run(folder, "--set", "with_download=false")
    assert not (out / "lists.win_back.csv").exists()
    assert ".win_back.csv" not in entry(out)["outputs"]


@pytest.mark.processes
def test_a_failed_run_keeps_the_previous_download_in_its_stale_set(folder):
    _, out = folder
    run(folder, "--set", "n=5")
    run(folder, "--set", "n=6", "--set", "fail=true")
    recorded = entry(out)["outputs"]
    assert entry(out)["status"] == "failed" and ".win_back.csv" in recorded
    assert matches(out, "lists", recorded)
    assert set(pd.read_csv(out / "lists.win_back.csv")["n"]) == {5}


def whole_set(out: Path) -> int:
    """The JSON's ``n`` equals the download's (one run's files); return it."""
    n = json.loads((out / "lists.json").read_text(encoding="utf-8"))["parameters"]["n"]
    frame = pd.read_csv(io.StringIO((out / "lists.win_back.csv").read_text(encoding="utf-8")))
    assert len(frame) == n and set(frame["n"]) == {n}, "the download is from another run"
    page = (out / "lists.html").read_text(encoding="utf-8")
    assert f"Win-back list ({n} customers)" in page, "the page is from another run"
    return n


@pytest.mark.processes
def test_kill_9_leaves_the_download_with_its_own_set(folder):
    notebooks, out = folder
    run(folder, "--set", "n=3")
    rng = random.Random(14)
    args = ["run", "lists", "--notebooks", str(notebooks), "--output", str(out)]
    for attempt in range(KILLS):
        before, n = whole_set(out), 10 + attempt
        proc = crm(*args, "--set", f"n={n}", "--force")
        if attempt % 2:
            time.sleep(rng.uniform(0.0, 5.0))
        else:  # aim at the publication
            staging, deadline = out / ".work" / "lists.staged", time.monotonic() + 30
            while not staging.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(rng.uniform(0.0, 0.02))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        recover(out)
        assert whole_set(out) in (before, n)
        run(folder, "--set", f"n={n}")
        assert whole_set(out) == n and matches(out, "lists", entry(out)["outputs"])
