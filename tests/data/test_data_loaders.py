"""Bad files of every kind fail at the boundary with one readable message.

Each case is a real file in tmp_path (CSV, Parquet or a DuckDB table) read through
``loaders.load_table`` and through ``read_any`` + ``schemas.validate``. The message must
name the file, the column, the first offending data rows (1-based, header excluded) and
what was expected; the error is a ``DataValidationError`` (a ``ValueError``) with no
chained pandas/pandera exception behind it. The same files through ``Warehouse.load``
are in test_data_warehouse.py.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from crm_models.data import loaders
from crm_models.data.schemas import validate
from crm_models.errors import CRMError, DataValidationError

TX = "customer_id,timestamp,amount,quantity,product\n"
FUTURE = (pd.Timestamp.now().normalize() + pd.Timedelta(days=400)).strftime("%Y-%m-%d")


def _assert_clean_error(error: DataValidationError) -> str:
    """The error is ours, a ValueError, carries no pandas stack and reads as plain text."""
    assert isinstance(error, DataValidationError)
    assert isinstance(error, ValueError) and isinstance(error, CRMError)
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    message = str(error)
    for noise in ("Traceback", "SchemaError", "pandera", "failure_cases", "dtype('"):
        assert noise not in message
    assert len(message.splitlines()) <= 4
    return message


def test_bad_csv_via_load_table(tmp_path, bad_csv):
    """``bad_csv`` runs over every case in conftest.BAD_CSV_CASES."""
    case = bad_csv
    path = case.write(tmp_path)
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, case.table)
    message = _assert_clean_error(info.value)
    assert message.startswith(str(path))
    for fragment in case.fragments:
        assert fragment in message, f"{fragment!r} missing from: {message}"


def test_bad_csv_via_read_any_and_validate(tmp_path, bad_csv):
    """The same message when the raw frame is validated separately (source named by caller)."""
    case = bad_csv
    path = case.write(tmp_path)
    if case.unreadable:
        with pytest.raises(DataValidationError, match="empty|UTF-8") as info:
            loaders.read_any(path)
        assert str(info.value).startswith(str(path))
        return
    frame = loaders.read_any(path)
    with pytest.raises(DataValidationError) as info:
        validate(frame, case.table, source=f"upload {path.name}")
    message = _assert_clean_error(info.value)
    assert message.startswith(f"upload {path.name}")
    for fragment in case.fragments:
        assert fragment in message


def test_returns_accepted_with_allow_returns(tmp_path):
    """Returns (negative amount and quantity) are the documented, separate case."""
    path = tmp_path / "returns.csv"
    path.write_text(TX + "1,2024-01-01,30.0,2,a\n1,2024-01-05,-12.5,-1,a\n")
    with pytest.raises(DataValidationError, match="amount >= 0"):
        loaders.load_table(path, "transactions")
    frame = loaders.load_table(path, "transactions", allow_returns=True)
    assert frame["amount"].tolist() == [30.0, -12.5]
    assert frame["quantity"].tolist() == [2, -1]


def test_future_date_relative_to_as_of(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text(
        TX + "1,2024-06-30 23:00:00,3.5,1,a\n2,2024-07-01,4.0,1,a\n3,2024-07-02,1,1,a\n"
    )
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions", as_of="2024-06-30 23:59:59")
    message = _assert_clean_error(info.value)
    assert "column 'timestamp'" in message and "not after 2024-06-30" in message
    assert "at rows 2, 3" in message
    assert len(loaders.load_table(path, "transactions", as_of="2024-07-02")) == 3


def test_first_offending_rows_in_file_order(tmp_path):
    """With many bad rows the message lists the first five in order and counts the rest."""
    path = tmp_path / "many.csv"
    rows = [f"{i},2024-01-01,{-1.0 if i % 2 else 2.0},1,a\n" for i in range(1, 31)]
    path.write_text(TX + "".join(rows))
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions")
    assert "at rows 1, 3, 5, 7, 9 and 10 more" in str(info.value)


def test_valid_csv_gives_typed_frame(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text(TX + "1, 2024-01-01 ,3.5,1,a\n2,2024-01-02 10:30:00,4,2,b\n")
    frame = loaders.load_table(path, "transactions")
    # text columns get the installed pandas' default string dtype: object on 2.x, str on 3.x
    default_str = str(pd.Series(["a"]).dtype)
    assert frame.dtypes.astype(str).to_dict() == {
        "customer_id": "int64",
        "timestamp": "datetime64[ns]",
        "amount": "float64",
        "quantity": "int64",
        "product": default_str,
    }
    assert frame["timestamp"].tolist() == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-02 10:30"),
    ]


# -- Parquet -------------------------------------------------------------------------------


def _transactions_frame(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [3.5, 4.0, 5.0],
            "quantity": [1, 1, 2],
            "product": ["a", "b", "a"],
        }
    )
    return frame.assign(**overrides)


def test_parquet_negative_amount(tmp_path):
    path = tmp_path / "tx.parquet"
    _transactions_frame(amount=[3.5, -4.0, 5.0]).to_parquet(path)
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions")
    message = _assert_clean_error(info.value)
    assert message.startswith(str(path))
    assert "column 'amount'" in message and "amount >= 0" in message and "at rows 2" in message


def test_parquet_text_in_amount(tmp_path):
    path = tmp_path / "tx.parquet"
    _transactions_frame(amount=["3.5", "n/a", "5"]).to_parquet(path)
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions")
    message = _assert_clean_error(info.value)
    assert "column 'amount'" in message and "float64" in message
    assert "at rows 2" in message and "'n/a'" in message


def test_parquet_missing_column(tmp_path):
    path = tmp_path / "tx.parquet"
    _transactions_frame().drop(columns=["amount"]).to_parquet(path)
    with pytest.raises(DataValidationError, match=r"missing column\(s\) 'amount'") as info:
        loaders.load_table(path, "transactions")
    assert str(info.value).startswith(str(path))


def test_not_a_parquet_file(tmp_path):
    path = tmp_path / "tx.parquet"
    path.write_text("customer_id,amount\n1,2\n")
    with pytest.raises(DataValidationError, match="not a readable Parquet file") as info:
        loaders.load_table(path, "transactions")
    _assert_clean_error(info.value)


def test_parquet_and_csv_give_the_same_frame(tmp_path):
    frame = _transactions_frame()
    frame.to_parquet(tmp_path / "tx.parquet")
    frame.to_csv(tmp_path / "tx.csv", index=False)
    from_parquet = loaders.load_table(tmp_path / "tx.parquet", "transactions")
    from_csv = loaders.load_table(tmp_path / "tx.csv", "transactions")
    pd.testing.assert_frame_equal(from_parquet, from_csv)


# -- DuckDB tables -------------------------------------------------------------------------


def _duckdb_file(path, **tables) -> None:
    with duckdb.connect(str(path)) as con:
        for name, frame in tables.items():
            con.register("_f", frame)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _f')
            con.unregister("_f")


def test_duckdb_table_duplicate_customer_ids(tmp_path):
    path = tmp_path / "src.duckdb"
    customers = pd.DataFrame(
        {
            "customer_id": [5, 6, 7, 6],
            "signup_date": pd.to_datetime(["2024-01-01"] * 4),
            "channel": "web",
            "region": "north",
            "consent_status": "opt_in",
            "consent_date": pd.to_datetime(["2024-01-01"] * 4),
        }
    )
    _duckdb_file(path, crm_customers=customers)
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "customers", duckdb_table="crm_customers")
    message = _assert_clean_error(info.value)
    assert message.startswith(str(path))
    assert "column 'customer_id'" in message and "duplicate key" in message
    assert "at rows 2, 4" in message


def test_duckdb_table_future_date(tmp_path):
    path = tmp_path / "src.duckdb"
    _duckdb_file(
        path,
        transactions=_transactions_frame(
            timestamp=pd.to_datetime(["2024-01-01", FUTURE, "2024-01-03"])
        ),
    )
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions")
    message = _assert_clean_error(info.value)
    assert "column 'timestamp'" in message and "not after" in message and "at rows 2" in message


def test_duckdb_missing_table_names_what_is_there(tmp_path):
    path = tmp_path / "src.duckdb"
    _duckdb_file(path, sales=_transactions_frame())
    with pytest.raises(DataValidationError, match="no table 'transactions'.*sales"):
        loaders.load_table(path, "transactions")
    assert len(loaders.load_table(path, "transactions", duckdb_table="sales")) == 3


def test_not_a_duckdb_file(tmp_path):
    path = tmp_path / "src.duckdb"
    path.write_text("hello")
    with pytest.raises(DataValidationError, match="not a readable DuckDB database") as info:
        loaders.load_table(path, "transactions")
    _assert_clean_error(info.value)


def test_missing_file_and_unknown_suffix(tmp_path):
    with pytest.raises(DataValidationError, match="no such file"):
        loaders.load_table(tmp_path / "absent.csv", "transactions")
    odd = tmp_path / "tx.xlsx"
    odd.write_text("x")
    with pytest.raises(DataValidationError, match=r"unknown file type '\.xlsx'"):
        loaders.load_table(odd, "transactions")


# -- the inputs of issue 12, through load_table and `crm data check` ------------------------

SHOP = "customer_id,date,amount\n"
ISSUE_INPUTS = {
    # name: (table, content, check options, fragments of the error; None = accepted)
    "yyyymmdd_date": (
        "transactions",
        SHOP + "C1,2024-04-30,3\nC2,20240501,4\n",
        [],
        ["not numbers", "at rows 2", "'20240501'"],
    ),
    "epoch_date": ("transactions", SHOP + "C1,1714800000,3\n", [], ["not numbers", "'1714800000'"]),
    "day_month_mixed": (
        "transactions",
        SHOP + "C1,01/02/2024,3\nC2,13/02/2024,4\n",
        [],
        ["expected dates as ISO 8601", "at rows 1, 2", "--date-format"],
    ),
    "day_month_with_format": (
        "transactions",
        SHOP + "C1,01/02/2024,3\nC2,13/02/2024,4\n",
        ["--date-format", "%d/%m/%Y"],
        None,
    ),
    "day_month_dayfirst": (
        "transactions",
        SHOP + "C1,01/02/2024,3\nC2,13/02/2024,4\n",
        ["--dayfirst"],
        None,
    ),
    "wrong_format": (
        "transactions",
        SHOP + "C1,01/02/2024,3\nC2,13/02/2024,4\n",
        ["--date-format", "%m/%d/%Y"],
        ["format '%m/%d/%Y'", "at rows 2"],
    ),
    "mixed_offsets": (
        "transactions",
        SHOP + "C1,2024-05-01T10:00+02:00,3\nC2,2024-05-01T10:00+01:00,4\n",
        [],
        ["one time-zone offset", "at rows 2"],
    ),
    "offset_and_none": (
        "transactions",
        SHOP + "C1,2024-05-01T10:00+02:00,3\nC2,2024-05-01T10:00,4\n",
        [],
        ["same time-zone offset or none", "at rows 2"],
    ),
    "inf_amount": (
        "transactions",
        SHOP + "C1,2024-05-01,inf\nC2,2024-05-01,-Infinity\nC3,2024-05-01,1\n",
        [],
        ["column 'amount'", "finite numbers", "at rows 1, 2"],
    ),
    "nan_amount": (
        "transactions",
        SHOP + "C1,2024-05-01,1\nC2,2024-05-01,nan\n",
        [],
        ["column 'amount'", "finite numbers", "at rows 2", "'nan'"],
    ),
    "infinity_quantity": (
        "transactions",
        "customer_id,date,amount,quantity\nC1,2024-05-01,1,Infinity\n",
        [],
        ["column 'quantity'", "finite numbers"],
    ),
    "inf_spend": (
        "campaign",
        "customer_id,arm,sent_date,visit,conversion,spend\n1,a,2024-01-01,1,1,inf\n",
        [],
        ["column 'spend'", "finite numbers"],
    ),
    "inf_price": (
        "products",
        "module_id,attribute,level,unit_cost,price\nm1,a,x,1,inf\nm2,a,y,NaN,2\n",
        [],
        ["finite numbers"],
    ),
    "string_ids": ("transactions", SHOP + "C000123,2024-05-01,3\nC000124,2024-05-02,4\n", [], None),
    "leading_zero_ids": (
        "transactions",
        SHOP + "000123,2024-05-01,3\n000124,2024-05-02,4\n",
        [],
        None,
    ),
    "aliases": (
        "transactions",
        "CustomerID,InvoiceDate,Quantity,UnitPrice\n1,2024-05-01,2,1.5\n",
        [],
        None,
    ),
    "ambiguous_aliases": (
        "transactions",
        "customer_id,date,order_date,amount\n1,2024-05-01,2024-05-01,3\n",
        [],
        ["could each be 'timestamp'", "--map date=timestamp"],
    ),
    "ambiguous_with_map": (
        "transactions",
        "customer_id,date,order_date,amount\n1,2024-05-01,2024-05-02,3\n",
        ["--map", "order_date=timestamp"],
        None,
    ),
    "map_names_missing_column": (
        "transactions",
        SHOP + "1,2024-05-01,3\n",
        ["--map", "Datum=timestamp"],
        ["names column 'Datum'"],
    ),
    "hostile_ids": (
        "transactions",
        "customer_id,date,amount,product\n"
        + '"\'; DROP TABLE x;--",2024-05-01,3,<b>x</b>\n=1+1,2024-05-01,4,NULL\n',
        [],
        None,
    ),
    "empty_id": (
        "transactions",
        SHOP + "C1,2024-05-01,3\n,2024-05-02,4\n",
        [],
        ["empty ids at rows 2"],
    ),
}


@pytest.fixture(params=list(ISSUE_INPUTS), ids=list(ISSUE_INPUTS))
def issue_input(request, tmp_path):
    table, content, options, fragments = ISSUE_INPUTS[request.param]
    path = tmp_path / f"{request.param}.csv"
    path.write_text(content, encoding="utf-8")
    return path, table, options, fragments


def _keywords(options: list[str]) -> dict:
    names = {"--date-format": "date_format", "--map": "column_map"}
    keywords = {"dayfirst": True} if "--dayfirst" in options else {}
    keywords.update(
        {names[k]: v for k, v in zip(options[:-1], options[1:], strict=True) if k in names}
    )
    return keywords


def test_issue_inputs_through_load_table(issue_input):
    path, table, options, fragments = issue_input
    if fragments is None:
        frame = loaders.load_table(path, table, **_keywords(options))
        assert len(frame) == len(path.read_text().splitlines()) - 1
        return
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, table, **_keywords(options))
    message = _assert_clean_error(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from: {message}"


def test_issue_inputs_through_crm_data_check(issue_input, capsys):
    from crm_models.cli import main

    path, table, options, fragments = issue_input
    status = main(["data", "check", str(path), "--table", table, *options])
    captured = capsys.readouterr()
    if fragments is None:
        assert status == 0 and captured.err == ""
        lines = captured.out.splitlines()
        assert lines[0].startswith("columns: ")
        assert lines[1].startswith(f"{path}: valid {table} table")
        return
    assert status == 1 and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"crm: error: {path}")
    for fragment in fragments:
        assert fragment in lines[0]


def test_shop_export_keeps_ids_and_dates(tmp_path):
    path = tmp_path / "shop.csv"
    path.write_text(SHOP + "000123,2024-05-01,3\nC000124,2024-05-02T10:00:00+02:00,4.5\n")
    with pytest.raises(DataValidationError, match="same time-zone offset or none"):
        loaders.load_table(path, "transactions")
    path.write_text(SHOP + "000123,2024-05-01,3\nC000124,2024-05-02 10:00,4.5\n")
    frame = loaders.load_table(path, "transactions")
    assert frame["customer_id"].tolist() == ["000123", "C000124"]
    assert frame["timestamp"].tolist() == [
        pd.Timestamp("2024-05-01"),
        pd.Timestamp("2024-05-02 10:00"),
    ]
