"""Run report notebooks with papermill and publish their outputs (``crm run``).

For each job (a notebook, its parameters and an output name) the runner:

1. validates parameters and input files before any kernel starts (``plan_jobs``); a value
   given under a parameter's old name (the notebook's ``renamed_parameters``) is mapped to
   the new name with one ``crm: warning:`` line per report and old name;
2. skips the job when its cache key — notebook bytes, parameters, package code, input data
   hashes — equals the last successful run's and its outputs exist (unless ``force``);
3. executes the notebook with papermill (in worker processes when ``n_jobs > 1``: papermill
   changes the process-wide working directory), isolating failures;
4. renders management / analyst / teaching HTML, extracts the headline figures, and writes
   ``NAME.html``, ``NAME.analyst.html``, ``NAME.teaching.html``, ``NAME.json``,
   ``NAME.ipynb`` — each atomically (temporary file + rename);
5. writes ``index.html`` and ``manifest.json`` for the whole output folder.

A failed notebook (or one whose rendering fails: every page is rendered before any is
written) leaves its previous good outputs in place; its executed notebook is kept as
``NAME.failed.ipynb`` and the index shows the error's last line. Parameters named
``export…``/``output…`` are files the notebook writes, not inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import yaml
import zmq
from traitlets.config import Config

from crm_models._files import atomic_write
from crm_models.errors import ParameterError
from crm_models.reporting.catalog import Report, apply_renames, discover, resolve_parameters
from crm_models.reporting.manifest import (
    environment_info,
    file_sha256,
    package_fingerprint,
    write_index,
    write_manifest,
)

DATA_SUFFIXES = (".csv", ".parquet", ".pq", ".duckdb", ".db", ".txt", ".yaml", ".yml", ".json")
OUTPUT_SUFFIXES = (".html", ".analyst.html", ".teaching.html", ".json", ".ipynb")
OUTPUT_PARAMETER = re.compile(r"^(export|output|out)(_|$)")
# Encrypt kernel traffic with CurveZMQ when the kernelspec supports it (ipykernel >= 7 warns
# on every start otherwise); falls back to plain TCP where it does not.
_KERNEL_CONFIG = Config(
    {"KernelManager": {"transport_encryption": "auto" if zmq.has("curve") else "disabled"}}
)


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
class JobResult:
    """What happened to one job; becomes the report's entry in the manifest and index."""

    name: str
    notebook: str
    title: str
    summary: str
    status: str  # ok / failed / cached
    parameters: dict
    inputs: dict
    cache_key: str
    seconds: float = 0.0
    work_seconds: float = 0.0  # sum of cell execution times (the rest is kernel start, export)
    error: str = ""
    executed_notebook: str = ""
    finished_at: str = ""


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
        Folder that relative input paths are read from.
    warn : callable
        Receives each deprecation message once (an old parameter name used); default prints
        ``crm: warning: …`` on stderr.

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
                f"no report named {notebook!r}; available: {', '.join(reports) or 'none'}"
            )
    for key in overrides:
        if not any(_knows(reports[nb], key) for _, nb, _ in specs):
            selected_reports = ", ".join(dict.fromkeys(nb for _, nb, _ in specs))
            raise ParameterError(
                f"--set {key}: no selected report ({selected_reports}) has a parameter {key!r}"
            )
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


def _last_line(text: str) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"


def _work_seconds(notebook) -> float:
    return float(
        sum(
            (cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0)
            for cell in notebook.cells
        )
    )


def _failed(result: dict, out: Path, name: str, executed: Path, detail: str, start: float) -> dict:
    """Mark ``result`` failed; keep the executed notebook as ``NAME.failed.ipynb``."""
    failed = out / f"{name}.failed.ipynb"
    if executed.exists():
        os.replace(executed, failed)
    result.update(
        status="failed",
        error=_last_line(detail),
        executed_notebook=str(failed),
        seconds=time.perf_counter() - start,
    )
    return result


def execute_job(spec: dict) -> dict:
    """Execute one job (runs in a worker process); returns a ``JobResult`` as a dict."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from crm_models.reporting.export import AUDIENCES, extract_figures, render_html

    out = Path(spec["output_dir"])
    name = spec["name"]
    work = out / ".work"
    work.mkdir(parents=True, exist_ok=True)
    executed = work / f"{name}.ipynb"
    result = dict(spec["result"])
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            spec["notebook"],
            str(executed),
            parameters=spec["parameters"],
            kernel_name="python3",
            cwd=spec["root"],
            progress_bar=spec["progress_bar"],
            log_output=False,
            config=_KERNEL_CONFIG,
        )
    except Exception as error:  # a failing notebook must not stop the others
        detail = (
            f"{error.ename}: {error.evalue}"
            if isinstance(error, PapermillExecutionError)
            else str(error)
        )
        return _failed(result, out, name, executed, detail, start)

    try:  # render everything in memory first: a failure here keeps the previous outputs whole
        notebook = nbformat.read(executed, as_version=4)
        figures = extract_figures(notebook)
        finished = datetime.now(UTC).isoformat(timespec="seconds")
        hashes = ", ".join(
            f"{k} sha256:{v[:12]}" if v else f"{k} (missing)" for k, v in spec["inputs"].items()
        )
        footer = (
            f"Report '{name}' generated {finished} by crm-models {spec['version']} "
            f"(code {spec['code'][:12]}); parameters: "
            + ", ".join(f"{k}={v!r}" for k, v in spec["parameters"].items())
            + (f"; inputs: {hashes}" if hashes else "")
        )
        pages = {
            (".html" if audience == "management" else f".{audience}.html"): render_html(
                notebook, audience, footer
            )
            for audience in AUDIENCES
        }
        payload = {
            "report": name,
            "title": result["title"],
            "generated_at": finished,
            "parameters": spec["parameters"],
            "figures": figures,
        }
        pages[".json"] = json.dumps(payload, indent=2, default=str)
    except Exception as error:
        return _failed(
            result, out, name, executed, f"rendering failed: {type(error).__name__}: {error}", start
        )
    for suffix, page in pages.items():
        atomic_write(out / f"{name}{suffix}", page)
    os.replace(executed, out / f"{name}.ipynb")
    (out / f"{name}.failed.ipynb").unlink(missing_ok=True)
    result.update(
        status="ok",
        seconds=time.perf_counter() - start,
        work_seconds=_work_seconds(notebook),
        executed_notebook=str(out / f"{name}.ipynb"),
        finished_at=finished,
    )
    return result


def _previous_entries(output_dir: Path) -> dict[str, dict]:
    try:
        manifest = json.loads((output_dir / "manifest.json").read_text(encoding="utf-8"))
        return {entry["name"]: entry for entry in manifest.get("reports", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _is_cached(job: Job, key: str, previous: Mapping[str, dict], output_dir: Path) -> bool:
    entry = previous.get(job.name)
    return bool(
        entry
        and entry.get("status") in ("ok", "cached")
        and entry.get("cache_key") == key
        and all((output_dir / f"{job.name}{suffix}").exists() for suffix in OUTPUT_SUFFIXES)
    )


def run_jobs(
    jobs: list[Job],
    output_dir: str | Path = "reports",
    n_jobs: int = 1,
    force: bool = False,
    root: str | Path = ".",
    log: Callable[[str], None] = print,
) -> list[JobResult]:
    """Run ``jobs`` into ``output_dir``; return one result per job (in job order)."""
    from crm_models import __version__

    if n_jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {n_jobs}")
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    code = package_fingerprint()
    previous = _previous_entries(output_dir)
    results: dict[str, dict] = {}
    pending = []
    for job in jobs:
        key = job.cache_key(code)
        base = asdict(
            JobResult(
                job.name,
                str(job.report.path),
                job.report.title,
                job.report.summary,
                "pending",
                job.parameters,
                job.inputs,
                key,
            )
        )
        if not force and _is_cached(job, key, previous, output_dir):
            old = previous[job.name]
            base.update(
                status="cached",
                seconds=0.0,
                executed_notebook=str(output_dir / f"{job.name}.ipynb"),
                finished_at=old.get("finished_at", ""),
                work_seconds=old.get("work_seconds", 0.0),
            )
            results[job.name] = base
            log(
                f"{job.name:<32} cached (unchanged notebook, parameters, code and data; --force to re-run)"
            )
            continue
        pending.append(
            {
                "name": job.name,
                "notebook": str(job.report.path),
                "parameters": job.parameters,
                "inputs": job.inputs,
                "output_dir": str(output_dir),
                "root": str(Path(root).resolve()),
                "progress_bar": n_jobs == 1 and sys.stderr.isatty(),
                "version": __version__,
                "code": code,
                "result": base,
            }
        )

    def report(result: dict) -> None:
        results[result["name"]] = result
        if result["status"] == "ok":
            log(
                f"{result['name']:<32} ok      {result['seconds']:6.1f} s (cells {result['work_seconds']:.1f} s)"
            )
        else:
            log(
                f"{result['name']:<32} FAILED  {result['seconds']:6.1f} s: {result['error']} "
                f"(see {result['executed_notebook']})"
            )

    if pending:
        log(
            f"running {len(pending)} report(s) with {min(n_jobs, len(pending))} worker(s) into {output_dir}/"
        )
    if n_jobs == 1 or len(pending) <= 1:
        for spec in pending:
            log(f"{spec['name']:<32} running…")
            report(execute_job(spec))
    else:
        with ProcessPoolExecutor(
            max_workers=min(n_jobs, len(pending)), mp_context=get_context("spawn")
        ) as pool:
            for result in pool.map(execute_job, pending):
                report(result)

    ordered = [JobResult(**results[job.name]) for job in jobs]
    entries = {**previous, **{r.name: asdict(r) for r in ordered}}
    run_info = {
        "started_at": started,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "jobs": [r.name for r in ordered],
        "code_fingerprint": code,
        **environment_info(Path(root)),
    }
    write_manifest(output_dir / "manifest.json", run_info, list(entries.values()), atomic_write)
    write_index(output_dir / "index.html", run_info, list(entries.values()), atomic_write)
    return ordered


def run_reports(
    names: Iterable[str] = (),
    overrides: Mapping[str, object] | None = None,
    config: str | Path | None = None,
    notebooks_dir: str | Path = "notebooks",
    output_dir: str | Path = "reports",
    n_jobs: int = 1,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> list[JobResult]:
    """Discover, validate and run reports: what ``crm run`` does."""
    reports = discover(notebooks_dir)
    root = Path(".").resolve()
    jobs = plan_jobs(reports, names, overrides, load_config(config) if config else None, root)
    return run_jobs(jobs, output_dir, n_jobs=n_jobs, force=force, root=root, log=log)
