"""The `crm` command line: help texts, `crm list`, and bad `crm run` input refused before any
kernel starts with one `crm: error:` line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import papermill
import pytest

from crm_models.cli import main

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
REPORTS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def run_help(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_explains_the_workflow(capsys):
    text = run_help(capsys)
    assert text.startswith("usage: crm")
    for expected in (
        "crm data build",
        "crm list",
        "crm run",
        "--set",
        "--debug",
        "--project DIR",
        "--version",
        "COMMAND",
    ):
        assert expected in text, expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["list"], ["--notebooks", "notebook folder", "parameters"]),
        (
            ["run"],
            [
                "Run report notebooks",
                "NAME.html (management)",
                "index.html",
                "manifest.json",
                "--set KEY=VALUE",
                "--config",
                "--jobs",
                "--force",
                "--output",
                "--notebooks",
            ],
        ),
        (["data"], ["build", "load", "check", "info", "summary"]),
        (["data", "build"], ["--customers", "--seed", "--hillstrom", "--survey", "--path"]),
        (["data", "load"], ["--table", "--mode", "--allow-returns", "--dataset"]),
        (["data", "check"], ["--table", "--allow-returns"]),
        (["data", "info"], ["--path"]),
        (["data", "summary"], ["--dataset", "--time-unit", "--observation-end", "--out"]),
    ],
)
def test_every_subcommand_help(capsys, argv, expected):
    text = run_help(capsys, *argv)
    assert text.startswith(f"usage: crm {' '.join(argv)}")
    for fragment in expected:
        assert fragment in text, fragment


def test_report_commands_describe_themselves(capsys):
    """`crm list --help` and `crm run --help` say what the command does, not only its options."""
    assert "Show the reports" in run_help(capsys, "list")
    assert "Run report notebooks" in run_help(capsys, "run")


# -- crm list ---------------------------------------------------------------------------------


def _parameters(path: Path) -> list[tuple[str, str, object]]:
    """(name, type, default) from the parameters cell, read with ``ast``."""
    cell = next(
        c
        for c in nbformat.read(path, as_version=4).cells
        if "parameters" in c.metadata.get("tags", [])
    )
    return [
        (n.target.id, ast.unparse(n.annotation), ast.literal_eval(n.value))
        for n in ast.parse(cell.source).body
    ]


def test_list_shows_every_report_with_parameter_types_and_defaults(capsys):
    assert main(["list", "--notebooks", str(NOTEBOOKS)]) == 0
    text = capsys.readouterr().out
    blocks = {}
    for line in text.splitlines():
        if not line.startswith(" "):
            current = line.split(":")[0]
            blocks[current] = []
        else:
            blocks[current].append(line.strip())
    assert sorted(blocks) == REPORTS
    for name in REPORTS:
        parameter_lines = [line for line in blocks[name] if line.startswith("--set ")]
        expected = _parameters(NOTEBOOKS / f"{name}.ipynb")
        assert len(parameter_lines) == len(expected), name
        for line, (parameter, type_name, default) in zip(parameter_lines, expected, strict=True):
            assert line.startswith(f"--set {parameter}=…  ({type_name}, default {default!r}"), line


def test_list_shows_constraints(capsys):
    assert main(["list", "--notebooks", str(NOTEBOOKS)]) == 0
    text = capsys.readouterr().out
    assert "--set n_customers=…  (int, default 20000, in [500, 2,000,000])" in text
    assert "--set model=…  (str, default 'bgnbd', one of bgnbd, mbgnbd, paretonbd)" in text


# -- bad input is refused before any kernel starts ---------------------------------------------


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if papermill (hence a kernel) is started."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a kernel was started for a run that should have been refused")

    monkeypatch.setattr(papermill, "execute_notebook", forbidden)


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["segment_value", "--set", "nope=1"], ["segment_value", "'nope'"]),
        (
            ["segment_value", "--set", "n_customers=abc"],
            ["'segment_value'", "'n_customers'", "expected int"],
        ),
        (
            ["segment_value", "--set", "n_customers=10"],
            ["'segment_value'", "'n_customers'", "out of range", "[500, 2,000,000]"],
        ),
        (
            ["campaign_uplift", "--set", "outcome=revenue"],
            ["'campaign_uplift'", "'outcome'", "one of conversion, visit"],
        ),
        (
            ["satisfaction_loyalty_profit", "--set", "run_sem=maybe"],
            ["'satisfaction_loyalty_profit'", "'run_sem'", "true or false"],
        ),
        (["--set", "horizon_months=0"], ["'churn_retention'", "'horizon_months'", "out of range"]),
        (["no_such_report"], ["'no_such_report'", "available: " + ", ".join(REPORTS)]),
        (["segment_value", "--set", "n_customers"], ["--set expects key=value", "'n_customers'"]),
        (["segment_value", "--jobs", "0"], ["--jobs must be at least 1"]),
        (["segment_valu"], ["'segment_valu' (did you mean 'segment_value'?); available: "]),
        (
            ["segment_value", "--set", "n_customer=5"],
            ["'n_customer' (did you mean 'n_customers'?)"],
        ),
        (
            ["segment_value", "--set", "annual_discount_rate=nan"],
            ["'annual_discount_rate'", "expected a finite number, got 'nan'"],
        ),
        (
            ["segment_value", "--set", "annual_discount_rate=-inf"],
            ["'annual_discount_rate'", "expected a finite number, got '-inf'"],
        ),
        (
            ["customization_tradeoffs", "--set", "base_cost=Infinity"],
            ["'base_cost'", "expected a finite number, got 'Infinity'"],
        ),
        (
            ["segment_value", "--set", "n_customers=inf"],
            ["'n_customers'", "expected a finite number, got 'inf'"],
        ),
    ],
)
def test_bad_parameters_fail_fast_with_one_line(tmp_path, capsys, no_kernel, args, names):
    out = tmp_path / "out"
    code = main(["run", *args, "--notebooks", str(NOTEBOOKS), "--output", str(out)])
    captured = capsys.readouterr()
    assert code == 1
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: error: "), captured.err
    for fragment in names:
        assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("report", "parameter"),
    [
        ("satisfaction_loyalty_profit", "data_source"),
        ("segment_value", "data_source"),
        ("customization_tradeoffs", "conjoint_answers"),
        ("00_overview", "warehouse"),
    ],
)
def test_missing_input_file_fails_before_execution(tmp_path, capsys, no_kernel, report, parameter):
    missing = (
        tmp_path / "absent" / "input.csv" if parameter != "warehouse" else tmp_path / "x.duckdb"
    )
    out = tmp_path / "out"
    code = main(
        [
            "run",
            report,
            "--set",
            f"{parameter}={missing}",
            "--notebooks",
            str(NOTEBOOKS),
            "--output",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err == f"crm: error: report {report!r}, parameter {parameter!r}: no file at {missing}"
    assert not out.exists()


@pytest.mark.parametrize("name", ["n_draws", "equity_draws"])
def test_bad_config_fails_before_execution(tmp_path, capsys, no_kernel, name):
    """A bad value fails before any kernel starts, also under a deprecated parameter name."""
    config = tmp_path / "jobs.yaml"
    config.write_text(
        f"jobs:\n  - {{name: a, notebook: segment_value, parameters: {{{name}: 5}}}}\n"
    )
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--notebooks",
            str(NOTEBOOKS),
            "--output",
            str(tmp_path / "out"),
        ]
    )
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    if name == "equity_draws":
        assert lines.pop(0) == (
            "crm: warning: report 'segment_value': parameter 'equity_draws' is now 'n_draws'; "
            "the old name will be removed in the next release"
        )
    assert lines == [
        "crm: error: job 'a': report 'segment_value', parameter 'n_draws': 5 is out of range; "
        "expected a value in [20, 2,000]"
    ]


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        (
            "{n_customer: 5}",
            "crm: error: job 'a': report 'segment_value' has no parameter 'n_customer' "
            "(did you mean 'n_customers'?); its parameters: data_source, ",
        ),
        (
            "{annual_discount_rate: .nan}",
            "crm: error: job 'a': report 'segment_value', parameter 'annual_discount_rate': "
            "expected a finite number, got nan",
        ),
        (
            "{margin_rate: .inf}",
            "crm: error: job 'a': report 'segment_value', parameter 'margin_rate': "
            "expected a finite number, got inf",
        ),
    ],
)
def test_config_values_are_checked_with_suggestions(
    tmp_path, capsys, no_kernel, parameters, expected
):
    """A schedule's misspelt parameter gets a suggestion; YAML's .nan / .inf are refused."""
    config = tmp_path / "jobs.yaml"
    config.write_text(
        f"jobs:\n  - {{name: a, notebook: segment_value, parameters: {parameters}}}\n"
    )
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--notebooks",
            str(NOTEBOOKS),
            "--output",
            str(tmp_path / "out"),
        ]
    )
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith(expected), lines


def test_integers_written_as_floats_still_pass(tmp_path, monkeypatch):
    """A guard, not a change: 1e3 is a whole number and reaches the kernel as the int 1000."""
    given = []

    def record(*args, **kwargs):
        given.append(kwargs["parameters"])
        raise RuntimeError("recorded")

    monkeypatch.setattr(papermill, "execute_notebook", record)
    argv = ["run", "segment_value", "--set", "n_customers=1e3", "--notebooks", str(NOTEBOOKS)]
    assert main([*argv, "--output", str(tmp_path / "out")]) == 1  # the recorder fails the run
    assert given[0]["n_customers"] == 1000 and type(given[0]["n_customers"]) is int


def test_version(capsys):
    from crm_models import __version__

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out == f"crm-models {__version__}\n"
    assert re.fullmatch(r"crm-models \d+\.\d+\.\d+\n", out)


def test_debug_shows_the_traceback(tmp_path, no_kernel):
    from crm_models.errors import ParameterError

    with pytest.raises(ParameterError, match="'nope'"):
        main(
            [
                "--debug",
                "run",
                "segment_value",
                "--set",
                "nope=1",
                "--notebooks",
                str(NOTEBOOKS),
                "--output",
                str(tmp_path / "out"),
            ]
        )
