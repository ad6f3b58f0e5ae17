"""What produced a run: hashes, versions, git commit; and the two files that record it.

``manifest.json`` (machine-readable) lists every report in the output folder with its status,
run time, parameters and input hashes; ``index.html`` (for people) is written by
``crm_models.reporting.front_page``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

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


def folder_fingerprint(folder: str | Path) -> str:
    """SHA-256 over the Parquet files of a data-lake folder: relative path, size, mtime (ns).

    Not the bytes: a lake can hold far more than a report reads in the time it runs. A file
    added, removed, rewritten or touched changes the fingerprint.
    """
    from crm_models.data.lake import parquet_files

    folder = Path(folder)
    digest = hashlib.sha256()
    for path in parquet_files(folder):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return "folder:" + digest.hexdigest()


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
    versions: dict[str, str | None] = {}
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
