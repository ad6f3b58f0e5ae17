"""Column mapping: aliases, explicit maps (dict, string, YAML), ambiguity, quantity × price."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_models.data import columns, loaders
from crm_models.data.columns import ColumnMapping, map_columns, parse_column_map, plan_columns
from crm_models.errors import DataValidationError, ParameterError


@pytest.mark.parametrize(
    ("date", "customer", "amount"),
    [
        ("date", "CustomerID", "revenue"),
        ("order_date", "customer", "sales"),
        ("InvoiceDate", "cust_id", "total"),
        ("Purchase Date", "client_id", "value"),
        ("transaction-date", "Customer ID", "Amount"),
    ],
)
def test_aliases_map_to_canonical_columns(tmp_path, date, customer, amount):
    path = tmp_path / "tx.csv"
    path.write_text(f"{customer},{date},{amount}\nC1,2024-01-01,3.5\nC2,2024-01-02,4\n")
    frame = loaders.load_table(path, "transactions")
    assert list(frame.columns) == ["customer_id", "timestamp", "amount"]
    assert frame["customer_id"].tolist() == ["C1", "C2"]
    assert frame["amount"].tolist() == [3.5, 4.0]
    _, mapping = loaders.read_mapped(path, "transactions")
    assert mapping.to_dict() == {customer: "customer_id", date: "timestamp", amount: "amount"}


def test_describe_is_one_line_naming_every_mapping():
    frame = pd.DataFrame(columns=["date", "CustomerID", "amount", "note"])
    mapping = plan_columns(list(frame.columns), "transactions")
    assert mapping.describe() == (
        "columns: date → timestamp, CustomerID → customer_id, amount; "
        "ignored (not in the transactions schema): note"
    )


def test_quantity_times_unit_price_gives_amount(tmp_path):
    path = tmp_path / "online_retail.csv"
    path.write_text(
        "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123A,6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
        "536366,22633,2,2010-12-01 08:28:00,1.85,17850,United Kingdom\n"
    )
    frame = loaders.load_table(path, "transactions")
    assert frame["amount"].round(2).tolist() == [15.3, 3.7]
    assert frame["product"].tolist() == ["85123A", "22633"]
    assert frame["customer_id"].tolist() == [17850, 17850]
    _, mapping = loaders.read_mapped(path, "transactions")
    assert mapping.amount_from == ("Quantity", "UnitPrice")
    assert "amount = Quantity × UnitPrice" in mapping.describe()
    assert mapping.dropped == ("InvoiceNo", "Country")


def test_unit_price_that_is_not_a_number_is_named(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer,date,qty,price\n1,2024-01-01,2,3.5\n2,2024-01-02,1,free\n")
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions")
    message = str(info.value)
    assert message.startswith(f"{path}: transactions column 'price'")
    assert "amount = qty × price" in message and "at rows 2 (found 'free')" in message


def test_ambiguous_aliases_are_refused_with_candidates_and_the_map(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,order_date,amount\n1,2024-01-01,2024-01-02,3\n")
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions")
    message = str(info.value)
    assert "'date', 'order_date' could each be 'timestamp'" in message
    assert "--map date=timestamp" in message
    frame = loaders.load_table(path, "transactions", column_map="order_date=timestamp")
    assert frame["timestamp"].tolist() == [pd.Timestamp("2024-01-02")]


def test_exact_canonical_name_wins_over_aliases(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,timestamp,date,amount,value\n1,2024-01-01,2024-02-02,3,9\n")
    frame, mapping = loaders.read_mapped(path, "transactions")
    assert frame["timestamp"].tolist() == [pd.Timestamp("2024-01-01")]
    assert frame["amount"].tolist() == [3]
    assert mapping.dropped == ("date", "value")


def test_explicit_map_as_dict_string_and_yaml(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("Kunde,Datum,Umsatz\nK-1,2024-01-01,3.5\n")
    yaml_file = tmp_path / "map.yaml"
    yaml_file.write_text("Kunde: customer_id\nDatum: timestamp\nUmsatz: amount\n")
    as_dict = {"Kunde": "customer_id", "Datum": "timestamp", "Umsatz": "amount"}
    frames = [
        loaders.load_table(path, "transactions", column_map=given)
        for given in (as_dict, "Kunde=customer_id, Datum=timestamp,Umsatz=amount", yaml_file)
    ]
    frames.append(loaders.load_table(path, "transactions", column_map=str(yaml_file)))
    for frame in frames:
        pd.testing.assert_frame_equal(frame, frames[0])
    assert frames[0]["customer_id"].tolist() == ["K-1"]


def test_explicit_map_naming_a_missing_column_is_refused(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\n1,2024-01-01,3\n")
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions", column_map="Datum=timestamp")
    message = str(info.value)
    assert message.startswith(str(path))
    assert "names column 'Datum', which the file does not have" in message
    assert "found 'customer_id', 'date', 'amount'" in message


def test_explicit_map_to_an_unknown_canonical_column_is_refused():
    with pytest.raises(DataValidationError, match="'date' to 'when', not a transactions column"):
        plan_columns(["customer_id", "date", "amount"], "transactions", {"date": "when"})
    with pytest.raises(DataValidationError, match="'a', 'b' to the same column"):
        plan_columns(["a", "b", "amount"], "transactions", "a=customer_id,b=customer_id")


@pytest.mark.parametrize("bad", ["date", "date=", "=timestamp", "a=b=c", "a=timestamp,a=amount"])
def test_malformed_map_string_is_a_parameter_error(bad):
    with pytest.raises(ParameterError, match="column map"):
        parse_column_map(bad)


def test_missing_yaml_map_file(tmp_path):
    with pytest.raises(ParameterError, match="no such file"):
        parse_column_map(str(tmp_path / "absent.yaml"))
    (tmp_path / "list.yml").write_text("- a\n- b\n")
    with pytest.raises(ParameterError, match="expected a mapping"):
        parse_column_map(tmp_path / "list.yml")


def test_missing_column_names_the_aliases_and_the_map():
    with pytest.raises(DataValidationError) as info:
        plan_columns(["cliente", "fecha", "importe"], "transactions", source="x.csv")
    message = str(info.value)
    assert message.startswith("x.csv: transactions is missing column(s) 'customer_id', ")
    assert "'timestamp' may also be called date, order_date, InvoiceDate" in message
    assert "--map YOURS=CANONICAL" in message


def test_open_tables_keep_extra_columns_closed_ones_drop_them():
    survey = pd.DataFrame({"Customer": [1, 2], "Q1": [3, 4], "Q2": [5, 6]})
    frame, mapping = map_columns(survey, "survey")
    assert list(frame.columns) == ["customer_id", "Q1", "Q2"]
    assert mapping.kept == ("Q1", "Q2") and mapping.dropped == ()
    campaign = pd.DataFrame(
        {
            "customer": [1],
            "treatment": ["offer"],
            "send_date": ["2024-01-01"],
            "visit": [1],
            "converted": [0],
            "revenue": [0.0],
            "history": [12.5],
        }
    )
    frame, mapping = map_columns(campaign, "campaign")
    assert list(frame.columns) == [
        "customer_id",
        "arm",
        "sent_date",
        "visit",
        "conversion",
        "spend",
        "history",
    ]
    products = pd.DataFrame(
        {"sku": ["m1"], "feature": ["a"], "level": ["x"], "cost": [1], "price": [2], "n": [1]}
    )
    frame, mapping = map_columns(products, "products")
    assert list(frame.columns) == ["module_id", "attribute", "level", "unit_cost", "price"]
    assert mapping.dropped == ("n",)


def test_open_table_rename_that_collides_is_refused():
    survey = pd.DataFrame({"customer_id": [1], "Kunde": [2]})
    with pytest.raises(DataValidationError, match="'customer_id' twice"):
        map_columns(survey, "survey", {"Kunde": "customer_id"})


def test_aliases_are_distinct_within_each_table():
    for table, aliases in columns.ALIASES.items():
        seen: dict[str, str] = {}
        for canon, names in aliases.items():
            for name in [canon, *names]:
                key = columns.normalize_name(name)
                assert seen.setdefault(key, canon) == canon, (table, name)


def test_column_mapping_is_frozen():
    mapping = ColumnMapping("transactions", (("date", "timestamp"),))
    with pytest.raises(AttributeError):
        mapping.table = "survey"
