"""The kernels that run report notebooks: a quiet shutdown and a time limit per report.

``ReportKernelManager`` is jupyter_client's ``AsyncKernelManager`` without the SIGINT it sends
before every shutdown: after a successful run the kernel is idle, and that signal, landing
inside a message handler, printed ``[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.``
on about one run in ten. ``time_limit(seconds)`` kills the kernels of this process when a
report runs longer: the kernel's whole process group gets SIGKILL, nbclient then reports the
kernel dead, and the runner records the report as timed out.
"""

from __future__ import annotations

import os
import signal
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from jupyter_client.manager import AsyncKernelManager

__all__ = ["ReportKernelManager", "TimeLimit", "time_limit"]

_RUNNING: weakref.WeakSet = weakref.WeakSet()


class ReportKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` that shuts an idle kernel down without interrupting it first."""

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return  # shutting down: a shutdown request follows; no SIGINT into a handler
        await super()._async_interrupt_kernel()

    async def _async_post_start_kernel(self, **kw) -> None:
        await super()._async_post_start_kernel(**kw)
        _RUNNING.add(self)


def _kill_running_kernels() -> None:
    for manager in list(_RUNNING):
        process = getattr(manager.provisioner, "process", None)
        if process is None or process.poll() is not None:
            continue
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the kernel leads its own session
        except OSError:
            process.kill()


@dataclass
class TimeLimit:
    """The limit of one report (``seconds``; None: no limit) and whether it ran out."""

    seconds: float | None
    expired: bool = False


@contextmanager
def time_limit(seconds: float | None) -> Iterator[TimeLimit]:
    """Kill this process's report kernels if the block runs longer than ``seconds``.

    Parameters
    ----------
    seconds : float or None
        The limit; None or 0 means none.

    Yields
    ------
    TimeLimit
        ``expired`` is True once the kernels were killed.
    """
    limit = TimeLimit(seconds or None)
    if not limit.seconds:
        yield limit
        return

    def expire() -> None:
        limit.expired = True
        _kill_running_kernels()

    timer = threading.Timer(limit.seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield limit
    finally:
        timer.cancel()
