"""Planning a run without starting a kernel: overrides, config YAML, input files, cache keys,
atomic writes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from crm_models._files import atomic_write
from crm_models.errors import ParameterError
from crm_models.reporting.catalog import discover
from crm_models.reporting.runner import (
    load_config,
    parse_overrides,
    plan_jobs,
    run_jobs,
)

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture
def two_reports(tmp_path, notebook_factory):
    """``alpha`` (n, label, data) and ``beta`` (n, depth) in one folder."""
    folder = tmp_path / "nb"
    notebook_factory(
        folder / "alpha.ipynb",
        'n: int = 3  # [1, 100]\nlabel: str = "a"  # {a, b}\ndata: str = ""  # input CSV\n',
    )
    notebook_factory(folder / "beta.ipynb", "n: int = 4  # [1, 10]\ndepth: float = 0.5  # [0, 1]\n")
    return discover(folder)


def test_parse_overrides():
    assert parse_overrides(["a=1", " b = x y ", "c="]) == {"a": "1", "b": "x y", "c": ""}
    assert parse_overrides(["url=a=b"]) == {"url": "a=b"}  # only the first '=' splits
    with pytest.raises(ParameterError, match=r"--set expects key=value, got 'novalue'"):
        parse_overrides(["novalue"])
    with pytest.raises(ParameterError, match=r"--set expects key=value, got '=3'"):
        parse_overrides(["=3"])


def test_plan_defaults_every_report_in_order(two_reports, tmp_path):
    jobs = plan_jobs(two_reports, root=tmp_path)
    assert [(j.name, j.report.name, j.parameters) for j in jobs] == [
        ("alpha", "alpha", {"n": 3, "label": "a", "data": ""}),
        ("beta", "beta", {"n": 4, "depth": 0.5}),
    ]
    assert all(j.inputs == {} for j in jobs)


def test_overrides_apply_to_every_selected_report_that_has_them(two_reports, tmp_path):
    jobs = plan_jobs(two_reports, [], {"n": "7", "depth": "0.25"}, root=tmp_path)
    assert jobs[0].parameters == {"n": 7, "label": "a", "data": ""}
    assert jobs[1].parameters == {"n": 7, "depth": 0.25}
    only_alpha = plan_jobs(two_reports, ["alpha"], {"label": "b"}, root=tmp_path)
    assert [j.name for j in only_alpha] == ["alpha"] and only_alpha[0].parameters["label"] == "b"


def test_override_checked_against_each_report_constraint(two_reports, tmp_path):
    """n=50 is fine for alpha [1, 100] but out of beta's range [1, 10]: the run is refused."""
    with pytest.raises(
        ParameterError,
        match=r"report 'beta', parameter 'n': 50 is out of range; "
        r"expected a value in \[1, 10\]",
    ):
        plan_jobs(two_reports, [], {"n": "50"}, root=tmp_path)


def test_unknown_override_and_unknown_report_name(two_reports, tmp_path):
    with pytest.raises(ParameterError) as err:
        plan_jobs(two_reports, ["beta"], {"label": "b"}, root=tmp_path)
    assert str(err.value) == "--set label: no selected report (beta) has a parameter 'label'"
    with pytest.raises(ParameterError, match=r"no report named 'gamma'; available: alpha, beta"):
        plan_jobs(two_reports, ["gamma"], root=tmp_path)


def test_explicit_input_file_is_hashed_and_a_missing_one_refused(two_reports, tmp_path):
    data = tmp_path / "in.csv"
    data.write_bytes(b"a,b\n1,2\n")
    job = plan_jobs(two_reports, ["alpha"], {"data": str(data)}, root=tmp_path)[0]
    assert job.inputs == {str(data): hashlib.sha256(b"a,b\n1,2\n").hexdigest()}
    relative = plan_jobs(two_reports, ["alpha"], {"data": "in.csv"}, root=tmp_path)[0]
    assert relative.inputs == {"in.csv": job.inputs[str(data)]}  # relative to the root
    with pytest.raises(ParameterError) as err:
        plan_jobs(two_reports, ["alpha"], {"data": "absent.csv"}, root=tmp_path)
    assert (
        str(err.value) == f"report 'alpha', parameter 'data': no file at {tmp_path / 'absent.csv'}"
    )


def test_missing_default_file_is_left_to_the_notebook(tmp_path, notebook_factory):
    """A default that names a file not built yet (the warehouse on a fresh clone) must not stop
    the whole run; it is recorded as missing so that building it changes the cache key."""
    folder = tmp_path / "nb"
    notebook_factory(
        folder / "over.ipynb", 'warehouse: str = "data/crm.duckdb"  # warehouse file\n'
    )
    job = plan_jobs(discover(folder), root=tmp_path)[0]
    assert job.inputs == {"data/crm.duckdb": None}
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "crm.duckdb").write_bytes(b"duck")
    built = plan_jobs(discover(folder), root=tmp_path)[0]
    assert built.inputs == {"data/crm.duckdb": hashlib.sha256(b"duck").hexdigest()}
    assert built.cache_key("code") != job.cache_key("code")


def test_study_reports_plan_with_defaults_on_a_fresh_clone(tmp_path):
    """`crm run` on a fresh clone (no data/crm.duckdb yet) plans every study report."""
    jobs = plan_jobs(discover(NOTEBOOKS), root=tmp_path)
    assert sorted(j.name for j in jobs) == sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def test_export_path_is_an_output_not_an_input(tmp_path):
    """campaign_uplift's export_path names a file the notebook writes: it need not exist and
    its content must not enter the cache key."""
    target = tmp_path / "targets.csv"
    job = plan_jobs(
        discover(NOTEBOOKS), ["campaign_uplift"], {"export_path": str(target)}, root=tmp_path
    )[0]
    assert job.parameters["export_path"] == str(target) and job.inputs == {}


def test_cache_key_covers_notebook_parameters_code_and_inputs(two_reports, tmp_path):
    base = plan_jobs(two_reports, ["alpha"], root=tmp_path)[0]
    key = base.cache_key("code-1")
    assert key == plan_jobs(two_reports, ["alpha"], root=tmp_path)[0].cache_key("code-1")
    assert len(key) == 64
    assert (
        plan_jobs(two_reports, ["alpha"], {"n": "4"}, root=tmp_path)[0].cache_key("code-1") != key
    )
    assert base.cache_key("code-2") != key
    data = tmp_path / "in.csv"
    data.write_text("x\n")
    with_input = plan_jobs(two_reports, ["alpha"], {"data": str(data)}, root=tmp_path)[0]
    data.write_text("y\n")
    changed = plan_jobs(two_reports, ["alpha"], {"data": str(data)}, root=tmp_path)[0]
    assert with_input.cache_key("c") != changed.cache_key("c")
    notebook = base.report.path
    notebook.write_bytes(notebook.read_bytes() + b"\n")
    assert base.cache_key("code-1") != key  # the notebook's bytes


# -- config YAML ----------------------------------------------------------------------------


def test_config_jobs_of_one_notebook_with_different_parameters(two_reports, tmp_path):
    config = tmp_path / "schedule.yaml"
    config.write_text(
        "jobs:\n"
        "  - {name: alpha_small, notebook: alpha, parameters: {n: 2}}\n"
        "  - name: alpha_big\n    notebook: alpha\n    parameters:\n      n: 90\n      label: b\n"
        "  - notebook: beta\n"
    )
    jobs = plan_jobs(two_reports, config=load_config(config), root=tmp_path)
    assert [(j.name, j.report.name, j.parameters["n"]) for j in jobs] == [
        ("alpha_small", "alpha", 2),
        ("alpha_big", "alpha", 90),
        ("beta", "beta", 4),
    ]
    assert jobs[1].parameters["label"] == "b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jobs: [", r"not valid YAML \("),
        ("other: 1\n", r"expected a top-level 'jobs:' list of \{name, notebook, parameters\}"),
        ("jobs: []\n", r"expected a top-level 'jobs:' list"),
        ("jobs:\n  - name: x\n", r"job 1 needs at least 'notebook:'"),
        (
            "jobs:\n  - {notebook: alpha}\n  - {notebook: beta, params: {}}\n",
            r"job 2 has unknown key\(s\) \['params'\]",
        ),
        (
            "jobs:\n  - {notebook: alpha, parameters: [1, 2]}\n",
            r"job 1: 'parameters' must be a mapping",
        ),
    ],
)
def test_bad_config_files_are_refused_in_one_line(tmp_path, text, expected):
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    with pytest.raises(ParameterError, match=expected) as err:
        load_config(config)
    assert str(err.value).startswith(str(config)) and "\n" not in str(err.value)


def test_config_errors_found_when_planning(two_reports, tmp_path):
    with pytest.raises(ParameterError, match="no config file at"):
        load_config(tmp_path / "absent.yaml")
    with pytest.raises(ParameterError, match=r"job 'alpha': 2 jobs of the schedule have this name"):
        plan_jobs(two_reports, config=[{"notebook": "alpha"}, {"notebook": "alpha"}], root=tmp_path)
    with pytest.raises(
        ParameterError, match=r"report 'alpha', parameter 'n': expected int, got 'many'"
    ):
        plan_jobs(
            two_reports, config=[{"notebook": "alpha", "parameters": {"n": "many"}}], root=tmp_path
        )
    with pytest.raises(ParameterError, match=r"report 'beta' has no parameter 'label'"):
        plan_jobs(
            two_reports, config=[{"notebook": "beta", "parameters": {"label": "b"}}], root=tmp_path
        )


def test_run_jobs_refuses_zero_workers(two_reports, tmp_path):
    jobs = plan_jobs(two_reports, root=tmp_path)
    with pytest.raises(ParameterError, match="--jobs must be at least 1, got 0"):
        run_jobs(jobs, tmp_path / "out", n_jobs=0, root=tmp_path)
    assert not (tmp_path / "out").exists()


# -- atomic writes ----------------------------------------------------------------------------


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "r.html"
    atomic_write(target, "first")
    atomic_write(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_interrupted_write_keeps_the_old_file_and_removes_the_temporary(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_text("the good report")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, "half a rep")
    assert target.read_text() == "the good report"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


@pytest.mark.parametrize(
    "config", sorted((NOTEBOOKS / "params").glob("*.yaml")), ids=lambda p: p.name
)
def test_shipped_schedules_are_valid(config, tmp_path):
    """Every schedule in notebooks/params/ names existing reports and valid parameters (checked
    on a fresh clone: no warehouse built)."""
    jobs = plan_jobs(discover(NOTEBOOKS), config=load_config(config), root=tmp_path)
    assert len({j.name for j in jobs}) == len(jobs) > 0


def test_atomic_write_gives_ordinary_permissions_not_private_ones(tmp_path):
    """mkstemp makes 0600 files: a published page, index or manifest must be readable as any
    file the user writes (0666 less the umask), and keep the mode of the file it replaces."""
    umask = os.umask(0o022)
    try:
        new = atomic_write(tmp_path / "index.html", "x")
        assert new.stat().st_mode & 0o777 == 0o644
        new.chmod(0o640)
        assert atomic_write(new, "y").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


def test_a_parquet_folder_source_is_an_input_whose_change_reruns_the_report(
    two_reports, tmp_path, monkeypatch
):
    """A data-lake folder as ``data`` is fingerprinted: new files make a new cache key."""
    import pandas as pd

    lake = tmp_path / "user" / "lake"
    (lake / "month=2024-01").mkdir(parents=True)
    rows = pd.DataFrame(
        {"customer_id": [1], "timestamp": pd.Timestamp("2024-01-02"), "amount": 1.0}
    )
    rows.to_parquet(lake / "month=2024-01" / "part-0.parquet")
    monkeypatch.chdir(tmp_path / "user")
    plan = lambda: plan_jobs(  # noqa: E731
        two_reports, ["alpha"], {"data": "lake"}, root=tmp_path, user_dir=tmp_path / "user"
    )[0]
    first = plan()
    assert first.parameters["data"] == str(lake.resolve())  # relative to the user's folder
    assert list(first.inputs) == [str(lake.resolve())]
    assert plan().cache_key("code") == first.cache_key("code")
    (lake / "month=2024-02").mkdir()
    rows.to_parquet(lake / "month=2024-02" / "part-0.parquet")
    assert plan().cache_key("code") != first.cache_key("code")
