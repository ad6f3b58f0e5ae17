"""Dates you can trust: ISO 8601 by default, numbers and mixed layouts refused with rows."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_models.data import loaders
from crm_models.data.dates import parse_date_column
from crm_models.errors import DataValidationError

LABEL = "tx.csv: transactions column 'timestamp'"


def _parse(values, **options) -> list:
    return parse_date_column(pd.Series(values), LABEL, **options).tolist()


def _refused(values, **options) -> str:
    with pytest.raises(DataValidationError) as info:
        parse_date_column(pd.Series(values), LABEL, **options)
    message = str(info.value)
    assert message.startswith(LABEL) and "\n" not in message
    return message


def test_iso_dates_and_times_with_t_or_space():
    values = ["2024-05-01", " 2024-05-01 14:02 ", "2024-05-01T14:02:03", "2024-05-01 14:02:03.5"]
    assert _parse([*values, None, ""]) == [
        pd.Timestamp("2024-05-01"),
        pd.Timestamp("2024-05-01 14:02"),
        pd.Timestamp("2024-05-01 14:02:03"),
        pd.Timestamp("2024-05-01 14:02:03.5"),
        pd.NaT,
        pd.NaT,
    ]


@pytest.mark.parametrize("number", ["20240501", "1714800000", "1714800000.5"])
def test_numbers_in_a_date_column_are_refused(number):
    message = _refused(["2024-05-01", number])
    assert "not numbers" in message and f"at rows 2 (found '{number}')" in message
    assert "--date-format" in message


def test_numeric_column_from_parquet_is_refused_unless_a_format_is_given(tmp_path):
    path = tmp_path / "tx.parquet"
    frame = pd.DataFrame({"customer_id": [1, 2], "date": [20240501, 20240502], "amount": [1, 2]})
    frame.to_parquet(path)
    with pytest.raises(DataValidationError) as info:
        loaders.load_table(path, "transactions")
    assert "not numbers" in str(info.value) and "at rows 1, 2 (found 20240501, 20240502)" in str(
        info.value
    )
    loaded = loaders.load_table(path, "transactions", date_format="%Y%m%d")
    assert loaded["timestamp"].tolist() == [pd.Timestamp("2024-05-01"), pd.Timestamp("2024-05-02")]


def test_epoch_in_a_csv_is_refused(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\n1,1714800000,3\n")
    with pytest.raises(DataValidationError, match=r"not numbers .* at rows 1 \(found '1714800000'"):
        loaders.load_table(path, "transactions")


def test_slash_dates_need_a_format_or_dayfirst():
    values = ["01/02/2024", "13/02/2024"]
    message = _refused(values)
    assert "expected dates as ISO 8601" in message
    assert "at rows 1, 2 (found '01/02/2024', '13/02/2024')" in message
    assert "date_format= / --date-format (e.g. '%d/%m/%Y') or dayfirst=True / --dayfirst" in message
    february = [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-13")]
    assert _parse(values, date_format="%d/%m/%Y") == february
    assert _parse(values, dayfirst=True) == february
    assert _parse(["1.2.2024 10:30", "2024-02-13"], dayfirst=True) == [
        pd.Timestamp("2024-02-01 10:30"),
        february[1],
    ]


def test_a_format_must_match_every_value_exactly():
    message = _refused(["01/02/2024", "13/02/2024", "2024-02-14"], date_format="%m/%d/%Y")
    assert "expected dates in the format '%m/%d/%Y'" in message
    assert "at rows 2, 3 (found '13/02/2024', '2024-02-14')" in message
    message = _refused(["02/13/2024"], dayfirst=True)
    assert "day first" in message and "at rows 1" in message


def test_mixed_offsets_are_refused():
    message = _refused(["2024-05-01T10:00:00+02:00", "2024-05-01T10:00:00", "2024-05-02 09:00"])
    assert "same time-zone offset or none" in message
    assert "at rows 2, 3" in message
    message = _refused(["2024-05-01T10:00+02:00", "2024-05-01T11:00+0200", "2024-05-01T10:00Z"])
    assert "one time-zone offset" in message and "at rows 3 (found '2024-05-01T10:00Z')" in message


def test_one_consistent_offset_becomes_utc():
    assert _parse(["2024-05-01T10:00:00+02:00", "2024-05-01 12:30+0200"]) == [
        pd.Timestamp("2024-05-01 08:00"),
        pd.Timestamp("2024-05-01 10:30"),
    ]
    assert _parse(["2024-05-01T10:00:00Z", "2024-05-01T11:00:00+00:00"]) == [
        pd.Timestamp("2024-05-01 10:00"),
        pd.Timestamp("2024-05-01 11:00"),
    ]


def test_datetime_columns_pass_as_they_are(tmp_path):
    naive = pd.to_datetime(["2024-05-01 10:00", "2024-05-02 00:00"])
    assert parse_date_column(pd.Series(naive), LABEL).tolist() == list(naive)
    aware = pd.Series(naive.tz_localize("Europe/Berlin"))
    assert parse_date_column(aware, LABEL).tolist() == [
        pd.Timestamp("2024-05-01 08:00"),
        pd.Timestamp("2024-05-01 22:00"),
    ]
    path = tmp_path / "tx.parquet"
    pd.DataFrame({"customer_id": [1, 2], "timestamp": aware, "amount": [1.0, 2.0]}).to_parquet(path)
    loaded = loaders.load_table(path, "transactions")
    assert loaded["timestamp"].tolist() == [
        pd.Timestamp("2024-05-01 08:00"),
        pd.Timestamp("2024-05-01 22:00"),
    ]


def test_out_of_range_and_impossible_dates_are_named():
    message = _refused(["2024-05-01", "2024-02-30", "2500-01-01", "yesterday"])
    assert "at rows 2, 3, 4" in message and "years 1678-2261" in message
