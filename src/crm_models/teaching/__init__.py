"""Teaching: exercise sheets with honest self-checks, student/instructor hand-outs, grading.

- ``exercise_sheet(study, **objects)`` → ``sheet.check(number, answer)`` in a notebook;
- ``export_handouts(notebooks, folder)`` → ``NAME.student.ipynb`` and ``NAME.instructor.ipynb``
  (``crm teach export FOLDER``);
- ``grade_folder(folder)`` → the score table of a class (``crm grade FOLDER``).
"""

from crm_models.reporting.teaching import (
    CheckResult,
    check_answer,
    check_choice,
    check_numbers,
)
from crm_models.teaching.grading import grade_folder, score_summary, write_scores
from crm_models.teaching.handout import export_handouts, handout
from crm_models.teaching.sheets import Exercise, ExerciseSheet, exercise_sheet

__all__ = [
    "CheckResult",
    "Exercise",
    "ExerciseSheet",
    "check_answer",
    "check_choice",
    "check_numbers",
    "exercise_sheet",
    "export_handouts",
    "grade_folder",
    "handout",
    "score_summary",
    "write_scores",
]
