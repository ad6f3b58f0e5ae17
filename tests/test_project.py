"""Runs from anywhere: the project root is found from the working folder (or ``--project`` /
``CRM_PROJECT``); default paths and the notebooks' relative paths resolve against it, while a
relative path typed on the command line stays relative to the user's working folder."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import papermill
import pytest

from crm_models.cli import main
from crm_models.data import Warehouse, simulate_world
from crm_models.data.build import world_datasets
from crm_models.errors import ParameterError
from crm_models.loyalty.inputs import load_inputs as load_survey
from crm_models.loyalty.spec import ModelSpec, resolve_spec
from crm_models.project import PROJECT_ENV, find_project_root, project_root, resolve_path
from crm_models.reporting.catalog import discover
from crm_models.reporting.jobs import plan_jobs
from crm_models.reporting.overview import warehouse_tables
from crm_models.value.inputs import load_inputs

REPO = Path(__file__).resolve().parents[1]
KERNEL = "python3"
DEMO_PARAMETERS = """n: int = 3  # items [1, 100]
data: str = ""  # optional input CSV whose lines are counted
export_path: str = ""  # a file the report would write; empty: none
"""
DEMO_BODY = """from crm_models.reporting import publish_figures

rows = len(open(data).read().splitlines()) if data else 0
_ = publish_figures({"n": n, "square": n * n, "rows": rows})
"""


def write_demo(path: Path) -> Path:
    """A two-cell report: parameters ``n`` and ``data``; publishes n, its square, data rows."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    nb.metadata["crm_report"] = {"title": "Demo report"}
    parameters = nbformat.v4.new_code_cell(DEMO_PARAMETERS)
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell(DEMO_BODY)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(autouse=True)
def no_project_env(monkeypatch):
    monkeypatch.delenv(PROJECT_ENV, raising=False)


@pytest.fixture(scope="module")
def world():
    return simulate_world(n_customers=300, seed=5)


@pytest.fixture
def project(tmp_path) -> Path:
    """A tmp crm-models project: the real pyproject.toml, ``notebooks/demo.ipynb`` and a
    subfolder ``notes/deeper``."""
    root = tmp_path / "proj"
    root.mkdir()
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    write_demo(root / "notebooks" / "demo.ipynb")
    (root / "notes" / "deeper").mkdir(parents=True)
    return root


@pytest.fixture
def warehouse_project(project, world) -> Path:
    """``project`` with a small warehouse at its default place, ``data/crm.duckdb``."""
    Warehouse(project / "data" / "crm.duckdb").build(world_datasets(world), source="test")
    return project


# -- the root ------------------------------------------------------------------------------------


def test_the_root_is_found_from_any_subfolder(project, monkeypatch):
    for folder in (project, project / "notebooks", project / "notes" / "deeper"):
        assert find_project_root(folder) == project
        monkeypatch.chdir(folder)
        assert project_root() == project
        assert resolve_path("data/crm.duckdb") == project / "data" / "crm.duckdb"
    assert resolve_path("/abs/x.csv") == Path("/abs/x.csv")


def test_only_a_crm_models_project_counts(tmp_path, monkeypatch):
    other = tmp_path / "other"
    (other / "notebooks").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "pyproject.toml").write_text("not = [toml")
    for folder in (other, other / "notebooks", tmp_path / "broken"):
        assert find_project_root(folder) is None
    monkeypatch.chdir(other / "notebooks")
    assert project_root() == (other / "notebooks").resolve()  # no project: the working folder


def test_explicit_root_then_environment_then_search(project, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(project / "notebooks")
    monkeypatch.setenv(PROJECT_ENV, str(elsewhere))
    assert project_root() == elsewhere
    assert project_root(project) == project
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path / "absent"))
    with pytest.raises(ParameterError, match=f"{PROJECT_ENV} .*absent: no folder at"):
        project_root()


# -- the command line from a subfolder -------------------------------------------------------------


def test_list_from_a_subfolder(project, monkeypatch, capsys):
    monkeypatch.chdir(project / "notes" / "deeper")
    assert main(["list"]) == 0
    assert capsys.readouterr().out.startswith("demo: Demo report")


def test_list_from_the_real_notebooks_folder(monkeypatch, capsys):
    monkeypatch.chdir(REPO / "notebooks")
    assert main(["list"]) == 0
    assert "segment_value: Segment value" in capsys.readouterr().out


def test_run_from_a_subfolder_writes_into_the_root_and_reads_user_paths_from_the_cwd(
    project, monkeypatch, capsys
):
    """Default output is ``reports/`` in the root; ``--set data=rows.csv`` is relative to the
    working folder (the kernel runs in the root, so the path is made absolute first)."""
    here = project / "notes" / "deeper"
    (here / "rows.csv").write_text("a\nb\nc\n")
    monkeypatch.chdir(here)
    assert main(["run", "demo", "--set", "n=4", "--set", "data=rows.csv"]) == 0, capsys.readouterr()
    payload = json.loads((project / "reports" / "demo.json").read_text())
    assert payload["figures"] == {"n": 4, "square": 16, "rows": 3}
    assert payload["parameters"]["data"] == str(here / "rows.csv")
    assert not (here / "reports").exists()


def test_relative_paths_typed_by_the_user_are_made_absolute(project):
    """From a subfolder, ``--set`` file paths (inputs and export…) are made absolute against it
    before any kernel starts; from the root they stay as typed (they mean the same there)."""
    here = project / "notes"
    (here / "rows.csv").write_bytes(b"a\nb\n")
    reports = discover(project / "notebooks")
    given = {"data": "rows.csv", "export_path": "out/list.csv", "n": "2"}
    job = plan_jobs(reports, ["demo"], given, root=project, user_dir=here)[0]
    assert job.parameters["data"] == str(here / "rows.csv")
    assert job.parameters["export_path"] == str(here / "out" / "list.csv")
    assert job.parameters["n"] == 2
    assert job.inputs == {str(here / "rows.csv"): hashlib.sha256(b"a\nb\n").hexdigest()}
    at_root = plan_jobs(reports, ["demo"], {"data": "notes/rows.csv"}, root=project)[0]
    assert at_root.parameters["data"] == "notes/rows.csv"
    with pytest.raises(ParameterError, match=f"no file at {here / 'absent.csv'}"):
        plan_jobs(reports, ["demo"], {"data": "absent.csv"}, root=project, user_dir=here)


def test_project_option_and_environment(project, tmp_path, monkeypatch, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert main(["--project", str(project), "list"]) == 0
    assert capsys.readouterr().out.startswith("demo: Demo report")
    monkeypatch.setenv(PROJECT_ENV, str(project))
    assert main(["list"]) == 0
    assert capsys.readouterr().out.startswith("demo: Demo report")
    assert main(["--project", str(tmp_path / "absent"), "list"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"crm: error: --project {tmp_path / 'absent'}: no folder at {tmp_path / 'absent'}"


def test_outside_any_project_the_error_says_how_to_give_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["list"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: error: no notebooks folder at ")
    assert "--project DIR" in lines[0]


def test_data_info_from_a_subfolder_reads_the_root_warehouse(
    warehouse_project, monkeypatch, capsys
):
    monkeypatch.chdir(warehouse_project / "notes")
    assert main(["data", "info"]) == 0
    assert "transactions" in capsys.readouterr().out


# -- notebooks opened from notebooks/ (JupyterLab's working folder) -------------------------------


def test_package_paths_resolve_from_the_notebooks_folder(warehouse_project, world, monkeypatch):
    """What the notebooks call: the overview's warehouse, ``warehouse:DATASET`` and a relative
    ``data_source`` file all resolve against the project root."""
    world.transactions.head(400).to_csv(warehouse_project / "data" / "tx.csv", index=False)
    monkeypatch.chdir(warehouse_project / "notebooks")
    tables = warehouse_tables("data/crm.duckdb")
    assert tables is not None and len(tables) == len(
        Warehouse(resolve_path("data/crm.duckdb")).info()
    )
    assert len(load_inputs("warehouse:world").transactions) == len(world.transactions)
    assert load_inputs("data/tx.csv").label == "file data/tx.csv"
    world.survey.to_csv(warehouse_project / "data" / "survey.csv", index=False)
    assert len(load_survey("data/survey.csv").survey) == len(world.survey)
    spec = ModelSpec.ecsi()
    (warehouse_project / "spec.json").write_text(json.dumps(spec.to_dict()))
    assert resolve_spec("spec.json").to_dict() == spec.to_dict()


def test_overview_notebook_run_from_notebooks_finds_the_warehouse(warehouse_project, tmp_path):
    notebook = warehouse_project / "notebooks" / "00_overview.ipynb"
    shutil.copy(REPO / "notebooks" / "00_overview.ipynb", notebook)
    executed = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(notebook),
        str(executed),
        parameters={"n_customers": 200},
        kernel_name=KERNEL,
        cwd=str(warehouse_project / "notebooks"),
        progress_bar=False,
    )
    text = json.dumps([c.get("outputs", []) for c in nbformat.read(executed, 4).cells])
    assert "No warehouse at" not in text
    assert "<code>data/crm.duckdb</code> holds" in text


# --- py.typed ---------------------------------------------------------------------------------


def test_py_typed_is_in_the_installed_package():
    from importlib.resources import files

    marker = files("crm_models") / "py.typed"
    assert marker.is_file(), "src/crm_models/py.typed is missing"


def test_py_typed_is_in_the_built_wheel(tmp_path):
    """Build the wheel from a copy of the sources (no network, no build isolation)."""
    import subprocess
    import sys
    import zipfile

    src = tmp_path / "src-copy"
    shutil.copytree(
        REPO / "src", src / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    for name in ["pyproject.toml", "README.md"]:
        shutil.copy(REPO / name, src / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = (tmp_path / "dist").glob("crm_models-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "crm_models/py.typed" in names


def _readme_test_command() -> str:
    """The README's second command (set up, lint, type check, docs, tests)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = [
        line for line in readme.splitlines() if line.startswith("python3 -m venv .venv && ")
    ]
    assert len(commands) == 2, "the README gives exactly two commands for a fresh machine"
    return commands[1]


def test_ci_runs_the_readme_test_command_and_stops_when_it_fails(tmp_path):
    """`.ci/run` holds the README's test command verbatim, and a failure in it ends CI.

    ``set -e`` does not stop at a failure inside an ``a && b && c`` chain; the script's line
    must end the run itself. The same line shape is run by bash with a failing first step.
    """
    import subprocess

    command = _readme_test_command()
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    (line,) = [x for x in script.splitlines() if x.startswith(command)]
    guard = line[len(command) :]
    shaped = tmp_path / "shaped.sh"
    shaped.write_text(f"set -euo pipefail\nfalse && true{guard}\necho went-on\n", encoding="utf-8")
    done = subprocess.run(["bash", str(shaped)], capture_output=True, text=True)
    assert done.returncode != 0 and "went-on" not in done.stdout, (
        f"a failing step of the README's test command would not stop .ci/run ({line!r})"
    )
