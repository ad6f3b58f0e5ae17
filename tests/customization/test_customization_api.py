"""The customization API as a data scientist meets it: own frames, clear errors, short reprs.

Every bad input gets one ``DataValidationError`` naming the table, the column and the first
offending rows as 1-based data rows (plain ints, never ``np.int64``).
"""

import re

import numpy as np
import pandas as pd
import pytest

from crm_models.customization import (
    ChoiceMarket,
    ConjointModel,
    FaceEconomics,
    FaceProfitModel,
    KanoSurvey,
    VarietyOptimizer,
    attributes_from_products,
    classify_pairs,
    design_choice_experiment,
    from_products,
    label_table,
    read_answers,
    simulate_answers,
    simulate_kano_answers,
)
from crm_models.errors import DataValidationError, NotFittedError

ATTRS = {"rate": ["rate_a", "rate_b"], "fee": ["fee_a", "fee_b", "fee_c"]}


@pytest.fixture(scope="module")
def answers():
    design = design_choice_experiment(ATTRS, [5.0, 10.0], 40, 4, 2, seed=1)
    out = simulate_answers(design, {"rate_b": 0.5, "fee_b": 0.3, "fee_c": -0.2}, -0.1, seed=2)
    return out.astype({"rate": object, "fee": object})


@pytest.fixture(scope="module")
def kano_answers():
    return simulate_kano_answers({"a": "must-be", "b": "attractive"}, 20, seed=1)


def _products():
    return pd.DataFrame(
        {
            "module_id": ["a1", "a2", "b1"],
            "attribute": ["a", "a", "b"],
            "price": [0.0, 5.0, 0.0],
            "unit_cost": [0.0, 2.0, 0.0],
        }
    )


def _part_worths():
    return pd.DataFrame(
        {"a1": [0.0, 0.0], "a2": [1.0, 0.5], "b1": [0.0, 0.0], "price_coef": [-0.1, -0.2]}
    )


def _rows_in(message: str) -> list[int]:
    """The row list of a message; fails on ``np.int64(...)`` (not plain ints)."""
    assert "np.int64" not in message, message
    found = re.search(r"rows ([0-9]+(?:, [0-9]+)*)", message)
    assert found, message
    return [int(r) for r in found.group(1).split(",")]


# ---------------------------------------------------------------- conjoint answers
@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("chosen", np.nan, "column 'chosen' must be 0/1"),
        ("chosen", 2, "column 'chosen' must be 0/1"),
        ("price", "$5", "column 'price' must be a number"),
    ],
)
def test_conjoint_bad_cell_names_column_and_one_based_row(answers, column, value, expected):
    bad = answers.astype({column: object})
    bad.loc[bad.index[1], column] = value  # the 2nd data row (a profile, not "none of these")
    with pytest.raises(DataValidationError, match=re.escape(expected)) as err:
        ConjointModel(engine="newton").fit(bad)
    assert _rows_in(str(err.value)) == [2]


def test_conjoint_missing_level_names_attribute_and_row(answers):
    bad = answers.copy()
    first_shown = int(np.flatnonzero(bad["no_choice"].to_numpy() == 0)[0])
    bad.loc[bad.index[first_shown], "rate"] = None
    with pytest.raises(DataValidationError, match="attribute column 'rate' is empty") as err:
        read_answers(bad)
    assert _rows_in(str(err.value)) == [first_shown + 1]


def test_conjoint_levels_shared_by_two_attributes_are_named(answers):
    coded = answers.copy()
    coded["rate"] = coded["rate"].map({"rate_a": "1", "rate_b": "2"})
    coded["fee"] = coded["fee"].map({"fee_a": "1", "fee_b": "2", "fee_c": "3"})
    with pytest.raises(DataValidationError, match=r"level name\(s\) \['2'\].*'rate', 'fee'"):
        ConjointModel(engine="newton").fit(coded)


def test_conjoint_model_repr_and_html(answers):
    model = ConjointModel(engine="newton")
    assert repr(model) == "ConjointModel(engine='newton', cov_type='nonrobust', not fitted)"
    model.fit(answers)
    text = repr(model)
    assert text.startswith("ConjointModel(engine='newton'") and "160 choice tasks" in text
    assert len(text) < 200
    assert "<table" in model._repr_html_() and "price" in model._repr_html_()


# ------------------------------------------------------------------------- Kano
@pytest.mark.parametrize(("value", "held"), [(7, "7"), (np.nan, "(empty)"), ("maybe", "maybe")])
def test_kano_answer_off_the_scale_names_column_and_row(kano_answers, value, held):
    bad = kano_answers.astype({"dysfunctional": object})
    bad.loc[4, "dysfunctional"] = value  # the 5th data row
    with pytest.raises(DataValidationError, match="column 'dysfunctional'") as err:
        KanoSurvey().fit(bad)
    assert _rows_in(str(err.value)) == [5]
    assert held in str(err.value)


def test_kano_accepts_words_and_numeric_text():
    letters = classify_pairs([1, "like", " Expect ", 5.0, "3"], [5, "dislike", "dislike", 1, "2"])
    assert letters.tolist() == ["O", "O", "M", "R", "I"]


def test_kano_own_column_names_and_display(kano_answers):
    own = kano_answers.rename(columns={"feature": "item", "functional": "f", "dysfunctional": "d"})
    survey = KanoSurvey(feature_col="item", functional_col="f", dysfunctional_col="d")
    assert repr(survey) == "KanoSurvey(not fitted)"
    with pytest.raises(NotFittedError, match="call fit"):
        survey.table()
    survey.fit(own)
    assert repr(survey) == "KanoSurvey(2 features, 40 answers: 1 must-be, 1 attractive)"
    assert "<table" in survey._repr_html_() and "must-be" in survey._repr_html_()


# ---------------------------------------------------------------- products, market
def test_products_missing_attribute_and_duplicate_ids_name_rows():
    bad = _products()
    bad.loc[1, "attribute"] = None
    with pytest.raises(DataValidationError, match="column 'attribute' is empty") as err:
        from_products(bad)
    assert _rows_in(str(err.value)) == [2]
    dup = _products()
    dup.loc[2, "module_id"] = "a1"
    with pytest.raises(DataValidationError, match="duplicated module_id") as err:
        attributes_from_products(dup)
    assert _rows_in(str(err.value)) == [3]


def test_market_from_frames_refuses_text_and_nan_with_rows():
    pw = _part_worths()
    pw["a2"] = ["1", "x"]
    with pytest.raises(DataValidationError, match="part_worths: column 'a2'") as err:
        ChoiceMarket.from_frames(_products(), pw)
    assert _rows_in(str(err.value)) == [2]
    products = _products()
    products["price"] = ["0", "five", "0"]
    with pytest.raises(DataValidationError, match="products: column 'price'") as err:
        ChoiceMarket.from_frames(products, _part_worths())
    assert _rows_in(str(err.value)) == [2]
    with pytest.raises(DataValidationError, match="missing column.*'price_coef'"):
        ChoiceMarket.from_frames(_products(), _part_worths().drop(columns="price_coef"))


def test_label_table_names_the_columns_it_needs():
    with pytest.raises(DataValidationError, match="lack column.*implementation_cost"):
        label_table(pd.DataFrame({"x": [1, 2, 3, 4]}))


# ---------------------------------------------------------------------- display
def test_reprs_are_short_and_informative():
    market = ChoiceMarket.simulate([3, 2], 300, seed=1)
    assert repr(market).startswith("ChoiceMarket(300 customers, 3 × 2 modules")
    optimizer = VarietyOptimizer(market_size=10_000)
    assert repr(optimizer).endswith("not fitted)")
    optimizer.fit(market)
    assert "best " in repr(optimizer) and "profit" in repr(optimizer)
    assert "<table" in optimizer._repr_html_()
    assert repr(FaceEconomics(horizon_years=7)) == "FaceEconomics(horizon_years=7)"
    model = FaceProfitModel()
    assert "best: " in repr(model) and "<table" in model._repr_html_()
    for obj in (market, optimizer, FaceEconomics(), model):
        assert len(repr(obj)) < 200, repr(obj)
