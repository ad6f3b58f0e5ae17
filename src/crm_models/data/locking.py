"""Safe writes to the warehouse file: a file lock, DuckDB-file checks and staged copies.

Every write (``crm data load``, ``crm data build``) holds the lock ``PATH.lock``
(``crm_models._locks``): a second writer waits (saying once on stderr who holds it) or, with
``wait=False``, fails at once with one line. Writers never open the real file for writing:
they write a staged copy (a copy of the warehouse, or a new file for a first load or a build)
and rename it over the real file in one
``os.replace`` (:func:`crm_models._files.atomic_path`). A failure at any point — a refused
file, a DuckDB error, a full disk — leaves the warehouse byte-for-byte as it was, and readers
(which open the file read-only) see the old file or the new one, never a half-written one.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from crm_models._files import atomic_path
from crm_models._locks import exclusive
from crm_models.errors import CRMError

__all__ = [
    "DUCKDB_MAGIC",
    "NOT_WAREHOUSE_SUFFIXES",
    "WarehouseError",
    "check_warehouse_file",
    "duckdb_failure",
    "staged",
    "warehouse_lock",
]

DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
NOT_WAREHOUSE_SUFFIXES = {
    ".csv", ".tsv", ".txt", ".parquet", ".pq", ".json", ".jsonl", ".ndjson", ".xlsx", ".xls",
    ".feather", ".arrow", ".ipc", ".avro", ".orc", ".sqlite", ".sqlite3", ".html", ".ipynb",
}  # fmt: skip
REPAIR_HINT = "rebuild it with `crm data build` or restore it from a backup"


class WarehouseError(CRMError, RuntimeError):
    """The warehouse file cannot be used: locked, not a DuckDB file, corrupt, or disk full."""


def check_warehouse_file(path: Path) -> None:
    """Refuse a ``path`` that is not (or cannot become) a DuckDB warehouse file.

    Parameters
    ----------
    path : pathlib.Path
        The warehouse path. Data-file suffixes (``.csv``, ``.parquet``, ``.json`` …) are
        refused; an existing file must carry the DuckDB magic ``DUCK`` at byte 8.

    Raises
    ------
    WarehouseError
        One line naming the path and what is expected.
    """
    if path.suffix.lower() in NOT_WAREHOUSE_SUFFIXES:
        raise WarehouseError(
            f"{path}: --path must be a DuckDB warehouse file (e.g. data/crm.duckdb), "
            f"not a {path.suffix} file"
        )
    if path.is_dir():
        raise WarehouseError(f"{path}: --path is a folder; expected a DuckDB warehouse file")
    if path.exists():
        with open(path, "rb") as handle:
            header = handle.read(12)
        if header[8:12] != DUCKDB_MAGIC:
            raise WarehouseError(
                f"{path}: not a DuckDB database file (no DuckDB header); refusing to use it as "
                "the warehouse — name another --path"
            )


def duckdb_failure(path: Path, error: BaseException) -> WarehouseError:
    """Translate a DuckDB or OS error on the warehouse file into one clear line."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    lowered = text.lower()
    if "lock" in lowered and ("conflict" in lowered or "could not set lock" in lowered):
        return WarehouseError(
            f"{path}: the warehouse is open for writing by another program ({text}); close it "
            "and try again"
        )
    if isinstance(error, OSError) or "no space" in lowered or "file too large" in lowered:
        return WarehouseError(
            f"{path}: could not write the warehouse ({text}); it is unchanged — free disk space "
            "and try again"
        )
    return WarehouseError(f"{path}: cannot read the warehouse ({text}); {REPAIR_HINT}")


@contextmanager
def warehouse_lock(
    path: Path, wait: bool = True, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the warehouse's lock ``PATH.lock`` (``crm_models._locks.exclusive``).

    Parameters
    ----------
    path : pathlib.Path
        The warehouse path; the lock file sits beside it.
    wait : bool, default True
        Wait for another writer to finish; ``False`` fails at once with one line naming it.
    on_wait : callable, optional
        Called once with the "waiting for …" line before waiting (default: print to stderr).

    Returns
    -------
    Iterator[None]
        A context manager holding the lock.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(
        f"{path}.lock", f"the warehouse {path}", wait=wait, on_wait=on_wait or _to_stderr
    ):
        yield


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def staged(path: Path, copy: bool = True) -> Iterator[Path]:
    """Yield a staged copy of the warehouse to write; publish it by rename on success.

    Parameters
    ----------
    path : pathlib.Path
        The warehouse path (hold :func:`warehouse_lock` around this).
    copy : bool, default True
        Start from a copy of the current file (when it exists); ``False`` starts empty.

    Returns
    -------
    Iterator[pathlib.Path]
        The staged path (absent when starting empty: DuckDB creates it). When the block
        raises, the staged file is deleted and ``path`` is untouched; OS and DuckDB errors are
        re-raised as one-line :class:`WarehouseError`.
    """
    try:
        with atomic_path(path) as temporary:
            temporary.unlink()  # DuckDB refuses an existing empty file: let it create its own
            try:
                if copy and path.exists():
                    shutil.copyfile(path, temporary)
                    wal = Path(f"{path}.wal")
                    if wal.exists():
                        shutil.copyfile(wal, f"{temporary}.wal")
                yield temporary
            finally:
                Path(f"{temporary}.wal").unlink(missing_ok=True)
    except (OSError, duckdb.Error) as error:
        raise duckdb_failure(path, error) from None
