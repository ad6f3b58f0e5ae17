"""CustomerScorer: one pandas-batch scoring function for DuckDB batches and Spark's mapInPandas.

The scores equal the package's own functions, batches concatenate to the whole, bad input gets
one clear line, the scorer pickles without data, and Spark's mapInPandas gets the pandas result.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.value import (
    BGBB,
    BGNBD,
    MBGNBD,
    CustomerScorer,
    GammaGamma,
    ParetoNBD,
    customer_lifetime_value,
    value_level,
)
from crm_models.value.scoring import SCORE_ACTIONS, SCORE_COLUMNS
from crm_models.value.units import customer_summary
from crm_models.value.valuation import PERIODS_PER_MONTH

sys.path.insert(0, str(Path(__file__).parent / "value"))
from _btyd_sim import END, simulate  # noqa: E402

SETTINGS = {"horizon_months": 12, "monthly_discount_rate": 0.008, "margin_rate": 0.3}
CLV_BATCH_EXACT = False
"""True once valuation._clv_arrays sums the discounted months one by one (see notes/scoring.md):
its ``disc @ np.diff(cum)`` goes through BLAS, whose result for one customer moves by an ulp
with the customer's position in the array, so CLV of a batch can differ from the whole by ~1e-16
relative. Everything else is exact already."""


@pytest.fixture(scope="module")
def world():
    summary = customer_summary(simulate(4000, seed=5), END, "W")  # weekly: attrs["time_unit"]
    spend = GammaGamma(nonpositive="drop").fit(summary)
    return summary, spend


@pytest.fixture(scope="module")
def bgnbd(world):
    return BGNBD().fit(world[0])


def scorer_for(model, spend, summary, **kw):
    clv = customer_lifetime_value(model, spend, summary, **SETTINGS)
    threshold = CustomerScorer.threshold_for_share(clv, 0.2)
    return CustomerScorer(model, spend, high_value_threshold=threshold, **SETTINGS, **kw)


def split(rows: pd.DataFrame, cuts: list[int]) -> list[pd.DataFrame]:
    edges = [0, *cuts, len(rows)]
    return [rows.iloc[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]


def assert_scores_equal(got: pd.DataFrame, want: pd.DataFrame, exact_clv: bool = CLV_BATCH_EXACT):
    assert list(got.columns) == list(SCORE_COLUMNS) == list(want.columns)
    pd.testing.assert_frame_equal(
        got.drop(columns="clv"), want.drop(columns="clv"), check_exact=True
    )
    if exact_clv:
        np.testing.assert_array_equal(got["clv"].to_numpy(), want["clv"].to_numpy())
    else:
        np.testing.assert_array_max_ulp(got["clv"].to_numpy(), want["clv"].to_numpy(), maxulp=4)


@pytest.mark.parametrize("kind", [BGNBD, MBGNBD, ParetoNBD])
def test_scores_are_the_package_functions_on_the_whole_summary(world, kind):
    summary, spend = world
    model = kind().fit(summary)
    scorer = scorer_for(model, spend, summary)
    out = scorer(summary.reset_index())
    assert scorer.time_unit == "W"  # from the model, fitted on the weekly summary
    clv = customer_lifetime_value(model, spend, summary, **SETTINGS, time_unit="W")
    np.testing.assert_array_equal(out["clv"].to_numpy(), clv.to_numpy())
    np.testing.assert_array_equal(out["p_alive"].to_numpy(), model.p_alive(summary))
    t = PERIODS_PER_MONTH["W"] * 12
    np.testing.assert_array_equal(
        out["expected_purchases"].to_numpy(), model.expected_purchases(t, summary)
    )
    assert out["customer_id"].tolist() == summary.index.tolist()
    high = out["clv"] >= scorer.high_value_threshold
    assert (out["value_level"] == np.where(high, "high", "low")).all()
    active = np.where(out["p_alive"] >= 0.5, "active", "lapsing")
    want = [SCORE_ACTIONS[k] for k in zip(out["value_level"], active, strict=True)]
    assert out["action"].tolist() == want
    assert set(out["action"]) == set(SCORE_ACTIONS.values())  # every cell occurs here


def test_seven_uneven_batches_concatenate_to_the_whole(world, bgnbd):
    summary, spend = world
    scorer = scorer_for(bgnbd, spend, summary)
    rows = summary.reset_index()
    whole = scorer(rows)
    cuts = [1, 2, 700, 701, 2500, 3999]  # batches of 1, 1, 698, 1, 1799, 1499, 1 rows
    parts = [scorer(part) for part in split(rows, cuts)]
    assert [len(p) for p in parts] == [1, 1, 698, 1, 1799, 1499, 1]
    assert_scores_equal(pd.concat(parts, ignore_index=True), whole)
    mapped = scorer(iter(split(rows, cuts)))  # mapInPandas passes an iterator of frames
    assert not isinstance(mapped, pd.DataFrame)
    for got, want in zip(mapped, parts, strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.xfail(
    strict=True, reason="CLV of valuation._clv_arrays moves by an ulp with the batch (BLAS)"
)
def test_clv_of_batches_is_exactly_the_whole(world, bgnbd):
    summary, spend = world
    scorer = scorer_for(bgnbd, spend, summary)
    rows = summary.reset_index()
    parts = [scorer(part) for part in split(rows, [1, 2, 700, 701, 2500, 3999])]
    assert_scores_equal(pd.concat(parts, ignore_index=True), scorer(rows), exact_clv=True)


def test_threshold_for_share_marks_value_levels_top_share(world, bgnbd):
    summary, spend = world
    clv = customer_lifetime_value(bgnbd, spend, summary, **SETTINGS)
    threshold = CustomerScorer.threshold_for_share(clv, 0.2)
    ours = clv >= threshold
    theirs = value_level(clv, 0.2) == "high"
    assert theirs.sum() == 800 and (ours | ~theirs).all()  # every top-20% customer is high
    assert (clv[ours & ~theirs] == threshold).all()  # others only by a tie at the threshold
    assert CustomerScorer.threshold_for_share([1.0, 2.0], 0.2) == float("inf")
    with pytest.raises(ParameterError, match="high_value_share"):
        CustomerScorer.threshold_for_share(clv, 1.5)


def test_empty_batch_gives_the_schema_columns(world, bgnbd):
    summary, spend = world
    scorer = scorer_for(bgnbd, spend, summary)
    out = scorer(summary.reset_index().iloc[:0])
    assert list(out.columns) == list(SCORE_COLUMNS) and len(out) == 0
    assert out[["clv", "p_alive", "expected_purchases"]].dtypes.eq(float).all()
    no_rows = summary.reset_index().iloc[:0].astype({"customer_id": object})
    ints = scorer.with_id_type("BIGINT")(no_rows)
    assert ints["customer_id"].dtype == np.int64


def test_string_and_integer_ids_come_back_as_given(world, bgnbd):
    summary, spend = world
    scorer = scorer_for(bgnbd, spend, summary)
    rows = summary.reset_index().iloc[:50]
    assert scorer(rows)["customer_id"].tolist() == rows["customer_id"].tolist()
    numbered = rows.assign(customer_id=np.arange(10**12, 10**12 + 50, dtype=np.int64))
    out = scorer(numbered)
    assert out["customer_id"].dtype == np.int64
    assert out["customer_id"].tolist() == numbered["customer_id"].tolist()
    pd.testing.assert_frame_equal(
        out.drop(columns="customer_id"), scorer(rows).drop(columns="customer_id")
    )


def test_output_schema_and_spark_ddl(world, bgnbd):
    summary, spend = world
    scorer = scorer_for(bgnbd, spend, summary)
    assert scorer.output_schema == {
        "customer_id": "VARCHAR",
        "clv": "DOUBLE",
        "p_alive": "DOUBLE",
        "expected_purchases": "DOUBLE",
        "value_level": "VARCHAR",
        "action": "VARCHAR",
    }
    ints = scorer.with_id_type("bigint")
    assert ints.output_schema["customer_id"] == "BIGINT" and scorer.id_type == "VARCHAR"
    assert ints.spark_ddl() == (
        "customer_id BIGINT, clv DOUBLE, p_alive DOUBLE, expected_purchases DOUBLE, "
        "value_level STRING, action STRING"
    )
    with pytest.raises(ParameterError, match="'VARCHAR' .* or 'BIGINT'"):
        scorer.with_id_type("UUID")


def test_zero_spend_repeat_and_one_time_buyers_as_customer_lifetime_value(world, bgnbd):
    summary, spend = world
    scorer = scorer_for(bgnbd, spend, summary)
    rows = pd.DataFrame(
        {
            "customer_id": ["zero-spend", "one-time", "regular"],
            "frequency": [3.0, 0.0, 3.0],
            "recency": [20.0, 0.0, 20.0],
            "T": [40.0, 30.0, 40.0],
            "monetary_value": [0.0, 0.0, 25.0],
        }
    )
    out = scorer(rows)
    clv = customer_lifetime_value(bgnbd, spend, rows, **SETTINGS)
    np.testing.assert_array_equal(out["clv"].to_numpy(), clv.to_numpy())
    assert np.isfinite(out["clv"]).all() and out["clv"].iloc[0] < out["clv"].iloc[2]


@pytest.mark.parametrize("drop", ["customer_id", "monetary_value", "T"])
def test_a_missing_column_is_one_clear_error_naming_it(world, bgnbd, drop):
    summary, spend = world
    scorer = scorer_for(bgnbd, spend, summary)
    with pytest.raises(DataValidationError, match=f"missing column\\(s\\) \\['{drop}'\\]"):
        scorer(summary.reset_index().drop(columns=drop))


def test_customer_id_as_index_and_bad_rows_are_named(world, bgnbd):
    summary, spend = world
    scorer = scorer_for(bgnbd, spend, summary)
    with pytest.raises(DataValidationError, match="it is the index: pass summary.reset_index"):
        scorer(summary)
    rows = summary.reset_index().iloc[:5].copy()
    rows.loc[3, "recency"] = rows.loc[3, "T"] + 1
    with pytest.raises(DataValidationError, match=r"larger than 'T' in 1 row\(s\) at rows 4 "):
        scorer(rows)
    rows = summary.reset_index().iloc[:5].copy()
    rows.loc[1, "customer_id"] = None
    with pytest.raises(DataValidationError, match="'customer_id' is empty at rows 2;"):
        scorer(rows)


def test_construction_errors_say_what_to_do(world, bgnbd):
    summary, spend = world
    with pytest.raises(ParameterError, match="high_value_threshold is required.*quantile"):
        CustomerScorer(bgnbd, spend)
    with pytest.raises(ParameterError, match="pass the spend model as `spend`"):
        CustomerScorer(spend, bgnbd, high_value_threshold=1.0)
    bgbb = BGBB()
    with pytest.raises(ParameterError, match="BG/BB values discrete periods"):
        CustomerScorer(bgbb, spend, high_value_threshold=1.0)
    with pytest.raises(ParameterError, match="alive_threshold must be a number in"):
        CustomerScorer(bgnbd, spend, high_value_threshold=1.0, alive_threshold=1.5)
    with pytest.raises(ParameterError, match="horizon_months"):
        CustomerScorer(bgnbd, spend, high_value_threshold=1.0, horizon_months=0)


def test_a_mismatched_time_unit_is_refused_as_the_valuations_do(world, bgnbd):
    summary, spend = world
    with pytest.raises(ParameterError, match="time_unit='D' \\(days\\) but the model .* weeks"):
        CustomerScorer(bgnbd, spend, high_value_threshold=1.0, time_unit="D")
    scorer = CustomerScorer(bgnbd, spend, high_value_threshold=1.0)
    daily = summary.reset_index()
    daily.attrs["time_unit"] = "D"
    with pytest.raises(ParameterError, match="fitted on a summary in weeks .* data is in days"):
        scorer(daily)


def test_the_scorer_pickles_with_parameters_only(world, bgnbd):
    from pyspark import cloudpickle

    summary, spend = world
    scorer = scorer_for(bgnbd, spend, summary)
    rows = summary.reset_index()
    want = scorer(rows)
    for dumps in (pickle.dumps, cloudpickle.dumps):
        blob = dumps(scorer)
        assert len(blob) < 20_000  # the models' parameters, never the 4000 customers
        assert_scores_equal(pickle.loads(blob)(rows), want, exact_clv=True)


# --------------------------------------------------------------------------- Spark


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("test_scoring")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "3000")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_map_in_pandas_gets_the_pandas_scores(spark):
    summary = customer_summary(simulate(20_000, seed=7), END, "D")
    model = BGNBD().fit(summary)
    spend = GammaGamma(nonpositive="drop").fit(summary)
    scorer = scorer_for(model, spend, summary)
    rows = summary.reset_index()
    want = scorer(rows)
    frame = spark.createDataFrame(rows).repartition(5)
    got = frame.mapInPandas(scorer, scorer.spark_ddl()).toPandas()
    assert len(got) == 20_000
    got = got.sort_values("customer_id", ignore_index=True)
    want = want.sort_values("customer_id", ignore_index=True)
    assert_scores_equal(got, want)
