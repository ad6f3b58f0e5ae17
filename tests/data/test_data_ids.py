"""Customer ids as the user has them: integers stay int64, anything else stays exact text."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_models.data import loaders
from crm_models.data.ids import normalize_ids
from crm_models.data.schemas import validate
from crm_models.errors import DataValidationError

HOSTILE = [
    "C000123",
    "000123",
    "'; DROP TABLE transactions; --",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "NULL",
    "NA",
    "1e5",
    "Ωμέγα-7",
    "a|b {x}",
]


def _tx_csv(path, ids, products=None) -> None:
    products = products or ["p"] * len(ids)
    rows = [
        f'"{i.replace(chr(34), chr(34) * 2)}",2024-01-0{n % 9 + 1},{n + 1}.5,"{p}"\n'
        for n, (i, p) in enumerate(zip(ids, products, strict=True))
    ]
    path.write_text("customer_id,date,amount,product\n" + "".join(rows), encoding="utf-8")


def test_string_ids_are_kept(tmp_path):
    path = tmp_path / "tx.csv"
    _tx_csv(path, ["C000123", "C000124", "C000123"])
    frame = loaders.load_table(path, "transactions")
    assert frame["customer_id"].tolist() == ["C000123", "C000124", "C000123"]
    assert not pd.api.types.is_numeric_dtype(frame["customer_id"])


def test_leading_zero_ids_stay_text(tmp_path):
    path = tmp_path / "tx.csv"
    _tx_csv(path, ["000123", "123", "0"])
    assert loaders.load_table(path, "transactions")["customer_id"].tolist() == [
        "000123",
        "123",
        "0",
    ]


def test_plain_integer_ids_become_int64(tmp_path):
    path = tmp_path / "tx.csv"
    _tx_csv(path, ["17850", " 0 ", "123456789012345678"])
    ids = loaders.load_table(path, "transactions")["customer_id"]
    assert str(ids.dtype) == "int64" and ids.tolist() == [17850, 0, 123456789012345678]


def test_hostile_strings_survive_as_text_in_ids_and_products(tmp_path):
    path = tmp_path / "tx.csv"
    _tx_csv(path, HOSTILE, products=[h.replace('"', "'") for h in reversed(HOSTILE)])
    frame = loaders.load_table(path, "transactions")
    assert frame["customer_id"].tolist() == HOSTILE
    assert frame["product"].tolist() == [h.replace('"', "'") for h in reversed(HOSTILE)]


def test_leading_zero_products_stay_text(tmp_path):
    path = tmp_path / "tx.csv"
    _tx_csv(path, ["1", "2"], products=["00085", "007"])
    assert loaders.load_table(path, "transactions")["product"].tolist() == ["00085", "007"]


def test_empty_ids_are_refused_with_rows(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\nC1,2024-01-01,3\n ,2024-01-02,4\n,2024-01-03,5\n")
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions")
    message = str(info.value)
    assert message.startswith(f"{path}: transactions column 'customer_id'")
    assert "empty ids at rows 2, 3" in message


def test_negative_integer_ids_are_refused(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\n1,2024-01-01,3\n-2,2024-01-02,4\n")
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions")
    message = str(info.value)
    assert "column 'customer_id': expected non-negative integer ids or non-empty text" in message
    assert "at rows 2 (found -2)" in message


@pytest.mark.parametrize("table", ["transactions", "survey", "campaign"])
def test_string_ids_pass_every_table_schema(table):
    frames = {
        "transactions": {"timestamp": ["2024-01-01"] * 2, "amount": [1.0, 2.0]},
        "survey": {"Q1": [3, 4]},
        "campaign": {
            "arm": ["a", "b"],
            "sent_date": ["2024-01-01"] * 2,
            "visit": [0, 1],
            "conversion": [0, 1],
            "spend": [0.0, 1.0],
        },
    }
    frame = pd.DataFrame({"customer_id": ["C1", "C2"], **frames[table]})
    assert validate(frame, table)["customer_id"].tolist() == ["C1", "C2"]


def test_survey_ids_must_be_unique_as_text():
    frame = pd.DataFrame({"customer_id": ["C1", "C1"], "Q1": [3, 4]})
    with pytest.raises(DataValidationError, match="duplicate key"):
        validate(frame, "survey")


def test_parquet_ids_integer_float_and_text():
    assert normalize_ids(pd.Series([3, 4], dtype="int32"), "x").dtype == "int64"
    assert normalize_ids(pd.Series([3.0, 4.0]), "x").tolist() == [3, 4]
    with pytest.raises(DataValidationError, match="empty ids at rows 2"):
        normalize_ids(pd.Series([3.0, None]), "x")
    with pytest.raises(DataValidationError, match="whole numbers or text"):
        normalize_ids(pd.Series([3.5, 4.0]), "x")
    assert normalize_ids(pd.Series(["7", "08"]), "x").tolist() == ["7", "08"]
    assert normalize_ids(pd.Series(["12345678901234567890"]), "x").tolist() == [
        "12345678901234567890"
    ]
