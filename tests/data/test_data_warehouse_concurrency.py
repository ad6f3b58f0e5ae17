"""Issue 12: concurrent loads with real processes never lose a row or a file.

Each test starts real processes (``multiprocessing``, fork) that run ``crm data …`` through
``cli.main`` at the same moment (a barrier), many rounds over: first loads into a missing
warehouse, loads into an existing one, the same file loaded by every process, and
``crm data info`` while loads run. After each round the warehouse holds exactly the union of
what the processes said they loaded; every process exits 0 or with one ``crm: error:`` line.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from pathlib import Path

import pandas as pd
import pytest

from crm_models.cli import main
from crm_models.data import Warehouse
from crm_models.data.warehouse import content_hash

pytestmark = pytest.mark.processes  # left out of the pandas-3 pass of .ci/run

PROCESSES = 6
ROUNDS = 4
ROWS = 25
FORK = multiprocessing.get_context("fork")


def _child(argvs: list[list[str]], barrier, log: str) -> None:
    """Run each ``crm`` argv in turn with stdout/stderr sent to ``log``.out / .err."""
    out = os.open(f"{log}.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    err = os.open(f"{log}.err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(out, 1)
    os.dup2(err, 2)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    code = 0
    try:
        barrier.wait()
        for argv in argvs:
            code = max(code, main(argv))
    except BaseException:
        traceback.print_exc()
        code = 99
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_together(jobs: list[list[list[str]]], folder: Path) -> list[tuple[int, str, str]]:
    """Start one process per job at the same moment; return (exit code, stdout, stderr)."""
    barrier = FORK.Barrier(len(jobs))
    logs = [str(folder / f"process{i}") for i in range(len(jobs))]
    processes = [
        FORK.Process(target=_child, args=(argvs, barrier, log))
        for argvs, log in zip(jobs, logs, strict=True)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode is not None, "a process hung"
    return [
        (p.exitcode, Path(f"{log}.out").read_text(), Path(f"{log}.err").read_text())
        for p, log in zip(processes, logs, strict=True)
    ]


def _tx_file(path: Path, first_id: int, rows: int = ROWS) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": [first_id + i % 5 for i in range(rows)],
            "timestamp": pd.date_range("2024-01-01", periods=rows, freq="D"),
            "amount": [round(1.25 * (i + 1), 2) for i in range(rows)],
        }
    )
    frame.to_csv(path, index=False)
    return frame


def assert_clean_exits(results) -> None:
    """Exit 0, or 1 with exactly one `crm: error:` line; never a traceback."""
    for code, _out, err in results:
        assert "Traceback" not in err, err
        if code == 0:
            assert not err.strip("\n") or err.startswith("waiting for the warehouse "), err
        else:
            assert code == 1, (code, err)
            lines = [x for x in err.splitlines() if not x.startswith("waiting for")]
            assert len(lines) == 1 and lines[0].startswith("crm: error:"), err


def assert_union(warehouse: Warehouse, results, frames: list[pd.DataFrame], base=None) -> int:
    """The stored rows are exactly those of the loads reported as 'loaded' (plus ``base``)."""
    said_loaded = [f for (_, out, _), f in zip(results, frames, strict=True) if ": loaded " in out]
    expected = pd.concat([*([base] if base is not None else []), *said_loaded])
    stored = warehouse.table("transactions", "main")[expected.columns]
    assert len(stored) == len(expected)
    assert content_hash(stored) == content_hash(expected.reset_index(drop=True))
    assert not [p.name for p in warehouse.path.parent.glob(".*.tmp")]  # no staged leftovers
    return len(said_loaded)


def test_first_loads_into_a_missing_warehouse_at_once(tmp_path):
    loaded = 0
    for round_ in range(ROUNDS):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        warehouse = Warehouse(folder / "crm.duckdb")
        frames, jobs = [], []
        for k in range(PROCESSES):
            path = folder / f"tx{k}.csv"
            frames.append(_tx_file(path, first_id=1000 * (k + 1)))
            jobs.append([["data", "load", str(path), "--table", "transactions", "--path",
                          str(warehouse.path)]])  # fmt: skip
        results = run_together(jobs, folder)
        assert_clean_exits(results)
        assert [code for code, _, _ in results] == [0] * PROCESSES
        loaded += assert_union(warehouse, results, frames)
        customers = warehouse.table("customers", "main")
        assert len(customers) == 5 * PROCESSES and customers["customer_id"].is_unique
    assert loaded == PROCESSES * ROUNDS


def test_loads_into_an_existing_warehouse_at_once(tmp_path):
    for round_ in range(ROUNDS):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        warehouse = Warehouse(folder / "crm.duckdb")
        base = _tx_file(folder / "base.csv", first_id=1)
        warehouse.load(folder / "base.csv", "transactions")
        frames, jobs = [], []
        for k in range(PROCESSES):
            path = folder / f"tx{k}.csv"
            frames.append(_tx_file(path, first_id=1 if k % 2 else 1000 * (k + 1)))
            jobs.append([["data", "load", str(path), "--table", "transactions", "--path",
                          str(warehouse.path)]])  # fmt: skip
        frames[1] = frames[1].assign(amount=frames[1]["amount"] + 0.01)  # distinct content
        frames[1].to_csv(folder / "tx1.csv", index=False)
        results = run_together(jobs, folder)
        assert_clean_exits(results)
        # tx3 and tx5 equal base: 'already loaded', the others add their rows
        for k, (code, out, _) in enumerate(results):
            assert code == 0
            assert ("already loaded" in out) == (k in (3, 5)), (k, out)
        assert assert_union(warehouse, results, frames, base=base) == PROCESSES - 2


def test_the_same_file_loaded_by_every_process_is_stored_once(tmp_path):
    for round_ in range(ROUNDS):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        path = folder / "tx.csv"
        frame = _tx_file(path, first_id=7)
        warehouse = Warehouse(folder / "crm.duckdb")
        argv = ["data", "load", str(path), "--table", "transactions", "--path", str(warehouse.path)]
        results = run_together([[argv]] * PROCESSES, folder)
        assert_clean_exits(results)
        outs = [out for _, out, _ in results]
        assert sum(": loaded " in out for out in outs) == 1
        assert sum("already loaded" in out for out in outs) == PROCESSES - 1
        assert assert_union(warehouse, results, [frame] * PROCESSES) == 1


def test_info_during_loads_never_tracebacks(tmp_path):
    warehouse = Warehouse(tmp_path / "crm.duckdb")
    _tx_file(tmp_path / "base.csv", first_id=1)
    warehouse.load(tmp_path / "base.csv", "transactions")
    path = str(warehouse.path)
    jobs = []
    for k in range(3):  # loaders: four loads each
        argvs = []
        for j in range(4):
            file = tmp_path / f"tx{k}_{j}.csv"
            _tx_file(file, first_id=100 * (k + 1) + 10 * j)
            argvs.append(["data", "load", str(file), "--table", "transactions", "--path", path])
        jobs.append(argvs)
    for _ in range(3):  # readers: info and summary, again and again
        jobs.append([["data", "info", "--path", path], ["data", "summary", "--dataset", "main",
                     "--path", path]] * 6)  # fmt: skip
    results = run_together(jobs, tmp_path)
    assert_clean_exits(results)
    failed = [err.strip().splitlines()[-1:] for code, _, err in results if code]
    assert [code for code, _, _ in results] == [0] * len(jobs), failed
    for _, out, _ in results[3:]:
        assert out.count("main transactions") == 6
    assert len(warehouse.table("transactions", "main")) == ROWS * (1 + 3 * 4)


@pytest.mark.parametrize("no_wait", [False, True])
def test_a_held_lock_makes_a_load_wait_once_or_fail_at_once(tmp_path, no_wait):
    import subprocess
    import time

    warehouse = Warehouse(tmp_path / "crm.duckdb")
    _tx_file(tmp_path / "tx.csv", first_id=1)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from filelock import FileLock\n"
         f"with FileLock({str(warehouse.path) + '.lock'!r}):\n"
         "    print('held', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline() == "held\n"
    argv = ["data", "load", str(tmp_path / "tx.csv"), "--table", "transactions"]
    argv += ["--path", str(warehouse.path)] + (["--no-wait"] if no_wait else [])
    barrier = FORK.Barrier(1)
    log = tmp_path / "loader"
    loader = FORK.Process(target=_child, args=([argv], barrier, str(log)))
    loader.start()
    if no_wait:
        loader.join(timeout=120)
        assert loader.exitcode == 1
        assert Path(f"{log}.err").read_text() == (
            f"crm: error: the warehouse {warehouse.path} is in use by another process; try again "
            "when it has finished (without --no-wait the command waits for it)\n"
        )
        assert not warehouse.path.exists()
    else:
        for _ in range(1200):  # until the loader says it waits (no timing assertion)
            if Path(f"{log}.err").exists() and "waiting" in Path(f"{log}.err").read_text():
                break
            time.sleep(0.05)
        assert loader.exitcode is None and not warehouse.path.exists()
    holder.communicate("release\n", timeout=60)
    loader.join(timeout=120)
    if not no_wait:
        assert loader.exitcode == 0
        err = Path(f"{log}.err").read_text()
        assert err == f"waiting for the warehouse {warehouse.path}: in use by another process…\n"
        assert ": loaded 25 rows" in Path(f"{log}.out").read_text()
