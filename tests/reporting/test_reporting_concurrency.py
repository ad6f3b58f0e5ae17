"""Runs at once into one report folder (real processes): the second waits for the folder's lock
(or fails at once with --no-wait), every run's reports end up in the manifest and the index,
and the files of each report are one whole set. A job never overwrites another report's files.
Also: clean kernel shutdown, and `crm list | head` without a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_reporting_faults import crm, finish, manifest_entry, whole_set

from crm_models.reporting.catalog import discover
from crm_models.reporting.jobs import plan_schedule
from crm_models.reporting.publish import matches

pytestmark = pytest.mark.processes  # left out of the pandas-3 pass of .ci/run

ROUNDS = 3


@pytest.fixture
def notebooks(tmp_path, demo_factory, notebook_factory) -> Path:
    folder = tmp_path / "notebooks"
    demo_factory(folder / "demo.ipynb")
    notebook_factory(
        folder / "good.ipynb",
        "n: int = 2  # [1, 10]\n",
        [("code", "from crm_models.reporting import publish_figures\n\n_ = publish_figures({})")],
    )
    return folder


def test_two_runs_of_one_report_at_once_wait_for_each_other(notebooks, tmp_path):
    out = tmp_path / "reports"
    run = ["run", "demo", "--notebooks", str(notebooks), "--output", str(out), "--force"]
    for round_ in range(ROUNDS):
        first, second = (
            crm(*run, "--set", f"n={2 * round_ + 1}"),
            crm(*run, "--set", f"n={2 * round_ + 2}"),
        )
        results = [finish(first), finish(second)]
        assert [code for code, _, _ in results] == [0, 0], results
        waited = [out_ for _, out_, _ in results if "waiting for the report folder" in out_]
        assert len(waited) == 1, results  # exactly one of them found the folder busy
        assert re.search(r"in use by pid \d+ \(.*run demo.*\) since ", waited[0])
        n = whole_set(out, "demo")
        entry = manifest_entry(out, "demo")
        assert entry["parameters"]["n"] == n and matches(out, "demo", entry["outputs"])
        tracebacks = [err for _, _, err in results if "Traceback" in err]
        assert not tracebacks, tracebacks[0]


def test_two_different_reports_at_once_are_both_listed(notebooks, tmp_path):
    for round_ in range(ROUNDS):
        out = tmp_path / f"reports{round_}"  # a new folder each time: no earlier listing
        base = ["--notebooks", str(notebooks), "--output", str(out)]
        procs = [crm("run", "demo", *base), crm("run", "good", *base)]
        assert [finish(p)[0] for p in procs] == [0, 0]
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert sorted(e["name"] for e in manifest["reports"]) == ["demo", "good"]
        index = (out / "index.html").read_text(encoding="utf-8")
        assert "href='demo.html'" in index and "href='good.html'" in index


def test_no_wait_fails_at_once_while_another_run_holds_the_folder(notebooks, tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom crm_models._locks import exclusive\n"
         f"with exclusive({str(out / '.lock')!r}, 'x'):\n"
         "    print('held', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline() == "held\n"
    try:
        code, stdout, stderr = finish(
            crm("run", "demo", "--notebooks", str(notebooks), "--output", str(out), "--no-wait")
        )
    finally:
        holder.communicate("done\n", timeout=60)
    assert code == 1 and stdout == ""
    assert re.fullmatch(
        rf"crm: error: the report folder {re.escape(str(out))}/ is in use by pid {holder.pid} "
        r"\(.*\) since \S+; try again when it has finished \(without --no-wait the command "
        r"waits for it\)\n",
        stderr,
    ), stderr
    assert not (out / "demo.html").exists()


def test_a_named_job_never_overwrites_another_reports_outputs(notebooks, tmp_path):
    out = tmp_path / "reports"
    base = ["--notebooks", str(notebooks), "--output", str(out)]
    assert finish(crm("run", "demo", *base))[0] == 0
    before = {p.name: p.read_bytes() for p in out.glob("demo.*")}

    # planning refuses a job named after another report
    reports = discover(notebooks)
    jobs, invalid = plan_schedule(reports, [{"name": "demo", "notebook": "good"}], root=tmp_path)
    assert not jobs and invalid[0].error.startswith(
        "job 'demo': 'demo' is the name of another report, whose default outputs demo.html"
    )
    # and a run refuses a job whose name holds another report's files (made under that name)
    config = tmp_path / "schedule.yaml"
    config.write_text(yaml.safe_dump({"jobs": [{"name": "weekly", "notebook": "demo"}]}))
    assert finish(crm("run", "--config", str(config), *base))[0] == 0
    config.write_text(yaml.safe_dump({"jobs": [{"name": "weekly", "notebook": "good"}]}))
    weekly = {p.name: p.read_bytes() for p in out.glob("weekly.*")}
    code, stdout, _ = finish(crm("run", "--config", str(config), *base))
    assert code == 1
    assert "weekly.html and its other files in this folder are the outputs of report 'demo'" in (
        stdout
    )
    assert {p.name: p.read_bytes() for p in out.glob("weekly.*")} == weekly
    assert {p.name: p.read_bytes() for p in out.glob("demo.*")} == before
    assert manifest_entry(out, "weekly")["notebook"].endswith("demo.ipynb")


def test_kernels_shut_down_without_an_interrupt(tmp_path):
    """jupyter_client interrupts a kernel before shutting it down; landing in a message
    handler, that SIGINT printed 'ERROR | KeyboardInterrupt caught in kernel'. The report
    kernels are shut down without it: a SIGINT handler in the kernel records any SIGINT."""
    from jupyter_client.manager import AsyncKernelManager, run_sync

    from crm_models.reporting.kernels import ReportKernelManager

    def sigints_at_shutdown(manager_class) -> str:
        marker = tmp_path / f"{manager_class.__name__}.sigint"
        manager = manager_class(kernel_name="python3")
        run_sync(manager._async_start_kernel)()
        client = manager.blocking_client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        client.execute_interactive(  # kept after the cell: ipykernel's hooks would restore it
            "import signal\n"
            "kernel = get_ipython().kernel\n"
            "kernel.pre_handler_hook = kernel.post_handler_hook = lambda: None\n"
            f"signal.signal(signal.SIGINT, lambda *a: open({str(marker)!r}, 'a').write('x'))",
            timeout=60,
        )
        client.stop_channels()
        run_sync(manager._async_shutdown_kernel)()
        return marker.read_text() if marker.exists() else ""

    assert sigints_at_shutdown(ReportKernelManager) == ""
    assert sigints_at_shutdown(AsyncKernelManager) == "x"  # what it replaces does interrupt


def test_crm_list_into_a_closed_pipe_ends_quietly():
    """`crm list | head`: the reader is gone before crm writes (closed at once here)."""
    proc = crm("list")
    proc.stdout.close()
    stderr = proc.stderr.read()
    proc.wait(timeout=120)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
