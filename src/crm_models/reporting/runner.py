"""Run report notebooks with papermill and publish their outputs (``crm run``).

For each job (a notebook, its parameters and an output name) the runner:

1. validates parameters and input files before any kernel starts (``plan_jobs``); a value
   given under a parameter's old name (the notebook's ``renamed_parameters``) is mapped to
   the new name with one ``crm: warning:`` line per report and old name;
2. skips the job when its cache key — notebook bytes, parameters, package code, input data
   hashes — equals the last successful run's and its outputs exist (unless ``force``);
3. executes the notebook with papermill (in worker processes when ``n_jobs > 1``: papermill
   changes the process-wide working directory), isolating failures;
4. renders management / analyst / teaching HTML, extracts the headline figures, and
   publishes ``NAME.html``, ``NAME.analyst.html``, ``NAME.teaching.html``, ``NAME.json``,
   ``NAME.ipynb`` as one set (``crm_models.reporting.publish``: staged, journalled, renamed);
5. writes ``index.html`` and ``manifest.json`` for the whole output folder.

The run holds the folder's lock from start to end (a second run waits or, with
``wait=False``, fails at once) and first completes any publication a killed run left half
done. The cache serves a report only when its files still have the hashes recorded for its
set. Each report gets ``timeout`` seconds; then its kernel is killed.

A failed notebook (or one whose rendering or writing fails: every page is rendered before any
is written) keeps its previous set: its pages get an out-of-date banner saying when they were
made and why the newest run failed; the executed notebook is kept as ``NAME.failed.ipynb`` and
the index shows the error's last line. Parameters named ``export…``/``output…`` are files the
notebook writes, not inputs.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

from crm_models._files import atomic_write
from crm_models._locks import exclusive
from crm_models._startup import skip_unused_iri_checker
from crm_models.errors import CRMError, ParameterError
from crm_models.project import project_root
from crm_models.reporting.catalog import discover
from crm_models.reporting.execute import DEFAULT_TIMEOUT, execute_job
from crm_models.reporting.front_page import write_index
from crm_models.reporting.jobs import (
    Job,
    load_config,
    parse_overrides,
    plan_jobs,
    plan_schedule,
)
from crm_models.reporting.manifest import (
    environment_info,
    package_fingerprint,
    write_manifest,
)
from crm_models.reporting.publish import matches, recover
from crm_models.reporting.runlog import RunLog

__all__ = [
    "DEFAULT_TIMEOUT",
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
    last_good_at: str = ""  # when the pages on disk were made (the last successful run)
    outputs: dict = field(default_factory=dict)  # the published set: {suffix: sha256}


def _previous_entries(output_dir: Path) -> dict[str, dict]:
    try:
        manifest = json.loads((output_dir / "manifest.json").read_text(encoding="utf-8"))
        return {entry["name"]: entry for entry in manifest.get("reports", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _worker_died(spec: dict) -> dict:
    """Return the result of a job whose worker process died: failed, its previous set kept."""
    return dict(
        spec["result"],
        status="failed",
        error="the worker process running this report died (killed, or out of memory)",
        executed_notebook=str(Path(spec["output_dir"]) / f"{spec['name']}.failed.ipynb"),
    )


def _check_run_options(n_jobs: int, timeout: float | None) -> None:
    if n_jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {n_jobs}")
    if timeout is not None and not timeout > 0:
        raise ParameterError(f"--timeout must be a positive number of seconds, got {timeout}")


def _is_cached(job: Job, key: str, entry: dict | None, output_dir: Path) -> bool:
    """Whether the last run of ``job`` succeeded with ``key`` and its files are that set.

    A set mixed or edited on disk (hashes differ from those recorded) is never served.
    """
    return bool(
        entry
        and entry.get("status") in ("ok", "cached")
        and entry.get("cache_key") == key
        and matches(output_dir, job.name, entry.get("outputs"))
    )


def _other_owner(job: Job, entry: dict | None) -> str:
    """Why ``job`` may not write its files (they are another report's outputs), or ''."""
    owner = Path(entry.get("notebook") or "").stem if entry else ""
    if owner and owner != job.report.name:
        return (
            f"job {job.name!r}: {job.name}.html and its other files in this folder are the "
            f"outputs of report {owner!r}; give the job another name"
        )
    return ""


def run_jobs(
    jobs: list[Job],
    output_dir: str | Path = "reports",
    n_jobs: int = 1,
    force: bool = False,
    root: str | Path = ".",
    log: Callable[[str], None] = print,
    on_result: Callable[[dict], None] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    wait: bool = True,
) -> list[JobResult]:
    """Run ``jobs`` into ``output_dir``; return one result per job (in job order).

    The whole run holds the folder's lock (``output_dir/.lock``): a second run into the same
    folder waits for it (``wait=False``: raises ``BusyError`` at once), so the manifest and
    index merge every run's reports. ``on_result`` receives each job's result (a
    ``JobResult`` as a dict) when it is known. A job whose name would put a file outside
    ``output_dir`` is refused before anything runs; a job whose name holds another report's
    outputs fails without running. ``timeout`` (seconds; None: none) limits each report.
    """
    from crm_models import __version__

    _check_run_options(n_jobs, timeout)
    output_dir = Path(output_dir)
    for job in jobs:
        target = (output_dir / f"{job.name}.html").resolve()
        if not job.name or "/" in job.name or target.parent != output_dir.resolve():
            raise ParameterError(f"job {job.name!r}: its outputs would be outside {output_dir}")
    output_dir.mkdir(parents=True, exist_ok=True)
    folder = f"the report folder {output_dir}/"
    with exclusive(output_dir / ".lock", folder, wait=wait, on_wait=log):
        for name in recover(output_dir):
            log(f"{name:<32} completed the publication a stopped run had left half done")
        started = datetime.now(UTC).isoformat(timespec="seconds")
        code = package_fingerprint()
        previous = _previous_entries(output_dir)
        results: dict[str, dict] = {}
        refused: set[str] = set()
        pending = []
        for job in jobs:
            key = job.cache_key(code)
            entry = previous.get(job.name)
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
                    last_good_at=(entry or {}).get("last_good_at", ""),
                )
            )
            conflict = _other_owner(job, entry)
            if conflict:
                base.update(status="failed", error=conflict)
                refused.add(job.name)
                results[job.name] = base
                if on_result:
                    on_result(base)
                log(f"{job.name:<32} REFUSED: {conflict}")
                continue
            if not force and _is_cached(job, key, entry, output_dir):
                assert entry is not None  # _is_cached is False without an entry
                base.update(
                    status="cached",
                    seconds=0.0,
                    executed_notebook=str(output_dir / f"{job.name}.ipynb"),
                    finished_at=entry.get("finished_at", ""),
                    work_seconds=entry.get("work_seconds", 0.0),
                    outputs=entry.get("outputs", {}),
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
                    "timeout": timeout,
                    "last_good_at": base["last_good_at"],
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
                    f"{result['name']:<32} FAILED  {result['seconds']:6.1f} s: "
                    f"{result['error']} (see {result['executed_notebook']})"
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
                max_workers=min(n_jobs, len(pending)),
                mp_context=get_context("spawn"),
                initializer=skip_unused_iri_checker,
            ) as pool:
                futures = [pool.submit(execute_job, spec) for spec in pending]
                for spec, future in zip(pending, futures, strict=True):
                    try:
                        report(future.result())
                    except BrokenProcessPool:  # a worker was killed (e.g. out of memory)
                        report(_worker_died(spec))

        ordered = [JobResult(**results[job.name]) for job in jobs]
        entries = {**previous, **{r.name: asdict(r) for r in ordered if r.name not in refused}}
        run_info = {
            "started_at": started,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "jobs": [r.name for r in ordered],
            "code_fingerprint": code,
            **environment_info(Path(root)),
        }
        listing = list(entries.values())
        try:
            write_manifest(output_dir / "manifest.json", run_info, listing, atomic_write)
            write_index(output_dir / "index.html", run_info, listing, atomic_write)
        except OSError as error:  # e.g. a full disk: the report sets themselves are whole
            raise CRMError(
                f"could not update {output_dir}/manifest.json and index.html "
                f"({error.strerror or error}); the reports were published, the listing is "
                "from the previous run — free space and run again"
            ) from None
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
    timeout: float | None = DEFAULT_TIMEOUT,
    wait: bool = True,
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
    timeout : float or None
        Seconds each report may run before its kernel is killed (None: no limit).
    wait : bool
        Wait for another run that holds the output folder (False: fail at once).

    Returns
    -------
    list of JobResult
        One result per job: the jobs that ran (in schedule order), then the invalid ones.
    """
    reports = discover(notebooks_dir)
    root = Path(root).resolve() if root is not None else project_root()
    _check_run_options(n_jobs, timeout)
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
                jobs,
                output_dir,
                n_jobs,
                force,
                root,
                log=log,
                on_result=run_log.job,
                timeout=timeout,
                wait=wait,
            )
    except BaseException as failure:
        aborted = f"{type(failure).__name__}: {failure}".rstrip(": ")
        run_log.end([r.status for r in refused], time.perf_counter() - started, aborted)
        raise
    results += refused
    run_log.end([r.status for r in results], time.perf_counter() - started)
    return results
