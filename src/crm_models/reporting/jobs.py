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
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from crm_models.errors import ParameterError
from crm_models.reporting.catalog import Report, apply_renames, did_you_mean, resolve_parameters
from crm_models.reporting.manifest import file_sha256, folder_fingerprint

DATA_SUFFIXES = (".csv", ".parquet", ".pq", ".duckdb", ".db", ".txt", ".yaml", ".yml", ".json")
OUTPUT_PARAMETER = re.compile(r"^(export|output|out)(_|$)")
JOB_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}")
# names whose files would be the run's own files or another job's pages
RESERVED_NAMES = ("index", "manifest", "run")
RESERVED_ENDINGS = (".analyst", ".teaching", ".failed")


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


@dataclass
class InvalidJob:
    """A schedule entry refused when planning: its ``name``, ``notebook`` and the ``error``."""

    name: str
    notebook: str
    error: str
    parameters: dict = field(default_factory=dict)


def check_job_name(name: object) -> str:
    """Return ``name`` if it is a plain file-name slug, else raise ``ParameterError``.

    A job name becomes the stem of the job's output files, so it must not reach outside the
    output folder nor collide with the run's own files: letters, digits, ``_``, ``-`` and
    ``.`` (not first), 1 to 100 characters; not ``index``, ``manifest`` or ``run``, and not
    ending in ``.analyst``, ``.teaching`` or ``.failed``.

    Parameters
    ----------
    name : object
        The ``name:`` of a schedule entry.

    Returns
    -------
    str
        ``name`` unchanged.

    Raises
    ------
    ParameterError
        When ``name`` is not such a slug (the message names the job).
    """
    if not isinstance(name, str) or JOB_NAME.fullmatch(name) is None:
        raise ParameterError(
            f"job {name!r}: a job name must be a plain file name: letters, digits, '_', '-' "
            "and '.' (not first), 1 to 100 characters"
        )
    lowered = name.lower()
    if lowered in RESERVED_NAMES or lowered.endswith(RESERVED_ENDINGS):
        raise ParameterError(
            f"job {name!r}: the name is reserved for the run's own files (index, manifest, run) "
            "or another job's pages (*.analyst, *.teaching, *.failed)"
        )
    return name


def _is_output_parameter(name: str) -> bool:
    """``export_path``, ``output_file``, …: a file the notebook writes, not one it reads."""
    return OUTPUT_PARAMETER.match(name) is not None


def _resolve(value: str, root: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def _is_lake_folder(value: object, root: Path) -> bool:
    """Whether a parameter value names a folder of Parquet files (a data-lake source)."""
    from crm_models.data.lake import parquet_files

    if not isinstance(value, str) or not value.strip():
        return False
    path = _resolve(value, root)
    return path.is_dir() and bool(parquet_files(path))


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
        if isinstance(value, str) and _is_lake_folder(value, root):
            inputs[value] = folder_fingerprint(_resolve(value, root))
        elif isinstance(value, str) and value.lower().endswith(DATA_SUFFIXES):
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
            or _is_lake_folder(value, folder)
        )
        if (
            is_file
            and isinstance(value, str)
            and (value.startswith("~") or not Path(value).is_absolute())
        ):
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
        Jobs of a YAML schedule (``load_config``); the first invalid job raises (``crm run``
        uses ``plan_schedule``, which runs the valid ones).
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
        jobs, invalid = plan_schedule(reports, config, overrides, root, warn, user_dir)
        if invalid:
            raise ParameterError(invalid[0].error)
        return jobs
    selected = list(names) or list(reports)
    for notebook in selected:
        if notebook not in reports:
            raise ParameterError(_unknown_report(notebook, reports))
    if len(set(selected)) != len(selected):
        raise ParameterError(f"job names must be unique, got {selected}")
    overrides = _checked_overrides(reports, overrides, selected, root, user_dir)
    warn_once = _once(warn)
    return [_plan_one(reports[nb], nb, {}, overrides, root, warn_once) for nb in selected]


def plan_schedule(
    reports: Mapping[str, Report],
    config: list[dict],
    overrides: Mapping[str, object] | None = None,
    root: Path = Path("."),
    warn: Callable[[str], None] = _print_warning,
    user_dir: Path | None = None,
) -> tuple[list[Job], list[InvalidJob]]:
    """Validate every job of a schedule; keep the valid ones, collect the invalid ones.

    A job is invalid when its name is not a plain file name (``check_job_name``), another job
    of the schedule has the same name, the name is another report's (whose default outputs it
    would overwrite), its notebook is unknown, or a parameter or input file is refused. A
    ``--set`` key that no job's report knows is an error of the whole command and raises.

    Parameters
    ----------
    reports : Mapping[str, Report]
        The catalogue (``discover``).
    config : list of dict
        Jobs of a YAML schedule (``load_config``).
    overrides : Mapping, optional
        Values from ``--set`` (see ``plan_jobs``).
    root : Path
        The project root (see ``plan_jobs``).
    warn : callable
        Receives each deprecation message once.
    user_dir : Path, optional
        The user's working folder (see ``plan_jobs``).

    Returns
    -------
    tuple of (list of Job, list of InvalidJob)
        The valid jobs and the refused ones, each in schedule order; every error names its job.
    """
    specs = []
    for job in config:
        name = job["notebook"] if job.get("name") is None else job["name"]
        specs.append((name, job["notebook"], dict(job.get("parameters") or {})))
    known = [nb for _, nb, _ in specs if isinstance(nb, str) and nb in reports]
    overrides = _checked_overrides(reports, dict(overrides or {}), known, root, user_dir)
    counts = Counter(name for name, _, _ in specs if isinstance(name, str))
    warn_once = _once(warn)
    jobs, invalid = [], []
    for name, notebook, params in specs:
        try:
            check_job_name(name)
            if counts[name] > 1:
                raise ParameterError(
                    f"job {name!r}: {counts[name]} jobs of the schedule have this name; "
                    "job names must be unique"
                )
            if not isinstance(notebook, str) or notebook not in reports:
                raise ParameterError(f"job {name!r}: {_unknown_report(notebook, reports)}")
            if name != notebook and name in reports:
                raise ParameterError(
                    f"job {name!r}: {name!r} is the name of another report, whose default "
                    f"outputs {name}.html … this job would overwrite; give the job another name"
                )
            try:
                jobs.append(_plan_one(reports[notebook], name, params, overrides, root, warn_once))
            except ParameterError as error:
                raise ParameterError(f"job {name!r}: {error}") from None
        except ParameterError as error:
            invalid.append(InvalidJob(str(name), str(notebook), str(error), params))
    return jobs, invalid


def _unknown_report(notebook: object, reports: Mapping[str, Report]) -> str:
    hint = did_you_mean(notebook, reports) if isinstance(notebook, str) else ""
    return f"no report named {notebook!r}{hint}; available: {', '.join(reports) or 'none'}"


def _once(warn: Callable[[str], None]) -> Callable[[str], None]:
    """Wrap ``warn`` so that each distinct message is passed on once."""
    warned: dict[str, None] = {}

    def warn_once(message: str) -> None:
        if message not in warned:
            warned[message] = None
            warn(message)

    return warn_once


def _checked_overrides(
    reports: Mapping[str, Report],
    overrides: dict,
    notebooks: list[str],
    root: Path,
    user_dir: Path | None,
) -> dict:
    """Check each ``--set`` key belongs to one of ``notebooks``; make relative paths absolute."""
    for key in overrides:
        if notebooks and not any(_knows(reports[nb], key) for nb in notebooks):
            selected = list(dict.fromkeys(notebooks))
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
    return overrides


def _plan_one(
    report: Report,
    name: str,
    params: Mapping[str, object],
    overrides: Mapping[str, object],
    root: Path,
    warn_once: Callable[[str], None],
) -> Job:
    """Resolve and check one job's parameters (schedule values, then ``--set`` values)."""
    applicable = {k: v for k, v in overrides.items() if _knows(report, k)}
    given = {
        **apply_renames(report, params, warn_once),
        **apply_renames(report, applicable, warn_once),
    }
    resolved = resolve_parameters(report, given)
    return Job(name, report, resolved, _input_files(report, resolved, root))


def _knows(report: Report, name: str) -> bool:
    """Whether ``name`` is a parameter of ``report``, under its current or its old name."""
    return name in report.parameters or name in report.renamed_parameters
