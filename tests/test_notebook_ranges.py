"""No notebook raises on a parameter value the catalog accepts: every study notebook runs
through the real pipeline (`crm run --config … --jobs 2`, one call for all runs) twice —

- ``low``: every numeric parameter at the low edge of its declared ``[low, high]`` range;
- ``high``: every numeric parameter at the high edge, every choice parameter at a choice
  other than its default and every flag flipped;

with size-like parameters (customers, respondents, market size, bootstrap resamples, draws,
samples, tasks) held at their low edge in both runs, which keeps the whole module within about
three minutes on two cores. A parameter without a closed range keeps its default here (and
fails ``test_every_numeric_parameter_has_a_closed_range`` in tests/test_notebooks.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from crm_models.cli import main
from crm_models.reporting.catalog import Parameter, Report, discover

pytestmark = pytest.mark.range_edges  # left out of the pandas-3 pass of .ci/run

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
REPORTS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
EDGES = ("low", "high")
SIZE_LIKE = re.compile(r"customers|respondents|market_size|boot|draws|sample|tasks")


def is_size_like(parameter: Parameter) -> bool:
    """A parameter whose value sets the amount of work (held small in both runs)."""
    return parameter.type_name in ("int", "float") and SIZE_LIKE.search(parameter.name) is not None


def _typed(parameter: Parameter, value: float) -> int | float:
    return int(value) if parameter.type_name == "int" else float(value)


def edge_parameters(report: Report, edge: str) -> dict[str, object]:
    """The parameter values of ``report``'s run at ``edge`` (``low`` or ``high``)."""
    values: dict[str, object] = {}
    for p in report.parameters.values():
        if p.choices:
            others = [c for c in p.choices if c != p.default]
            if edge == "high" and others:
                values[p.name] = others[-1]
        elif p.type_name == "bool":
            if edge == "high":
                values[p.name] = not p.default
        elif p.type_name in ("int", "float"):
            bound = p.low if edge == "low" or is_size_like(p) else p.high
            if bound is not None:
                values[p.name] = _typed(p, bound)
    return values


def test_edges_follow_the_declared_ranges(tmp_path):
    """The planner itself: low/high edges, sizes held low, choices and flags changed."""
    from crm_models.reporting.catalog import _parameter

    report = Report(
        "demo",
        tmp_path / "demo.ipynb",
        "Demo",
        "",
        {
            "n_customers": _parameter(
                "n_customers",
                {
                    "default": "2000",
                    "inferred_type_name": "int",
                    "help": "customers [500, 2000000]",
                },
            ),
            "rate": _parameter(
                "rate", {"default": "0.1", "inferred_type_name": "float", "help": "rate [0, 1]"}
            ),
            "seed": _parameter(
                "seed", {"default": "1", "inferred_type_name": "int", "help": "seed [0, ]"}
            ),
            "model": _parameter(
                "model", {"default": "'a'", "inferred_type_name": "str", "help": "model {a, b, c}"}
            ),
            "flag": _parameter(
                "flag", {"default": "True", "inferred_type_name": "bool", "help": ""}
            ),
            "path": _parameter(
                "path", {"default": "''", "inferred_type_name": "str", "help": "file"}
            ),
        },
    )
    assert edge_parameters(report, "low") == {"n_customers": 500, "rate": 0.0, "seed": 0}
    assert edge_parameters(report, "high") == {
        "n_customers": 500,
        "rate": 1.0,  # seed: open
        "model": "c",
        "flag": False,
    }


@pytest.fixture(scope="module")
def edge_run(tmp_path_factory):
    """Both edge runs of every notebook, in one `crm run --jobs 2`."""
    base = tmp_path_factory.mktemp("edge-run")
    reports = discover(NOTEBOOKS)
    planned = {
        (name, edge): edge_parameters(reports[name], edge) for name in REPORTS for edge in EDGES
    }
    jobs = [
        {"name": f"{name}__{edge}", "notebook": name, "parameters": values}
        for (name, edge), values in planned.items()
    ]
    config = base / "edges.yaml"
    config.write_text(yaml.safe_dump({"jobs": jobs}, sort_keys=False))
    out = base / "reports"
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--notebooks",
            str(NOTEBOOKS),
            "--output",
            str(out),
            "--jobs",
            "2",
            "--force",
        ]
    )
    manifest = json.loads((out / "manifest.json").read_text())
    return SimpleNamespace(
        code=code, planned=planned, entries={e["name"]: e for e in manifest["reports"]}
    )


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("name", REPORTS)
def test_notebook_runs_at_the_edge_of_every_range(edge_run, name, edge):
    entry = edge_run.entries[f"{name}__{edge}"]
    assert entry["status"] == "ok", (
        f"{name} fails at the {edge} edge with {edge_run.planned[name, edge]}: {entry['error']} "
        f"(see {entry['executed_notebook']})"
    )
    for key, value in edge_run.planned[name, edge].items():
        assert entry["parameters"][key] == value, key
