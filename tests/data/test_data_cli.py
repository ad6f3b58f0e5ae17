"""``crm data …``: build, check, load, info and summary through ``cli.main(argv)``.

Errors print exactly one line starting ``crm: error:`` (for a single problem) and return 1;
``--debug`` re-raises the exception with its traceback instead.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from crm_models.cli import main
from crm_models.data.warehouse import Warehouse
from crm_models.errors import DataValidationError

TX = "customer_id,timestamp,amount,quantity,product\n"
CUSTOMERS = "customer_id,signup_date,channel,region,consent_status,consent_date\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A warehouse built once by `crm data build` (300 customers + CDNOW) and its output."""
    path = tmp_path_factory.mktemp("cli") / "crm.duckdb"
    code = main(["data", "build", "--path", str(path), "--customers", "300", "--seed", "4"])
    return path, code


@pytest.fixture
def warehouse_path(built, tmp_path):
    path = tmp_path / "crm.duckdb"
    shutil.copyfile(built[0], path)
    return path


def test_data_build(built):
    path, code = built
    assert code == 0
    info = Warehouse(path).info().set_index(["dataset", "table"])["rows"]
    assert info[("world", "customers")] == 300
    assert info[("cdnow", "transactions")] == 69_659


def test_data_build_prints_tables(tmp_path, capsys):
    path = tmp_path / "sub" / "crm.duckdb"
    assert main(["data", "build", "--path", str(path), "--customers", "50"]) == 0
    out = capsys.readouterr().out
    assert f"warehouse written to {path}" in out
    assert "cdnow" in out and "69659" in out and "customers" in out


def test_data_build_bad_size_is_one_error_line(tmp_path, capsys):
    path = tmp_path / "crm.duckdb"
    assert main(["data", "build", "--path", str(path), "--customers", "3"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "crm: error: n_customers must be an integer >= 10, got 3\n"
    assert not path.exists()


def test_data_check_good_file(tmp_path, capsys):
    path = tmp_path / "tx.csv"
    path.write_text(TX + "1,2024-01-01,3.5,1,a\n2,2024-01-02,4.0,1,b\n")
    assert main(["data", "check", str(path), "--table", "transactions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "columns: customer_id, timestamp, amount, quantity, product",
        f"{path}: valid transactions table, 2 rows",
    ]
    assert lines[2] == "data quality:" and len(lines) == 9


def test_data_check_bad_file_prints_one_error_line(tmp_path, capsys):
    path = tmp_path / "tx.csv"
    path.write_text(TX + "1,2024-01-01,3.5,1,a\n2,2024-01-02,-4.0,1,b\n")
    assert main(["data", "check", str(path), "--table", "transactions"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"crm: error: {path}: transactions column 'amount'")
    assert "at rows 2" in lines[0] and "Traceback" not in captured.err


def test_data_check_allow_returns(tmp_path, capsys):
    path = tmp_path / "tx.csv"
    path.write_text(TX + "1,2024-01-01,3.5,1,a\n1,2024-01-02,-3.5,-1,a\n")
    assert main(["data", "check", str(path), "--table", "transactions", "--allow-returns"]) == 0
    assert "valid transactions table, 2 rows" in capsys.readouterr().out


def test_data_check_several_problems_one_error_line(tmp_path, capsys):
    path = tmp_path / "survey.csv"
    path.write_text("customer_id,Q1,Q2\n1,0,5\n2,5,11\n")
    assert main(["data", "check", str(path), "--table", "survey"]) == 1
    err = capsys.readouterr().err
    assert sum(line.startswith("crm: error:") for line in err.splitlines()) == 1
    assert "column 'Q1'" in err and "column 'Q2'" in err


def test_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_bytes(TX.encode() + b"1,2024-01-01,3.5,1,caf\xe9\n")
    with pytest.raises(DataValidationError, match="expected UTF-8"):
        main(["--debug", "data", "check", str(path), "--table", "transactions"])


def test_data_info(warehouse_path, capsys):
    assert main(["data", "info", "--path", str(warehouse_path)]) == 0
    out = capsys.readouterr().out
    assert "dataset" in out and "world_truth" in out and "69659" in out


def test_data_info_without_warehouse(tmp_path, capsys):
    assert main(["data", "info", "--path", str(tmp_path / "none.duckdb")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("crm: error:") and "crm data build" in err


def test_data_summary_prints_and_writes(warehouse_path, tmp_path, capsys):
    assert main(["data", "summary", "--path", str(warehouse_path), "--freq", "D"]) == 0
    out = capsys.readouterr().out
    assert all(c in out for c in ("frequency", "recency", "T", "monetary_value", "count"))
    out_file = tmp_path / "summary.csv"
    assert (
        main(
            [
                "data",
                "summary",
                "--path",
                str(warehouse_path),
                "--dataset",
                "cdnow",
                "--out",
                str(out_file),
            ]
        )
        == 0
    )
    assert "23,570 customers written" in capsys.readouterr().out
    written = pd.read_csv(out_file, index_col="customer_id")
    expected = Warehouse(warehouse_path).summary("cdnow", time_unit="W")
    pd.testing.assert_frame_equal(written, expected, check_exact=False, rtol=1e-12)


def test_data_summary_bad_dataset(warehouse_path, capsys):
    assert main(["data", "summary", "--path", str(warehouse_path), "--dataset", "nope"]) == 1
    assert "no table nope.transactions" in capsys.readouterr().err


def test_data_load_good_then_bad_then_again(warehouse_path, tmp_path, capsys):
    customers = tmp_path / "c.csv"
    customers.write_text(CUSTOMERS + "1,2024-01-01,web,north,opt_in,\n")
    argv = ["data", "load", str(customers), "--table", "customers", "--path", str(warehouse_path)]
    assert main(argv) == 0
    assert "loaded 1 rows into main.customers (append)" in capsys.readouterr().out
    before = Warehouse(warehouse_path).info()
    bad = tmp_path / "tx.csv"
    bad.write_text(TX + "1,2024-01-01,3.5,1,a\n7,2024-01-02,4 EUR,1,b\n")
    assert (
        main(["data", "load", str(bad), "--table", "transactions", "--path", str(warehouse_path)])
        == 1
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "column 'amount'" in err and "rows 2" in err
    pd.testing.assert_frame_equal(Warehouse(warehouse_path).info(), before)
    assert main(argv) == 0
    assert "already loaded" in capsys.readouterr().out


def test_help_explains_the_data_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["data", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("build", "load", "check", "info", "summary"):
        assert command in out


def test_data_load_forwards_read_options_only_when_given(tmp_path, monkeypatch, capsys):
    """--map/--date-format/--dayfirst reach load_table (helper "ingest" reads them)."""
    import crm_models.data.warehouse as warehouse_module

    seen = []
    real = warehouse_module.load_table

    def recording(path, table, **options):
        seen.append({k: v for k, v in options.items() if k != "allow_returns"})
        return real(path, table, allow_returns=options.get("allow_returns", False))

    monkeypatch.setattr(warehouse_module, "load_table", recording)
    tx = tmp_path / "tx.csv"
    tx.write_text(TX.replace("timestamp", "date") + "1,2024-01-01,3.5,1,a\n")  # --map below
    base = [
        "data",
        "load",
        str(tx),
        "--table",
        "transactions",
        "--path",
        str(tmp_path / "w.duckdb"),
    ]
    assert main(base) == 0
    extra = ["--map", "date=timestamp", "--date-format", "%d/%m/%Y", "--dayfirst", "--no-wait"]
    assert main([*base, *extra]) == 0
    assert seen == [
        {},
        {"column_map": "date=timestamp", "date_format": "%d/%m/%Y", "dayfirst": True},
    ]
    assert "already loaded" in capsys.readouterr().out
