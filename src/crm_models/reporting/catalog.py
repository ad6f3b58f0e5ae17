"""The report catalogue: which notebooks exist, their titles and typed parameters.

A report is ``notebooks/NAME.ipynb``. Its parameters are read from the cell tagged
``parameters`` with ``papermill.inspect_notebook`` — never duplicated by hand. A parameter's
help comment may end with a constraint that ``crm run`` checks before any kernel starts:

- ``[low, high]`` numeric range, either bound may be left empty: ``[100, ]``;
- ``{a, b, c}`` the allowed string values.

Example: ``n_customers: int = 20_000  # customers to simulate [100, 2000000]``.

A renamed parameter keeps working for one release: the notebook's metadata lists
``crm_report.renamed_parameters = {"old_name": "new_name"}``; ``apply_renames`` maps a value
given under the old name to the new one with a deprecation message.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import SupportsFloat, cast

from crm_models.errors import ParameterError

RANGE = re.compile(r"\[\s*([-+0-9.eE_]*)\s*,\s*([-+0-9.eE_]*)\s*\]\s*$")
CHOICES = re.compile(r"\{([^{}]+)\}\s*$")
TYPES = {"int": int, "float": float, "bool": bool, "str": str}


@dataclass(frozen=True)
class Parameter:
    """One notebook parameter: name, type name, default (a Python value), help, constraint."""

    name: str
    type_name: str
    default: object
    help: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def describe_constraint(self) -> str:
        """Describe the constraint for messages and ``crm list``.

        Returns
        -------
        str
            E.g. ``in [1, 100]``, ``>= 0``, ``one of a, b``; empty without a constraint.
        """
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.low is not None and self.high is not None:
            return f"in [{_number(self.low)}, {_number(self.high)}]"
        if self.low is not None:
            return f">= {_number(self.low)}"
        if self.high is not None:
            return f"<= {_number(self.high)}"
        return ""


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


@dataclass(frozen=True)
class Report:
    """A study notebook: ``name`` (file stem), path, title, one-line summary, parameters."""

    name: str
    path: Path
    title: str
    summary: str
    parameters: dict[str, Parameter] = field(default_factory=dict)
    renamed_parameters: dict[str, str] = field(default_factory=dict)  # old name -> new name


def _parse_default(name: str, text: str) -> object:
    """Return the default as a Python value.

    A default that is not a literal (e.g. ``2 * 10``) is refused: the runner injects every
    value, and text would silently replace the number.
    """
    import ast

    try:
        return ast.literal_eval(
            text.replace("_", "") if re.fullmatch(r"[-+0-9_.eE]+", text) else text
        )
    except (ValueError, SyntaxError):
        raise ParameterError(
            f"parameter {name!r}: default {text!r} is not a Python literal (write the value itself)"
        ) from None


def _bound(name: str, text: str, constraint: str) -> float | None:
    if not text:
        return None
    try:
        return float(text.replace("_", ""))
    except ValueError:
        raise ParameterError(
            f"parameter {name!r}: cannot read the range {constraint!r}; "
            "write [low, high] with numbers"
        ) from None


def _parameter(name: str, info: dict) -> Parameter:
    help_text = (info.get("help") or "").strip()
    low = high = None
    choices: tuple[str, ...] = ()
    if match := RANGE.search(help_text):
        low = _bound(name, match.group(1), match.group(0))
        high = _bound(name, match.group(2), match.group(0))
        if low is not None and high is not None and low > high:
            raise ParameterError(f"parameter {name!r}: empty range {match.group(0)!r} (low > high)")
        help_text = help_text[: match.start()].strip()
    elif match := CHOICES.search(help_text):
        choices = tuple(c.strip().strip("'\"") for c in match.group(1).split(","))
        help_text = help_text[: match.start()].strip()
    type_name = info.get("inferred_type_name") or "None"
    default = _parse_default(name, str(info.get("default")))
    if type_name == "None":
        type_name = type(default).__name__ if default is not None else "str"
    return Parameter(name, type_name, default, help_text, low, high, choices)


def read_report(path: str | Path) -> Report:
    """Read one notebook's title, summary and parameters."""
    import papermill

    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"no notebook at {path}")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    metadata = notebook.get("metadata", {}).get("crm_report", {})
    try:
        inspected = papermill.inspect_notebook(str(path))
    except ValueError as error:  # e.g. no kernelspec in the notebook's metadata
        raise ParameterError(f"{path}: cannot read the parameters ({error})") from None
    try:
        parameters = {name: _parameter(name, info) for name, info in inspected.items()}
        for parameter in parameters.values():  # the notebook's own defaults must pass its checks
            if parameter.default is not None:
                coerce_value(path.stem, parameter, parameter.default)
    except ParameterError as error:
        raise ParameterError(f"{path}: {error}") from None
    _check_all_parsed(path, notebook, parameters)
    return Report(
        name=path.stem,
        path=path,
        title=metadata.get("title", path.stem.replace("_", " ").title()),
        summary=metadata.get("summary", ""),
        parameters=parameters,
        renamed_parameters=_renamed(path, metadata.get("renamed_parameters"), parameters),
    )


def _renamed(path: Path, renamed: object, parameters: dict[str, Parameter]) -> dict[str, str]:
    """Return the notebook's ``renamed_parameters`` (old -> new), checked against its parameters."""
    if renamed is None:
        return {}
    if not isinstance(renamed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in renamed.items()
    ):
        raise ParameterError(
            f"{path}: metadata crm_report.renamed_parameters must map old names to new names"
        )
    for old, new in renamed.items():
        if new not in parameters:
            raise ParameterError(
                f"{path}: renamed parameter {old!r} -> {new!r}: "
                f"the notebook has no parameter {new!r}"
            )
        if old in parameters:
            raise ParameterError(
                f"{path}: renamed parameter {old!r} is still a parameter of the notebook"
            )
    return dict(renamed)


ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=")


def _check_all_parsed(path: Path, notebook: dict, parameters: dict) -> None:
    """Refuse a parameters cell with a line that papermill cannot parse.

    Papermill skips parameter lines it cannot parse (e.g. quotes or '=' in the comment):
    refuse such a notebook instead of silently ignoring the parameter.
    """
    cells = [
        c
        for c in notebook.get("cells", [])
        if "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    if not cells:
        raise ParameterError(f"{path}: no cell tagged 'parameters'")
    source = (
        "".join(cells[0]["source"]) if isinstance(cells[0]["source"], list) else cells[0]["source"]
    )
    for number, line in enumerate(source.splitlines(), 1):
        match = ASSIGNMENT.match(line)
        if match and match.group(1) not in parameters:
            raise ParameterError(
                f"{path}: parameters cell line {number} ({match.group(1)}) "
                "cannot be read by papermill; "
                "keep each parameter on one line and avoid quotes and '=' in its comment"
            )


def discover(notebooks_dir: str | Path = "notebooks") -> dict[str, Report]:
    """All reports in ``notebooks_dir`` by name, in file-name order."""
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise ParameterError(
            f"no notebooks folder at {folder.resolve()}; "
            "start crm inside a crm-models project or give --project DIR"
        )
    return {p.stem: read_report(p) for p in sorted(folder.glob("*.ipynb"))}


def coerce_value(report: str, parameter: Parameter, value: object) -> object:
    """Convert ``value`` (a string from --set, or a YAML value) to the parameter's type.

    The constraint is checked too; a bad value raises ``ParameterError`` naming the report
    and the parameter.
    """
    where = f"report {report!r}, parameter {parameter.name!r}"
    expected = TYPES.get(parameter.type_name)
    converted = value
    if expected is bool:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered not in {"true", "false", "1", "0", "yes", "no"}:
                raise ParameterError(f"{where}: expected true or false, got {value!r}")
            converted = lowered in {"true", "1", "yes"}
        elif not isinstance(value, bool):
            raise ParameterError(f"{where}: expected true or false, got {value!r}")
    elif expected in (int, float):
        try:
            if isinstance(value, bool):
                raise ValueError
            number = (
                float(str(value).replace("_", ""))
                if isinstance(value, str)
                else float(cast(SupportsFloat, value))
            )
        except (TypeError, ValueError):
            raise ParameterError(
                f"{where}: expected {parameter.type_name}, got {value!r}"
            ) from None
        if not math.isfinite(number):
            raise ParameterError(f"{where}: expected a finite number, got {value!r}")
        if expected is int:
            if not number.is_integer():
                raise ParameterError(f"{where}: expected a whole number, got {value!r}")
            converted = int(number)
        else:
            converted = number
        if (
            parameter.low is not None
            and converted < parameter.low
            or (parameter.high is not None and converted > parameter.high)
        ):
            raise ParameterError(
                f"{where}: {converted!r} is out of range; "
                f"expected a value {parameter.describe_constraint()}"
            )
    elif expected is str:
        converted = str(value)
        if parameter.choices and converted not in parameter.choices:
            raise ParameterError(
                f"{where}: {converted!r} is not allowed; expected {parameter.describe_constraint()}"
            )
    return converted


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Suggest the closest of ``candidates`` to a misspelt ``name`` (``difflib``).

    Parameters
    ----------
    name : str
        What the user typed, e.g. ``segment_valu``.
    candidates : iterable of str
        The valid names.

    Returns
    -------
    str
        `` (did you mean 'segment_value'?)``, or an empty string when nothing is close.
    """
    close = difflib.get_close_matches(name, list(dict.fromkeys(candidates)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def deprecation_message(report: Report, old: str) -> str:
    """Compose the one-line message for a value given under the old name ``old`` of a parameter.

    Parameters
    ----------
    report : Report
        The report whose notebook renamed the parameter.
    old : str
        The old name (a key of ``report.renamed_parameters``).

    Returns
    -------
    str
        E.g. ``report 'segment_value': parameter 'margin' is now 'margin_rate'; the old name
        will be removed in the next release``.
    """
    return (
        f"report {report.name!r}: parameter {old!r} is now {report.renamed_parameters[old]!r}; "
        "the old name will be removed in the next release"
    )


def apply_renames(
    report: Report,
    values: Mapping[str, object],
    warn: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """Replace every old (renamed) parameter name in ``values`` by its new name.

    Parameters
    ----------
    report : Report
        The report the values are for.
    values : Mapping[str, object]
        Parameter values by name, e.g. from ``--set`` or a YAML job.
    warn : callable, optional
        Called with ``deprecation_message(report, old)`` for each old name used.

    Returns
    -------
    dict
        The values under the current names, in the given order.

    Raises
    ------
    ParameterError
        If a value is given under both the old and the new name.
    """
    mapped: dict[str, object] = {}
    for name, value in values.items():
        new = report.renamed_parameters.get(name)
        if new is None:
            mapped[name] = value
            continue
        if new in values:
            raise ParameterError(
                f"report {report.name!r}: parameter {name!r} is the old name of {new!r}; "
                f"give only {new!r}"
            )
        if warn is not None:
            warn(deprecation_message(report, name))
        mapped[new] = value
    return mapped


def resolve_parameters(report: Report, overrides: dict[str, object]) -> dict[str, object]:
    """Defaults updated with validated ``overrides``; unknown names raise ``ParameterError``.

    Parameters
    ----------
    report : Report
        The report to run.
    overrides : dict
        Values by parameter name; old (renamed) names are mapped to the new ones silently
        (``plan_jobs`` prints the deprecation message).

    Returns
    -------
    dict
        Every parameter of the report with its validated value.
    """
    overrides = apply_renames(report, overrides)
    unknown = sorted(set(overrides) - set(report.parameters))
    if unknown:
        known = ", ".join(report.parameters) or "none"
        hint = did_you_mean(unknown[0], report.parameters) if len(unknown) == 1 else ""
        raise ParameterError(
            f"report {report.name!r} has no parameter {', '.join(map(repr, unknown))}{hint}; "
            f"its parameters: {known}"
        )
    values = {name: p.default for name, p in report.parameters.items()}
    for name, value in overrides.items():
        values[name] = coerce_value(report.name, report.parameters[name], value)
    return values
