"""Report pipeline: a full default `crm run`, a cached re-run, and kernel start-up vs work.

Runs, in a temporary output folder (the repository's reports/ is left alone):

1. ``crm run --force --jobs N`` — every report on its defaults (target: under 2 minutes on
   2 cores);
2. ``crm run --jobs N`` again — nothing changed, so every report is cached (target: under
   10 seconds);

3. ``crm run segment_value --set nope=1`` — bad input, refused before any kernel starts
   (target: under 5 seconds, imports included);

and prints, per report, wall time, time spent in notebook cells ("work") and the rest
(kernel start-up, papermill, HTML export). Needs the warehouse: run ``crm data build`` first.

    .venv/bin/python benchmarks/bench_reports.py            # all reports, defaults
    .venv/bin/python benchmarks/bench_reports.py --quick    # 00_overview only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def crm_run(output: Path, names: list[str], jobs: int, force: bool) -> float:
    """Wall time of one ``crm run`` in a fresh process (imports included, as a user sees it)."""
    command = [
        sys.executable,
        "-m",
        "crm_models.cli",
        "run",
        *names,
        "--jobs",
        str(jobs),
        "--output",
        str(output),
    ]
    if force:
        command.append("--force")
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def refusal_seconds(output: Path) -> float:
    """Wall time of a ``crm run`` refused for an unknown parameter (no kernel is started)."""
    command = [
        sys.executable,
        "-m",
        "crm_models.cli",
        "run",
        "segment_value",
        "--set",
        "nope=1",
        "--output",
        str(output),
    ]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    assert done.returncode == 1, "the bad input was not refused"
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="run 00_overview only")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks in parallel (default: 2)")
    args = parser.parse_args()
    names = ["00_overview"] if args.quick else []
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp)
        full = crm_run(output, names, args.jobs, force=True)
        reports = json.loads((output / "manifest.json").read_text())["reports"]
        cached = crm_run(output, names, args.jobs, force=False)
        statuses = [
            r["status"] for r in json.loads((output / "manifest.json").read_text())["reports"]
        ]
        refused = refusal_seconds(output / "refused")
    table = pd.DataFrame(
        {
            "status": r["status"],
            "wall (s)": r["seconds"],
            "work in cells (s)": r["work_seconds"],
            "start-up + export (s)": r["seconds"] - r["work_seconds"],
        }
        for r in reports
    )
    table.index = [r["name"] for r in reports]
    print(table.round(1).to_string())
    print(
        f"\nfull run ({len(reports)} reports, --jobs {args.jobs}): {full:.1f} s wall "
        f"(target < 120 s); sum of work in cells {table['work in cells (s)'].sum():.1f} s, "
        f"of start-up + export {table['start-up + export (s)'].sum():.1f} s"
    )
    print(f"cached re-run: {cached:.1f} s (target < 10 s); statuses: {', '.join(statuses)}")
    print(f"bad input refused in {refused:.1f} s (target < 5 s, no kernel started)")


if __name__ == "__main__":
    main()
