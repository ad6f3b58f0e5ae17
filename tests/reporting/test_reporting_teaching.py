"""check_answer: right or wrong, too high or too low, tolerance stated, reference never shown."""

from __future__ import annotations

import re

import numpy as np
import pytest

from crm_models.reporting import check_answer

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers_in(message: str) -> list[str]:
    return NUMBER.findall(message)


@pytest.mark.parametrize("reference", [0.123456, 1234.5, -87.25, 3.0e-5, 200])
@pytest.mark.parametrize("answer", [None, float("nan"), 0.0, 0.99, 1e6, -5.0, "text", [1, 2]])
def test_the_reference_never_appears_in_the_message(reference, answer):
    """Whatever the answer, the only number in the message is the stated tolerance (1%)."""
    result = check_answer("share of repeat buyers", answer, reference, rtol=0.01)
    assert numbers_in(result.message) == ["1"], result.message
    assert "within 1% relative tolerance" in result.message
    assert result.message == str(result)


@pytest.mark.parametrize(
    ("rtol", "stated"),
    [
        (0.01, "within 1% relative tolerance"),
        (0.05, "within 5% relative tolerance"),
        (0.001, "within 0.1% relative tolerance"),
        (0.0001, "within 0.01% relative tolerance"),
        (0.025, "within 2.5% relative tolerance"),
        (0.0, "exact answer required"),
    ],
)
def test_the_tolerance_is_stated_as_used(rtol, stated):
    """A tolerance of 0.01% must not read '0.0%' (the student would think it exact)."""
    for answer in (None, 1.0, 2.0, "x"):
        assert stated in check_answer("lift", answer, 1.0, rtol=rtol).message


def test_within_tolerance_is_correct_and_outside_is_not():
    ref = 250.0
    assert check_answer("clv", ref * 1.0099, ref, rtol=0.01).correct
    assert check_answer("clv", ref * 0.9901, ref, rtol=0.01).correct
    high = check_answer("clv", ref * 1.0101, ref, rtol=0.01)
    low = check_answer("clv", ref * 0.9899, ref, rtol=0.01)
    assert not high.correct and "too high" in high.message
    assert not low.correct and "too low" in low.message
    assert check_answer("clv", np.float64(250.0), ref).correct  # numpy numbers are numbers
    assert check_answer("clv", "250", ref).correct  # and so is a numeric string


def test_exact_answers_and_a_zero_reference():
    assert check_answer("windows", 1770, 1770, rtol=0.0).correct
    assert not check_answer("windows", 1771, 1770, rtol=0.0).correct
    assert check_answer("lift", 0.0, 0.0).correct
    assert not check_answer("lift", 0.001, 0.0).correct


def test_missing_and_non_numeric_answers():
    for missing in (None, ..., "", float("nan"), np.float32("nan")):
        result = check_answer("share", missing, 0.5)
        assert not result.correct and "not answered yet" in result.message
        assert result.status == "unanswered"
    wrong_type = check_answer("share", [0.5], 0.5)
    assert not wrong_type.correct and "expected a number, got list" in wrong_type.message


def test_markdown_rendering_marks_the_outcome():
    assert check_answer("x", 1.0, 1.0)._repr_markdown_().startswith("✅ x: correct")
    assert check_answer("x", 2.0, 1.0)._repr_markdown_().startswith("❌ x: not yet")


@pytest.mark.parametrize("answer", [None, ..., "", "B", "b", " a ", "z", 3])
def test_choices_never_reveal_the_accepted_answer(answer):
    """Only the offered options appear; the accepted one is never singled out."""
    from crm_models.reporting.teaching import check_choice

    result = check_choice("best arm", answer, {"offer_b"}, ["offer_a", "offer_b", "none"])
    assert result.message.count("offer_b") == 1  # in the list of options only
    expected = {None: "unanswered", ...: "unanswered", "": "unanswered"}.get(answer, "incorrect")
    assert result.status == expected, result.message
    if expected == "incorrect":
        assert "not yet — hint:" in result.message


def test_choices_ignore_case_underscores_and_spaces():
    from crm_models.reporting.teaching import check_choice

    for answer in ("offer_b", "OFFER_B", " offer b "):
        assert check_choice("arm", answer, {"offer_b"}, ["offer_a", "offer_b"]).correct
    outside = check_choice("arm", "offer_c", {"offer_b"}, ["offer_a", "offer_b"])
    assert "not one of the options" in outside.message


def test_named_numbers_each_within_tolerance_and_never_shown():
    from crm_models.reporting.teaching import check_numbers

    published = {"r": 0.243, "alpha": 4.414}
    assert check_numbers("fit", {"r": 0.2426, "alpha": 4.4135}, published).correct
    off = check_numbers("fit", {"r": 0.30, "alpha": 4.4135}, published)
    assert off.status == "incorrect" and "r not within tolerance" in off.message
    missing = check_numbers("fit", {"r": 0.243}, published)
    assert "missing alpha" in missing.message
    for result in (off, missing, check_numbers("fit", None, published)):
        assert numbers_in(result.message) == ["1"], result.message


def test_every_check_displays_a_record_for_the_grader():
    from crm_models.reporting.teaching import CHECK_MIME

    bundle = check_answer("x", None, 1.0)._repr_mimebundle_()
    assert bundle[CHECK_MIME] == {"exercise": "x", "status": "unanswered"}
    assert bundle["text/markdown"].startswith("✏️ x: not answered yet")
