"""Answer checks for teaching notebooks: say right or wrong, never the reference value.

In a teaching notebook a cell tagged ``exercise`` states the task, the student writes the
answer into a variable, and a check cell calls ``check_answer``. The reference is computed
by the notebook in a cell tagged ``solution``, which the teaching rendering removes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: ``correct`` and the message shown to the student."""

    name: str
    correct: bool
    message: str

    def _repr_markdown_(self) -> str:
        return ("✅ " if self.correct else "❌ ") + self.message

    def __str__(self) -> str:
        return self.message


def check_answer(
    name: str, answer: float | None, reference: float, rtol: float = 0.01
) -> CheckResult:
    """Compare a student's ``answer`` with ``reference`` within relative tolerance ``rtol``.

    The message states the tolerance and whether the answer is too high or too low, but
    never the reference value itself.
    """
    # '.3g' keeps small tolerances visible (0.01%, not '0.0%'); 0 means an exact answer
    tol = f"within {100 * rtol:.3g}% relative tolerance" if rtol > 0 else "exact answer required"
    try:
        value = math.nan if answer is None else float(answer)
    except (TypeError, ValueError):
        return CheckResult(
            name, False, f"{name}: expected a number, got {type(answer).__name__} ({tol})."
        )
    if math.isnan(value):
        return CheckResult(name, False, f"{name}: no answer yet — assign a number ({tol}).")
    # relative to the reference (math.isclose would scale by the larger of the two values)
    if abs(value - reference) <= rtol * abs(reference) + 1e-12:
        return CheckResult(name, True, f"{name}: correct ({tol}).")
    direction = "too high" if value > reference else "too low"
    return CheckResult(name, False, f"{name}: not yet — your answer is {direction} ({tol}).")
