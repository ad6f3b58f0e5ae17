"""Issue 15: rfm_summary reads transactions through the loaders' boundary (one validation)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from crm_models.data import load_table, rfm_summary, validate
from crm_models.errors import DataValidationError, ParameterError, format_rows
from crm_models.value.models._checks import rfm_arrays

DATES = ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-05", "2024-02-05", "2024-03-05"]


def _tx(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2, 2],
            "timestamp": pd.to_datetime(DATES),
            "amount": [10.0, 20.0, 36.25, 5.0, 7.0, 9.0],
        }
    )
    return frame.assign(**changes)


def test_missing_amounts_are_refused_with_their_rows():
    # before: customer 1's 36.25 became a mean of 18.125 and customer 2's spend 0.0
    with pytest.raises(DataValidationError) as error:
        rfm_summary(_tx(amount=[10.0, np.nan, 36.25, 5.0, np.nan, np.nan]))
    message = str(error.value)
    assert "column 'amount'" in message and "at rows 2, 5, 6" in message
    assert "\n" not in message


def test_negative_amounts_are_refused_unless_returns_are_allowed():
    negative = _tx(amount=[10.0, -20.0, 36.25, 5.0, 7.0, -9.0])
    with pytest.raises(DataValidationError, match=r"'amount'.*>= 0.*at rows 2, 6"):
        rfm_summary(negative)
    netted = rfm_summary(negative, allow_returns=True)
    assert netted.loc[2, "monetary_value"] == pytest.approx(-1.0)


def test_amounts_beyond_exact_sums_are_refused_in_one_line():
    # 1e13 is 1e19 millionths, past the 64-bit limit of 9.2e18
    with pytest.raises(DataValidationError, match=r"^rfm_summary: .*9\.2·10¹² currency units"):
        rfm_summary(_tx(amount=[1e13] + [1.0] * 5))
    # a customer's total may pass it on DuckDB (128-bit sums), and is still exact
    twice = _tx(timestamp=pd.to_datetime(DATES[:2] + DATES[1:2] + DATES[3:]))
    summary = rfm_summary(twice.assign(amount=[1.0, 6e12, 6e12, 1.0, 1.0, 1.0]))
    assert summary.loc[1, "monetary_value"] == 1.2e13


def test_text_dates_are_parsed_as_the_loaders_parse_them(tmp_path):
    text = _tx(timestamp=DATES)
    pd.testing.assert_frame_equal(rfm_summary(text), rfm_summary(_tx()))
    day_first = _tx(timestamp=pd.to_datetime(DATES).strftime("%d/%m/%Y"))
    with pytest.raises(DataValidationError, match=r"'timestamp'.*ISO 8601.*at rows 1, 2, 3"):
        rfm_summary(day_first)  # never DuckDB's BinderException epoch_us(VARCHAR)
    pd.testing.assert_frame_equal(rfm_summary(day_first, dayfirst=True), rfm_summary(_tx()))
    path = tmp_path / "tx.csv"
    day_first.to_csv(path, index=False)
    loaded = load_table(path, "transactions", dayfirst=True)
    pd.testing.assert_frame_equal(rfm_summary(loaded), rfm_summary(day_first, dayfirst=True))


def test_text_ids_are_accepted_by_validate_and_rfm_summary_alike():
    text_ids = _tx(customer_id=["C01"] * 3 + ["000123"] * 3)
    assert (
        validate(text_ids, "transactions")["customer_id"].tolist()
        == text_ids["customer_id"].tolist()
    )
    assert rfm_summary(text_ids).index.tolist() == ["000123", "C01"]
    with pytest.raises(DataValidationError, match="'customer_id'.*at rows 2"):
        rfm_summary(_tx(customer_id=[1, None, 1, 2, 2, 2]))


def test_column_names_are_mapped_as_in_load_table():
    expected = rfm_summary(_tx())
    aliases = _tx().rename(columns={"timestamp": "date", "customer_id": "customer"})
    pd.testing.assert_frame_equal(rfm_summary(aliases), expected)
    own = _tx().rename(columns={"timestamp": "Datum", "customer_id": "Kunde"})
    with pytest.raises(DataValidationError, match="missing column.*'timestamp'"):
        rfm_summary(own)
    mapped = rfm_summary(own, column_map="Datum=timestamp,Kunde=customer_id")
    pd.testing.assert_frame_equal(mapped, expected)
    as_dict = rfm_summary(own, column_map={"Datum": "timestamp", "Kunde": "customer_id"})
    pd.testing.assert_frame_equal(as_dict, expected)
    with pytest.raises(DataValidationError, match=r"column 'Datum' \(read as 'timestamp'\)"):
        rfm_summary(own.assign(Datum=["x"] * 6), column_map="Datum=timestamp,Kunde=customer_id")


def test_amount_is_optional_for_counts():
    counts = rfm_summary(_tx().drop(columns="amount"))
    pd.testing.assert_frame_equal(counts, rfm_summary(_tx()).drop(columns="monetary_value"))
    cal = rfm_summary(_tx().drop(columns="amount"), calibration_end="2024-02-15")
    assert "monetary_value_cal" not in cal and "monetary_value_holdout" not in cal
    assert cal.attrs["time_unit"] == "D"


def test_a_duckdb_table_gets_one_clear_error_for_wrong_types():
    con = duckdb.connect()
    text_dates = _tx(timestamp=DATES)  # noqa: F841  (read by DuckDB by name)
    con.execute("CREATE TABLE transactions AS SELECT * FROM text_dates")
    with pytest.raises(DataValidationError, match="column 'timestamp' is VARCHAR; expected"):
        rfm_summary(con)
    good = _tx()  # noqa: F841
    con.execute("CREATE OR REPLACE TABLE transactions AS SELECT * FROM good")
    pd.testing.assert_frame_equal(rfm_summary(con), rfm_summary(_tx()), check_index_type=False)
    with pytest.raises(ParameterError, match="column_map applies to a DataFrame"):
        rfm_summary(con, column_map={"a": "timestamp"})


def test_rows_are_plain_one_based_ints():
    assert format_rows(np.array([0, 3], dtype=np.int64)) == "1, 4"
    assert format_rows(range(8)) == "1, 2, 3, 4, 5 and 3 more"
    summary = pd.DataFrame(
        {"frequency": [1.0, 2.0, np.nan], "recency": [1.0, 2.0, 3.0], "T": [5.0] * 3},
        index=pd.Index([np.int64(7), np.int64(8), np.int64(9)], name="customer_id"),
    )
    with pytest.raises(DataValidationError) as error:
        rfm_arrays(summary, "BG/NBD.fit")
    assert "at rows 3 (customer_id 9)" in str(error.value)
    assert "np.int64" not in str(error.value)
    with pytest.raises(DataValidationError, match=r"at rows 2 \(customer_id 8\)"):
        rfm_arrays(summary.fillna(1.0).assign(recency=[1.0, 9.0, 1.0]), "BG/NBD.fit")
