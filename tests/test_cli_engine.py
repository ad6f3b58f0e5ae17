"""`crm data summary --engine/--spark-master/--source`, `crm run --set engine=…`.

The summary of a Parquet folder, a CSV file or the warehouse is the same on every route; a
folder `--out` gets Parquet files; choosing Spark without Java is one `crm: error:` line and
exit status 2 (a real `crm` process with no `java` on PATH and no JAVA_HOME).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crm_models.cli import main
from crm_models.data.summary import rfm_summary

ROOT = Path(__file__).resolve().parents[1]


def _orders(n: int = 500, seed: int = 5) -> pd.DataFrame:
    """Canonical transactions: text ids with leading zeros, timestamps, amounts."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"{i:05d}" for i in rng.integers(0, 80, n)],
            "timestamp": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 200 * 24, n), unit="h"),
            "amount": rng.gamma(2.0, 15.0, n).round(2),
        }
    )


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """A month-partitioned Parquet folder of the orders, and the orders themselves."""
    frame = _orders()
    folder = tmp_path_factory.mktemp("lake") / "orders"
    table = pa.Table.from_pandas(
        frame.assign(month=frame["timestamp"].dt.strftime("%Y-%m")), preserve_index=False
    )
    # microseconds, as Spark writes them (pyarrow's default nanoseconds Spark cannot read)
    pq.write_to_dataset(table, str(folder), partition_cols=["month"], coerce_timestamps="us")
    return folder, frame


def _expected(frame: pd.DataFrame, time_unit: str = "W") -> pd.DataFrame:
    return rfm_summary(frame, time_unit=time_unit).sort_index()


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("crm: error: ") and "Traceback" not in err
    return err


def test_summary_of_a_parquet_folder_written_as_csv(lake, tmp_path, capsys):
    folder, frame = lake
    out = tmp_path / "rfm.csv"
    assert main(["data", "summary", "--source", str(folder), "--out", str(out)]) == 0
    assert "80 customers written" in capsys.readouterr().out
    written = pd.read_csv(out, index_col="customer_id", dtype={"customer_id": str})
    pd.testing.assert_frame_equal(written.sort_index(), _expected(frame), rtol=1e-12)


def test_summary_of_a_csv_with_the_users_names(lake, tmp_path, capsys):
    _, frame = lake
    csv = tmp_path / "orders.csv"
    frame.rename(columns={"customer_id": "Kunde", "timestamp": "Datum"}).to_csv(csv, index=False)
    out = tmp_path / "rfm.parquet"
    argv = ["data", "summary", "--source", str(csv), "--map", "Kunde=customer_id,Datum=timestamp"]
    assert main([*argv, "--time-unit", "D", "--out", str(out)]) == 0
    written = pd.read_parquet(out).sort_index()
    pd.testing.assert_frame_equal(written, _expected(frame, "D"), rtol=1e-12)


def test_summary_of_a_folder_with_the_users_names(lake, tmp_path, capsys):
    _, frame = lake
    folder = tmp_path / "named"
    users = frame.rename(columns={"customer_id": "CustomerID", "timestamp": "date"})
    pq.write_to_dataset(
        pa.Table.from_pandas(users.assign(day=users["date"].dt.day), preserve_index=False),
        str(folder),
        partition_cols=["day"],
    )
    out = tmp_path / "rfm.csv"
    assert main(["data", "summary", "--source", str(folder), "--out", str(out)]) == 0
    written = pd.read_csv(out, index_col="customer_id", dtype={"customer_id": str})
    pd.testing.assert_frame_equal(written.sort_index(), _expected(frame), rtol=1e-12)


def test_summary_out_as_a_parquet_folder_on_duckdb(lake, tmp_path, capsys):
    folder, frame = lake
    out = tmp_path / "rfm"
    assert main(["data", "summary", "--source", str(folder), "--out", f"{out}/"]) == 0
    assert "80 customers written to" in capsys.readouterr().out
    assert list(out.glob("*.parquet")), "a folder of Parquet files"
    written = pd.read_parquet(out).set_index("customer_id").sort_index()
    expected = _expected(frame)
    pd.testing.assert_frame_equal(written[expected.columns], expected, check_dtype=False)


def test_the_warehouse_on_the_engine_route_equals_the_default(lake, tmp_path, capsys):
    from crm_models.data.warehouse import Warehouse

    _, frame = lake
    csv = tmp_path / "orders.csv"
    frame.to_csv(csv, index=False)
    path = tmp_path / "crm.duckdb"
    Warehouse(path).load(csv, "transactions", "main")
    base = ["data", "summary", "--path", str(path), "--dataset", "main"]
    assert main([*base, "--out", str(tmp_path / "a.csv")]) == 0
    assert main([*base, "--out", str(tmp_path / "b/")]) == 0  # through engine.map_batches
    a = pd.read_csv(tmp_path / "a.csv", dtype={"customer_id": str}).set_index("customer_id")
    b = pd.read_parquet(tmp_path / "b").set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(b[a.columns], a.sort_index(), check_dtype=False)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--spark-master", "spark://127.0.0.1:7077"], "--spark-master needs --engine spark"),
        (["--map", "a=customer_id"], "--map needs --source"),
        (["--source", "no/such/folder"], "no/such/folder: no such file or folder"),
        (["--engine", "flink"], None),  # argparse: exit 2 with its usage line
    ],
)
def test_bad_summary_options_get_one_line(argv, expected, tmp_path, capsys):
    full = ["data", "summary", "--path", str(tmp_path / "none.duckdb"), *argv]
    if expected is None:
        with pytest.raises(SystemExit) as exit_info:
            main(full)
        assert exit_info.value.code == 2
        assert "invalid choice: 'flink'" in capsys.readouterr().err
        return
    assert main(full) == 1
    assert expected in _one_error_line(capsys)


def test_run_refuses_an_unknown_engine_before_any_kernel(tmp_path, capsys):
    argv = ["run", "segment_value", "--set", "engine=flink", "--output", str(tmp_path / "r")]
    assert main(argv) == 1
    err = _one_error_line(capsys)
    assert "engine" in err and "duckdb" in err and "spark" in err


def _without_java() -> dict[str, str]:
    """The environment with every PATH folder holding ``java`` left out and no JAVA_HOME."""
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    folders = [
        f for f in env.get("PATH", "").split(os.pathsep) if f and not (Path(f) / "java").exists()
    ]
    env["PATH"] = os.pathsep.join(folders)
    env["PYTHONPATH"] = str(ROOT / "src")
    assert shutil.which("java", path=env["PATH"]) is None
    return env


def test_spark_without_java_is_one_line_and_exit_2(lake):
    folder, _ = lake
    argv = ["data", "summary", "--engine", "spark", "--source", str(folder)]
    done = subprocess.run(
        [sys.executable, "-m", "crm_models.cli", *argv],
        env=_without_java(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("crm: error: engine 'spark' needs")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "JAVA_HOME" in done.stderr and "duckdb" in done.stderr


@pytest.mark.spark
def test_spark_writes_the_summary_as_a_parquet_folder(lake, tmp_path, capsys):
    folder, frame = lake
    out = tmp_path / "rfm_spark"
    argv = ["data", "summary", "--engine", "spark", "--source", str(folder), "--out", f"{out}/"]
    assert main(argv) == 0
    assert "80 customers written to" in capsys.readouterr().out
    assert list(out.glob("part-*.parquet")), "Spark's part files"
    written = pd.read_parquet(out).set_index("customer_id").sort_index()
    expected = _expected(frame)
    pd.testing.assert_frame_equal(
        written[expected.columns], expected, check_dtype=False, rtol=1e-9, atol=1e-9
    )
