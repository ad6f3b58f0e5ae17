"""Hand-outs: each student notebook runs as handed out (every check "not answered yet", never
"correct"); the instructor's answers are all correct; the teaching page shows no verdict."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

from crm_models.cli import main
from crm_models.reporting.export import render_html
from crm_models.reporting.kernels import ReportKernelManager
from crm_models.teaching.grading import check_records
from crm_models.teaching.studies import STUDIES

pytestmark = pytest.mark.processes  # left out of the pandas-3 pass of .ci/run

ROOT = Path(__file__).resolve().parents[1]
SMALL = {  # small worlds, as in test_notebook_ranges.py: the exercises, not the models, are tested
    "00_overview": {"n_customers": 500, "warehouse": ""},
    "segment_value": {"n_customers": 500, "n_draws": 20, "compare_models": "bgnbd"},
    "campaign_uplift": {"n_customers": 500, "n_boot": 10},
    "churn_retention": {"n_customers": 500},
    "satisfaction_loyalty_profit": {"n_respondents": 100, "n_boot": 50},
    "customization_tradeoffs": {
        "n_customers": 500,
        "n_respondents": 100,
        "kano_respondents": 10,
        "market_size": 1000,
    },
}


def texts(notebook: nbformat.NotebookNode) -> list[str]:
    """Every plain-text output of the notebook."""
    return [
        str(o.get("data", {}).get("text/plain", o.get("text", "")))
        for c in notebook.cells
        for o in c.get("outputs", [])
    ]


def execute(path: Path, study: str, out: Path) -> nbformat.NotebookNode:
    papermill.execute_notebook(
        str(path),
        str(out),
        parameters=SMALL[study],
        kernel_name="python3",
        cwd=str(ROOT),
        progress_bar=False,
        kernel_manager_class=ReportKernelManager,
    )
    return nbformat.read(out, as_version=4)


@pytest.fixture(scope="module")
def handouts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("handouts")
    assert main(["--project", str(ROOT), "teach", "export", str(folder)]) == 0
    return folder


def test_export_writes_both_versions_of_every_study(handouts):
    names = sorted(p.name for p in handouts.glob("*.ipynb"))
    assert names == sorted(f"{s}.{v}.ipynb" for s in STUDIES for v in ("student", "instructor"))
    for study in STUDIES:
        student = nbformat.read(handouts / f"{study}.student.ipynb", as_version=4)
        teacher = nbformat.read(handouts / f"{study}.instructor.ipynb", as_version=4)
        tags = [set(c.metadata.get("tags", [])) for c in student.cells]
        assert not any("solution" in t for t in tags), study
        assert sum("solution" in c.metadata.get("tags", []) for c in teacher.cells) == len(
            STUDIES[study][1]
        )
        for nb in (student, teacher):
            assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        levels = [ex.level for ex in STUDIES[study][1]]
        assert levels[:3] == ["compute", "interpret", "decide"], study


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_student_notebook_runs_unanswered_and_instructor_is_all_correct(study, handouts, tmp_path):
    student = execute(handouts / f"{study}.student.ipynb", study, tmp_path / "student.ipynb")
    records = check_records(student)
    assert len(records) == len(STUDIES[study][1])
    assert set(records.values()) == {"unanswered"}, records
    outputs = " ".join(texts(student))
    assert "not answered yet" in outputs
    assert ": correct" not in outputs and "not yet — hint" not in outputs

    teacher = execute(handouts / f"{study}.instructor.ipynb", study, tmp_path / "teacher.ipynb")
    assert set(check_records(teacher).values()) == {"correct"}, check_records(teacher)

    # the teaching page of the executed notebook (solutions ran) shows no verdict
    page = render_html(teacher, "teaching")
    assert page.count("✏️ Exercise") == len(STUDIES[study][1])  # each check: not answered yet
    assert ": correct (" not in page and "✅" not in page and "❌" not in page
