"""Issue 12: every failure is one ``crm: error:`` line and leaves the warehouse byte-for-byte.

The warehouse file is compared by SHA-256 before and after each failing command. Full disks
are real: a child process with ``RLIMIT_FSIZE`` (portable), and a small tmpfs when this
process may mount one (root).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_models.cli import main
from crm_models.data import Warehouse

pytestmark = pytest.mark.processes  # left out of the pandas-3 pass of .ci/run

FORK = multiprocessing.get_context("fork")
TX = "customer_id,timestamp,amount,quantity,product\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _big_tx(path: Path, first_id: int, rows: int = 60_000) -> Path:
    i = np.arange(rows)
    pd.DataFrame(
        {
            "customer_id": first_id + i % 5_000,
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(i % 300, unit="D"),
            "amount": i * 1.5,
        }
    ).to_csv(path, index=False)
    return path


def _load_with_file_size_limit(argv: list[str], limit: int, log: Path) -> int:
    """Run ``crm`` argv in a child whose files may not grow beyond ``limit`` bytes."""

    def child() -> None:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 2)
        sys.stderr = os.fdopen(2, "w", buffering=1)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        os._exit(main(argv))

    process = FORK.Process(target=child)
    process.start()
    process.join(timeout=300)
    return process.exitcode


@pytest.fixture
def loaded(tmp_path) -> Warehouse:
    """A warehouse with 60,000 transactions in main."""
    warehouse = Warehouse(tmp_path / "crm.duckdb")
    warehouse.load(_big_tx(tmp_path / "first.csv", first_id=1), "transactions")
    return warehouse


@pytest.mark.parametrize("room", ["none", "some"])
def test_disk_full_leaves_the_warehouse_as_it_was(loaded, tmp_path, room):
    """No room for the staged copy, or room for the copy but not for the new rows."""
    size = loaded.path.stat().st_size
    limit = size // 2 if room == "none" else size + 100_000
    second = _big_tx(tmp_path / "second.csv", first_id=10_000)
    before = sha256(loaded.path)
    argv = ["data", "load", str(second), "--table", "transactions", "--path", str(loaded.path)]
    log = tmp_path / "err.log"
    assert _load_with_file_size_limit(argv, limit, log) == 1
    err = log.read_text()
    assert err.count("\n") == 1, err
    assert err.startswith(f"crm: error: {loaded.path}: could not write the warehouse (")
    assert "File too large" in err and "it is unchanged" in err
    assert sha256(loaded.path) == before
    assert not list(tmp_path.glob(".*.tmp")) and not list(tmp_path.glob("*.wal"))
    # the next load is not hidden behind "cannot rollback": it simply works
    assert main(argv) == 0
    assert len(loaded.table("transactions", "main")) == 120_000


def test_disk_full_on_a_real_small_filesystem(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("cannot mount a tmpfs here (not root)")
    try:
        warehouse = Warehouse(mount / "crm.duckdb")
        warehouse.load(_big_tx(tmp_path / "first.csv", first_id=1, rows=20_000), "transactions")
        before = sha256(warehouse.path)
        second = _big_tx(tmp_path / "second.csv", first_id=10_000)
        log = tmp_path / "err.log"
        argv = ["data", "load", str(second), "--table", "transactions", "--path"]
        assert _load_with_file_size_limit([*argv, str(warehouse.path)], 2**40, log) == 1
        err = log.read_text()
        assert err.count("\n") == 1 and "could not write the warehouse" in err, err
        assert "No space left on device" in err
        assert sha256(warehouse.path) == before
        assert sorted(p.name for p in mount.iterdir()) == ["crm.duckdb", "crm.duckdb.lock"]
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_mixed_time_zone_offsets_write_nothing(loaded, tmp_path):
    """Refused by the date parsing (helper "ingest" words the error): nothing is written."""
    path = tmp_path / "tz.csv"
    path.write_text(
        "customer_id,timestamp,amount\n1,2024-01-01T10:00:00+01:00,3\n2,2024-01-02T10:00:00-05:00,4\n"
    )
    before = sha256(loaded.path)
    with pytest.raises(Exception):  # noqa: B017 - a DataValidationError after the merge
        loaded.load(path, "transactions")
    assert sha256(loaded.path) == before


def test_every_refused_load_is_one_line_and_changes_no_byte(loaded, tmp_path, capsys):
    files = {
        "bad_amount.csv": TX + "1,2024-01-01,3.5,1,a\n2,2024-01-02,12 EUR,1,a\n",
        "future.csv": TX + "1,2999-01-01,3.5,1,a\n",
        "empty.csv": "",
        "orphaning_customers.csv": "customer_id\n1\n2\n",
        "text_ids_customers.csv": "customer_id\nC1\nC2\n",
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    path = str(loaded.path)
    commands = [
        ["bad_amount.csv", "transactions", []],
        ["future.csv", "transactions", []],
        ["empty.csv", "transactions", []],
        ["orphaning_customers.csv", "customers", ["--mode", "replace"]],
        ["text_ids_customers.csv", "customers", []],
        ["missing.csv", "transactions", []],
    ]
    before = sha256(loaded.path)
    for name, table, extra in commands:
        argv = ["data", "load", str(tmp_path / name), "--table", table, "--path", path, *extra]
        assert main(argv) == 1, name
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("crm: error: "), (name, err)
        assert sha256(loaded.path) == before, name
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
