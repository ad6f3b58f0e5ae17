"""Hand-outs: a student notebook (no solutions, no outputs) and an instructor notebook per study.

Cell tags decide (as for the HTML audiences, ``crm_models.reporting.export``): the student
version drops cells tagged ``solution``; both drop every output and execution count, so what is
handed out shows no verdict and no figure computed with the solutions filled in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crm_models._files import atomic_path
from crm_models.errors import ParameterError

if TYPE_CHECKING:  # imported where used: nbformat's jsonschema takes ~2 s to import,
    import nbformat  # and every study notebook imports this package for exercise_sheet

VERSIONS = ("student", "instructor")


def has_exercises(notebook: nbformat.NotebookNode) -> bool:
    """Return True when the notebook has a cell tagged ``exercise``."""
    return any("exercise" in c.metadata.get("tags", []) for c in notebook.cells)


def handout(notebook: nbformat.NotebookNode, version: str) -> nbformat.NotebookNode:
    """Make the ``student`` or ``instructor`` version of an (executed or clean) study notebook.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The study notebook.
    version : {"student", "instructor"}
        ``student`` drops the ``solution`` cells; both clear outputs and execution counts.

    Returns
    -------
    nbformat.NotebookNode
        A new notebook (the input is not changed).
    """
    if version not in VERSIONS:
        raise ParameterError(f"version must be one of {', '.join(VERSIONS)}, got {version!r}")
    import nbformat

    out = nbformat.from_dict(notebook)
    if version == "student":
        out.cells = [c for c in out.cells if "solution" not in c.metadata.get("tags", [])]
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    out.metadata.pop("papermill", None)
    out.metadata["crm_handout"] = version
    return out


def export_handouts(notebooks: Path, folder: Path) -> list[Path]:
    """Write ``NAME.student.ipynb`` and ``NAME.instructor.ipynb`` for each study with exercises.

    Parameters
    ----------
    notebooks : Path
        The folder of study notebooks (``notebooks/``).
    folder : Path
        Where the hand-outs go (created when missing).

    Returns
    -------
    list of Path
        The files written, student before instructor, studies in name order.
    """
    import nbformat

    sources = sorted(Path(notebooks).glob("*.ipynb"))
    if not sources:
        raise ParameterError(f"{notebooks}: no notebooks (*.ipynb) to hand out")
    written = []
    for source in sources:
        notebook = nbformat.read(source, as_version=4)
        if not has_exercises(notebook):
            continue
        for version in VERSIONS:
            target = Path(folder) / f"{source.stem}.{version}.ipynb"
            try:
                with atomic_path(target) as temporary:
                    nbformat.write(handout(notebook, version), temporary)
            except OSError as error:
                raise ParameterError(f"{target}: cannot write the hand-out ({error})") from None
            written.append(target)
    return written
