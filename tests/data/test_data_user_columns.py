"""After mapping, an error about a canonical column also names the user's column.

``tx.csv: transactions column 'Datum' (read as 'timestamp'): expected dates …`` — through
``load_table``, ``crm data check`` and ``crm data load`` (which leaves the warehouse as it
was); a computed amount says how it was computed; canonically named columns are unchanged.
``crm data load`` prints the column mapping it used, as ``crm data check`` does.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from crm_models.cli import main
from crm_models.data.columns import ColumnMapping
from crm_models.data.loaders import load_table, plan_file, read_mapped
from crm_models.data.schemas import validate
from crm_models.errors import DataValidationError

CASES = [
    # (csv text, --map, fragment of the one error line)
    (
        "Kunde,Datum,Betrag\nC1,2024-05-01,3\nC2,20240501,4\n",
        "Kunde=customer_id,Datum=timestamp,Betrag=amount",
        "transactions column 'Datum' (read as 'timestamp'): expected dates as text",
    ),
    (
        "Kunde,Datum,Betrag\nC1,2024-05-01,3\nC2,2024-05-02,abc\n",
        "Kunde=customer_id,Datum=timestamp,Betrag=amount",
        "transactions column 'Betrag' (read as 'amount'): expected values of type float64 "
        "at rows 2",
    ),
    (
        "CustomerID,order_date,revenue\nC1,2024-05-01,inf\n",
        None,
        "transactions column 'revenue' (read as 'amount'): expected finite numbers",
    ),
    (
        "Kunde,date,amount\n,2024-05-01,3\n",
        "Kunde=customer_id",
        "transactions column 'Kunde' (read as 'customer_id'): expected an id on every row; "
        "empty ids at rows 1",
    ),
    (
        "customer,date,amount\nC1,2024-05-01,-3\n",
        None,
        "transactions column 'amount': expected amount >= 0",
    ),
    (
        "CustomerID,InvoiceDate,Quantity,UnitPrice\nC1,2024-05-01,2,-3\n",
        None,
        "transactions column 'amount' (computed as Quantity × UnitPrice): expected amount >= 0",
    ),
]


def _write(tmp_path, text):
    path = tmp_path / "tx.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "column_map", "fragment"), CASES)
def test_load_table_names_the_users_column(tmp_path, text, column_map, fragment):
    path = _write(tmp_path, text)
    with pytest.raises(DataValidationError) as error:
        load_table(path, "transactions", column_map=column_map)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and fragment in message
    assert "\n" not in message


@pytest.mark.parametrize(("text", "column_map", "fragment"), CASES)
def test_crm_data_check_and_load_name_the_users_column(
    tmp_path, capsys, text, column_map, fragment
):
    path = _write(tmp_path, text)
    warehouse = tmp_path / "w.duckdb"
    assert (
        main(
            [
                "data",
                "load",
                str(_good(tmp_path)),
                "--table",
                "transactions",
                "--path",
                str(warehouse),
            ]
        )
        == 0
    )
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    capsys.readouterr()
    extra = ["--map", column_map] if column_map else []
    for command in (["check", str(path)], ["load", str(path), "--path", str(warehouse)]):
        code = main(["data", *command, "--table", "transactions", *extra])
        captured = capsys.readouterr()
        assert code != 0 and captured.out == ""
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("crm: error: ") and fragment in lines[0]
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before


def _good(tmp_path):
    path = tmp_path / "good.csv"
    path.write_text("customer_id,date,amount\nC1,2024-05-01,3\nC2,2024-05-02,4\n")
    return path


def test_canonical_names_are_left_alone():
    mapping = ColumnMapping("transactions", (("customer_id", "customer_id"), ("date", "timestamp")))
    message = "f.csv: transactions column 'customer_id': x; column 'timestamp': y; column 'z'"
    assert mapping.name_user_columns(message) == (
        "f.csv: transactions column 'customer_id': x; column 'date' (read as 'timestamp'): y; "
        "column 'z'"
    )


def test_a_frame_not_from_read_mapped_keeps_the_canonical_names():
    frame = pd.DataFrame({"customer_id": ["C1"], "timestamp": ["20240501"], "amount": [1.0]})
    with pytest.raises(DataValidationError, match=r"column 'timestamp': expected dates"):
        validate(frame, "transactions", "frame")


def test_read_mapped_keeps_the_mapping_for_validate(tmp_path):
    path = _write(tmp_path, "Kunde,Datum,Betrag\nC1,2024-05-01,3\n")
    frame, mapping = read_mapped(
        path, "transactions", column_map="Kunde=customer_id,Datum=timestamp,Betrag=amount"
    )
    assert frame.attrs["crm_column_mapping"] == mapping
    assert validate(frame, "transactions", str(path))["customer_id"].tolist() == ["C1"]


def test_plan_file_reads_only_the_header_and_agrees_with_read_mapped(tmp_path):
    path = _write(
        tmp_path, "CustomerID,InvoiceDate,Quantity,UnitPrice,Country\nC1,2024-05-01,2,3,DE\n"
    )
    _, mapping = read_mapped(path, "transactions")
    assert plan_file(path, "transactions") == mapping
    parquet = tmp_path / "tx.parquet"
    pd.read_csv(path, dtype=str).to_parquet(parquet)
    assert plan_file(parquet, "transactions").describe() == mapping.describe()


def test_crm_data_load_prints_the_mapping(tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_text("CustomerID,InvoiceDate,Quantity,UnitPrice,Country\nC1,2024-05-01,2,3,DE\n")
    warehouse = tmp_path / "w.duckdb"
    assert (
        main(["data", "load", str(path), "--table", "transactions", "--path", str(warehouse)]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "columns: CustomerID → customer_id, InvoiceDate → timestamp, Quantity → quantity; "
        "amount = Quantity × UnitPrice; ignored (not in the transactions schema): Country"
    )
    assert "loaded 1 rows into main.transactions" in lines[1]
    datum = tmp_path / "datum.csv"
    datum.write_text("Kunde,Datum,Betrag\nC2,2024-05-01,3\n")
    argv = ["data", "load", str(datum), "--table", "transactions", "--path", str(warehouse)]
    assert main([*argv, "--map", "Kunde=customer_id,Datum=timestamp,Betrag=amount"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "columns: Kunde → customer_id, Datum → timestamp, Betrag → amount"
    )
