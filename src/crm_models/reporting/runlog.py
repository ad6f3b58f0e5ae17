"""The run log: timestamped lines appended to ``reports/run.log`` (or ``--log-file``).

One line per event, each starting with an ISO 8601 UTC time and the process id, so that the
lines of concurrent runs can be told apart::

    2025-01-31T02:00:00.123Z [pid 4242] run start: crm run --config nightly.yaml; jobs: ["a", "b"]
    2025-01-31T02:00:04.456Z [pid 4242] job "a" ok 4.2 s; notebook …; parameters: {"n": 3}
    2025-01-31T02:00:04.460Z [pid 4242] run end: 1 ok, 0 cached, 1 failed in 4.3 s

Names, parameters and errors are written as JSON, so every event stays on one line. A log that
cannot be written warns once on stderr and never stops the run.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RunLog:
    """Append timestamped events of one run to a log file.

    Parameters
    ----------
    path : str or Path
        The log file; its folder is created when missing.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._broken = False

    def write(self, message: str) -> None:
        """Append ``message`` as one timestamped line (line breaks become spaces).

        Parameters
        ----------
        message : str
            The event.
        """
        line = " ".join(str(message).split())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as log:
                log.write(f"{_stamp()} [pid {os.getpid()}] {line}\n")
        except OSError as error:
            if not self._broken:
                self._broken = True
                print(
                    f"crm: warning: cannot write the run log {self.path}: {error}", file=sys.stderr
                )

    def start(self, command: str, names: Iterable[str]) -> None:
        """Log the start of a run: the command and its jobs.

        Parameters
        ----------
        command : str
            The command line (e.g. ``crm run --config nightly.yaml``).
        names : iterable of str
            The run's job names, valid and invalid.
        """
        self.write(f"run start: {command or 'crm run'}; jobs: {json.dumps(list(names))}")

    def job(self, result: Mapping) -> None:
        """Log one job: name, status, duration, notebook, parameters and the error's last line.

        Parameters
        ----------
        result : Mapping
            A ``JobResult`` as a dict.
        """
        error = f"; error: {json.dumps(result['error'])}" if result.get("error") else ""
        self.write(
            f"job {json.dumps(result['name'])} {result['status']} "
            f"{float(result.get('seconds') or 0.0):.1f} s; "
            f"notebook: {json.dumps(result.get('notebook', ''))}; "
            f"parameters: {json.dumps(result.get('parameters', {}), sort_keys=True, default=str)}"
            f"{error}"
        )

    def end(self, statuses: Iterable[str], seconds: float, aborted: str = "") -> None:
        """Log the end of a run: counts per status and the total duration.

        Parameters
        ----------
        statuses : iterable of str
            The status of each job (``ok``, ``cached``, ``failed``).
        seconds : float
            Wall time of the run.
        aborted : str, optional
            The error that stopped the run, if one did.
        """
        statuses = list(statuses)
        counts = ", ".join(f"{statuses.count(s)} {s}" for s in ("ok", "cached", "failed"))
        reason = f"; aborted: {json.dumps(aborted)}" if aborted else ""
        self.write(f"run end: {counts} in {seconds:.1f} s{reason}")
