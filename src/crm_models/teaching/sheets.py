"""Exercise sheets: the exercises of one study and their checks.

A notebook builds its sheet once from the objects the exercises are about::

    sheet = exercise_sheet("segment_value", clv=clv, per_customer=per_customer)

and each exercise cell assigns the student's answer and checks it in the same cell::

    answer_1 = None  # your answer
    sheet.check(1, answer_1)

The reference of each exercise is computed from those objects when the answer is checked
(``crm_models.teaching.studies`` defines them); the check says "not answered yet", "correct" or
"not yet — hint: …", never the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crm_models.errors import ParameterError
from crm_models.reporting.teaching import (
    CheckResult,
    check_answer,
    check_choice,
    check_numbers,
    is_unanswered,
)

LEVELS = ("compute", "interpret", "decide")
KINDS = ("number", "choice", "numbers")


@dataclass(frozen=True)
class Exercise:
    """One exercise: what is asked, how hard, and how its reference is computed.

    ``reference(context)`` returns a number (``number``), a set of accepted answers
    (``choice``) or a dict of numbers (``numbers``); ``options(context)`` lists the choices
    offered (``choice`` only).

    Parameters
    ----------
    number : int
        The exercise number as printed in its heading (1, 2, ...).
    level : str
        What the student does: "compute", "interpret" or "decide" (printed in the heading).
    name : str
        Short identifier, recorded with each check and in the grader's score table.
    kind : {"number", "choice", "numbers"}
        What the student answers: one number, one of the options, or a dict of numbers.
    reference : callable
        ``reference(context)`` computes the accepted answer from the notebook's objects.
    rtol : float, default 0.01
        Relative tolerance of a numeric answer (a share: 0.01 = 1 %).
    options : callable, optional
        ``options(context)`` lists the choices offered (``choice`` only).
    hint : str, default ""
        Shown to the student after a wrong answer.
    """

    number: int
    level: str
    name: str
    kind: str
    reference: Callable[[Mapping[str, Any]], Any]
    rtol: float = 0.01
    options: Callable[[Mapping[str, Any]], list[str]] | None = None
    hint: str = ""

    @property
    def label(self) -> str:
        """``"1 compute: top-10% share of equity"`` (used in the score table)."""
        return f"{self.number} {self.level}: {self.name}"


@dataclass
class ExerciseSheet:
    """The exercises of one study bound to the notebook's objects (``context``).

    Built by :func:`exercise_sheet`, not by hand.

    Parameters
    ----------
    study : str
        The study (report) name, e.g. ``"customization_tradeoffs"``.
    exercises : dict of int to Exercise
        The study's exercises by number.
    context : dict of str to object
        The notebook's objects the references are computed from (e.g. ``wtp``, ``best``).
    """

    study: str
    exercises: dict[int, Exercise]
    context: dict[str, Any] = field(repr=False)

    def check(self, number: int, answer: object) -> CheckResult:
        """Check ``answer`` to exercise ``number``.

        Parameters
        ----------
        number : int
            The exercise number as printed in its heading.
        answer : object
            The student's answer; ``None`` or ``...`` means not answered yet.

        Returns
        -------
        CheckResult
            Displayed in the notebook as "not answered yet", "correct" or "not yet — hint: …".
        """
        if number not in self.exercises:
            raise ParameterError(
                f"{self.study}: no exercise {number}; the exercises are "
                f"{', '.join(map(str, self.exercises))}"
            )
        ex = self.exercises[number]
        name = f"Exercise {ex.number} ({ex.name})"
        blank = is_unanswered(answer)  # a blank needs no reference (none is computed)
        if ex.kind == "choice":
            options = ex.options(self.context) if ex.options else []
            accepted = set() if blank else set(ex.reference(self.context))
            return check_choice(name, answer, accepted, options, ex.hint)
        if ex.kind == "numbers":  # its reference names the values asked for
            return check_numbers(name, answer, ex.reference(self.context), ex.rtol, ex.hint)
        reference = 0.0 if blank else float(ex.reference(self.context))
        return check_answer(name, answer, reference, ex.rtol, ex.hint)


def exercise_sheet(study: str, **context: Any) -> ExerciseSheet:
    """Bind the exercise sheet of ``study`` to the notebook objects in ``context``.

    Parameters
    ----------
    study : str
        The study (notebook) name, e.g. ``"segment_value"``.
    **context
        The notebook objects the exercises are about (each study's list is in
        ``crm_models.teaching.studies.STUDIES``).

    Returns
    -------
    ExerciseSheet
        Call ``sheet.check(number, answer)`` in each exercise cell.
    """
    from crm_models.teaching.studies import STUDIES

    if study not in STUDIES:
        raise ParameterError(f"no exercise sheet for {study!r}; sheets: {', '.join(STUDIES)}")
    needed, exercises = STUDIES[study]
    missing = [name for name in needed if name not in context]
    if missing:
        raise ParameterError(f"exercise_sheet({study!r}) needs {', '.join(missing)}")
    return ExerciseSheet(study, {ex.number: ex for ex in exercises}, dict(context))
