"""The DuckDB warehouse: atomic builds, transactional and idempotent loads, info and ledger.

"Unchanged" is checked on content, not on timestamps: every stored table's content hash and
row count, and the whole ledger, are equal before and after a failed operation.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from crm_models.data import Warehouse
from crm_models.data.build import build_default_warehouse, world_datasets
from crm_models.data.public import shared_data_file
from crm_models.data.synthetic import simulate_world
from crm_models.data.warehouse import content_hash
from crm_models.errors import DataValidationError, ParameterError

CUSTOMERS = "customer_id,signup_date,channel,region,consent_status,consent_date\n"
TX = "customer_id,timestamp,amount,quantity,product\n"


def snapshot(warehouse: Warehouse) -> dict:
    """Every table's (rows, content hash) and the ledger, to compare before/after."""
    with warehouse.connect() as con:
        names = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2"
        ).fetchall()
        tables = {}
        for dataset, table in names:
            frame = con.execute(f'SELECT * FROM "{dataset}"."{table}"').df()
            tables[(dataset, table)] = (len(frame), content_hash(frame))
    tables.pop(("main", "_loads"))  # compared below as a frame
    assert warehouse.info().set_index(["dataset", "table"])["rows"].to_dict() == {
        key: rows for key, (rows, _) in tables.items()
    }
    return {"tables": tables, "ledger": warehouse.ledger()}


def files_beside(warehouse: Warehouse) -> list[str]:
    """The files in the warehouse's folder, without the lock file (it stays, empty)."""
    return sorted(p.name for p in warehouse.path.parent.iterdir() if p.suffix != ".lock")


def assert_unchanged(before: dict, after: dict) -> None:
    assert after["tables"] == before["tables"]
    pd.testing.assert_frame_equal(after["ledger"], before["ledger"])


def _new_customers(path, ids, signup="2024-02-01"):
    rows = "".join(f"{i},{signup},web,north,opt_in,\n" for i in ids)
    path.write_text(CUSTOMERS + rows)
    return path


# -- build ---------------------------------------------------------------------------------


def test_build_stores_every_table_with_its_rows(warehouse, small_world):
    info = warehouse.info().set_index(["dataset", "table"])["rows"]
    for name, frame in small_world.tables().items():
        assert info[("world", name)] == len(frame)
    assert info[("world_truth", "latents")] == 500
    assert info[("world_truth", "paths")] == len(small_world.truth.paths)
    assert ("main", "_loads") not in info.index
    stored = warehouse.table("transactions")
    expected = small_world.transactions.astype({"product": str})
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    ledger = warehouse.ledger()
    assert len(ledger) == len(info)
    assert set(ledger["mode"]) == {"replace"}


def test_build_is_atomic_when_a_write_fails_midway(warehouse, small_world, monkeypatch):
    before_bytes = warehouse.path.read_bytes()
    calls = {"n": 0}
    original = Warehouse._write

    def failing_write(con, dataset, name, frame, source, replace, digest=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full (simulated)")
        return original(con, dataset, name, frame, source, replace, digest)

    monkeypatch.setattr(Warehouse, "_write", staticmethod(failing_write))
    other = simulate_world(n_customers=200, seed=99)
    with pytest.raises(RuntimeError, match="simulated"):
        warehouse.build(world_datasets(other), source="failing build")
    assert calls["n"] == 3
    assert warehouse.path.read_bytes() == before_bytes
    assert files_beside(warehouse) == ["crm.duckdb"]
    monkeypatch.undo()
    assert (
        warehouse.info().set_index(["dataset", "table"]).loc[("world", "customers"), "rows"] == 500
    )


def test_build_with_a_bad_dataset_leaves_previous_file(warehouse, small_world):
    before_bytes = warehouse.path.read_bytes()
    datasets = world_datasets(small_world)
    datasets["bad name;"] = {"transactions": small_world.transactions}
    with pytest.raises(ParameterError, match="invalid name 'bad name;'"):
        warehouse.build(datasets, source="bad build")
    assert warehouse.path.read_bytes() == before_bytes
    assert files_beside(warehouse) == ["crm.duckdb"]


def test_build_replaces_the_whole_warehouse(warehouse, tmp_path):
    tx = tmp_path / "tx.csv"
    tx.write_text(TX + "1,2024-03-01,5.0,1,a\n")
    warehouse.load(tx, "transactions", dataset="world")
    other = simulate_world(n_customers=100, seed=5)
    warehouse.build(world_datasets(other), source="rebuild")
    info = warehouse.info().set_index(["dataset", "table"])["rows"]
    assert info[("world", "customers")] == 100
    assert info[("world", "transactions")] == len(other.transactions)
    assert set(warehouse.ledger()["source"]) == {"rebuild"}


# -- bad files through Warehouse.load --------------------------------------------------------


def test_bad_file_load_leaves_warehouse_unchanged(warehouse, tmp_path, bad_csv):
    """Every bad file kind (conftest.BAD_CSV_CASES): clear message, warehouse as it was."""
    path = bad_csv.write(tmp_path)
    before = snapshot(warehouse)
    with pytest.raises(DataValidationError) as info:
        warehouse.load(path, bad_csv.table, dataset="world")
    message = str(info.value)
    assert message.startswith(str(path))
    for fragment in bad_csv.fragments:
        assert fragment in message
    assert_unchanged(before, snapshot(warehouse))


def test_bad_parquet_and_duckdb_sources_leave_warehouse_unchanged(warehouse, tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "timestamp": pd.to_datetime(["2024-03-01", "2024-03-02"]),
            "amount": [5.0, -1.0],
            "quantity": [1, 1],
            "product": ["a", "b"],
        }
    )
    parquet = tmp_path / "tx.parquet"
    frame.to_parquet(parquet)
    source_db = tmp_path / "source.duckdb"
    with duckdb.connect(str(source_db)) as con:
        con.register("_f", frame.assign(customer_id=[1, 1]).drop(columns=["amount"]))
        con.execute("CREATE TABLE transactions AS SELECT * FROM _f")
    before = snapshot(warehouse)
    with pytest.raises(DataValidationError, match=r"column 'amount'.*at rows 2 \(found -1.0\)"):
        warehouse.load(parquet, "transactions", dataset="world")
    with pytest.raises(DataValidationError, match=r"missing column\(s\) 'amount'") as info:
        warehouse.load(source_db, "transactions", dataset="world")
    assert str(info.value).startswith(str(source_db))
    assert_unchanged(before, snapshot(warehouse))
    warehouse.load(parquet, "transactions", dataset="world", allow_returns=True)
    rows = warehouse.info().set_index(["dataset", "table"]).loc[("world", "transactions"), "rows"]
    assert rows == before["tables"][("world", "transactions")][0] + 2


def test_load_returns_with_allow_returns(warehouse, tmp_path):
    path = tmp_path / "returns.csv"
    path.write_text(TX + "1,2024-03-01,20.0,1,a\n1,2024-03-01,-5.0,-1,a\n")
    before = snapshot(warehouse)
    with pytest.raises(DataValidationError, match="amount >= 0"):
        warehouse.load(path, "transactions", dataset="world")
    assert_unchanged(before, snapshot(warehouse))
    warehouse.load(path, "transactions", dataset="world", allow_returns=True)
    rows = warehouse.info().set_index(["dataset", "table"]).loc[("world", "transactions"), "rows"]
    assert rows == before["tables"][("world", "transactions")][0] + 2


def test_unknown_customer_ids_are_added_as_id_only_customers(warehouse, tmp_path):
    """Issue 12 (on purpose): new ids are added to customers (consent unknown), not refused."""
    path = tmp_path / "tx.csv"
    path.write_text(TX + "1,2024-03-01,5.0,1,a\n998,2024-03-02,5.0,1,a\n999,2024-03-03,5.0,1,a\n")
    message = warehouse.load(path, "transactions", dataset="world")
    assert "loaded 3 rows into world.transactions (append)" in message
    assert "added 2 new customer(s) to world.customers (id only, consent unknown" in message
    customers = warehouse.table("customers").set_index("customer_id")
    assert len(customers) == 502
    assert customers.loc[[998, 999], "consent_status"].tolist() == ["unknown", "unknown"]
    assert customers.loc[[998, 999], "signup_date"].isna().all()


def test_transactions_alone_into_a_new_warehouse(tmp_path):
    """Issue 12 (on purpose): no customers needed first; they are created from the ids."""
    path = tmp_path / "tx.csv"
    path.write_text(TX + "1,2024-03-01,5.0,1,a\n2,2024-03-02,5.0,1,a\n1,2024-03-03,5.0,1,a\n")
    warehouse = Warehouse(tmp_path / "new.duckdb")
    assert "added 2 new customer(s)" in warehouse.load(path, "transactions")
    customers = warehouse.table("customers", "main")
    assert customers.to_dict(orient="list") == {
        "customer_id": [1, 2],
        "consent_status": ["unknown", "unknown"],
    }


def test_duplicate_key_against_stored_rows(warehouse, tmp_path):
    path = _new_customers(tmp_path / "c.csv", [501, 3, 502])
    before = snapshot(warehouse)
    with pytest.raises(DataValidationError) as info:
        warehouse.load(path, "customers", dataset="world")
    message = str(info.value)
    assert message.startswith(f"{path}: customers column(s) ['customer_id']")
    assert "expected keys not already in the warehouse" in message
    assert "{'customer_id': 3}" in message and "mode='replace'" in message
    assert_unchanged(before, snapshot(warehouse))


def test_load_failing_inside_the_transaction_rolls_back(warehouse, tmp_path, monkeypatch):
    """Append and replace both fail after writing rows: the rows and the ledger roll back."""
    original = Warehouse._write

    def write_then_fail(con, dataset, name, frame, source, replace, digest=None):
        original(con, dataset, name, frame, source, replace, digest)
        raise RuntimeError("connection lost (simulated)")

    path = _new_customers(tmp_path / "c.csv", [501, 502])
    before = snapshot(warehouse)
    monkeypatch.setattr(Warehouse, "_write", staticmethod(write_then_fail))
    for mode in ("append", "replace"):
        with pytest.raises(RuntimeError, match="simulated"):
            warehouse.load(path, "customers", dataset="world", mode=mode, cascade=True)
        monkeypatch.undo()
        assert_unchanged(before, snapshot(warehouse))
        monkeypatch.setattr(Warehouse, "_write", staticmethod(write_then_fail))


def test_invalid_mode():
    with pytest.raises(ParameterError, match="mode must be 'append' or 'replace'"):
        Warehouse("unused.duckdb").load("x.csv", "customers", mode="upsert")


# -- idempotence -----------------------------------------------------------------------------


def test_loading_the_same_file_twice_is_a_no_op(warehouse, tmp_path):
    customers = _new_customers(tmp_path / "c.csv", [501, 502, 503])
    tx = tmp_path / "tx.csv"
    tx.write_text(TX + "501,2024-03-01,5.0,1,a\n502,2024-03-02,7.5,2,b\n")
    first = [
        warehouse.load(customers, "customers", dataset="world"),
        warehouse.load(tx, "transactions", dataset="world"),
    ]
    assert all("loaded" in m and "already" not in m for m in first)
    after_first = snapshot(warehouse)
    second = [
        warehouse.load(customers, "customers", dataset="world"),
        warehouse.load(tx, "transactions", dataset="world"),
    ]
    assert all("already loaded" in m and "nothing to do" in m for m in second)
    assert_unchanged(after_first, snapshot(warehouse))
    ledger = warehouse.ledger()
    assert (ledger["source"] == str(tx)).sum() == 1
    assert (ledger["source"] == str(customers)).sum() == 1
    stored = warehouse.table("transactions")
    assert (stored["customer_id"] >= 501).sum() == 2


def test_same_content_under_another_name_is_recognized(warehouse, tmp_path):
    first = _new_customers(tmp_path / "c.csv", [501, 502])
    copy = tmp_path / "copy.csv"
    copy.write_bytes(first.read_bytes())
    warehouse.load(first, "customers", dataset="world")
    assert "already loaded" in warehouse.load(copy, "customers", dataset="world")


def test_appending_new_keys_to_a_stored_table(warehouse, tmp_path):
    warehouse.load(_new_customers(tmp_path / "a.csv", [501, 502]), "customers", dataset="world")
    warehouse.load(_new_customers(tmp_path / "b.csv", [503]), "customers", dataset="world")
    ids = warehouse.table("customers")["customer_id"]
    assert len(ids) == 503 and ids.is_unique


def test_append_after_replace_reloads_content_the_replace_removed(tmp_path):
    """The ledger must not call a file 'already loaded' when a replace has since removed it."""
    warehouse = Warehouse(tmp_path / "w.duckdb")
    a = _new_customers(tmp_path / "a.csv", [1, 2])
    b = _new_customers(tmp_path / "b.csv", [3])
    warehouse.load(a, "customers")
    warehouse.load(b, "customers", mode="replace")
    assert warehouse.table("customers", "main")["customer_id"].tolist() == [3]
    message = warehouse.load(a, "customers")
    assert "already" not in message
    assert sorted(warehouse.table("customers", "main")["customer_id"]) == [1, 2, 3]
    assert "already loaded" in warehouse.load(b, "customers")


def test_replace_mode_replaces_rows(warehouse, tmp_path):
    path = _new_customers(tmp_path / "c.csv", [1, 2, 3])
    message = warehouse.load(path, "customers", dataset="world", mode="replace", cascade=True)
    assert "deleted" in message and "(--cascade)" in message
    assert warehouse.table("customers")["customer_id"].tolist() == [1, 2, 3]
    assert warehouse.ledger()["mode"].iloc[-1] == "replace"


# -- info, ledger, fingerprint -----------------------------------------------------------------


def test_ledger_records_hash_rows_and_source(warehouse, tmp_path):
    from crm_models.data.loaders import load_table

    path = _new_customers(tmp_path / "c.csv", [501, 502, 503])
    warehouse.load(path, "customers", dataset="world")
    last = warehouse.ledger().iloc[-1]
    assert (last["dataset"], last["table_name"], last["rows"], last["source"], last["mode"]) == (
        "world",
        "customers",
        3,
        str(path),
        "append",
    )
    assert last["content_hash"] == content_hash(load_table(path, "customers"))


def test_info_ledger_fingerprint_follow_content(warehouse, tmp_path):
    fingerprint = warehouse.fingerprint()
    assert len(fingerprint) == 64
    info_before = warehouse.info()
    ledger_before = warehouse.ledger()
    path = _new_customers(tmp_path / "c.csv", [501])
    warehouse.load(path, "customers", dataset="world")
    changed = warehouse.fingerprint()
    assert changed != fingerprint
    info_after = warehouse.info().set_index(["dataset", "table"])["rows"]
    assert info_after[("world", "customers")] == 501
    assert len(info_after) == len(info_before)
    assert len(warehouse.ledger()) == len(ledger_before) + 1
    warehouse.load(path, "customers", dataset="world")  # no-op
    assert warehouse.fingerprint() == changed


def test_fingerprint_depends_on_content_not_on_build_time(tmp_path, small_world):
    first = Warehouse(tmp_path / "a.duckdb")
    second = Warehouse(tmp_path / "b.duckdb")
    first.build(world_datasets(small_world), source="one")
    second.build(world_datasets(small_world), source="two")
    assert first.fingerprint() == second.fingerprint()
    other = Warehouse(tmp_path / "c.duckdb")
    other.build(world_datasets(simulate_world(n_customers=500, seed=12)), source="one")
    assert other.fingerprint() != first.fingerprint()
    assert Warehouse(tmp_path / "absent.duckdb").fingerprint() == "absent"


def test_reading_a_missing_warehouse_or_table(tmp_path, warehouse):
    with pytest.raises(
        DataValidationError, match="no warehouse yet; build it with `crm data build`"
    ):
        Warehouse(tmp_path / "absent.duckdb").info()
    with pytest.raises(DataValidationError, match="no table cdnow.transactions"):
        warehouse.summary(dataset="cdnow")
    with pytest.raises(DataValidationError, match="no table world.orders"):
        warehouse.table("orders")


def test_default_build_includes_cdnow(tmp_path):
    warehouse = build_default_warehouse(tmp_path / "crm.duckdb", n_customers=300, seed=3)
    info = warehouse.info().set_index(["dataset", "table"])["rows"]
    assert info[("cdnow", "transactions")] == 69_659
    assert info[("world", "customers")] == 300
    assert warehouse.summary(dataset="cdnow", time_unit="W").shape == (23_570, 4)


@pytest.mark.shared_data
def test_default_build_with_hillstrom(tmp_path):
    path = shared_data_file("hillstrom.csv")
    if path is None:
        pytest.skip("hillstrom.csv not found in $CRM_SHARED_DATA or ../shared/data")
    warehouse = build_default_warehouse(tmp_path / "crm.duckdb", n_customers=100, hillstrom=path)
    campaign = warehouse.table("campaign", "hillstrom")
    assert len(campaign) == 64_000
    assert campaign["arm"].value_counts().to_dict() == {
        "womens_email": 21_387,
        "mens_email": 21_307,
        "control": 21_306,
    }
