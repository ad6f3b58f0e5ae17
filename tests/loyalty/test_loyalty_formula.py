"""Formula-style model specs (lavaan / semopy syntax) wherever a spec is accepted."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_models.errors import ParameterError
from crm_models.loyalty import ModelSpec, PLSPathModel, resolve_spec

ECSI_FORMULA = """
# measurement
IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
CUEX =~ CUEX1 + CUEX2 + CUEX3
PERQ =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
PERV =~ PERV1 + PERV2
CUSA =~ CUSA1 + CUSA2 + CUSA3
CUSCO =~ CUSCO
CUSL =~ CUSL1 + CUSL2 + CUSL3
# structure
CUEX ~ IMAG; PERQ ~ CUEX
PERV ~ CUEX + PERQ
CUSA ~ IMAG + CUEX + PERQ + PERV
CUSCO ~ CUSA
CUSL ~ IMAG + CUSA + CUSCO
"""


def test_ecsi_written_as_a_formula_is_the_ecsi_model(world_2000):
    """Same constructs, items and paths as 'ecsi'; the fit gives exactly the same estimates,
    standard errors and intervals (same seed), row for row."""
    spec = resolve_spec(ECSI_FORMULA)
    ecsi = ModelSpec.ecsi()
    assert dict(spec.constructs) == dict(ecsi.constructs)
    assert set(spec.paths) == set(ecsi.paths)
    assert spec.labels == ecsi.labels
    survey = world_2000.survey
    ours = PLSPathModel(ECSI_FORMULA, consistent=True, n_boot=100, seed=3).fit(survey).summary()
    ref = PLSPathModel("ecsi", consistent=True, n_boot=100, seed=3).fit(survey).summary()
    pd.testing.assert_frame_equal(ours.loc[ref.index], ref)


def test_structural_lines_alone_use_the_ecsi_items():
    """'CUSA ~ IMAG + PERQ' is a model: ECSI constructs without a measurement line keep theirs."""
    spec = resolve_spec("CUSA ~ IMAG + PERQ")
    assert spec.paths == (("IMAG", "CUSA"), ("PERQ", "CUSA"))
    assert spec.constructs["PERQ"] == ModelSpec.ecsi().constructs["PERQ"]
    assert resolve_spec("CUSA ~ IMAG\nCUSL ~ CUSA").endogenous == ["CUSA", "CUSL"]


def test_composites_files_and_mixed_measurement():
    """'<~' is a formative block (mode B); own constructs with '=~'; a formula in a file."""
    spec = resolve_spec("Q =~ q1 + q2; V <~ v1 + v2\nV ~ Q")
    assert spec.modes == {"Q": "A", "V": "B"}
    assert spec.constructs["V"] == ("v1", "v2")
    assert "ModelSpec(2 constructs, 4 items, 1 paths" in repr(spec)


def test_formula_file(tmp_path):
    path = tmp_path / "model.lav"
    path.write_text("Q =~ q1 + q2\nV =~ v1 + v2\nV ~ Q\n")
    assert resolve_spec(str(path)).paths == (("Q", "V"),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CUSA ~ IMAG + FOO", r"line 1 'CUSA ~ IMAG \+ FOO': unknown construct 'FOO'"),
        ("Q =~ q1 + q2\nQ ~ IMAG + Bar", r"line 2 .*unknown construct 'Bar'.*Bar =~ item1"),
        ("Q =~ q1 +\nCUSA ~ Q", r"line 1 'Q =~ q1 \+': right-hand side '' is not a name"),
        ("Q =~ q1\nQ =~ q2", r"line 2 .*'Q' is measured twice"),
        ("CUSA ~ IMAG\nCUSA ~ IMAG", r"line 2 .*path IMAG → CUSA is listed twice"),
        ("CUSA ~ IMAG; IMAG ~ CUSA", r"cycle"),
        ("Q =~ a + b; V =~ b + c; V ~ Q", r"item 'b' is used by both"),
        ("CUSA IMAG", r"expected 'ecsi', a JSON object, a formula"),
    ],
)
def test_formula_errors_name_the_line_and_the_unknown(text, expected):
    with pytest.raises(ParameterError, match=expected):
        resolve_spec(text)


def test_missing_item_of_a_formula_spec_is_named_at_fit(world_2000):
    survey = world_2000.survey.drop(columns=["IMAG2"])
    with pytest.raises(Exception, match=r"missing item columns \['IMAG2'\]"):
        PLSPathModel("CUSA ~ IMAG + PERQ").fit(survey)
