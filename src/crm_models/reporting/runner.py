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

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import zmq
from traitlets.config import Config

from crm_models._files import atomic_write
from crm_models.errors import ParameterError
from crm_models.project import project_root
from crm_models.reporting.catalog import discover
from crm_models.reporting.jobs import (
    OUTPUT_SUFFIXES,
    Job,
    load_config,
    parse_overrides,
    plan_jobs,
    plan_schedule,
)
from crm_models.reporting.manifest import (
    environment_info,
    package_fingerprint,
    write_index,
    write_manifest,
)
from crm_models.reporting.runlog import RunLog

__all__ = [
    "Job",
    "JobResult",
    "execute_job",
    "load_config",
    "parse_overrides",
    "plan_jobs",
    "plan_schedule",
    "run_jobs",
    "run_reports",
]

# Encrypt kernel traffic with CurveZMQ when the kernelspec supports it (ipykernel >= 7 warns
# on every start otherwise); falls back to plain TCP where it does not.
_TRANSPORT_ENCRYPTION = "auto" if zmq.has("curve") else "disabled"
_KERNEL_CONFIG = Config({"KernelManager": {"transport_encryption": _TRANSPORT_ENCRYPTION}})


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


def _last_line(text: str) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"


def _work_seconds(notebook) -> float:
    durations = (c.get("metadata", {}).get("papermill", {}).get("duration") for c in notebook.cells)
    return float(sum((d or 0.0) for d in durations))


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
        in_cell = isinstance(error, PapermillExecutionError)
        detail = f"{error.ename}: {error.evalue}" if in_cell else str(error)
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
            (".html" if a == "management" else f".{a}.html"): render_html(notebook, a, footer)
            for a in AUDIENCES
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
    on_result: Callable[[dict], None] | None = None,
) -> list[JobResult]:
    """Run ``jobs`` into ``output_dir``; return one result per job (in job order).

    ``on_result`` receives each job's result (a ``JobResult`` as a dict) when it is known.
    A job whose name would put a file outside ``output_dir`` is refused before anything runs.
    """
    from crm_models import __version__

    if n_jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {n_jobs}")
    output_dir = Path(output_dir)
    for job in jobs:
        target = (output_dir / f"{job.name}.html").resolve()
        if not job.name or "/" in job.name or target.parent != output_dir.resolve():
            raise ParameterError(f"job {job.name!r}: its outputs would be outside {output_dir}")
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
            if on_result:
                on_result(base)
            log(
                f"{job.name:<32} cached "
                "(unchanged notebook, parameters, code and data; --force to re-run)"
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
        if on_result:
            on_result(result)
        if result["status"] == "ok":
            log(
                f"{result['name']:<32} ok      {result['seconds']:6.1f} s "
                f"(cells {result['work_seconds']:.1f} s)"
            )
        else:
            log(
                f"{result['name']:<32} FAILED  {result['seconds']:6.1f} s: {result['error']} "
                f"(see {result['executed_notebook']})"
            )

    if pending:
        log(
            f"running {len(pending)} report(s) with {min(n_jobs, len(pending))} worker(s) "
            f"into {output_dir}/"
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


def _print_error(message: str) -> None:
    print(f"crm: error: {message}", file=sys.stderr)


def run_reports(
    names: Iterable[str] = (),
    overrides: Mapping[str, object] | None = None,
    config: str | Path | None = None,
    notebooks_dir: str | Path = "notebooks",
    output_dir: str | Path = "reports",
    n_jobs: int = 1,
    force: bool = False,
    log: Callable[[str], None] = print,
    root: str | Path | None = None,
    log_file: str | Path | None = None,
    command: str = "",
    error: Callable[[str], None] = _print_error,
) -> list[JobResult]:
    """Discover, validate and run reports: what ``crm run`` does.

    A plain run (``names`` and ``overrides``) with a bad value raises before any kernel starts
    and writes nothing. A schedule (``config``) is validated job by job: the valid jobs run,
    each invalid one is passed to ``error`` and returned as a failed result with its reason
    (and an empty ``cache_key``: it never ran).

    Parameters
    ----------
    names : iterable of str
        Reports to run (default: every report of ``notebooks_dir``).
    overrides : Mapping, optional
        ``--set`` values; a relative file path among them is relative to the working folder
        and is made absolute before any kernel starts.
    config : str or Path, optional
        A YAML schedule (``load_config``); relative paths in its parameters are relative to
        the project root.
    notebooks_dir, output_dir : str or Path
        The notebook and output folders; relative ones are relative to the working folder.
    n_jobs : int
        Notebooks run in parallel.
    force : bool
        Re-run reports whose cache key is unchanged.
    log : callable
        Receives each progress line.
    root : str or Path, optional
        The project root: the kernels' working folder, against which the notebooks' relative
        defaults (e.g. ``data/crm.duckdb``) resolve (default: ``project_root()``).
    log_file : str or Path, optional
        The run log (``RunLog``) the run appends to (default: ``output_dir/run.log``).
    command : str
        The command line, written on the log's ``run start`` line.
    error : callable
        Receives the reason of each invalid schedule job (default: a ``crm: error:`` line on
        stderr).

    Returns
    -------
    list of JobResult
        One result per job: the jobs that ran (in schedule order), then the invalid ones.
    """
    reports = discover(notebooks_dir)
    root = Path(root).resolve() if root is not None else project_root()
    if n_jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {n_jobs}")
    if config:
        jobs, invalid = plan_schedule(
            reports, load_config(config), overrides, root, user_dir=Path.cwd()
        )
    else:
        jobs, invalid = plan_jobs(reports, names, overrides, None, root, user_dir=Path.cwd()), []
    run_log = RunLog(log_file if log_file is not None else Path(output_dir) / "run.log")
    run_log.start(command, [job.name for job in jobs] + [bad.name for bad in invalid])
    started = time.perf_counter()
    refused = []
    for bad in invalid:
        error(bad.error)
        result = JobResult(
            bad.name, bad.notebook, bad.notebook, "", "failed", bad.parameters, {}, "",
            error=bad.error,
        )  # fmt: skip
        run_log.job(asdict(result))
        refused.append(result)
    results: list[JobResult] = []
    try:
        if jobs:
            results = run_jobs(
                jobs, output_dir, n_jobs, force, root, log=log, on_result=run_log.job
            )
    except BaseException as failure:
        aborted = f"{type(failure).__name__}: {failure}".rstrip(": ")
        run_log.end([r.status for r in refused], time.perf_counter() - started, aborted)
        raise
    results += refused
    run_log.end([r.status for r in results], time.perf_counter() - started)
    return results
