"""Publish a report's files as one set, and check a set on disk against its recorded hashes.

A report is five files (``NAME.html``, ``NAME.analyst.html``, ``NAME.teaching.html``,
``NAME.json``, ``NAME.ipynb``) plus its downloads (``NAME.KEY.csv``). Renaming five files is
five steps, so a run killed in the middle (or a full disk) could leave pages of one run next to
figures of another. Publishing is therefore done like a database commit:

1. ``stage``: every file is written (and fsync'd) into ``.work/NAME.staged/``;
2. the journal ``.work/NAME.publish.json`` — each file's SHA-256 — is written atomically: the
   commit point;
3. the staged files are renamed into place, then the journal is deleted.

Killed before step 2, the old set is untouched; killed after it, ``recover`` (which every run
calls first, under the folder lock) completes the renames from the journal. Either way the
folder holds one whole set. The manifest records each set's hashes (``set_hashes``); the
cache trusts a set only when ``matches`` confirms the files on disk still have them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from crm_models._files import atomic_write

__all__ = ["OUTPUT_SUFFIXES", "matches", "publish", "recover", "set_hashes", "stage"]

OUTPUT_SUFFIXES = (".html", ".analyst.html", ".teaching.html", ".json", ".ipynb")
WORK_DIR = ".work"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _staging(output_dir: Path, name: str) -> Path:
    return output_dir / WORK_DIR / f"{name}.staged"


def _journal(output_dir: Path, name: str) -> Path:
    return output_dir / WORK_DIR / f"{name}.publish.json"


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def stage(output_dir: str | Path, name: str, files: Mapping[str, str | bytes]) -> dict[str, str]:
    """Write a report's files into its staging folder (fsync'd); return ``{suffix: sha256}``.

    Parameters
    ----------
    output_dir : str or Path
        The report folder.
    name : str
        The report's name (file stem).
    files : Mapping
        ``{suffix: content}``: text (written as UTF-8) or bytes, one per ``OUTPUT_SUFFIXES``,
        plus any downloads (``.KEY.csv``).

    Returns
    -------
    dict
        The SHA-256 (hex) of each staged file, by suffix.
    """
    staging = _staging(Path(output_dir), name)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    hashes = {}
    for suffix, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        with open(staging / f"{name}{suffix}", "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        hashes[suffix] = _sha256(data)
    _fsync_dir(staging)
    return hashes


def publish(output_dir: str | Path, name: str, hashes: Mapping[str, str]) -> None:
    """Commit the staged set of ``name`` (``hashes`` from ``stage``) and move it into place."""
    output_dir = Path(output_dir)
    atomic_write(_journal(output_dir, name), json.dumps({"name": name, "files": dict(hashes)}))
    _complete(output_dir, name, dict(hashes))


def _complete(output_dir: Path, name: str, hashes: dict[str, str]) -> bool:
    """Rename the staged files of a committed set into place; False if one is lost."""
    staging = _staging(output_dir, name)
    whole = True
    for suffix, digest in hashes.items():
        staged, target = staging / f"{name}{suffix}", output_dir / f"{name}{suffix}"
        if staged.exists():
            os.replace(staged, target)
        elif not (target.exists() and _sha256(target.read_bytes()) == digest):
            whole = False  # neither staged nor in place: the next run rebuilds the report
    _fsync_dir(output_dir)
    _journal(output_dir, name).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    return whole


def recover(output_dir: str | Path) -> list[str]:
    """Finish every publication a killed run left committed; drop uncommitted staging folders.

    Call it while holding the folder lock, before anything reads the report files.

    Parameters
    ----------
    output_dir : str or Path
        The report folder.

    Returns
    -------
    list of str
        The names whose interrupted publication was completed.
    """
    work = Path(output_dir) / WORK_DIR
    completed = []
    for journal in sorted(work.glob("*.publish.json")):
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            name, hashes = record["name"], dict(record["files"])
        except (OSError, ValueError, KeyError, TypeError):
            journal.unlink(missing_ok=True)  # never committed completely (atomic write)
            continue
        _complete(Path(output_dir), name, hashes)
        completed.append(name)
    for staging in work.glob("*.staged"):
        shutil.rmtree(staging, ignore_errors=True)  # staged but never committed
    return completed


def set_hashes(
    output_dir: str | Path, name: str, suffixes: Iterable[str] = OUTPUT_SUFFIXES
) -> dict[str, str] | None:
    """SHA-256 of each of the report's files on disk by suffix; None if one is missing.

    ``suffixes`` default to the five pages and files every report has; pass a set's recorded
    suffixes to cover its downloads (``NAME.KEY.csv``) too.
    """
    hashes = {}
    for suffix in suffixes:
        path = Path(output_dir) / f"{name}{suffix}"
        try:
            hashes[suffix] = _sha256(path.read_bytes())
        except OSError:
            return None
    return hashes


def matches(output_dir: str | Path, name: str, recorded: Mapping[str, str] | None) -> bool:
    """Check that every recorded file of ``name`` exists with its ``recorded`` hash.

    The record must cover the five files every report has; downloads are extra suffixes.
    """
    if not recorded or not set(OUTPUT_SUFFIXES) <= set(recorded):
        return False
    return set_hashes(output_dir, name, recorded) == dict(recorded)
