"""A data lake's Parquet folder as the segment-value ``data_source`` (``load_inputs``).

Folders are written by pyarrow with Hive partitioning (``month=2024-01/``, ``date=…/``), text
ids with leading zeros and the user's column names (``CustomerID``, ``date``); each bad folder
gets one ``DataValidationError`` naming the folder or the file and the column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crm_models.data.lake import parquet_files, read_parquet_folder
from crm_models.errors import DataValidationError
from crm_models.value.inputs import load_inputs
from crm_models.value.units import customer_summary


def _orders(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """Orders in the user's names: CustomerID (text, leading zeros), date, amount."""
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 150, n)
    return pd.DataFrame(
        {
            "CustomerID": [f"{i:06d}" for i in rng.integers(0, 60, n)],
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
            "amount": rng.gamma(2.0, 20.0, n).round(2),
        }
    )


def _write(frame: pd.DataFrame, folder, partition: str, unit: str | None = "us") -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_to_dataset(table, str(folder), partition_cols=[partition], coerce_timestamps=unit)


@pytest.fixture
def orders(tmp_path):
    """The orders, a month-partitioned folder of them and the same rows as one CSV file."""
    frame = _orders()
    folder = tmp_path / "lake" / "orders"
    _write(frame.assign(month=frame["date"].dt.strftime("%Y-%m")), folder, "month")
    csv = tmp_path / "orders.csv"
    frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d")).to_csv(csv, index=False)
    return frame, folder, csv


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["customer_id", "timestamp", "amount"]).reset_index(drop=True)


def test_a_month_partitioned_folder_reads_like_the_same_rows_in_one_file(orders):
    frame, folder, csv = orders
    assert len(parquet_files(folder)) == 5  # months 2024-01 … 2024-05
    lake = load_inputs(str(folder))
    file = load_inputs(str(csv))
    pd.testing.assert_frame_equal(_sorted(lake.transactions), _sorted(file.transactions))
    assert list(lake.transactions.columns) == ["customer_id", "timestamp", "amount"]  # no month
    assert set(lake.transactions["customer_id"]) == set(frame["CustomerID"])  # zeros kept
    assert lake.observation_end == frame["date"].max()
    assert lake.parquet is None and file.parquet is None  # CustomerID, date: mapped here
    assert "Parquet folder" in lake.label and "5 files" in lake.label


def test_a_date_partitioned_folder_with_spark_marker_files(tmp_path):
    frame = _orders().rename(columns={"date": "timestamp"})
    folder = tmp_path / "daily"
    _write(frame.assign(date=frame["timestamp"].dt.strftime("%Y-%m-%d")), folder, "date")
    (folder / "_SUCCESS").write_text("")  # what Spark leaves beside its part files
    (folder / ".part-0.parquet.crc").write_bytes(b"\x00")
    (folder / "_temporary" / "0").mkdir(parents=True)  # an unfinished write: not read
    (folder / "_temporary" / "0" / "part-0.parquet").write_bytes(b"PAR1 unfinished")
    read = read_parquet_folder(folder)
    assert list(read.columns) == ["customer_id", "timestamp", "amount"]  # date= not read
    assert len(read) == len(frame)
    assert read["customer_id"].map(type).eq(str).all()


def test_a_canonical_folder_is_read_by_the_engine_with_the_same_summary(tmp_path):
    frame = _orders().rename(columns={"CustomerID": "customer_id", "date": "timestamp"})
    folder = tmp_path / "canonical"
    _write(frame.assign(month=frame["timestamp"].dt.strftime("%Y-%m")), folder, "month")
    inputs = load_inputs(str(folder))
    assert inputs.parquet == folder  # the engine may read it as it is
    end = inputs.observation_end
    from_frame = customer_summary(inputs.transactions, end, "W")
    from_path = customer_summary(inputs.parquet, end, "W", engine="duckdb")
    assert from_path.index.map(len).to_series().eq(6).all()  # text ids keep their zeros
    pd.testing.assert_frame_equal(from_path.sort_index(), from_frame.sort_index())
    nanos = tmp_path / "nanos"  # pandas' default unit, which Spark cannot read: not direct
    in_nanos = frame.assign(  # pandas 3 reads dates in microseconds: make them nanoseconds
        timestamp=frame["timestamp"].astype("datetime64[ns]"),
        month=frame["timestamp"].dt.strftime("%Y-%m"),
    )
    _write(in_nanos, nanos, "month", None)
    assert load_inputs(str(nanos)).parquet is None
    cal_end = end - pd.Timedelta(weeks=8)
    pd.testing.assert_frame_equal(
        customer_summary(inputs.parquet, end, "D", calibration_end=cal_end).sort_index(),
        customer_summary(inputs.transactions, end, "D", calibration_end=cal_end).sort_index(),
    )


def test_a_folder_without_parquet_files_is_refused(tmp_path):
    folder = tmp_path / "empty" / "month=2024-01"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("not data")
    with pytest.raises(DataValidationError, match=r"empty: no Parquet files"):
        load_inputs(str(tmp_path / "empty"))


def test_a_file_lacking_amount_is_named(orders):
    frame, folder, _ = orders
    bad = folder / "month=2024-06" / "late.parquet"
    bad.parent.mkdir()
    pq.write_table(pa.Table.from_pandas(frame.drop(columns="amount").head(3)), bad)
    with pytest.raises(DataValidationError) as error:
        load_inputs(str(folder))
    message = str(error.value)
    assert str(bad) in message and "amount" in message
    assert "\n" not in message


def test_a_bad_value_is_named_with_its_file_and_row(orders):
    frame, folder, _ = orders
    bad = folder / "month=2024-06" / "late.parquet"
    bad.parent.mkdir()
    rows = frame.head(4).assign(amount=[10.0, 12.0, -5.0, 8.0])
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), bad)
    with pytest.raises(DataValidationError) as error:
        load_inputs(str(folder))
    message = str(error.value)
    assert message.startswith(str(bad)) and "amount" in message and "3" in message


def test_files_with_different_id_types_are_refused_naming_both(orders):
    frame, folder, _ = orders
    bad = folder / "month=2024-06" / "late.parquet"
    bad.parent.mkdir()
    numeric = frame.head(3).assign(CustomerID=[1, 2, 3])
    pq.write_table(pa.Table.from_pandas(numeric, preserve_index=False), bad)
    with pytest.raises(
        DataValidationError, match=r"late\.parquet: column 'customer_id' is integer"
    ):
        load_inputs(str(folder))


def test_a_partition_that_would_be_the_timestamp_is_mentioned_when_missing(tmp_path):
    frame = _orders()
    folder = tmp_path / "bydate"
    _write(frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d")), folder, "date")
    with pytest.raises(DataValidationError, match=r"partition column\(s\) 'date'"):
        load_inputs(str(folder))
