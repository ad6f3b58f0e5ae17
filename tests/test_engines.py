"""The DuckDB engine and the engine API (no Spark): views, Parquet input, map_batches, errors."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from crm_models.data.summary import rfm_summary, summary_view
from crm_models.data.synthetic import simulate_world
from crm_models.engines import ENGINE_NAMES, Engine, TransactionsView, get_engine
from crm_models.engines.sql import inline_params, to_spark
from crm_models.errors import DataValidationError, ParameterError
from crm_models.value.patterns import pattern_counts, spend_patterns

SCHEMA = {"customer_id": "BIGINT", "twice": "DOUBLE"}


def _twice(batch: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": batch["customer_id"], "twice": 2 * batch["frequency"]})


def _fail(batch: pd.DataFrame) -> pd.DataFrame:
    raise RuntimeError("planted failure")


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return simulate_world(1500, seed=5).transactions[["customer_id", "timestamp", "amount"]]


def test_duckdb_engine_summary_patterns_and_batches(transactions):
    with get_engine() as engine:
        assert isinstance(engine, Engine) and engine.name == "duckdb"
        view = engine.read_transactions(transactions)
        assert isinstance(view, TransactionsView) and view.has_amount
        name = summary_view(engine, view, time_unit="W")
        assert name == "customer_summary"
        summary = engine.fetch(f"SELECT * FROM {name} ORDER BY customer_id").set_index(
            "customer_id"
        )
        reference = rfm_summary(transactions, time_unit="W")
        pd.testing.assert_frame_equal(summary, reference, check_exact=True, check_like=False)
        patterns = pattern_counts(engine, name)
        assert patterns["n_customers"].sum() == len(reference)
        assert not patterns.duplicated(["frequency", "recency", "T"]).any()
        spend = spend_patterns(engine, name)
        assert spend["n_customers"].sum() == (reference["frequency"] > 0).sum()
        out = engine.map_batches(name, _twice, SCHEMA)
        assert (
            out.sort_values("customer_id")["twice"].tolist()
            == (2 * reference["frequency"]).tolist()
        )


def test_parquet_file_and_hive_folder_give_the_frame_summary(transactions, tmp_path):
    reference = rfm_summary(transactions, time_unit="D")
    transactions.to_parquet(tmp_path / "tx.parquet")
    hive = tmp_path / "lake"
    transactions.assign(date=transactions["timestamp"].dt.strftime("%Y-%m-%d")).to_parquet(
        hive, partition_cols=["date"]
    )
    assert any(p.name.startswith("date=") for p in hive.iterdir())
    for source in (tmp_path / "tx.parquet", str(hive)):
        pd.testing.assert_frame_equal(rfm_summary(source, time_unit="D"), reference)


def test_map_batches_writes_a_folder_atomically(transactions, tmp_path):
    out = tmp_path / "scores"
    with get_engine() as engine:
        name = summary_view(engine, engine.read_transactions(transactions))
        engine.map_batches(name, _twice, SCHEMA, out=out)
        written = pq.read_table(out).to_pandas()
        assert len(written) == transactions["customer_id"].nunique()
        before = sorted(p.name for p in out.iterdir())
        with pytest.raises(RuntimeError, match="planted failure"):
            engine.map_batches(name, _fail, SCHEMA, out=out)
        assert sorted(p.name for p in out.iterdir()) == before
        pd.testing.assert_frame_equal(pq.read_table(out).to_pandas(), written)
        assert [p.name for p in tmp_path.iterdir()] == ["scores"]  # no temp folder left


def test_bad_parquet_column_is_one_clear_error(transactions, tmp_path):
    bad = transactions.assign(amount=transactions["amount"].astype(str))
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(DataValidationError) as error:
        rfm_summary(tmp_path / "bad.parquet")
    message = str(error.value)
    assert "\n" not in message
    assert "column 'amount' is VARCHAR" in message and "bad.parquet" in message
    transactions.drop(columns="timestamp").to_parquet(tmp_path / "nodate.parquet")
    with pytest.raises(DataValidationError, match="missing column\\(s\\) 'timestamp'"):
        rfm_summary(tmp_path / "nodate.parquet")
    with pytest.raises(DataValidationError, match="no Parquet file or folder"):
        rfm_summary(tmp_path / "absent.parquet")


def test_unknown_engine_lists_the_names(transactions):
    with pytest.raises(ParameterError) as error:
        get_engine("polars")
    assert all(name in str(error.value) for name in ENGINE_NAMES)
    with pytest.raises(ParameterError, match="engine must be one of"):
        rfm_summary(transactions, engine="pandas")


def test_parameters_become_typed_literals_and_spark_functions_are_mapped():
    sql = "SELECT epoch_us(timestamp) AS us FROM t WHERE timestamp <= $end::TIMESTAMP"
    params = {"end": pd.Timestamp("2024-05-01 12:00")}
    duck = inline_params(sql, params)
    assert "$end" not in duck and "'2024-05-01 12:00:00.000000'" in duck
    spark = to_spark(sql, params)
    assert "UNIX_MICROS" in spark and "EPOCH_US" not in spark.upper()
    with pytest.raises(ParameterError, match=r"\$end has no value"):
        to_spark(sql, {})


def test_a_view_name_can_be_redefined_whatever_it_was_before():
    """summary_view twice on one engine: the first made a temp table of the same name."""
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05"]),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    with get_engine() as engine:
        view = engine.read_transactions(tx)
        name = summary_view(engine, view)
        assert summary_view(engine, view) == name
        engine.create_view(name, "SELECT 2 AS x")
        engine.create_view(name, "SELECT 3 AS x", materialize=True)
        assert engine.fetch(f"SELECT x FROM {name}")["x"].tolist() == [3]
