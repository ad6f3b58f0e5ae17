"""Plan report jobs: parse ``--set`` and ``--config``, validate parameters and inputs.

Everything here happens before any kernel starts (``plan_jobs``): a value given under a
parameter's old name (the notebook's ``renamed_parameters``) is mapped to the new name with one
``crm: warning:`` line per report and old name. Parameters named ``export…``/``output…`` are
files the notebook writes, not inputs.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from crm_models.errors import ParameterError
from crm_models.reporting.catalog import Report, apply_renames, did_you_mean, resolve_parameters
from crm_models.reporting.manifest import file_sha256

DATA_SUFFIXES = (".csv", ".parquet", ".pq", ".duckdb", ".db", ".txt", ".yaml", ".yml", ".json")
OUTPUT_SUFFIXES = (".html", ".analyst.html", ".teaching.html", ".json", ".ipynb")
OUTPUT_PARAMETER = re.compile(r"^(export|output|out)(_|$)")


@dataclass
class Job:
    """One report to produce: output ``name``, the ``report`` it runs, resolved ``parameters``."""

    name: str
    report: Report
    parameters: dict
    inputs: dict = field(default_factory=dict)  # input file path -> sha256

    def cache_key(self, code_fingerprint: str) -> str:
        """Hash what decides the outputs: notebook bytes, parameters, package code, inputs.

        Parameters
        ----------
        code_fingerprint : str
            ``package_fingerprint()`` of the run.

        Returns
        -------
        str
            SHA-256 hex digest.
        """
        payload = {
            "notebook": file_sha256(self.report.path),
            "parameters": self.parameters,
            "code": code_fingerprint,
            "inputs": self.inputs,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _is_output_parameter(name: str) -> bool:
    """``export_path``, ``output_file``, …: a file the notebook writes, not one it reads."""
    return OUTPUT_PARAMETER.match(name) is not None


def _input_files(
    report: Report, parameters: Mapping[str, object], root: Path
) -> dict[str, str | None]:
    """Hash every parameter value that names a data file.

    A missing file raises when the value was chosen by the user; a notebook's own default
    that does not exist yet (e.g. the warehouse before ``crm data build``) is recorded as
    ``None`` and left to the notebook. Output parameters (``export…``, ``output…``) are skipped.
    """
    inputs: dict[str, str | None] = {}
    for name, value in parameters.items():
        if _is_output_parameter(name):
            continue
        if isinstance(value, str) and value.lower().endswith(DATA_SUFFIXES):
            path = (root / value) if not Path(value).is_absolute() else Path(value)
            if path.is_file():
                inputs[str(value)] = file_sha256(path)
            elif name in report.parameters and value == report.parameters[name].default:
                inputs[str(value)] = None
            else:
                raise ParameterError(
                    f"report {report.name!r}, parameter {name!r}: no file at {path}"
                )
    return inputs


def _absolute_paths(values: Mapping[str, object], folder: Path) -> dict[str, object]:
    """Make each relative file path among ``values`` absolute against ``folder``.

    A file path is a text value ending in a data suffix (``.csv``, ``.duckdb`` …) or the
    non-empty value of an output parameter (``export…``, ``output…``).
    """
    absolute = {}
    for name, value in values.items():
        is_file = isinstance(value, str) and (
            value.strip().lower().endswith(DATA_SUFFIXES)
            or (_is_output_parameter(name) and value.strip())
        )
        if is_file and (value.startswith("~") or not Path(value).is_absolute()):
            path = Path(value).expanduser()
            value = str(path if path.is_absolute() else folder.resolve() / path)
        absolute[name] = value
    return absolute


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """``["key=value", …]`` from ``--set`` into a dict; raises on a pair without '='."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--set expects key=value, got {pair!r}")
        overrides[key.strip()] = value.strip()
    return overrides


def load_config(path: str | Path) -> list[dict]:
    """Read the job list of a YAML schedule: ``jobs: [{name, notebook, parameters}, …]``."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"no config file at {path}")
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ParameterError(f"{path}: not valid YAML ({' '.join(str(error).split())})") from None
    jobs = config.get("jobs") if isinstance(config, dict) else None
    if not isinstance(jobs, list) or not jobs:
        raise ParameterError(
            f"{path}: expected a top-level 'jobs:' list of {{name, notebook, parameters}}"
        )
    for k, job in enumerate(jobs, 1):
        if not isinstance(job, dict) or "notebook" not in job:
            raise ParameterError(f"{path}: job {k} needs at least 'notebook:'")
        unknown = set(job) - {"name", "notebook", "parameters"}
        if unknown:
            raise ParameterError(f"{path}: job {k} has unknown key(s) {sorted(unknown)}")
        if not isinstance(job.get("parameters", {}), dict):
            raise ParameterError(f"{path}: job {k}: 'parameters' must be a mapping")
    return jobs


def _print_warning(message: str) -> None:
    print(f"crm: warning: {message}", file=sys.stderr)


def plan_jobs(
    reports: Mapping[str, Report],
    names: Iterable[str] = (),
    overrides: Mapping[str, object] | None = None,
    config: list[dict] | None = None,
    root: Path = Path("."),
    warn: Callable[[str], None] = _print_warning,
    user_dir: Path | None = None,
) -> list[Job]:
    """Plan validated jobs: from ``config`` entries, else ``names`` (default: every report).

    Parameters
    ----------
    reports : Mapping[str, Report]
        The catalogue (``discover``).
    names : iterable of str
        Reports to run when there is no ``config``; default every report.
    overrides : Mapping, optional
        Values from ``--set``: they apply to every selected report that has the parameter
        (under its current or its old name) and must each belong to at least one of them.
    config : list of dict, optional
        Jobs of a YAML schedule (``load_config``).
    root : Path
        The project root: relative paths in ``config`` and the notebooks' defaults are read
        from it (the kernels run there).
    warn : callable
        Receives each deprecation message once (an old parameter name used); default prints
        ``crm: warning: …`` on stderr.
    user_dir : Path, optional
        The user's working folder: when it is not ``root``, a relative file path given in
        ``overrides`` (a data file, or an ``export…``/``output…`` file) is made absolute
        against it, since the kernels run in ``root``. Default ``root``.

    Returns
    -------
    list of Job
        One validated job per output name.
    """
    overrides = dict(overrides or {})
    if config:
        specs = [
            (job.get("name") or job["notebook"], job["notebook"], dict(job.get("parameters", {})))
            for job in config
        ]
    else:
        selected = list(names) or list(reports)
        specs = [(name, name, {}) for name in selected]
    for _, notebook, _ in specs:
        if notebook not in reports:
            raise ParameterError(
                f"no report named {notebook!r}{did_you_mean(notebook, reports)}; "
                f"available: {', '.join(reports) or 'none'}"
            )
    for key in overrides:
        if not any(_knows(reports[nb], key) for _, nb, _ in specs):
            selected = list(dict.fromkeys(nb for _, nb, _ in specs))
            known = [
                n
                for nb in selected
                for n in (*reports[nb].parameters, *reports[nb].renamed_parameters)
            ]
            raise ParameterError(
                f"--set {key}: no selected report ({', '.join(selected)}) has a parameter "
                f"{key!r}{did_you_mean(key, known)}"
            )
    if user_dir is not None and Path(user_dir).resolve() != Path(root).resolve():
        overrides = _absolute_paths(overrides, Path(user_dir))
    output_names = [name for name, _, _ in specs]
    if len(set(output_names)) != len(output_names):
        raise ParameterError(f"job names must be unique, got {output_names}")
    warned: dict[str, None] = {}

    def warn_once(message: str) -> None:
        if message not in warned:
            warned[message] = None
            warn(message)

    jobs = []
    for name, notebook, params in specs:
        report = reports[notebook]
        applicable = {k: v for k, v in overrides.items() if _knows(report, k)}
        given = {
            **apply_renames(report, params, warn_once),
            **apply_renames(report, applicable, warn_once),
        }
        resolved = resolve_parameters(report, given)
        jobs.append(Job(name, report, resolved, _input_files(report, resolved, root)))
    return jobs


def _knows(report: Report, name: str) -> bool:
    """Whether ``name`` is a parameter of ``report``, under its current or its old name."""
    return name in report.parameters or name in report.renamed_parameters
