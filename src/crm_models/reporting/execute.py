"""Execute one report job: run its notebook with papermill, render, publish its set.

``execute_job(spec)`` runs in the ``crm run`` process or in a worker process (papermill
changes the process-wide working folder). The notebook runs under a time limit
(``crm_models.reporting.kernels``); the three pages, the figures JSON and the executed notebook
are rendered in memory, then staged and published as one set
(``crm_models.reporting.publish``). Any failure — in a cell, past the time limit, while
rendering or while writing (a full disk) — keeps the previous set, puts the out-of-date banner
on its pages and keeps the executed notebook as ``NAME.failed.ipynb``.
"""

from __future__ import annotations

import glob
import json
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import zmq
from traitlets.config import Config

from crm_models.reporting.kernels import ReportKernelManager, time_limit
from crm_models.reporting.publish import OUTPUT_SUFFIXES, WORK_DIR, publish, stage

__all__ = ["DEFAULT_TIMEOUT", "execute_job"]

DEFAULT_TIMEOUT = 1800.0
"""Seconds a report may run before its kernel is killed (``crm run --timeout``)."""

# Encrypt kernel traffic with CurveZMQ when the kernelspec supports it (ipykernel >= 7 warns
# on every start otherwise); falls back to plain TCP where it does not.
_TRANSPORT_ENCRYPTION = "auto" if zmq.has("curve") else "disabled"
_KERNEL_CONFIG = Config({"KernelManager": {"transport_encryption": _TRANSPORT_ENCRYPTION}})


def _last_line(text: str) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"


def _work_seconds(notebook) -> float:
    durations = (c.get("metadata", {}).get("papermill", {}).get("duration") for c in notebook.cells)
    return float(sum((d or 0.0) for d in durations))


def _mark_stale(out: Path, name: str, made_at: str, error: str) -> dict[str, str]:
    """Put the out-of-date banner on the last good pages of ``name``; return the set's hashes.

    Returns ``{}`` when there are no earlier pages (or they cannot be rewritten: disk full).
    """
    from crm_models.reporting.export import mark_stale

    if not (out / f"{name}.html").exists():
        return {}
    failed_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        files = {}
        for suffix in (*OUTPUT_SUFFIXES, *_download_suffixes(out, name)):
            data = (out / f"{name}{suffix}").read_bytes()
            if suffix.endswith(".html"):
                data = mark_stale(data.decode("utf-8"), made_at, failed_at, error).encode()
            files[suffix] = data
        hashes = stage(out, name, files)
        publish(out, name, hashes)
    except OSError:
        return {}
    return hashes


def _download_suffixes(out: Path, name: str) -> list[str]:
    """List the suffixes (``.KEY.csv``) of the downloads of ``name`` now in the folder."""
    from crm_models.reporting.display import DOWNLOAD_KEY

    pattern = re.compile(re.escape(name) + r"(\." + DOWNLOAD_KEY + r"\.csv)")
    found = (pattern.fullmatch(p.name) for p in out.glob(f"{glob.escape(name)}.*.csv"))
    return sorted(m.group(1) for m in found if m)


def _failed(result: dict, spec: dict, executed: Path, detail: str, start: float) -> dict:
    """Mark ``result`` failed, keep the executed notebook, flag the previous pages stale.

    The executed notebook becomes ``NAME.failed.ipynb``; the previous pages, if any, get the
    out-of-date banner.
    """
    out, name = Path(spec["output_dir"]), spec["name"]
    failed = out / f"{name}.failed.ipynb"
    if executed.exists():
        os.replace(executed, failed)
    error = _last_line(detail)
    result.update(
        status="failed",
        error=error,
        executed_notebook=str(failed),
        seconds=time.perf_counter() - start,
        outputs=_mark_stale(out, name, spec["last_good_at"], error),
    )
    return result


def execute_job(spec: dict) -> dict:
    """Execute one job (runs in a worker process); returns a ``JobResult`` as a dict.

    The report's files are rendered in memory, staged and published as one set
    (``crm_models.reporting.publish``); any failure — in a cell, past ``spec["timeout"]``
    seconds, while rendering, or writing (disk full) — keeps the previous set.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from crm_models.reporting.export import (
        AUDIENCES,
        extract_downloads,
        extract_figures,
        render_html,
    )

    out = Path(spec["output_dir"])
    name = spec["name"]
    work = out / WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    executed = work / f"{name}.ipynb"
    result = dict(spec["result"])
    start = time.perf_counter()
    with time_limit(spec["timeout"]) as limit:
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
                kernel_manager_class=ReportKernelManager,
            )
        except Exception as error:  # a failing notebook must not stop the others
            detail = (
                f"{error.ename}: {error.evalue}"
                if isinstance(error, PapermillExecutionError)
                else str(error)
            )
            if limit.expired:
                detail = f"timed out after {limit.seconds:g} s (--timeout): the kernel was stopped"
            return _failed(result, spec, executed, detail, start)

    try:  # render everything in memory, then stage: any failure keeps the previous set whole
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
        files: dict[str, str | bytes] = {
            (".html" if a == "management" else f".{a}.html"): render_html(notebook, a, footer, name)
            for a in AUDIENCES
        }
        files |= {f".{key}.csv": csv for key, csv in extract_downloads(notebook).items()}
        payload = {
            "report": name,
            "title": result["title"],
            "generated_at": finished,
            "parameters": spec["parameters"],
            "figures": figures,
        }
        files[".json"] = json.dumps(payload, indent=2, default=str)
        files[".ipynb"] = executed.read_bytes()
    except Exception as error:
        detail = f"rendering failed: {type(error).__name__}: {error}"
        return _failed(result, spec, executed, detail, start)
    try:
        outputs = stage(out, name, files)
        publish(out, name, outputs)
    except OSError as error:  # e.g. a full disk: the previous set stays (see publish)
        detail = f"writing the report failed: {error.strerror or error}"
        return _failed(result, spec, executed, detail, start)
    executed.unlink(missing_ok=True)
    (out / f"{name}.failed.ipynb").unlink(missing_ok=True)
    for suffix in set(_download_suffixes(out, name)) - set(outputs):  # an earlier set's
        (out / f"{name}{suffix}").unlink(missing_ok=True)
    result.update(
        status="ok",
        seconds=time.perf_counter() - start,
        work_seconds=_work_seconds(notebook),
        executed_notebook=str(out / f"{name}.ipynb"),
        finished_at=finished,
        last_good_at=finished,
        outputs=outputs,
    )
    return result
