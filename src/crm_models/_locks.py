"""One exclusive lock per shared file or folder (a warehouse, a report folder), across processes.

``exclusive(lock_path, what)`` holds a ``filelock`` lock: a second process waits (told once who
holds it) or, with ``wait=False``, fails at once with a ``BusyError`` naming the holder. The
holder's pid, command and start time are kept beside the lock in ``LOCK.owner`` for that
message; the operating system releases the lock itself when a holder dies (even by kill -9).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from crm_models._files import atomic_write
from crm_models.errors import BusyError


def _holder(owner: Path) -> str:
    try:
        info = json.loads(owner.read_text(encoding="utf-8"))
        return f"pid {info['pid']} ({info['command']}) since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def exclusive(
    lock_path: str | os.PathLike,
    what: str,
    *,
    wait: bool = True,
    on_wait: Callable[[str], None] = print,
) -> Iterator[None]:
    """Hold the lock at ``lock_path`` for the ``with`` block.

    Parameters
    ----------
    lock_path : str or PathLike
        The lock file (created if missing; its folder must exist).
    what : str
        Names the locked thing in messages, e.g. ``"the report folder reports/"``.
    wait : bool, default True
        Wait for the holder to finish; False raises ``BusyError`` at once.
    on_wait : callable
        Receives the one "waiting for …" line before waiting.
    """
    lock_path = Path(lock_path)
    owner = Path(f"{lock_path}.owner")
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _holder(owner)
        for _ in range(40):  # the holder writes its owner file just after taking the lock
            if holder != "another process":
                break
            time.sleep(0.05)
            holder = _holder(owner)
        if not wait:
            raise BusyError(
                f"{what} is in use by {holder}; try again when it has finished "
                "(without --no-wait the command waits for it)"
            ) from None
        on_wait(f"waiting for {what}: in use by {holder}…")
        lock.acquire()
    try:
        command = " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:])[:200] or "python"
        since = datetime.now(UTC).isoformat(timespec="seconds")
        atomic_write(owner, json.dumps({"pid": os.getpid(), "command": command, "since": since}))
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()
