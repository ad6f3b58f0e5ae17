"""Grade a class: run every submitted notebook with papermill and score its self-checks.

A class folder holds one folder per student with that student's copies of the hand-outs
(``FOLDER/<student>/NAME.ipynb`` or ``NAME.student.ipynb``). Each notebook is executed from a
fresh kernel (its outputs as submitted are ignored); every exercise check displays a record
``{exercise, status}`` (``crm_models.reporting.teaching.CHECK_MIME``) and the last record of
each exercise counts. A notebook that does not run gets one row with status ``failed`` and the
error in one line.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from crm_models._files import atomic_path
from crm_models.errors import ParameterError
from crm_models.reporting.teaching import CHECK_MIME
from crm_models.teaching.studies import STUDIES

if TYPE_CHECKING:  # imported where used: nbformat's jsonschema takes ~2 s to import,
    import nbformat  # and every study notebook imports this package for exercise_sheet

SCORE_COLUMNS = ["student", "notebook", "exercise", "status", "answered", "correct", "error"]
DEFAULT_TIMEOUT = 900.0
"""Seconds one submitted notebook may run before its kernel is stopped."""


@dataclass(frozen=True)
class Submission:
    """One student's notebook of one study."""

    student: str
    study: str
    path: Path


def find_submissions(folder: Path) -> list[Submission]:
    """Find the notebooks of a class folder: ``FOLDER/<student>/<study>[.student].ipynb``.

    Parameters
    ----------
    folder : Path
        The class folder.

    Returns
    -------
    list of Submission
        Sorted by student and study; files whose name is not a study are skipped.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"{folder}: no such class folder")
    found = []
    for path in sorted(folder.glob("*/*.ipynb")):
        study = path.name.removesuffix(".ipynb").removesuffix(".student")
        if study in STUDIES and not path.parent.name.startswith("."):
            found.append(Submission(path.parent.name, study, path))
    if not found:
        studies = ", ".join(STUDIES)
        raise ParameterError(
            f"{folder}: no submissions; expected FOLDER/<student>/NAME.ipynb with NAME one of "
            f"{studies}"
        )
    return found


def check_records(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Return the last status of each exercise in an executed notebook ({exercise name: status})."""
    records: dict[str, str] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(CHECK_MIME)
            if isinstance(record, dict) and "exercise" in record:
                records[str(record["exercise"])] = str(record.get("status", ""))
    return records


def _parameters(path: Path, overrides: dict[str, object]) -> dict[str, object]:
    """Return the ``overrides`` this notebook declares as parameters, validated."""
    from crm_models.reporting.catalog import coerce_value, read_report

    report = read_report(path)
    return {
        name: coerce_value(report.name, report.parameters[name], value)
        for name, value in overrides.items()
        if name in report.parameters
    }


def _one_line(error: BaseException) -> str:
    ename, evalue = getattr(error, "ename", None), getattr(error, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(error).__name__}: {error}"
    return " ".join(text.split())[:300]


def run_submission(
    submission: Submission, overrides: dict[str, object], root: Path, timeout: float
) -> list[dict]:
    """Execute one submission and return its score rows (one per exercise, or one failure).

    Parameters
    ----------
    submission : Submission
        The notebook to run.
    overrides : dict
        Parameter values for every notebook that declares them (e.g. a small ``n_customers``).
    root : Path
        The project root: the notebooks' working folder.
    timeout : float
        Seconds the notebook may run; longer stops its kernel and counts as failed.

    Returns
    -------
    list of dict
        Rows with the columns of ``SCORE_COLUMNS``.
    """
    import nbformat
    import papermill

    from crm_models.reporting.kernels import ReportKernelManager, time_limit

    base = {"student": submission.student, "notebook": submission.study}
    with tempfile.TemporaryDirectory(prefix="crm-grade-") as work:
        executed = Path(work) / "executed.ipynb"
        with time_limit(timeout) as limit:
            try:
                papermill.execute_notebook(
                    str(submission.path),
                    str(executed),
                    parameters=_parameters(submission.path, overrides),
                    kernel_name="python3",
                    cwd=str(root),
                    progress_bar=False,
                    kernel_manager_class=ReportKernelManager,
                )
                notebook = nbformat.read(executed, as_version=4)
            except Exception as error:  # a broken notebook is one row
                detail = f"timed out after {timeout:g} s" if limit.expired else _one_line(error)
                row = dict(base, exercise="", status="failed", answered=False, correct=False)
                return [dict(row, error=detail)]
    records = check_records(notebook)
    rows = []
    for ex in STUDIES[submission.study][1]:
        status = records.get(f"Exercise {ex.number} ({ex.name})", "unanswered")
        rows.append(
            dict(
                base,
                exercise=ex.label,
                status=status,
                answered=status != "unanswered",
                correct=status == "correct",
                error="",
            )
        )
    return rows


def grade_folder(
    folder: Path,
    overrides: dict[str, object] | None = None,
    root: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> pd.DataFrame:
    """Run every submission of a class folder and return the score table.

    Parameters
    ----------
    folder : Path
        ``FOLDER/<student>/NAME.ipynb`` per student and study.
    overrides : dict, optional
        Parameter values applied to every notebook that declares them.
    root : Path, optional
        The notebooks' working folder (default: the project root).
    timeout : float, default 900
        Seconds per notebook.

    Returns
    -------
    pandas.DataFrame
        ``SCORE_COLUMNS``: one row per student, notebook and exercise; a notebook that failed
        to run has one row with status ``failed`` and its error.
    """
    if root is None:
        from crm_models.project import project_root

        root = project_root(None)
    rows = [
        row
        for submission in find_submissions(folder)
        for row in run_submission(submission, overrides or {}, root, timeout)
    ]
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def write_scores(scores: pd.DataFrame, path: Path) -> Path:
    """Write the score table as CSV (atomically) and return its path.

    Parameters
    ----------
    scores : pandas.DataFrame
        The table of :func:`grade_folder` (columns student, notebook, exercise, status,
        answered, correct, error).
    path : pathlib.Path
        The CSV file written (replaced whole, never half-written).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    try:
        with atomic_path(path) as temporary:
            scores.to_csv(temporary, index=False)
    except OSError as error:
        raise ParameterError(f"{path}: cannot write the score table ({error})") from None
    return Path(path)


def score_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Summarize the scores per student and notebook.

    Parameters
    ----------
    scores : pandas.DataFrame
        The table of :func:`grade_folder`; needs columns ``student``, ``notebook``,
        ``exercise``, ``status``, ``answered`` and ``correct``.

    Returns
    -------
    pandas.DataFrame
        One row per (student, notebook): ``answered``, ``correct`` and ``exercises`` (counts)
        and ``failed`` (True when the notebook did not run to the end).
    """
    grouped = scores.groupby(["student", "notebook"], sort=True)
    return pd.DataFrame(
        {
            "answered": grouped["answered"].sum(),
            "correct": grouped["correct"].sum(),
            "exercises": grouped["exercise"].apply(lambda s: int((s != "").sum())),
            "failed": grouped["status"].apply(lambda s: bool((s == "failed").any())),
        }
    ).reset_index()
