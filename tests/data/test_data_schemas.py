"""``schemas.validate`` on frames: coercion, the rules across columns, references, messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.data import schemas
from crm_models.data.schemas import check_references, validate
from crm_models.errors import DataValidationError


def _customers(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": ["1", "2", "3"],
            "signup_date": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "channel": ["web", "store", "web"],
            "region": ["north", "south", "east"],
            "consent_status": ["opt_in", "double_opt_in", "opt_out"],
            "consent_date": ["2024-01-01", "2024-01-02", "2024-03-01"],
        }
    )
    return frame.assign(**overrides)


def test_valid_frame_is_coerced_to_canonical_types():
    clean = validate(_customers(), "customers")
    assert clean["customer_id"].tolist() == [1, 2, 3]
    assert str(clean["customer_id"].dtype) == "int64"
    assert clean["signup_date"].dtype == "datetime64[ns]"
    assert clean["consent_date"].iloc[2] == pd.Timestamp("2024-03-01")


def test_opt_out_needs_consent_date_one_line_naming_the_column():
    frame = _customers(consent_date=["2024-01-01", None, None])
    with pytest.raises(DataValidationError) as info:
        validate(frame, "customers", source="crm.csv")
    message = str(info.value)
    assert message == (
        "crm.csv: customers column 'consent_date': expected a consent_date on every opt_out row "
        "at rows 3"
    )


def test_unknown_consent_status_and_relationship_level():
    frame = _customers(
        consent_status=["opt_in", "maybe", "opt_in"],
        relationship_level=["friend", "partner", "best friend"],
    )
    with pytest.raises(DataValidationError) as info:
        validate(frame, "customers", source="crm.csv")
    message = str(info.value)
    assert "column 'consent_status'" in message and "at rows 2" in message and "'maybe'" in message
    assert "column 'relationship_level'" in message and "at rows 3" in message


def test_several_problems_are_reported_together():
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "arm": ["a", "b"],
            "sent_date": ["2024-01-01", "2024-01-01"],
            "visit": [0, 2],
            "conversion": [1, 0],
            "spend": [-5.0, 0.0],
        }
    )
    with pytest.raises(DataValidationError) as info:
        validate(frame, "campaign", source="camp.csv")
    lines = str(info.value).splitlines()
    assert lines[0] == "camp.csv: campaign table does not match its schema:"
    assert any("column 'visit': expected 0 or 1 at rows 2 (found 2" in x for x in lines)
    assert any("column 'spend': expected spend >= 0 at rows 1 (found -5.0)" in x for x in lines)


def test_empty_cell_is_named():
    frame = pd.DataFrame(
        {"customer_id": [1, 2], "timestamp": ["2024-01-01", "2024-01-02"], "amount": [1.0, None]}
    )
    with pytest.raises(DataValidationError, match=r"column 'amount': expected a value .*at rows 2"):
        validate(frame, "transactions", source="tx")


def test_survey_accepts_any_item_names_and_checks_each():
    frame = pd.DataFrame({"customer_id": [1, 2], "IMAG1": [1, 10], "my item": [3, 4]})
    assert validate(frame, "survey").shape == (2, 3)
    with pytest.raises(DataValidationError, match=r"column 'my item'.*at rows 1 \(found 0\)"):
        validate(frame.assign(**{"my item": [0, 4]}), "survey")


def test_unknown_table():
    with pytest.raises(DataValidationError, match="unknown table 'orders'"):
        validate(pd.DataFrame({"a": [1]}), "orders")


def test_check_references_names_rows_and_ids():
    child = pd.DataFrame({"customer_id": [1, 7, 2, 8]})
    with pytest.raises(DataValidationError) as info:
        check_references(child, pd.Series([1, 2, 3]), "transactions", "tx.csv")
    message = str(info.value)
    assert message.startswith("tx.csv: transactions column 'customer_id'")
    assert "expected ids present in customers" in message
    assert "2 rows have unknown ids, e.g. rows 2, 4 (ids [7, 8])" in message
    check_references(child.iloc[[0, 2]], pd.Series([1, 2, 3]), "transactions", "tx.csv")


def test_every_table_has_a_schema_and_keys():
    for table in schemas.TABLES:
        schema = schemas.schema(table)
        assert schema.name == table
        for key in schemas.KEYS[table]:
            assert key in schema.columns


@pytest.mark.parametrize(
    "timestamps",
    [
        pd.to_datetime(["2024-01-02", "2024-02-03", "2024-03-04"]),  # already parsed: no copy
        ["2024-01-02", "2024-02-03", "2024-03-04"],  # text: parsed into a new column
    ],
)
def test_validate_never_changes_the_callers_frame(timestamps):
    """validate() copies by default; the summaries' boundary (copy=False) works on its own copy."""
    from crm_models.data.transaction_input import validated_transactions

    frame = pd.DataFrame(
        {"customer_id": [3, 1, 2], "timestamp": timestamps, "amount": [1.5, 2.0, 3.0]},
        index=[10, 11, 12],
    )
    before = frame.copy(deep=True)
    clean = validate(frame, "transactions")
    boundary = validated_transactions(frame.rename(columns={"timestamp": "date"}))
    for result in (clean, boundary):  # changing every column of a result leaves the input
        result.loc[0, "customer_id"] = 999
        result.loc[0, "timestamp"] = pd.Timestamp("2020-01-01")
        result.loc[0, "amount"] = -99.0
    pd.testing.assert_frame_equal(frame, before)
    assert list(clean.index) == [0, 1, 2]


@pytest.mark.parametrize(
    "timestamps",
    [
        pd.to_datetime(["2024-01-02", "2024-02-03", "2024-03-04"]),  # shared with the result
        ["2024-01-02", "2024-02-03", "2024-03-04"],  # text: parsed into a new column
    ],
)
def test_the_engines_boundary_without_copy_leaves_the_callers_frame_as_it_was(timestamps):
    """copy=False (the engines, which only scan the result) shares unchanged columns, yet the
    caller's frame keeps its index, labels, dtypes and values; coercion (int32 amounts to
    float64, text ids) happens in the result only."""
    from crm_models.data.transaction_input import validated_transactions

    frame = pd.DataFrame(
        {
            "customer": ["b", "a", "c"],
            "date": timestamps,
            "amount": np.array([1, 2, 3], dtype="int32"),
        },
        index=[10, 11, 12],
    )
    before = frame.copy(deep=True)
    clean = validated_transactions(frame, copy=False)
    pd.testing.assert_frame_equal(frame, before)
    assert list(clean.columns) == ["customer_id", "timestamp", "amount"]
    assert list(clean.index) == [0, 1, 2]
    assert clean["amount"].dtype == "float64" and clean["timestamp"].dtype == "datetime64[ns]"
    assert clean["amount"].tolist() == [1.0, 2.0, 3.0]

    same = frame.rename(columns={"customer": "customer_id", "date": "timestamp"})
    same["amount"] = same["amount"].astype("float64")
    kept = validated_transactions(same, copy=False)
    if not isinstance(timestamps, list):  # nothing to change: the columns are shared
        assert np.shares_memory(kept["amount"].to_numpy(), same["amount"].to_numpy())
    assert list(same.index) == [10, 11, 12]
