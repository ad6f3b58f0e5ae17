"""Issue 12: the warehouse keeps its promises (one process; see ``…_concurrency`` for many).

Order-free idempotence, transactions alone, customer ids as given (integer or text, never
mixed in one dataset), ``replace`` that keeps referential integrity (refuse or cascade),
``build`` that keeps the datasets it did not create, ``--path`` that must be a DuckDB file,
new optional columns, and ``unknown`` consent that never allows contact.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from crm_models.cli import main
from crm_models.data import Warehouse
from crm_models.data.build import world_datasets
from crm_models.data.schemas import CONSENT_STATUSES, validate
from crm_models.data.warehouse import content_hash
from crm_models.errors import DataValidationError
from crm_models.uplift.consent import consent_eligible, exclusion_reasons

TX = "customer_id,timestamp,amount,quantity,product\n"


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tx_rows(n: int, first_id: int = 1) -> list[str]:
    return [
        f"{first_id + i % 7},2024-0{1 + i % 9}-1{i % 10},{i + 0.5},1,p{i % 3}\n" for i in range(n)
    ]


def test_content_hash_ignores_row_and_column_order():
    frame = pd.DataFrame({"a": [1, 2, 2, 3], "b": ["x", "y", "y", "z"]})
    assert content_hash(frame) == content_hash(frame.iloc[::-1])
    assert content_hash(frame) == content_hash(frame[["b", "a"]].sample(frac=1, random_state=1))
    assert content_hash(frame) != content_hash(frame.iloc[:3])  # a multiset: duplicates count
    assert content_hash(frame) != content_hash(frame.assign(a=[1, 2, 3, 3]))


def test_same_rows_reversed_are_already_loaded(tmp_path):
    rows = _tx_rows(40)
    forward, backward = tmp_path / "forward.csv", tmp_path / "backward.csv"
    forward.write_text(TX + "".join(rows))
    backward.write_text(TX + "".join(reversed(rows)))
    warehouse = Warehouse(tmp_path / "w.duckdb")
    assert "loaded 40 rows" in warehouse.load(forward, "transactions")
    before = sha256(warehouse.path)
    message = warehouse.load(backward, "transactions")
    assert message == (
        f"{backward}: already loaded into main.transactions (same content); nothing to do"
    )
    assert sha256(warehouse.path) == before
    assert len(warehouse.table("transactions", "main")) == 40


def test_customers_need_only_an_id_and_default_to_unknown_consent():
    clean = validate(pd.DataFrame({"customer_id": ["C000123", " C2 ", "007"]}), "customers")
    assert clean["customer_id"].tolist() == ["C000123", "C2", "007"]  # as given, stripped
    assert clean["consent_status"].tolist() == ["unknown"] * 3
    mixed = pd.DataFrame({"customer_id": [1, 2, 3], "consent_status": ["opt_in", "", None]})
    assert validate(mixed, "customers")["consent_status"].tolist() == [
        "opt_in",
        "unknown",
        "unknown",
    ]
    assert "unknown" in CONSENT_STATUSES
    with pytest.raises(DataValidationError, match="customer_id.*empty ids at rows 2"):
        validate(pd.DataFrame({"customer_id": ["C1", " "]}), "customers", source="c.csv")


def test_unknown_consent_is_never_permission_to_contact():
    consent = ["opt_in", "double_opt_in", "opt_out", "unknown", None]
    assert consent_eligible(consent).tolist() == [True, True, False, False, False]
    assert consent_eligible(consent, require_double_opt_in=True).tolist() == [
        False,
        True,
        False,
        False,
        False,
    ]
    assert exclusion_reasons(consent)[3] == "missing_consent"


def test_text_ids_are_stored_as_text_and_kinds_never_mix(tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb")
    text = tmp_path / "text.csv"
    text.write_text("customer_id,consent_status\nC000123,opt_in\n007,\n")
    warehouse.load(text, "customers", dataset="shop")
    stored = warehouse.table("customers", "shop")
    assert stored["customer_id"].tolist() == ["C000123", "007"]
    assert stored["consent_status"].tolist() == ["opt_in", "unknown"]
    integers = tmp_path / "integers.csv"
    integers.write_text("customer_id\n1\n2\n")
    before = sha256(warehouse.path)
    with pytest.raises(DataValidationError) as info:
        warehouse.load(integers, "customers", dataset="shop")
    assert str(info.value) == (
        f"{integers}: customers column 'customer_id': expected text ids like those stored in "
        "shop.customers; found integer ids (e.g. 1); load into another dataset (--dataset)"
    )
    assert sha256(warehouse.path) == before
    warehouse.load(integers, "customers", dataset="main")  # another dataset: integers
    with warehouse.connect() as con:
        kinds = dict(
            con.execute(
                "SELECT schema_name, data_type FROM duckdb_columns() "
                "WHERE table_name = 'customers' AND column_name = 'customer_id'"
            ).fetchall()
        )
    assert kinds == {"shop": "VARCHAR", "main": "BIGINT"}


def test_id_only_customers_are_completed_by_a_customers_file(tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb")
    tx = tmp_path / "tx.csv"
    tx.write_text(TX + "1,2024-03-01,5.0,1,a\n2,2024-03-02,5.0,1,a\n")
    warehouse.load(tx, "transactions")
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id,channel,consent_status\n1,web,opt_in\n3,store,opt_out\n")
    with pytest.raises(DataValidationError, match="consent_date on every opt_out row"):
        warehouse.load(customers, "customers")
    customers.write_text("customer_id,channel,consent_status\n1,web,opt_in\n3,store,\n")
    message = warehouse.load(customers, "customers")
    assert "completed 1 id-only customer(s)" in message
    assert "added column(s) 'channel' to main.customers (empty for earlier rows)" in message
    stored = warehouse.table("customers", "main").sort_values("customer_id")
    assert stored["customer_id"].tolist() == [1, 2, 3]
    channel = [None if pd.isna(v) else v for v in stored["channel"]]  # NaN on pandas 3
    assert channel == ["web", None, "store"]
    assert stored["consent_status"].tolist() == ["opt_in", "unknown", "unknown"]


def test_a_new_optional_column_is_added_empty_for_old_rows(tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb")
    first = tmp_path / "first.csv"
    first.write_text("customer_id,timestamp,amount\n1,2024-03-01,5.0\n")
    second = tmp_path / "second.csv"
    second.write_text(TX + "1,2024-03-02,6.0,2,books\n")
    warehouse.load(first, "transactions")
    assert "added column(s) 'quantity', 'product'" in warehouse.load(second, "transactions")
    stored = warehouse.table("transactions", "main")
    assert stored["product"].isna().tolist() == [True, False]
    assert stored["product"].iloc[1] == "books"
    assert stored["quantity"].isna().tolist() == [True, False]


def test_replace_of_customers_refuses_to_orphan_rows_or_cascades(warehouse, tmp_path):
    keep = tmp_path / "keep.csv"
    keep.write_text(
        "customer_id,signup_date,channel,region,consent_status,consent_date\n"
        + "".join(f"{i},2024-01-01,web,north,opt_in,\n" for i in range(1, 11))
    )
    stored = {t: warehouse.table(t) for t in ("transactions", "campaign", "survey")}
    orphans = {t: int((~f["customer_id"].isin(range(1, 11))).sum()) for t, f in stored.items()}
    before = sha256(warehouse.path)
    with pytest.raises(DataValidationError) as info:
        warehouse.load(keep, "customers", dataset="world", mode="replace")
    described = ", ".join(f"{n:,} {t} row(s)" for t, n in orphans.items())
    assert str(info.value) == (
        f"{keep}: replacing world.customers would orphan {described} (their customer ids "
        "are not in this file); add those customers to the file, or use --cascade to delete "
        "those rows too"
    )
    assert sha256(warehouse.path) == before
    message = warehouse.load(keep, "customers", dataset="world", mode="replace", cascade=True)
    assert f"deleted {described} of customers no longer present (--cascade)" in message
    for table, frame in stored.items():
        now = warehouse.table(table)
        assert len(now) == len(frame) - orphans[table]
        assert now["customer_id"].isin(range(1, 11)).all()
    ledger = warehouse.ledger()
    deletes = ledger[ledger["mode"] == "delete"].set_index("table_name")["rows"].to_dict()
    assert deletes == orphans


def test_cascade_resets_idempotence_of_the_deleted_rows(tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb")
    tx = tmp_path / "tx.csv"
    tx.write_text(TX + "1,2024-03-01,5.0,1,a\n2,2024-03-02,5.0,1,a\n")
    warehouse.load(tx, "transactions")
    only_one = tmp_path / "c.csv"
    only_one.write_text("customer_id\n1\n")
    warehouse.load(only_one, "customers", mode="replace", cascade=True)
    assert len(warehouse.table("transactions", "main")) == 1
    message = warehouse.load(tx, "transactions")  # the deleted row comes back: not a no-op
    assert "loaded 2 rows" in message


def test_build_keeps_datasets_it_did_not_create(warehouse, tmp_path, small_world):
    tx = tmp_path / "tx.csv"
    tx.write_text(TX + "C1,2024-03-01,5.0,1,a\n".replace("C1", "7"))
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id,channel\nC1,web\nC2,store\n")
    warehouse.load(tx, "transactions")  # main: integer ids
    warehouse.load(customers, "customers", dataset="shop")  # shop: text ids
    mine = {
        (d, t): content_hash(warehouse.table(t, d))
        for d, t in [("main", "transactions"), ("main", "customers"), ("shop", "customers")]
    }
    ledger = warehouse.ledger()
    my_ledger = ledger[ledger["dataset"].isin(["main", "shop"])].reset_index(drop=True)
    notes = warehouse.build(world_datasets(small_world), source="rebuild")
    assert notes == [
        "kept dataset main (2 table(s)) unchanged",
        "kept dataset shop (1 table(s)) unchanged",
    ]
    for (dataset, table), digest in mine.items():
        assert content_hash(warehouse.table(table, dataset)) == digest
    after = warehouse.ledger()
    kept_ledger = after[after["dataset"].isin(["main", "shop"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept_ledger, my_ledger)
    assert set(after.loc[~after["dataset"].isin(["main", "shop"]), "source"]) == {"rebuild"}
    assert "already loaded" in warehouse.load(tx, "transactions")


def test_cli_build_says_what_it_kept(tmp_path, capsys):
    path = tmp_path / "crm.duckdb"
    tx = tmp_path / "tx.csv"
    tx.write_text(TX + "1,2024-03-01,5.0,1,a\n")
    assert main(["data", "load", str(tx), "--table", "transactions", "--path", str(path)]) == 0
    assert main(["data", "build", "--path", str(path), "--customers", "50"]) == 0
    out = capsys.readouterr().out
    assert "kept dataset main (2 table(s)) unchanged" in out
    assert len(Warehouse(path).table("transactions", "main")) == 1


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json", ".PQ"])
def test_path_with_a_data_file_suffix_is_refused(tmp_path, capsys, suffix):
    tx = tmp_path / "tx.csv"
    tx.write_text(TX + "1,2024-03-01,5.0,1,a\n")
    target = tmp_path / f"existing{suffix}"
    target.write_text("a,b\n1,2\n")
    for command in (["data", "load", str(tx), "--table", "transactions"], ["data", "info"]):
        assert main([*command, "--path", str(target)]) == 1
        err = capsys.readouterr().err
        assert err == (
            f"crm: error: {target}: --path must be a DuckDB warehouse file (e.g. "
            f"data/crm.duckdb), not a {suffix} file\n"
        )
    assert target.read_text() == "a,b\n1,2\n"


def test_existing_file_that_is_not_duckdb_is_refused(tmp_path, capsys):
    target = tmp_path / "crm.duckdb"
    target.write_text("customer_id,amount\n1,2\n" * 10)
    tx = tmp_path / "tx.csv"
    tx.write_text(TX + "1,2024-03-01,5.0,1,a\n")
    before = sha256(target)
    for command in (
        ["data", "load", str(tx), "--table", "transactions"],
        ["data", "build", "--customers", "50"],
        ["data", "info"],
    ):
        assert main([*command, "--path", str(target)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert err.startswith(f"crm: error: {target}: not a DuckDB database file")
    assert sha256(target) == before


def test_corrupt_warehouse_is_one_line_naming_it(warehouse, tmp_path, capsys, small_world):
    data = bytearray(warehouse.path.read_bytes())
    data[4096 : 4096 + 20_000] = bytes(20_000)  # keep the header, break the first blocks
    warehouse.path.write_bytes(bytes(data))
    before = sha256(warehouse.path)
    tx = tmp_path / "tx.csv"
    tx.write_text(TX + "1,2024-03-01,5.0,1,a\n")
    path = str(warehouse.path)
    for command in (
        ["data", "info"],
        ["data", "summary"],
        ["data", "load", str(tx), "--table", "transactions"],
    ):
        assert main([*command, "--path", path]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith(f"crm: error: {path}: ")
        assert "crm data build" in err and "backup" in err
    assert sha256(warehouse.path) == before
    corrupt = warehouse.path.read_bytes()
    notes = warehouse.build(world_datasets(small_world), source="over a corrupt file")
    assert len(notes) == 1 and notes[0].startswith("could not read the previous warehouse")
    assert f"its bytes are saved as {warehouse.path}.unreadable" in notes[0]
    assert Path(f"{warehouse.path}.unreadable").read_bytes() == corrupt
    assert warehouse.info().set_index(["dataset", "table"]).loc[("world", "customers"), "rows"]


def test_summary_out_into_a_missing_folder(warehouse, tmp_path, capsys):
    out = tmp_path / "new" / "folder" / "summary.csv"
    argv = ["data", "summary", "--path", str(warehouse.path), "--out", str(out)]
    assert main(argv) == 0
    assert out.exists() and "customers written to" in capsys.readouterr().out
    blocked = tmp_path / "file.txt"
    blocked.write_text("x")
    assert main([*argv[:-1], str(blocked / "summary.csv")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"crm: error: {blocked / 'summary.csv'}: ")


def test_campaign_planning_and_export_never_contact_unknown_consent(tmp_path):
    """The consent rule as the campaign study uses it: plan_targeting and export_targets."""
    from crm_models.uplift.export import export_targets
    from crm_models.uplift.targeting import plan_targeting

    ids = ["C1", "C2", "C3", "C4"]
    consent = ["opt_in", "unknown", "double_opt_in", "unknown"]
    plan = plan_targeting(ids, [0.5, 0.9, 0.4, 0.8], 100.0, 1.0, consent, arms=["email"])
    assert sorted(plan.targets["customer_id"]) == ["C1", "C3"]
    assert plan.exclusions.set_index("reason")["n"].to_dict()["missing_consent"] == 2
    everyone = plan.targets.iloc[:1].assign(customer_id="C2")
    with pytest.raises(DataValidationError, match="1 target\\(s\\) lack consent"):
        export_targets(everyone, tmp_path / "out.csv", consent=pd.Series(consent, index=ids))
    assert not (tmp_path / "out.csv").exists()
