"""A standalone Spark cluster for tests: one master and one worker on the loopback address.

Started from pyspark's own launcher (``<pyspark>/bin/spark-class``; the pip package has no
``sbin/start-master.sh``) on free ports, each in its own process group, and stopped (both
groups terminated) afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_TIMEOUT = 120.0
"""Seconds to wait for the master's web UI to list an ALIVE worker."""


def free_port() -> int:
    """Return a TCP port nobody listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spark_class() -> tuple[Path, Path]:
    import pyspark

    home = Path(pyspark.__file__).parent
    return home, home / "bin" / "spark-class"


def _alive_workers(webui: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{webui}/json/", timeout=2) as answer:
            state = json.load(answer)
    except (OSError, ValueError):
        return 0
    return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")


def _stop(process: subprocess.Popen) -> None:
    """Terminate a launcher's whole process group (the JVM it started included)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
        except ProcessLookupError:
            pass


@contextmanager
def standalone_cluster(folder: Path) -> Iterator[str]:
    """Start a master and a worker (1 core, 1 GB); yield the master URL; stop both.

    Parameters
    ----------
    folder : pathlib.Path
        Logs (``master.log``, ``worker.log``) and the worker's work folder go here.

    Yields
    ------
    str
        ``spark://127.0.0.1:PORT``. Fails (RuntimeError with the log tails) when no ALIVE
        worker shows up within ``STARTUP_TIMEOUT`` seconds.
    """
    home, launcher = _spark_class()
    port, webui, worker_webui = free_port(), free_port(), free_port()
    url = f"spark://127.0.0.1:{port}"
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    env["SPARK_LOCAL_DIRS"] = str(folder / "local")
    commands = {
        "master": [
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(webui)),
        ],
        "worker": [
            "org.apache.spark.deploy.worker.Worker",
            url,
            *("--host", "127.0.0.1", "--cores", "1", "--memory", "1g"),
            *("--webui-port", str(worker_webui), "--work-dir", str(folder / "work")),
        ],
    }
    processes: list[subprocess.Popen] = []
    try:
        for role, arguments in commands.items():
            log = (folder / f"{role}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [str(launcher), *arguments],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while _alive_workers(webui) < 1:
            dead = [p.args[1] for p in processes if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                tails = {
                    role: (folder / f"{role}.log").read_text(errors="replace")[-1500:]
                    for role in commands
                }
                raise RuntimeError(
                    f"standalone Spark cluster at {url} has no ALIVE worker after "
                    f"{STARTUP_TIMEOUT:.0f} s (exited: {dead}); logs: {tails}"
                )
            time.sleep(1)
        yield url
    finally:
        for process in reversed(processes):
            _stop(process)
