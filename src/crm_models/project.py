"""The project root: the folder that relative default paths mean.

``crm`` and the notebooks read ``notebooks/``, ``reports/`` and ``data/crm.duckdb`` relative to
the project root, wherever they are started from (a subfolder, JupyterLab in ``notebooks/``).
The root is, in this order:

1. the folder given explicitly (``crm --project DIR``);
2. the folder in the environment variable ``CRM_PROJECT``;
3. the nearest folder at or above the working folder that has a ``notebooks/`` folder and a
   ``pyproject.toml`` naming ``crm-models``;
4. the working folder itself.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from crm_models.errors import ParameterError

__all__ = ["PROJECT_ENV", "find_project_root", "project_root", "resolve_path"]

PROJECT_ENV = "CRM_PROJECT"
"""Environment variable naming the project root (what ``crm --project`` gives explicitly)."""

_PROJECT_NAMES = {"crm-models", "crm_models"}


def _is_project(folder: Path) -> bool:
    if not (folder / "notebooks").is_dir():
        return False
    try:
        meta = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    name = meta.get("project", {}).get("name") if isinstance(meta.get("project"), dict) else None
    return isinstance(name, str) and name.lower() in _PROJECT_NAMES


def find_project_root(start: str | Path | None = None) -> Path | None:
    """Find the nearest crm-models project folder at or above ``start``.

    Parameters
    ----------
    start : str or Path, optional
        Where to start looking (default: the working folder).

    Returns
    -------
    Path or None
        The absolute folder holding ``notebooks/`` and a ``pyproject.toml`` whose project name
        is ``crm-models``; None when no folder up to the file-system root has both.
    """
    folder = Path(start if start is not None else Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if _is_project(candidate):
            return candidate
    return None


def project_root(explicit: str | Path | None = None) -> Path:
    """Return the project root (see the module docstring for the order of the rules).

    Parameters
    ----------
    explicit : str or Path, optional
        A folder given by the user (``crm --project DIR``); relative to the working folder.

    Returns
    -------
    Path
        The absolute project root.

    Raises
    ------
    ParameterError
        If the explicit folder or ``$CRM_PROJECT`` is not an existing folder.
    """
    for given, where in ((explicit, "--project"), (os.environ.get(PROJECT_ENV), PROJECT_ENV)):
        if given is not None and str(given) != "":
            folder = Path(given).expanduser().resolve()
            if not folder.is_dir():
                raise ParameterError(f"{where} {given}: no folder at {folder}")
            return folder
    return find_project_root() or Path.cwd().resolve()


def resolve_path(path: str | Path, root: str | Path | None = None) -> Path:
    """Resolve a default or notebook path against the project root.

    Parameters
    ----------
    path : str or Path
        An absolute path (returned as it is) or a path relative to the project root, e.g.
        ``data/crm.duckdb``; ``~`` is expanded.
    root : str or Path, optional
        The project root (default: ``project_root()``).

    Returns
    -------
    Path
        The path, absolute when ``path`` was relative.
    """
    path = Path(path).expanduser()
    if path.is_absolute():
        return path
    return Path(root if root is not None else project_root()) / path
