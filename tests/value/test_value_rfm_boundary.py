"""rfm_table reads a user's frame through the boundary of rfm_summary (validated_transactions)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.value import rfm_scores, rfm_table

END = "2024-03-01"


def _transactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05", "2024-02-20"]),
            "amount": [10.0, 20.0, 5.0, 7.5],
        }
    )


def test_missing_amount_is_refused_with_its_row():
    """A NaN amount used to vanish in DuckDB's sum (a's spend 10.0 instead of an error)."""
    frame = _transactions()
    frame.loc[1, "amount"] = np.nan
    with pytest.raises(DataValidationError, match=r"rfm_table: .*'amount'.* at rows 2\b"):
        rfm_table(frame, END)


def test_negative_amount_is_refused_unless_returns_are_allowed():
    frame = _transactions()
    frame.loc[2, "amount"] = -5.0
    with pytest.raises(DataValidationError, match=r"'amount'.*allow_returns.* at rows 3\b"):
        rfm_table(frame, END)
    table = rfm_table(frame, END, allow_returns=True)
    assert table.loc["b", "total_spend"] == -5.0


def test_user_column_names_and_text_dates_work_as_in_rfm_summary():
    """``date`` / ``customer`` aliases, text dates, and column_map, like rfm_summary."""
    expected = rfm_table(_transactions(), END)
    frame = _transactions().rename(columns={"timestamp": "date", "customer_id": "customer"})
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    pd.testing.assert_frame_equal(rfm_table(frame, END), expected)
    mine = _transactions().rename(columns={"timestamp": "Datum", "amount": "Betrag"})
    mine["Datum"] = mine["Datum"].dt.strftime("%d/%m/%Y")
    got = rfm_table(mine, END, column_map="Datum=timestamp,Betrag=amount", dayfirst=True)
    pd.testing.assert_frame_equal(got, expected)
    assert list(rfm_scores(got)["cell"]) == list(rfm_scores(expected)["cell"])


def test_a_frame_without_amount_and_other_inputs_get_one_clear_error():
    with pytest.raises(DataValidationError, match="rfm_table: transactions need an 'amount'"):
        rfm_table(_transactions().drop(columns="amount"), END)
    with pytest.raises(DataValidationError, match="expected a pandas DataFrame"):
        rfm_table([1, 2, 3], END)  # type: ignore[arg-type]
    con = duckdb.connect()
    con.register("transactions", _transactions())
    assert rfm_table(con, END)["n_purchases"].to_dict() == {"a": 2, "b": 1, "c": 1}
    with pytest.raises(ParameterError, match="column_map applies to a DataFrame"):
        rfm_table(con, END, column_map="date=timestamp")
