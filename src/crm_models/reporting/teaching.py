"""Answer checks for teaching notebooks: say right or wrong, never the reference value.

In a teaching notebook a cell tagged ``exercise`` states the task; the student assigns the
answer and checks it *in the same cell*, so the check sees only what the student wrote. A cell
tagged ``solution`` (instructor version only) assigns the worked answer and checks it again.

Every check has three outcomes: ``unanswered`` (the answer is ``None``, ``...`` or empty —
"not answered yet"), ``correct`` and ``incorrect`` ("not yet — hint: …"). The message states
the tolerance (numbers) or the options (choices) but never the reference. Each result is also
displayed as a small machine-readable record (``CHECK_MIME``) that ``crm grade`` collects.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

CHECK_MIME = "application/vnd.crm-models.check+json"
"""MIME type of the record {exercise, status} a check displays (read by the grader)."""

STATUSES = ("unanswered", "incorrect", "correct")


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: its ``status`` and the message shown to the student.

    Parameters
    ----------
    name : str
        The exercise's name (recorded for the grader).
    status : {"unanswered", "incorrect", "correct"}
        The outcome.
    message : str
        What the student sees (with the hint after a wrong answer).
    """

    name: str
    status: str
    message: str

    @property
    def correct(self) -> bool:
        """True when the answer is within the tolerance / among the accepted answers."""
        return self.status == "correct"

    def _repr_markdown_(self) -> str:
        mark = {"correct": "✅ ", "incorrect": "❌ ", "unanswered": "✏️ "}[self.status]
        return mark + self.message

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {
            "text/plain": self.message,
            "text/markdown": self._repr_markdown_(),
            CHECK_MIME: {"exercise": self.name, "status": self.status},
        }

    def __str__(self) -> str:
        return self.message


def is_unanswered(answer: object) -> bool:
    """Return True for ``None``, ``...``, NaN, an empty string and an empty container."""
    if answer is None or answer is Ellipsis:
        return True
    if isinstance(answer, str):
        return not answer.strip()
    if isinstance(answer, dict | list | tuple | set):
        return len(answer) == 0
    try:
        return math.isnan(float(answer))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _tolerance_text(rtol: float) -> str:
    # '.3g' keeps small tolerances visible (0.01%, not '0.0%'); 0 means an exact answer
    return f"within {100 * rtol:.3g}% relative tolerance" if rtol > 0 else "exact answer required"


def _not_yet(name: str, detail: str, hint: str, tol: str) -> CheckResult:
    extra = f" {hint.rstrip('.')}." if hint else ""
    return CheckResult(name, "incorrect", f"{name}: not yet — hint: {detail}.{extra} ({tol})")


def check_answer(
    name: str, answer: object, reference: float, rtol: float = 0.01, hint: str = ""
) -> CheckResult:
    """Compare a numeric ``answer`` with ``reference`` within relative tolerance ``rtol``.

    Parameters
    ----------
    name : str
        What is asked (shown in the message).
    answer : object
        The student's answer: a number (or numeric string); ``None`` / ``...`` means not
        answered yet.
    reference : float
        The right value (never shown).
    rtol : float, default 0.01
        Relative tolerance, stated in every message; 0 requires the exact value.
    hint : str, default ""
        A sentence added to a wrong answer's message (must not contain the reference).

    Returns
    -------
    CheckResult
        ``unanswered``, ``correct`` or ``incorrect`` (then "too high" / "too low" + hint).
    """
    tol = _tolerance_text(rtol)
    if is_unanswered(answer):
        return CheckResult(
            name, "unanswered", f"{name}: not answered yet — assign a number ({tol})."
        )
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return CheckResult(
            name,
            "incorrect",
            f"{name}: not yet — hint: expected a number, got {type(answer).__name__} ({tol}).",
        )
    # relative to the reference (math.isclose would scale by the larger of the two values)
    if abs(value - reference) <= rtol * abs(reference) + 1e-12:
        return CheckResult(name, "correct", f"{name}: correct ({tol}).")
    direction = "your answer is too high" if value > reference else "your answer is too low"
    return _not_yet(name, direction, hint, tol)


def _normal(text: object) -> str:
    return " ".join(str(text).strip().lower().replace("_", " ").split())


def check_choice(
    name: str,
    answer: object,
    accepted: Iterable[str],
    options: Iterable[str] = (),
    hint: str = "",
) -> CheckResult:
    """Check a chosen option against a set of ``accepted`` answers (case and ``_`` ignored).

    Parameters
    ----------
    name : str
        What is asked.
    answer : object
        The student's choice (text); ``None`` / ``...`` / ``""`` means not answered yet.
    accepted : iterable of str
        Every answer that counts as right (never shown).
    options : iterable of str, optional
        The options offered in the task; an answer outside them is told so (the options are
        listed, they are part of the task).
    hint : str, default ""
        A sentence added to a wrong answer's message.

    Returns
    -------
    CheckResult
        ``unanswered``, ``correct`` or ``incorrect``.
    """
    offered = [str(o) for o in options]
    tol = f"one of: {', '.join(offered)}" if offered else "a text answer"
    if is_unanswered(answer):
        return CheckResult(
            name, "unanswered", f"{name}: not answered yet — assign your choice ({tol})."
        )
    given = _normal(answer)
    if offered and given not in {_normal(o) for o in offered}:
        return _not_yet(name, "that is not one of the options", hint, tol)
    if given in {_normal(a) for a in accepted}:
        return CheckResult(name, "correct", f"{name}: correct ({tol}).")
    return _not_yet(name, "reconsider your choice", hint, tol)


def check_numbers(
    name: str, answer: object, reference: dict[str, float], rtol: float = 0.01, hint: str = ""
) -> CheckResult:
    """Check a dict of named numbers (e.g. fitted parameters) each within ``rtol``.

    Parameters
    ----------
    name : str
        What is asked.
    answer : object
        A dict (or pandas Series) {name: number}; ``None`` / ``...`` means not answered yet.
    reference : dict of str to float
        The right values (never shown).
    rtol : float, default 0.01
        Relative tolerance for every value.
    hint : str, default ""
        A sentence added to a wrong answer's message.

    Returns
    -------
    CheckResult
        ``correct`` when every named value is within tolerance; otherwise the message names
        the keys that are missing or off (not their right values).
    """
    tol = f"{', '.join(reference)} each {_tolerance_text(rtol)}"
    if is_unanswered(answer):
        return CheckResult(name, "unanswered", f"{name}: not answered yet — assign a dict ({tol}).")
    try:
        given = {str(k): answer[k] for k in reference if k in answer}  # type: ignore[index,operator]
    except TypeError:
        return _not_yet(name, f"expected a dict, got {type(answer).__name__}", hint, tol)
    missing = [k for k in reference if k not in given]
    if missing:
        return _not_yet(name, f"missing {', '.join(missing)}", hint, tol)
    off = [k for k in reference if not check_answer(k, given[k], reference[k], rtol).correct]
    if not off:
        return CheckResult(name, "correct", f"{name}: correct ({tol}).")
    return _not_yet(name, f"{', '.join(off)} not within tolerance", hint, tol)
