"""The DuckDB RFM summary equals lifetimes' summaries (and the published CDNOW summary).

Criterion: same index (customer_id, int64), same columns in the same order, float64 values
equal to a relative tolerance of 1e-9 (exact zeros compare exactly).
"""

from __future__ import annotations

import pandas as pd
import pytest
from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

from crm_models.data import public, rfm_summary
from crm_models.data.build import world_datasets
from crm_models.data.warehouse import Warehouse
from crm_models.errors import DataValidationError, ParameterError

CDNOW_CALIBRATION_END = "1997-09-30"  # the 39-week calibration period of the published fits


def assert_same_summary(ours: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert ours.index.name == reference.index.name == "customer_id"
    assert str(ours.index.dtype) == "int64"
    pd.testing.assert_index_equal(ours.index, reference.index, exact="equiv")
    assert list(ours.columns) == list(reference.columns)
    pd.testing.assert_frame_equal(ours, reference, check_exact=False, rtol=1e-9, atol=0.0)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return public.load_cdnow_transactions()


@pytest.mark.parametrize("freq", ["D", "W"])
def test_cdnow_summary_equals_lifetimes(cdnow, freq):
    reference = summary_data_from_transaction_data(
        cdnow, "customer_id", "timestamp", monetary_value_col="amount", freq=freq
    )
    ours = rfm_summary(cdnow, time_unit=freq)
    assert len(ours) == 23_570
    assert_same_summary(ours, reference)


@pytest.mark.parametrize("freq", ["D", "W"])
def test_cdnow_calibration_holdout_equals_lifetimes(cdnow, freq):
    reference = calibration_and_holdout_data(
        cdnow,
        "customer_id",
        "timestamp",
        calibration_period_end=CDNOW_CALIBRATION_END,
        monetary_value_col="amount",
        freq=freq,
    )
    ours = rfm_summary(cdnow, time_unit=freq, calibration_end=CDNOW_CALIBRATION_END)
    assert_same_summary(ours, reference)
    assert ours["frequency_holdout"].sum() > 0


def test_cdnow_summary_from_warehouse_connection(cdnow, tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb")
    warehouse.build({"cdnow": {"transactions": cdnow}}, source="test")
    reference = summary_data_from_transaction_data(
        cdnow,
        "customer_id",
        "timestamp",
        monetary_value_col="amount",
        freq="W",
        observation_period_end="1998-06-30",
    )
    assert_same_summary(
        warehouse.summary("cdnow", time_unit="W", observation_end="1998-06-30"), reference
    )


def test_cdnow_sample_reproduces_published_summary():
    """The 1/10th CDNOW sample (2,357 customers) gives the published (x, t_x, T, zbar).

    The published file is in weeks rounded to 2 decimals: our daily summary / 7 must agree
    to that rounding (0.005 plus float noise).
    """
    raw = pd.read_csv(
        public._lifetimes_dataset("CDNOW_sample.txt"),
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"date": str},
    )
    tx = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"],
        }
    )
    calibration = tx[tx["timestamp"] <= CDNOW_CALIBRATION_END]
    ours = rfm_summary(calibration, observation_end=CDNOW_CALIBRATION_END, time_unit="D")
    published = public.load_cdnow_summary(with_monetary=True)
    assert len(published) == 2_357
    pd.testing.assert_index_equal(ours.index, published.index)
    tolerance = 0.005 + 1e-9
    assert (ours["frequency"] == published["frequency"]).all()
    for column in ("recency", "T"):
        assert (ours[column] / 7 - published[column]).abs().max() <= tolerance
    assert (ours["monetary_value"] - published["monetary_value"]).abs().max() <= tolerance


@pytest.mark.parametrize("freq", ["D", "W"])
def test_synthetic_world_warehouse_summary_equals_lifetimes(warehouse, small_world, freq):
    tx = small_world.transactions
    end = small_world.observation_end
    reference = summary_data_from_transaction_data(
        tx,
        "customer_id",
        "timestamp",
        monetary_value_col="amount",
        freq=freq,
        observation_period_end=end,
    )
    assert_same_summary(warehouse.summary(time_unit=freq, observation_end=end), reference)
    default_end = summary_data_from_transaction_data(
        tx, "customer_id", "timestamp", monetary_value_col="amount", freq=freq
    )
    assert_same_summary(warehouse.summary(time_unit=freq), default_end)


@pytest.mark.parametrize("freq", ["D", "W"])
def test_synthetic_world_calibration_equals_lifetimes(warehouse, small_world, freq):
    """Intraday timestamps and a mid-week calibration end (2025-01-01 is a Wednesday)."""
    tx = small_world.transactions
    end = small_world.observation_end
    reference = calibration_and_holdout_data(
        tx,
        "customer_id",
        "timestamp",
        calibration_period_end="2025-01-01",
        observation_period_end=end,
        monetary_value_col="amount",
        freq=freq,
    )
    ours = warehouse.summary(time_unit=freq, observation_end=end, calibration_end="2025-01-01")
    assert_same_summary(ours, reference)


def _with_returns() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2, 2, 3],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-10 10:00",
                    "2024-01-10 16:00",
                    "2024-01-20 12:00",
                    "2024-01-02 00:00",
                    "2024-01-05 00:00",
                    "2024-01-03 00:00",
                ]
            ),
            "amount": [20.0, 30.0, -10.0, 40.0, 15.0, -15.0, 8.0],
        }
    )


def test_returns_are_netted_per_period():
    """Documented: with allow_returns, a return nets against its period's purchases."""
    ours = rfm_summary(
        _with_returns(), observation_end="2024-01-31", time_unit="D", allow_returns=True
    )
    # customer 1: periods Jan 1 (20), Jan 10 (30 - 10 = 20), Jan 20 (40) -> mean repeat 30
    assert ours.loc[1, "frequency"] == 2.0
    assert ours.loc[1, "monetary_value"] == pytest.approx(30.0, rel=1e-12)
    # customer 2: a return in a later period is a period of its own, amount -15
    assert ours.loc[2, "frequency"] == 1.0
    assert ours.loc[2, "monetary_value"] == pytest.approx(-15.0, rel=1e-12)
    reference = summary_data_from_transaction_data(
        _with_returns(),
        "customer_id",
        "timestamp",
        monetary_value_col="amount",
        freq="D",
        observation_period_end="2024-01-31",
    )
    assert_same_summary(ours, reference)


def test_returns_loaded_into_the_warehouse(tmp_path):
    from crm_models.data.warehouse import Warehouse

    warehouse = Warehouse(tmp_path / "w.duckdb")
    customers = tmp_path / "c.csv"
    customers.write_text(
        "customer_id,signup_date,channel,region,consent_status,consent_date\n"
        "1,2024-01-01,web,n,opt_in,\n2,2024-01-01,web,n,opt_in,\n"
        "3,2024-01-01,web,n,opt_in,\n"
    )
    tx = tmp_path / "tx.csv"
    _with_returns().to_csv(tx, index=False)
    warehouse.load(customers, "customers")
    warehouse.load(tx, "transactions", allow_returns=True)
    ours = warehouse.summary("main", time_unit="W", observation_end="2024-01-31")
    reference = summary_data_from_transaction_data(
        _with_returns(),
        "customer_id",
        "timestamp",
        monetary_value_col="amount",
        freq="W",
        observation_period_end="2024-01-31",
    )
    assert_same_summary(ours, reference)


def test_summary_parameter_errors(cdnow, small_world, tmp_path):
    with pytest.raises(ParameterError, match="time_unit must be one of"):
        rfm_summary(cdnow, time_unit="M")

    with pytest.raises(ParameterError, match="calibration_end .* must be before observation_end"):
        rfm_summary(cdnow, calibration_end="1998-07-01")
    # a frame without a needed column is a data problem, reported with the caller's name
    # (issue 15: amount is optional for count-only work, so the needed column is timestamp)
    with pytest.raises(
        DataValidationError, match=r"rfm_summary: .*missing column\(s\) 'timestamp'"
    ):
        rfm_summary(cdnow.drop(columns=["timestamp"]))
    warehouse = Warehouse(tmp_path / "w.duckdb")
    warehouse.build(world_datasets(small_world), source="test")
    with pytest.raises(ParameterError, match="expected a date"):
        warehouse.summary(observation_end="not a date")


def test_old_freq_keyword_still_works_with_a_warning(cdnow):
    with pytest.warns(FutureWarning, match="'freq' is now 'time_unit'"):
        old = rfm_summary(cdnow, freq="W")
    pd.testing.assert_frame_equal(old, rfm_summary(cdnow, time_unit="W"))


@pytest.mark.parametrize("freq", ["D", "W"])
def test_string_ids_are_kept_and_the_summary_equals_lifetimes(small_world, freq):
    """Customer ids as the user has them: text ids (C000123) come back unchanged, in order,
    and the summary (and calibration/holdout summary) equals lifetimes' on the same data."""
    tx = small_world.transactions[["customer_id", "timestamp", "amount"]].copy()
    tx["customer_id"] = "C" + tx["customer_id"].astype(str).str.zfill(6)
    end = small_world.observation_end
    ours = rfm_summary(tx, observation_end=end, time_unit=freq)
    reference = summary_data_from_transaction_data(
        tx, "customer_id", "timestamp", "amount", observation_period_end=end, freq=freq
    )
    assert ours.index.name == "customer_id" and ours.index[0] == "C000001"
    assert ours.index.tolist() == sorted(tx["customer_id"].unique())
    pd.testing.assert_frame_equal(
        ours, reference.reindex(ours.index), check_exact=False, rtol=1e-9, atol=0.0
    )
    cal_end = end - pd.Timedelta(weeks=26)
    cal = rfm_summary(tx, observation_end=end, time_unit=freq, calibration_end=cal_end)
    cal_ref = calibration_and_holdout_data(
        tx, "customer_id", "timestamp", cal_end, end, freq=freq, monetary_value_col="amount"
    )
    assert cal.index.tolist() == sorted(cal_ref.index)
    pd.testing.assert_frame_equal(
        cal, cal_ref.reindex(cal.index)[list(cal.columns)], check_exact=False, rtol=1e-9, atol=1e-12
    )
