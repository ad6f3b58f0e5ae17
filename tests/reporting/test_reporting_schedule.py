"""Schedules: job names are plain file names, invalid jobs are reported while the valid ones
run, and every run appends timestamped lines to the run log."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crm_models.cli import main
from crm_models.errors import ParameterError
from crm_models.reporting.catalog import discover
from crm_models.reporting.jobs import check_job_name, plan_schedule

pytestmark = pytest.mark.processes  # left out of the pandas-3 pass of .ci/run

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[pid \d+\] "


@pytest.mark.parametrize(
    "name",
    ["../x", "/abs/path", "a/b", "", "with space", "tab\tname", "nl\nx", ".hidden", "x" * 101,
     "..", "a\\b", "index", "manifest", "run", "x.analyst", "x.teaching", "x.failed", 5],
)  # fmt: skip
def test_bad_job_names_are_refused_naming_the_job(name):
    with pytest.raises(ParameterError, match=re.escape(f"job {name!r}: ")):
        check_job_name(name)


@pytest.mark.parametrize("name", ["a", "nightly_2024-01", "v1.2", "A" * 100, "00_overview"])
def test_plain_names_pass(name):
    assert check_job_name(name) == name


def test_schedule_keeps_valid_jobs_and_collects_invalid_ones(tmp_path, notebook_factory):
    folder = tmp_path / "nb"
    notebook_factory(folder / "alpha.ipynb", "n: int = 3  # [1, 100]\n")
    reports = discover(folder)
    config = [
        {"name": "good", "notebook": "alpha", "parameters": {"n": 5}},
        {"name": "../escape", "notebook": "alpha"},
        {"name": "twin", "notebook": "alpha"},
        {"name": "twin", "notebook": "alpha"},
        {"name": "wrong", "notebook": "alpah"},
        {"name": "big", "notebook": "alpha", "parameters": {"n": 500}},
        {"name": "", "notebook": "alpha"},
    ]
    jobs, invalid = plan_schedule(reports, config, root=tmp_path)
    assert [(j.name, j.parameters) for j in jobs] == [("good", {"n": 5})]
    assert [bad.name for bad in invalid] == ["../escape", "twin", "twin", "wrong", "big", ""]
    errors = [bad.error for bad in invalid]
    assert errors[0].startswith("job '../escape': a job name must be a plain file name")
    assert (
        errors[1]
        == errors[2]
        == ("job 'twin': 2 jobs of the schedule have this name; job names must be unique")
    )
    assert errors[3].startswith("job 'wrong': no report named 'alpah' (did you mean 'alpha'?)")
    assert errors[4].startswith("job 'big': report 'alpha', parameter 'n': 500 is out of range")
    assert errors[5].startswith("job '': a job name must be a plain file name")


def test_mixed_schedule_runs_the_valid_job_and_reports_the_invalid_ones(tmp_path, capsys):
    out = tmp_path / "out"
    config = tmp_path / "jobs.yaml"
    config.write_text(
        "jobs:\n"
        "  - {name: small, notebook: 00_overview,"
        " parameters: {n_customers: 200, warehouse: ''}}\n"
        "  - {name: ../escape, notebook: 00_overview}\n"
        "  - {name: /abs/x, notebook: 00_overview}\n"
        "  - {name: typo, notebook: 00_overveiw}\n"
        "  - {name: bad_value, notebook: 00_overview, parameters: {n_customers: many}}\n"
    )
    argv = ["run", "--config", str(config), "--notebooks", str(NOTEBOOKS), "--output", str(out)]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 1
    errors = [line for line in captured.err.splitlines() if line.startswith("crm: error: ")]
    assert [e.split(":")[2].strip() for e in errors] == [
        "job '../escape'",
        "job '/abs/x'",
        "job 'typo'",
        "job 'bad_value'",
    ]
    assert "'n_customers': expected int, got 'many'" in errors[3]
    assert "1 of 5 report(s) ok" in captured.out
    assert captured.err.splitlines()[-1] == "failed: ../escape, /abs/x, typo, bad_value"
    assert json.loads((out / "small.json").read_text())["parameters"]["n_customers"] == 200
    assert not (tmp_path / "escape.html").exists() and not Path("/abs/x.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.yaml", "out"]

    log = (out / "run.log").read_text().splitlines()
    assert all(re.match(STAMP, line) for line in log), log
    events = [re.sub(STAMP, "", line) for line in log]
    assert events[0] == (
        f"run start: crm {' '.join(argv)}; "
        'jobs: ["small", "../escape", "/abs/x", "typo", "bad_value"]'
    )
    assert events[-1].startswith("run end: 1 ok, 0 cached, 4 failed in ")
    jobs = {e.split('"')[1]: e for e in events[1:-1]}
    assert set(jobs) == {"small", "../escape", "/abs/x", "typo", "bad_value"}
    assert re.match(r'job "small" ok \d+\.\d s; notebook: ".*00_overview.ipynb"; ', jobs["small"])
    assert '"n_customers": 200' in jobs["small"] and '"warehouse": ""' in jobs["small"]
    assert jobs["typo"].startswith('job "typo" failed 0.0 s; notebook: "00_overveiw"; ')
    assert "error: \"job 'typo': no report named '00_overveiw'" in jobs["typo"]

    # a second run appends, into the file --log-file names
    other = tmp_path / "logs" / "nightly.log"
    assert main([*argv, "--log-file", str(other)]) == 1
    assert len((out / "run.log").read_text().splitlines()) == len(log)
    lines = other.read_text().splitlines()
    assert (
        [line for line in lines if 'job "small"' in line][0]
        .split("] ")[1]
        .startswith('job "small" cached 0.0 s;')
    )
    assert re.sub(STAMP, "", lines[-1]).startswith("run end: 0 ok, 1 cached, 4 failed in ")


def test_schedule_of_only_invalid_jobs_runs_nothing_and_logs_them(tmp_path, capsys, monkeypatch):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", pytest.fail)
    config = tmp_path / "jobs.yaml"
    config.write_text("jobs:\n  - {name: a b, notebook: 00_overview}\n")
    out = tmp_path / "out"
    code = main(
        ["run", "--config", str(config), "--notebooks", str(NOTEBOOKS), "--output", str(out)]
    )
    assert code == 1
    assert (
        capsys.readouterr()
        .err.strip()
        .startswith("crm: error: job 'a b': a job name must be a plain file name")
    )
    assert sorted(p.name for p in out.iterdir()) == ["run.log"]
    assert "run end: 0 ok, 0 cached, 1 failed" in (out / "run.log").read_text()
