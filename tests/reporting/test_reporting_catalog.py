"""The report catalogue: parameters read from the notebook with papermill, their constraints,
and validation of values before any kernel starts."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from crm_models.errors import ParameterError
from crm_models.reporting.catalog import (
    Parameter,
    coerce_value,
    did_you_mean,
    discover,
    read_report,
    resolve_parameters,
)

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

TYPED = """n_customers: int = 20_000  # customers to simulate [100, 2000000]
rate: float = 0.10  # a share [0, 1]
floor: float = -1e-3  # lower bound only [-1, ]
cap: int = 5  # upper bound only [, 10]
mode: str = "fast"  # how to run {fast, exact}
flag: bool = True  # a switch
plain = 3  # no annotation
nothing = None
label: str = "x"  # free text, with "quotes" inside
"""


@pytest.fixture
def typed_report(tmp_path, notebook_factory):
    path = notebook_factory(
        tmp_path / "typed.ipynb",
        TYPED,
        [("code", "print(n_customers)")],
        title="Typed",
        summary="One of each kind.",
    )
    return read_report(path)


def test_types_defaults_help_and_constraints(typed_report):
    p = typed_report.parameters
    assert list(p) == [
        "n_customers",
        "rate",
        "floor",
        "cap",
        "mode",
        "flag",
        "plain",
        "nothing",
        "label",
    ]
    assert (p["n_customers"].type_name, p["n_customers"].default) == ("int", 20000)
    assert p["n_customers"].help == "customers to simulate"  # the constraint is cut off the help
    assert (p["n_customers"].low, p["n_customers"].high) == (100, 2_000_000)
    assert (p["rate"].type_name, p["rate"].default, p["rate"].low, p["rate"].high) == (
        "float",
        0.1,
        0,
        1,
    )
    assert (p["floor"].default, p["floor"].low, p["floor"].high) == (-0.001, -1, None)
    assert (p["cap"].low, p["cap"].high) == (None, 10)
    assert p["mode"].choices == ("fast", "exact") and p["mode"].help == "how to run"
    assert (p["flag"].type_name, p["flag"].default) == ("bool", True)
    # without an annotation the type comes from the default; None defaults count as text
    assert (p["plain"].type_name, p["plain"].default) == ("int", 3)
    assert (p["nothing"].type_name, p["nothing"].default) == ("str", None)
    assert p["label"].help == 'free text, with "quotes" inside' and not p["label"].choices


def test_constraint_descriptions(typed_report):
    p = typed_report.parameters
    assert p["n_customers"].describe_constraint() == "in [100, 2,000,000]"
    assert p["floor"].describe_constraint() == ">= -1"
    assert p["cap"].describe_constraint() == "<= 10"
    assert p["mode"].describe_constraint() == "one of fast, exact"
    assert p["flag"].describe_constraint() == ""


def test_title_and_summary_from_metadata_else_from_file_name(
    tmp_path, notebook_factory, typed_report
):
    assert (typed_report.name, typed_report.title, typed_report.summary) == (
        "typed",
        "Typed",
        "One of each kind.",
    )
    bare = read_report(notebook_factory(tmp_path / "my_study.ipynb", "x = 1\n"))
    assert (bare.title, bare.summary) == ("My Study", "")


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("d: float = 1.5  # a comment with = inside", "comment with '='"),
        ('s: str = "a=b"  # equals sign in the value', "value with '='"),
    ],
)
def test_lines_papermill_cannot_parse_are_refused(tmp_path, notebook_factory, line, why):
    """papermill silently skips such lines; the catalogue refuses the notebook instead ({why})."""
    path = notebook_factory(tmp_path / "bad.ipynb", f"ok: int = 1\n{line}\n")
    with pytest.raises(ParameterError) as err:
        read_report(path)
    message = str(err.value)
    name = line.split(":")[0]
    assert str(path) in message and f"line 2 ({name})" in message and "cannot be read" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "k: int = 1  # malformed range [1..5, 10]",
            r"parameter 'k': cannot read the range '\[1\.\.5, 10\]'",
        ),
        (
            "k: int = 5  # reversed range [10, 1]",
            r"parameter 'k': empty range '\[10, 1\]' \(low > high\)",
        ),
        (
            "k: int = 2 * 10  # an expression",
            r"parameter 'k': default '2 \* 10' is not a Python literal",
        ),
        (
            "k: int = 5  # default outside its own range [10, 20]",
            r"report 'bad', parameter 'k': 5 is out of range",
        ),
        (
            'k: str = "slow"  # default outside its choices {fast, exact}',
            r"'slow' is not allowed; expected one of fast, exact",
        ),
        ('k: int = "abc"  # wrong type', r"parameter 'k': expected int, got 'abc'"),
        ("k: bool = 1  # not a boolean", r"parameter 'k': expected true or false, got 1"),
    ],
)
def test_unusable_parameter_definitions_are_refused(tmp_path, notebook_factory, line, expected):
    """A constraint or default the runner could not honour is refused when the notebook is read,
    naming the notebook file and the parameter (not a traceback, not a silent string)."""
    path = notebook_factory(tmp_path / "bad.ipynb", line + "\n")
    with pytest.raises(ParameterError, match=expected) as err:
        read_report(path)
    assert str(err.value).startswith(str(path))
    assert "\n" not in str(err.value)


def test_notebook_without_parameters_cell_or_kernelspec_is_refused(tmp_path, notebook_factory):
    no_cell = notebook_factory(tmp_path / "nocell.ipynb", None, [("code", "x = 1")])
    with pytest.raises(ParameterError, match="no cell tagged 'parameters'") as err:
        read_report(no_cell)
    assert str(no_cell) in str(err.value)
    no_kernel = notebook_factory(tmp_path / "nokernel.ipynb", "x = 1\n", kernelspec=False)
    with pytest.raises(ParameterError, match="cannot read the parameters") as err:
        read_report(no_kernel)
    assert str(no_kernel) in str(err.value)


def test_missing_notebook_and_folder(tmp_path):
    with pytest.raises(ParameterError, match="no notebook at"):
        read_report(tmp_path / "absent.ipynb")
    with pytest.raises(ParameterError, match="no notebooks folder at"):
        discover(tmp_path / "absent")


def test_discover_in_file_name_order(tmp_path, notebook_factory):
    for name in ("b_second", "a_first", "c_third"):
        notebook_factory(tmp_path / f"{name}.ipynb", "x = 1\n")
    (tmp_path / "notes.txt").write_text("not a notebook")
    assert list(discover(tmp_path)) == ["a_first", "b_second", "c_third"]


# -- coerce_value: strings from --set and values from YAML -------------------------------

INT = Parameter("n", "int", 10, low=1, high=100)
FLOAT = Parameter("rate", "float", 0.5, low=0, high=1)
BOOL = Parameter("flag", "bool", False)
CHOICE = Parameter("mode", "str", "fast", choices=("fast", "exact"))
UNBOUNDED = Parameter("x", "float", 1.0)


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        (INT, "42", 42),
        (INT, "1e2", 100),
        (INT, "1_0", 10),
        (INT, "7.0", 7),
        (INT, 5, 5),
        (INT, 5.0, 5),
        (FLOAT, "0.25", 0.25),
        (FLOAT, 1, 1.0),
        (FLOAT, "0", 0.0),
        (BOOL, "true", True),
        (BOOL, "No", False),
        (BOOL, "1", True),
        (BOOL, False, False),
        (CHOICE, "exact", "exact"),
    ],
)
def test_values_are_converted_to_the_parameter_type(parameter, value, expected):
    converted = coerce_value("rep", parameter, value)
    assert converted == expected and type(converted) is type(expected)


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        (INT, "abc", r"report 'rep', parameter 'n': expected int, got 'abc'"),
        (INT, "2.5", r"report 'rep', parameter 'n': expected a whole number, got '2.5'"),
        (INT, True, r"report 'rep', parameter 'n': expected int, got True"),
        (
            INT,
            "0",
            r"report 'rep', parameter 'n': 0 is out of range; expected a value in \[1, 100\]",
        ),
        (INT, "101", r"101 is out of range; expected a value in \[1, 100\]"),
        (FLOAT, "1.5", r"parameter 'rate': 1.5 is out of range; expected a value in \[0, 1\]"),
        (FLOAT, None, r"parameter 'rate': expected float, got None"),
        (BOOL, "maybe", r"parameter 'flag': expected true or false, got 'maybe'"),
        (BOOL, 1, r"parameter 'flag': expected true or false, got 1"),
        (CHOICE, "slow", r"parameter 'mode': 'slow' is not allowed; expected one of fast, exact"),
        (FLOAT, "nan", r"parameter 'rate': expected a finite number, got 'nan'"),
        (FLOAT, "NaN", r"parameter 'rate': expected a finite number, got 'NaN'"),
        (FLOAT, float("nan"), r"parameter 'rate': expected a finite number, got nan"),
        (FLOAT, "inf", r"parameter 'rate': expected a finite number, got 'inf'"),
        (FLOAT, "-Infinity", r"parameter 'rate': expected a finite number, got '-Infinity'"),
        (UNBOUNDED, "nan", r"parameter 'x': expected a finite number, got 'nan'"),
        (UNBOUNDED, float("inf"), r"parameter 'x': expected a finite number, got inf"),
        (UNBOUNDED, "-inf", r"parameter 'x': expected a finite number, got '-inf'"),
        (INT, "nan", r"parameter 'n': expected a finite number, got 'nan'"),
        (INT, float("-inf"), r"parameter 'n': expected a finite number, got -inf"),
    ],
)
def test_bad_values_name_report_parameter_and_expectation(parameter, value, expected):
    with pytest.raises(ParameterError, match=expected):
        coerce_value("rep", parameter, value)


def test_bounds_are_inclusive():
    assert coerce_value("rep", INT, "1") == 1 and coerce_value("rep", INT, "100") == 100
    assert coerce_value("rep", FLOAT, 0) == 0.0 and coerce_value("rep", FLOAT, 1) == 1.0


def test_resolve_parameters_defaults_overrides_and_unknown_names(typed_report):
    values = resolve_parameters(typed_report, {"n_customers": "500", "flag": "false"})
    assert values["n_customers"] == 500 and values["flag"] is False
    assert values["rate"] == 0.1 and values["mode"] == "fast"  # untouched defaults
    with pytest.raises(ParameterError) as err:
        resolve_parameters(typed_report, {"nope": 1, "n_customers": 500})
    message = str(err.value)
    assert "report 'typed' has no parameter 'nope'" in message
    assert "its parameters: n_customers, rate" in message
    with pytest.raises(ParameterError) as err:
        resolve_parameters(typed_report, {"n_customer": 500})
    assert str(err.value).startswith(
        "report 'typed' has no parameter 'n_customer' (did you mean 'n_customers'?); "
    )


def test_did_you_mean():
    names = ["segment_value", "campaign_uplift", "00_overview"]
    assert did_you_mean("segment_valu", names) == " (did you mean 'segment_value'?)"
    assert did_you_mean("campain_uplift", names) == " (did you mean 'campaign_uplift'?)"
    assert did_you_mean("zzz", names) == ""
    assert did_you_mean("x", []) == ""


# -- the study notebooks -----------------------------------------------------------------


def _parameters_cell(path: Path) -> list[tuple[str, str, object]]:
    """(name, annotation, default) of the parameters cell, read with ``ast`` (an oracle
    independent of papermill)."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    out = []
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.AnnAssign), (
            f"{path.name}: untyped parameter line {ast.unparse(node)}"
        )
        out.append((node.target.id, ast.unparse(node.annotation), ast.literal_eval(node.value)))
    return out


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_study_notebooks_parameters_are_read_completely(path):
    """Every typed line of a study notebook's parameters cell reaches the catalogue with its
    type and default, and every default passes its own constraint."""
    report = read_report(path)
    expected = _parameters_cell(path)
    assert [(p.name, p.type_name, p.default) for p in report.parameters.values()] == expected
    assert report.title and report.summary, (
        f"{path.name}: add metadata.crm_report title and summary"
    )
    for p in report.parameters.values():
        assert coerce_value(report.name, p, p.default) == p.default
