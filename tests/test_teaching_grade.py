"""`crm grade FOLDER` scores a class: one student all right, one partly, one broken notebook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd

from crm_models.cli import main
from crm_models.teaching.handout import handout

ROOT = Path(__file__).resolve().parents[1]
STUDY = "00_overview"  # the fastest notebook; every study is graded the same way


def answered(notebook: nbformat.NotebookNode, answers: dict[int, str]) -> nbformat.NotebookNode:
    """The student notebook with ``answer_k = None`` replaced by the given code."""
    for cell in notebook.cells:
        for k, code in answers.items():
            start = f"answer_{k} = None"
            if cell.cell_type == "code" and cell.source.startswith(start):
                cell.source = f"answer_{k} = {code}\n" + cell.source.split("\n", 1)[1]
    return notebook


def test_grade_scores_three_submissions(tmp_path, capsys):
    source = nbformat.read(ROOT / "notebooks" / f"{STUDY}.ipynb", as_version=4)
    student = handout(source, "student")
    folder = tmp_path / "class"
    submissions = {
        "ada": handout(source, "instructor"),  # every answer right (the worked solutions)
        "ben": answered(
            handout(source, "student"),
            {1: 'float((summary["frequency"] >= 3).mean())', 2: '"no such arm"'},
        ),
        "cy": answered(student, {1: "1 / 0"}),  # a notebook that does not run
    }
    for name, notebook in submissions.items():
        (folder / name).mkdir(parents=True)
        nbformat.write(notebook, folder / name / f"{STUDY}.ipynb")

    status = main(
        [
            "--project",
            str(ROOT),
            "grade",
            str(folder),
            "--set",
            "n_customers=500",
            "--set",
            "warehouse=",
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    scores = pd.read_csv(folder / "scores.csv", keep_default_na=False)
    by = {s: g.set_index("exercise")["status"].to_dict() for s, g in scores.groupby("student")}
    assert list(by["ada"].values()) == ["correct"] * 3
    assert [by["ben"][k] for k in sorted(by["ben"])] == ["correct", "incorrect", "unanswered"]
    assert by["cy"] == {"": "failed"}
    failed = scores[scores["student"] == "cy"].iloc[0]
    assert "ZeroDivisionError" in failed["error"]
    assert "cy/00_overview: failed to run: ZeroDivisionError" in printed
    rows = [line.split() for line in printed.splitlines()]
    summary = [r for r in rows if len(r) == 6 and r[0] in ("ada", "ben")]
    assert ["ada", STUDY, "3", "3", "3", "False"] in summary
    assert ["ben", STUDY, "2", "1", "3", "False"] in summary


def test_grade_refuses_an_empty_folder(tmp_path, capsys):
    assert main(["--project", str(ROOT), "grade", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("crm: error:") and "no submissions" in err[0]


def test_what_the_study_notebooks_import_leaves_nbformat_out():
    # nbformat imports jsonschema, whose optional IRI checker takes ~2 s to import: every
    # notebook kernel paid it for exercise_sheet until the hand-out modules imported it lazily
    code = (
        "import sys\n"
        "import crm_models.customization, crm_models.data, crm_models.loyalty\n"
        "import crm_models.reporting, crm_models.retention, crm_models.teaching\n"
        "import crm_models.uplift, crm_models.value\n"
        "print(sorted(m for m in ('nbformat', 'jsonschema', 'papermill') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr
