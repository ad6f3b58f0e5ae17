"""The model specification is a validated, JSON-able parameter."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.loyalty.spec import ECSI_PATHS, ModelSpec, resolve_spec


def test_ecsi_default_structure():
    spec = ModelSpec.ecsi()
    assert spec.names == ("IMAG", "CUEX", "PERQ", "PERV", "CUSA", "CUSCO", "CUSL")
    assert len(spec.items) == 24 and len(spec.paths) == 12
    assert set(spec.paths) == set(ECSI_PATHS)
    assert spec.exogenous == ["IMAG"]
    assert spec.predecessors("CUSA") == ["IMAG", "CUEX", "PERQ", "PERV"]
    assert spec.label("CUSL") == "Loyalty"


def test_json_round_trip_and_resolve():
    spec = ModelSpec.ecsi()
    text = json.dumps(spec.to_dict())
    assert ModelSpec.from_dict(json.loads(text)) == spec
    assert resolve_spec(text) == spec
    assert resolve_spec("ecsi") == spec and resolve_spec(None) == spec
    assert resolve_spec(spec.to_dict()) == spec


@pytest.mark.parametrize(
    ("constructs", "paths", "message"),
    [
        ({"A": ["a1"], "B": ["b1"]}, [("A", "C")], "unknown construct 'C'"),
        ({"A": ["a1"], "B": ["a1"]}, [("A", "B")], "item 'a1' is used by both"),
        ({"A": ["a1"], "B": ["b1"]}, [("A", "A")], "self-loop"),
        ({"A": ["a1"], "B": ["b1"], "C": ["c1"]}, [("A", "B"), ("B", "C"), ("C", "A")], "cycle"),
        ({"A": ["a1"], "B": ["b1"], "C": ["c1"]}, [("A", "B")], "have no path"),
        ({"A": [], "B": ["b1"]}, [("A", "B")], "non-empty list"),
        ({"A": ["a1"], "B": ["b1"]}, [("A", "B"), ("A", "B")], "listed twice"),
    ],
)
def test_invalid_specs_name_the_problem(constructs, paths, message):
    with pytest.raises(ParameterError, match=message):
        ModelSpec(constructs, paths)


def test_bad_mode_and_unknown_keys():
    with pytest.raises(ParameterError, match="must be 'A' or 'B'"):
        ModelSpec({"A": ["a1"], "B": ["b1"]}, [("A", "B")], modes={"A": "C"})
    with pytest.raises(ParameterError, match="unknown keys"):
        ModelSpec.from_dict({"constructs": {"A": ["a1"]}, "paths": [], "extra": 1})
    with pytest.raises(ParameterError, match="expected 'ecsi'"):
        resolve_spec("no-such-model")


def test_check_data_messages():
    spec = ModelSpec({"A": ["a1", "a2"], "B": ["b1"]}, [("A", "B")])
    good = pd.DataFrame({"a1": range(1, 11), "a2": [3, 4] * 5, "b1": [5] * 9 + [6]})
    assert spec.check_data(good, scale=(1, 10)).shape == (10, 3)
    with pytest.raises(DataValidationError, match=r"missing item columns \['b1'\]"):
        spec.check_data(good.drop(columns="b1"))
    bad = good.astype(float)
    bad.loc[3, "a2"] = float("nan")
    with pytest.raises(DataValidationError, match="'a2' has missing values"):
        spec.check_data(bad)
    with pytest.raises(DataValidationError, match="outside the 1–9 scale"):
        spec.check_data(good, scale=(1, 9))
    with pytest.raises(DataValidationError, match="constant"):
        spec.check_data(good.assign(b1=4))
