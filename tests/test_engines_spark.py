"""The same summaries and pattern counts on DuckDB and on Spark (local and standalone cluster).

A 100k-customer synthetic world, with integer ids and a copy with string ids: ``rfm_summary``
daily and weekly, the calibration / holdout split, ``pattern_counts`` and ``spend_patterns``
are computed on DuckDB and on Spark and compared (rtol 1e-9, same index and order; the
integer micro-unit sums make them bit-identical). One Spark session per mode.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spark_cluster import standalone_cluster

from crm_models.data.summary import rfm_summary, summary_view
from crm_models.data.synthetic import simulate_world
from crm_models.engines import Engine, get_engine
from crm_models.value.patterns import pattern_counts, spend_patterns

pytestmark = pytest.mark.spark
# Spark's Python workers cannot import this test module: ship its functions by value.
pytest.importorskip("pyspark.cloudpickle").register_pickle_by_value(sys.modules[__name__])

N_CUSTOMERS = 100_000
CALIBRATION_END = "2025-03-31"
SCHEMA = {"customer_id": "VARCHAR", "twice": "DOUBLE"}
# Per id kind: the summary of one unit as an engine view (read back sorted) with its pattern and
# spend counts, and the calibration / holdout split in the other unit; both kinds: D and W.
PLAN = {"int": ("D", "W"), "str": ("W", "D")}


def _twice(batch: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": batch["customer_id"].astype(str), "twice": 2 * batch["frequency"]}
    )


def _fail(batch: pd.DataFrame) -> pd.DataFrame:
    raise RuntimeError("planted failure")


@pytest.fixture(scope="module")
def world():
    world = simulate_world(N_CUSTOMERS, seed=16)
    tx = world.transactions[["customer_id", "timestamp", "amount"]]
    named = tx.assign(customer_id="C" + tx["customer_id"].astype(str))
    return world.observation_end, {"int": tx, "str": named}


def _results(engine: Engine, transactions: pd.DataFrame, end, units) -> dict[str, pd.DataFrame]:
    """The summary, patterns and calibration split of ``units`` computed on ``engine``."""
    view = engine.read_transactions(transactions)
    if engine.name == "spark":
        source = engine.spark.table(view.name).cache()  # type: ignore[attr-defined]
    else:
        source = transactions
    unit, cal_unit = units
    name = summary_view(engine, view, end, unit, name=f"summary_{unit}")
    summary = engine.fetch(f"SELECT * FROM {name} ORDER BY customer_id").set_index("customer_id")
    summary.attrs["time_unit"] = unit
    return {
        f"summary {unit}": summary,
        f"patterns {unit}": pattern_counts(engine, name),
        f"spend {unit}": spend_patterns(engine, name),
        f"calibration {cal_unit}": rfm_summary(
            source, end, cal_unit, calibration_end=CALIBRATION_END, engine=engine
        ),
    }


@pytest.fixture(scope="module")
def expected(world):
    end, data = world
    with get_engine("duckdb") as engine:
        results = {kind: _results(engine, data[kind], end, PLAN[kind]) for kind in PLAN}
    for kind, (unit, _) in PLAN.items():  # the engine view is rfm_summary's result
        assert_identical(results[kind][f"summary {unit}"], rfm_summary(data[kind], end, unit))
    return results


@pytest.fixture(scope="module", params=["local", "cluster"])
def spark(request, tmp_path_factory):
    if request.param == "local":
        with get_engine("spark") as engine:
            yield engine
        return
    with standalone_cluster(tmp_path_factory.mktemp("cluster")) as url:
        with get_engine("spark", spark_master=url) as engine:
            assert engine.spark.sparkContext.master == url  # type: ignore[attr-defined]
            yield engine


def assert_identical(ours: pd.DataFrame, reference: pd.DataFrame) -> None:
    pd.testing.assert_index_equal(ours.index, reference.index)
    assert list(ours.columns) == list(reference.columns)
    pd.testing.assert_frame_equal(ours, reference, check_exact=False, rtol=1e-9, atol=0.0)
    assert ours.attrs == reference.attrs


def test_spark_gives_duckdbs_summaries_and_patterns(spark, world, expected):
    end, data = world
    for kind, plan in PLAN.items():
        results = _results(spark, data[kind], end, plan)
        assert results.keys() == expected[kind].keys()
        for item, reference in expected[kind].items():
            assert len(reference) > 1000, item
            assert_identical(results[item], reference)
        summary = expected[kind][f"summary {plan[0]}"]
        assert len(summary) == data[kind]["customer_id"].nunique()
        if kind == "int":
            assert summary.index.dtype == "int64"
        else:  # object on pandas 2, the str dtype on pandas 3
            assert pd.api.types.is_string_dtype(summary.index)


def test_hive_partitioned_parquet_folder_on_both_engines(spark, world, tmp_path):
    end, data = world
    tx = data["str"].iloc[:200_000]
    lake = tmp_path / "lake"
    pq.write_to_dataset(
        pa.Table.from_pandas(tx.assign(month=tx["timestamp"].dt.strftime("%Y-%m"))),
        lake,
        partition_cols=["month"],
        coerce_timestamps="us",
    )
    assert any(p.name.startswith("month=") for p in lake.iterdir())
    reference = rfm_summary(tx, end, "W")
    assert_identical(rfm_summary(lake, end, "W"), reference)
    assert_identical(rfm_summary(lake, end, "W", engine=spark), reference)


def test_map_batches_on_spark_with_an_atomic_output_folder(spark, world, tmp_path):
    end, data = world
    tx = data["int"].iloc[:50_000]
    reference = rfm_summary(tx, end, "D")
    name = summary_view(spark, spark.read_transactions(tx), end, "D", name="small_summary")
    frame = spark.map_batches(name, _twice, SCHEMA).sort_values(
        "customer_id", key=lambda s: s.astype(int)
    )
    assert frame["twice"].tolist() == (2 * reference["frequency"]).tolist()
    out = tmp_path / "scores"
    spark.map_batches(name, _twice, SCHEMA, out=out)
    written = pd.read_parquet(out)
    assert len(written) == len(reference)
    files = sorted(p.name for p in out.iterdir())
    assert any(f.endswith(".parquet") for f in files)
    with pytest.raises(Exception, match="planted failure"):
        spark.map_batches(name, _fail, SCHEMA, out=out)
    assert sorted(p.name for p in out.iterdir()) == files
    pd.testing.assert_frame_equal(pd.read_parquet(out), written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores"]


def test_without_java_spark_is_one_line_and_duckdb_still_works(tmp_path):
    """A real process whose PATH has no java and no JAVA_HOME: one line from get_engine."""
    script = """
import pandas as pd
from crm_models.engines import get_engine
from crm_models.errors import EngineUnavailableError
from crm_models.data.summary import rfm_summary
try:
    get_engine("spark")
except EngineUnavailableError as error:
    print("ERROR:" + str(error))
days = ["2024-01-01", "2024-01-05", "2024-01-02"]
tx = pd.DataFrame({"customer_id": [1, 1, 2], "timestamp": days, "amount": [1.0, 2.0, 3.0]})
print("DUCKDB:" + str(rfm_summary(tx)["frequency"].tolist()))
"""
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(empty)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).parents[1] / "src"), env.get("PYTHONPATH", "")]
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    errors = [line for line in lines if line.startswith("ERROR:")]
    assert len(errors) == 1, done.stdout
    assert "needs a Java 17+ runtime" in errors[0]
    assert "no 'java' on PATH and JAVA_HOME is not set" in errors[0]
    assert "engine='duckdb'" in errors[0]
    assert "DUCKDB:[1.0, 0.0]" in lines
