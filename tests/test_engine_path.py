"""The whole CLV path on an engine equals the pandas path (DuckDB here, Spark when marked)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.data.summary import rfm_summary
from crm_models.data.synthetic import simulate_world
from crm_models.errors import DataValidationError, ParameterError
from crm_models.value import BGNBD, GammaGamma, customer_lifetime_value
from crm_models.value.engine_path import ENGINE_STAGES, EngineValues, _order_keys, customer_values
from crm_models.value.valuation_checks import PERIODS_PER_MONTH

N_CUSTOMERS = 20_000
RTOL = 1e-9


@pytest.fixture(scope="module")
def world():
    sim = simulate_world(N_CUSTOMERS, seed=16)
    return sim.transactions[["customer_id", "timestamp", "amount"]].copy(), sim.observation_end


@pytest.fixture(scope="module")
def pandas_path(world):
    tx, end = world
    s = rfm_summary(tx, observation_end=end, time_unit="D")
    bg = BGNBD().fit(s)
    gg = GammaGamma().fit(s)
    return pd.DataFrame(
        {
            "clv": customer_lifetime_value(bg, gg, s, 12, monthly_discount_rate=0.01),
            "p_alive": np.asarray(bg.p_alive(s), dtype=float),
            "expected_purchases": np.asarray(
                bg.expected_purchases(PERIODS_PER_MONTH["D"] * 12, s), dtype=float
            ),
        },
        index=s.index,
    ).sort_index()


@pytest.fixture(scope="module")
def duckdb_values(world):
    tx, end = world
    return customer_values(tx, observation_end=end)


def _by_id(scores: pd.DataFrame) -> pd.DataFrame:
    return scores.set_index("customer_id").sort_index()


def test_duckdb_scores_equal_the_pandas_path(duckdb_values, pandas_path):
    res = duckdb_values
    assert isinstance(res, EngineValues)
    assert res.engine == "duckdb" and res.spark_master is None and res.out is None
    assert list(res.stage_seconds) == list(ENGINE_STAGES)
    assert res.n_customers == N_CUSTOMERS == len(res.scores)
    assert 0 < res.n_patterns < N_CUSTOMERS and 0 < res.n_spend_patterns < N_CUSTOMERS
    scores = _by_id(res.scores)
    assert scores.index.equals(pandas_path.index)
    for col in ["clv", "p_alive", "expected_purchases"]:
        np.testing.assert_allclose(scores[col], pandas_path[col], rtol=RTOL, atol=0, err_msg=col)
    table = res.summary()
    assert list(table.index) == [*ENGINE_STAGES, "total"]
    assert table.loc["total", "estimate"] == pytest.approx(sum(res.stage_seconds.values()))


@pytest.mark.parametrize("share", [0.2, 0.5, 0.013])
def test_threshold_is_the_exact_clv_of_the_last_high_value_customer(world, share):
    tx, end = world
    res = customer_values(tx, observation_end=end, high_value_share=share)
    clv = res.scores["clv"].to_numpy()
    n_high = int(round(share * len(clv)))
    assert res.high_value_threshold == np.sort(clv)[-n_high]  # exact, not approximately
    high = res.scores["value_level"].eq("high").to_numpy()
    np.testing.assert_array_equal(high, clv >= res.high_value_threshold)
    # ties at the threshold aside, the share of value_level's top customers
    assert n_high <= high.sum() <= n_high + (clv == res.high_value_threshold).sum()


def test_order_keys_sort_floats_as_the_floats_sort():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(0, 1e3, 500), [0.0, -0.0, 1e-300, -1e-300, 1e300]])
    keys = _order_keys(values)
    order = np.argsort(keys, kind="stable")
    assert np.all(np.diff(values[order]) >= 0)


def test_out_writes_a_parquet_folder_that_reads_back_equal(world, duckdb_values, tmp_path):
    tx, end = world
    folder = tmp_path / "scores"
    res = customer_values(tx, observation_end=end, out=folder)
    assert res.scores is None and res.out == str(folder) and folder.is_dir()
    back = _by_id(pd.read_parquet(folder))
    expected = _by_id(duckdb_values.scores)
    assert back.index.equals(expected.index)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)


def test_parquet_folder_input_gives_the_same_scores(world, duckdb_values, tmp_path):
    tx, end = world
    tx = tx.assign(timestamp=tx["timestamp"].astype("datetime64[us]"))
    tx["month"] = tx["timestamp"].dt.strftime("%Y-%m")
    tx.to_parquet(tmp_path / "tx", partition_cols=["month"], index=False)
    res = customer_values(str(tmp_path / "tx"), observation_end=end)
    got, expected = _by_id(res.scores), _by_id(duckdb_values.scores)
    np.testing.assert_allclose(got["clv"], expected["clv"], rtol=RTOL, atol=0)


def test_bad_inputs_fail_with_one_clear_error(world):
    tx, end = world
    with pytest.raises(ParameterError, match="high_value_share must be in"):
        customer_values(tx, observation_end=end, high_value_share=1.5)
    with pytest.raises(ParameterError, match="model must be one of"):
        customer_values(tx, observation_end=end, model="bgbb2")
    with pytest.raises(ParameterError, match="engine"):
        customer_values(tx, observation_end=end, engine=object())
    with pytest.raises(DataValidationError, match="amount"):
        customer_values(tx.drop(columns="amount"), observation_end=end)


@pytest.mark.spark
def test_spark_scores_equal_duckdb(world, duckdb_values):
    from crm_models.engines import get_engine

    tx, end = world
    engine = get_engine("spark")
    try:
        res = customer_values(tx, engine=engine, observation_end=end)
    finally:
        engine.stop()
    assert res.engine == "spark"
    assert res.n_patterns == duckdb_values.n_patterns
    assert res.n_spend_patterns == duckdb_values.n_spend_patterns
    assert res.high_value_threshold == pytest.approx(duckdb_values.high_value_threshold, rel=RTOL)
    got, expected = _by_id(res.scores), _by_id(duckdb_values.scores)
    assert got.index.equals(expected.index)
    for col in ["clv", "p_alive", "expected_purchases"]:
        np.testing.assert_allclose(got[col], expected[col], rtol=RTOL, atol=0, err_msg=col)
    assert got["value_level"].equals(expected["value_level"])
    assert got["action"].equals(expected["action"])
