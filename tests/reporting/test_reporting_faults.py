"""Faults with real processes: `crm run` killed (SIGKILL) at random points, a disk that fills,
a kernel that hangs. After each fault the folder holds one whole set per report — never pages
of one run next to figures of another — and the next run repairs what the fault left.

The kill count is ``CRM_FAULT_KILLS`` (default 6: each of the three aims twice, at random
moments; about 6 s each); run with more to probe.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from crm_models.reporting.publish import OUTPUT_SUFFIXES, matches, recover

pytestmark = pytest.mark.processes  # left out of the pandas-3 pass of .ci/run

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("CRM_FAULT_KILLS", "6"))
AIMS = ("random time", "while staging", "at the commit")


def crm(*args: str, **kwargs) -> subprocess.Popen:
    """Start `crm` (the real command line) in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "crm_models.cli", "--project", str(ROOT), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def whole_set(out: Path, name: str) -> int:
    """Check the five files of ``name`` come from one run; return the run's ``n``.

    The JSON's generation time is quoted in the footer of each page, and its parameter ``n``
    is the one injected into the executed notebook.
    """
    figures = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    stamp = f"generated {figures['generated_at']}"
    for suffix in (".html", ".analyst.html", ".teaching.html"):
        page = (out / f"{name}{suffix}").read_text(encoding="utf-8")
        assert stamp in page, f"{name}{suffix} is from another run than {name}.json"
    executed = nbformat.read(out / f"{name}.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in executed.cells]
    injected = executed.cells[next(i for i, t in enumerate(tags) if "injected-parameters" in t)]
    n = figures["parameters"]["n"]
    assert re.search(rf"^n = {n}$", injected.source, re.M), f"{name}.ipynb is from another run"
    assert figures["figures"]["square"] == n * n
    return n


def manifest_entry(out: Path, name: str) -> dict:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return next(e for e in manifest["reports"] if e["name"] == name)


@pytest.fixture
def folder(tmp_path, demo_factory):
    """A notebooks folder with the demo report and a report folder holding one good run."""
    notebooks = tmp_path / "notebooks"
    demo_factory(notebooks / "demo.ipynb")
    out = tmp_path / "reports"
    code, _, err = finish(crm("run", "demo", "--notebooks", str(notebooks), "--output", str(out)))
    assert code == 0, err
    return notebooks, out


def _kill_at_random_point(proc: subprocess.Popen, out: Path, rng: random.Random, aim: str) -> None:
    """SIGKILL ``proc`` at ``aim`` (one of ``AIMS``): at a random time; or a random few ms
    after staging begins; or the moment the publication is committed (its journal appears),
    to land in the middle of the renames."""
    deadline = time.monotonic() + 60
    if aim == "random time":
        time.sleep(rng.uniform(0.0, 5.0))
    elif aim == "while staging":
        staging = out / ".work" / "demo.staged"
        while not staging.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0.0, 0.02))
    else:
        journal = out / ".work" / "demo.publish.json"
        while not journal.exists() and proc.poll() is None and time.monotonic() < deadline:
            pass  # spin: the journal lives for about a millisecond
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


def test_kill_9_at_random_points_leaves_one_whole_set_and_a_rerun_repairs(folder):
    notebooks, out = folder
    rng = random.Random(20261201)
    run = ["run", "demo", "--notebooks", str(notebooks), "--output", str(out)]
    seen = {"old set": 0, "new set": 0, "completed from journal": 0}
    aims: dict[str, int] = {}
    for attempt in range(KILLS):
        before = whole_set(out, "demo")
        n = 10 + attempt
        aim = AIMS[attempt % len(AIMS)]
        _kill_at_random_point(crm(*run, "--set", f"n={n}", "--force"), out, rng, aim)
        aims[aim] = aims.get(aim, 0) + 1

        journals = list((out / ".work").glob("*.publish.json"))
        if journals:  # killed between commit and the last rename: the next run finishes it
            assert recover(out) == ["demo"]
            seen["completed from journal"] += 1
        found = whole_set(out, "demo")
        assert found in (before, n)
        seen["old set" if found == before and before != n else "new set"] += 1

        code, stdout, stderr = finish(crm(*run, "--set", f"n={n}"))
        assert code == 0, stderr
        assert whole_set(out, "demo") == n
        entry = manifest_entry(out, "demo")
        assert entry["status"] in ("ok", "cached") and entry["parameters"]["n"] == n
        assert matches(out, "demo", entry["outputs"])
        assert not list((out / ".work").glob("demo.staged"))
    print(f"\n{KILLS} kills aimed {aims}: found {seen}")


def test_a_set_changed_on_disk_is_rebuilt_not_served_from_the_cache(folder):
    notebooks, out = folder
    run = ["run", "demo", "--notebooks", str(notebooks), "--output", str(out)]
    assert "cached" in finish(crm(*run))[1]
    json_file = out / "demo.json"
    json_file.write_text(json_file.read_text().replace('"square": 9', '"square": 10'))
    code, stdout, _ = finish(crm(*run))
    assert code == 0 and "cached" not in stdout
    assert whole_set(out, "demo") == 3


def _limit_file_size(limit: int):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_fails_the_report_cleanly_and_keeps_the_old_set(folder):
    """Files beyond 60 kB cannot be written (RLIMIT_FSIZE: the pages are ~300 kB, the small
    files still fit): the report fails with one line, its previous set stays whole."""
    notebooks, out = folder
    before = {s: (out / f"demo{s}").read_bytes() for s in OUTPUT_SUFFIXES}
    assert len(before[".html"]) > 60_000 > len(before[".json"])
    proc = crm(
        "run", "demo", "--notebooks", str(notebooks), "--output", str(out), "--set", "n=5",
        preexec_fn=_limit_file_size(60_000),
    )  # fmt: skip
    code, stdout, stderr = finish(proc)
    assert code == 1 and "Traceback" not in stderr
    assert re.search(r"^demo\s+FAILED .*writing the report failed: File too large", stdout, re.M)
    assert {s: (out / f"demo{s}").read_bytes() for s in OUTPUT_SUFFIXES} == before
    assert manifest_entry(out, "demo")["status"] == "failed"
    assert finish(crm("run", "demo", "--notebooks", str(notebooks), "--output", str(out)))[0] == 0
    assert whole_set(out, "demo") == 3


def test_a_hung_kernel_is_stopped_at_the_time_limit(tmp_path, notebook_factory, folder):
    notebooks, out = folder
    pid_file = tmp_path / "kernel.pid"
    notebook_factory(
        notebooks / "hang.ipynb",
        "n: int = 3  # [1, 10]\n",
        [
            ("code", f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))"),
            ("code", "time.sleep(600)"),
        ],
    )
    started = time.monotonic()
    proc = crm("run", "hang", "--notebooks", str(notebooks), "--output", str(out), "--timeout", "4")
    code, stdout, stderr = finish(proc)
    assert time.monotonic() - started < 120  # not the 600 s the cell sleeps
    assert code == 1 and "Traceback" not in stderr
    assert re.search(r"^hang\s+FAILED .*timed out after 4 s \(--timeout\)", stdout, re.M), stdout
    kernel = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(kernel, 0)  # the kernel is gone, not left running
    assert manifest_entry(out, "hang")["status"] == "failed"
    assert whole_set(out, "demo") == 3  # the other report of the folder is untouched


def test_a_worker_process_that_dies_fails_its_report_in_one_line(folder, notebook_factory):
    """With --jobs 2, a cell kills its worker process (the kernel's parent): the report fails
    with one line, the run ends normally (exit 1, manifest written), the old set stays."""
    notebooks, out = folder
    notebook_factory(
        notebooks / "killer.ipynb",
        "n: int = 3  # [1, 10]\n",
        [("code", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")],
    )
    run = ["run", "demo", "killer", "--notebooks", str(notebooks), "--output", str(out)]
    code, stdout, stderr = finish(crm(*run, "--jobs", "2", "--force", "--set", "n=4"))
    assert code == 1 and "Traceback" not in stderr, stderr
    died = r"^killer\s+FAILED .*the worker process running this report died"
    assert re.search(died, stdout, re.M), stdout
    assert manifest_entry(out, "killer")["status"] == "failed"
    assert whole_set(out, "demo") in (3, 4)  # the old set or the new one, whole
