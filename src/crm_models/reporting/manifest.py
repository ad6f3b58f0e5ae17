"""What produced a run: hashes, versions, git commit; and the two files that record it.

``manifest.json`` (machine-readable) and ``index.html`` (for people) list every report in the
output folder with its status, run time, parameters and input hashes.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import quote

from crm_models.reporting.escaping import escape_html as escape

KEY_PACKAGES = (
    "crm-models",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "scikit-learn",
    "lifetimes",
    "duckdb",
    "pandera",
    "seaborn",
    "matplotlib",
    "papermill",
    "nbconvert",
    "plspm",
    "semopy",
)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


PACKAGE_ROOT = Path(__file__).resolve().parents[1]
_NOT_PACKAGE_DATA = {".pyc", ".pyo"}


def package_fingerprint(root: str | Path | None = None) -> str:
    """SHA-256 over every file of the package: code, report templates, SQL, any package data.

    Parameters
    ----------
    root : str or Path, optional
        The package folder; default ``PACKAGE_ROOT`` (the installed ``crm_models``).

    Returns
    -------
    str
        Hex digest; changes whenever a source file or a package-data file (e.g. a report
        template) is edited, added, removed or renamed. Byte-code caches are left out.
    """
    root = Path(root) if root is not None else PACKAGE_ROOT
    digest = hashlib.sha256()
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix not in _NOT_PACKAGE_DATA and "__pycache__" not in p.parts
    )
    for path in files:
        relative = path.relative_to(root).as_posix().encode()
        content = path.read_bytes()
        digest.update(len(relative).to_bytes(8, "big") + relative)
        digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


def _git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def environment_info(root: Path) -> dict:
    """Python, platform, key package versions and the git commit (with a dirty flag)."""
    versions = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    commit = _git(root, "rev-parse", "HEAD")
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "git_commit": commit or None,
        "git_dirty": bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
        if commit
        else None,
    }


def write_manifest(path: Path, run_info: dict, entries: list[dict], write: Callable) -> None:
    """Write the run manifest: the run's own facts plus one entry per report."""
    write(path, json.dumps({"run": run_info, "reports": entries}, indent=2, default=str))


STATUS_COLOURS = {"ok": "#1a7f37", "cached": "#0969da", "failed": "#cf222e"}


def write_index(path: Path, run_info: dict, entries: list[dict], write: Callable) -> None:
    """Write ``index.html``: every report with title, summary, status, run time and links."""
    rows = []
    for entry in sorted(entries, key=lambda e: e["name"]):
        href = escape(quote(entry["name"]))  # percent-encoded: a file name, never a URL scheme
        status = entry.get("status", "?")
        colour = STATUS_COLOURS.get(status, "#57606a")
        exists = (path.parent / f"{entry['name']}.html").exists()
        title = escape(entry.get("title") or entry["name"])
        link = f"<a href='{href}.html'>{title}</a>" if exists else title
        extra = (
            f" · <a href='{href}.analyst.html'>analyst</a>"
            f" · <a href='{href}.teaching.html'>teaching</a>"
            f" · <a href='{href}.json'>figures (JSON)</a>"
            if exists
            else ""
        )
        detail = ""
        if status == "failed":
            detail = (
                f"<div style='color:#cf222e;font-size:12px'>{escape(entry.get('error', ''))}<br>"
                f"executed notebook: {escape(entry.get('executed_notebook', ''))}"
                + (" · the last good report is kept" if exists else "")
                + "</div>"
            )
        rows.append(
            f"<tr><td>{link}<div style='color:#57606a;font-size:12px'>"
            f"{escape(entry.get('summary') or '')}"
            f"{extra}</div>{detail}</td>"
            f"<td style='color:{colour};font-weight:600'>{escape(status)}</td>"
            f"<td style='text-align:right'>{float(entry.get('seconds') or 0):.1f} s</td>"
            f"<td style='font-size:12px'>{escape(entry.get('finished_at') or '')}</td></tr>"
        )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = run_info.get("git_commit") or "unknown"
    html = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8"><title>crm-models reports</title>\n'
        "<style>body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;"
        "max-width:980px;margin:32px auto;color:#1f2328}\n"
        "table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #d0d7de;padding:8px;vertical-align:top}\n"
        "th{text-align:left;background:#f6f8fa}a{color:#0969da}</style></head>\n"
        "<body><h1>crm-models reports</h1>\n"
        f"<p>Index generated {generated}; code {escape(commit[:12])}"
        f"{' (uncommitted changes)' if run_info.get('git_dirty') else ''};\n"
        f"crm-models {escape(str(run_info.get('packages', {}).get('crm-models')))}. "
        'Details of every run: <a href="manifest.json">manifest.json</a>.</p>\n'
        "<table><tr><th>Report</th><th>Status</th><th>Run time</th><th>Finished (UTC)</th></tr>\n"
        f"{''.join(rows)}\n"
        "</table></body></html>\n"
    )
    write(path, html)
