"""Renamed notebook parameters keep working for one release: the old name (recorded in the
notebook's metadata ``crm_report.renamed_parameters``) is mapped to the new one with one
deprecation line, in ``--set`` and in ``--config`` jobs; old and new together are refused."""

from __future__ import annotations

import json

import papermill
import pytest

from crm_models.cli import main
from crm_models.errors import ParameterError
from crm_models.reporting.catalog import apply_renames, discover, read_report, resolve_parameters
from crm_models.reporting.runner import plan_jobs

pytestmark = pytest.mark.processes  # left out of the pandas-3 pass of .ci/run

PARAMETERS = (
    "margin_rate: float = 0.3  # share of revenue [0, 1]\nsize: int = 3  # items [1, 100]\n"
)
BODY = [
    (
        "code",
        "from crm_models.reporting import publish_figures\n\n"
        "_ = publish_figures({'margin_rate': margin_rate, 'size': size})",
    )
]
RENAMED = {"margin": "margin_rate"}
WARNING = (
    "crm: warning: report 'renamed': parameter 'margin' is now 'margin_rate'; "
    "the old name will be removed in the next release"
)


@pytest.fixture
def folder(tmp_path, notebook_factory):
    """A notebooks folder with ``renamed.ipynb`` (margin -> margin_rate) and ``plain.ipynb``."""
    folder = tmp_path / "notebooks"
    notebook_factory(folder / "renamed.ipynb", PARAMETERS, BODY, title="Renamed", renamed=RENAMED)
    notebook_factory(folder / "plain.ipynb", "size: int = 3  # items [1, 100]\n", title="Plain")
    return folder


@pytest.fixture
def no_kernel(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a kernel was started for a run that should have been refused")

    monkeypatch.setattr(papermill, "execute_notebook", forbidden)


def test_the_catalog_reads_the_renames(folder):
    reports = discover(folder)
    assert reports["renamed"].renamed_parameters == RENAMED
    assert reports["plain"].renamed_parameters == {}


@pytest.mark.parametrize(
    ("renamed", "message"),
    [
        ({"margin": "margin_share"}, "has no parameter 'margin_share'"),
        ({"size": "margin_rate"}, "'size' is still a parameter"),
        (["margin"], "must map old names to new names"),
    ],
)
def test_inconsistent_renames_are_refused(tmp_path, notebook_factory, renamed, message):
    path = notebook_factory(tmp_path / "bad.ipynb", PARAMETERS, BODY, renamed=renamed)
    with pytest.raises(ParameterError, match=message):
        read_report(path)


def test_apply_renames_maps_old_to_new_and_warns(folder):
    report = discover(folder)["renamed"]
    messages = []
    mapped = apply_renames(report, {"margin": "0.4", "size": 5}, messages.append)
    assert mapped == {"margin_rate": "0.4", "size": 5}
    assert messages == [WARNING.removeprefix("crm: warning: ")]
    assert resolve_parameters(report, {"margin": "0.4"})["margin_rate"] == 0.4


def test_old_and_new_name_together_are_refused(folder):
    report = discover(folder)["renamed"]
    with pytest.raises(
        ParameterError, match="'margin' is the old name of 'margin_rate'; give only"
    ):
        apply_renames(report, {"margin": 0.4, "margin_rate": 0.5})
    with pytest.raises(ParameterError, match="give only 'margin_rate'"):
        plan_jobs(discover(folder), ["renamed"], {"margin": 0.4, "margin_rate": 0.5}, warn=print)


def test_set_with_the_old_name_warns_once_across_jobs(folder, tmp_path):
    messages = []
    config = [
        {"name": "a", "notebook": "renamed", "parameters": {"margin": 0.1}},
        {"name": "b", "notebook": "renamed"},
        {"name": "c", "notebook": "plain"},
    ]
    jobs = plan_jobs(
        discover(folder),
        config=config,
        overrides={"margin": "0.2"},
        root=tmp_path,
        warn=messages.append,
    )
    assert [j.parameters for j in jobs] == [
        {"margin_rate": 0.2, "size": 3},
        {"margin_rate": 0.2, "size": 3},
        {"size": 3},
    ]
    assert messages == [WARNING.removeprefix("crm: warning: ")]


def test_the_old_name_is_checked_like_the_new_one(folder, capsys, no_kernel, tmp_path):
    code = main(
        [
            "run",
            "renamed",
            "--set",
            "margin=2",
            "--notebooks",
            str(folder),
            "--output",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith(
        "crm: error: report 'renamed', parameter 'margin_rate': 2.0 is out of range"
    )
    assert "Traceback" not in "\n".join(err)


def test_both_names_on_the_command_line_fail_with_one_line(folder, capsys, no_kernel, tmp_path):
    code = main(
        [
            "run",
            "renamed",
            "--set",
            "margin=0.2",
            "--set",
            "margin_rate=0.3",
            "--notebooks",
            str(folder),
            "--output",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert err[0] == (
        "crm: error: report 'renamed': parameter 'margin' is the old name of "
        "'margin_rate'; give only 'margin_rate'"
    )


def test_run_with_old_names_in_set_and_config(folder, capsys, tmp_path):
    """A real run: --set and a YAML job with the old name, one warning line each report."""
    config = tmp_path / "jobs.yaml"
    config.write_text(
        "jobs:\n  - {name: from_yaml, notebook: renamed, parameters: {margin: 0.25}}\n"
        "  - {name: from_set, notebook: renamed}\n"
    )
    out = tmp_path / "out"
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--set",
            "size=7",
            "--notebooks",
            str(folder),
            "--output",
            str(out),
            "--jobs",
            "1",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured
    assert captured.err.strip().splitlines() == [WARNING]
    figures = json.loads((out / "from_yaml.json").read_text())["figures"]
    assert figures == {"margin_rate": 0.25, "size": 7}
    code = main(
        ["run", "renamed", "--set", "margin=0.5", "--notebooks", str(folder), "--output", str(out)]
    )
    captured = capsys.readouterr()
    assert code == 0 and captured.err.strip().splitlines() == [WARNING]
    payload = json.loads((out / "renamed.json").read_text())
    assert payload["parameters"] == {"margin_rate": 0.5, "size": 3}
    assert "Traceback" not in captured.err + captured.out


def test_list_shows_old_names_as_deprecated_aliases(folder, capsys):
    assert main(["list", "--notebooks", str(folder)]) == 0
    text = capsys.readouterr().out
    assert "    deprecated alias: margin (now margin_rate; removed in the next release)" in text
    assert text.count("--set ") == 3  # aliases are not listed as parameters
