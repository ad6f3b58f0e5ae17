"""The ``crm`` command line: build and inspect the data, list and run the reports.

Errors print one clear message and exit with status 1; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from crm_models._startup import skip_unused_iri_checker
from crm_models.defaults import DEFAULT_N_CUSTOMERS, DEFAULT_SEED
from crm_models.errors import CRMError, EngineUnavailableError
from crm_models.project import PROJECT_ENV, project_root

DESCRIPTION = """\
crm-models: CRM analytics workbench.

Typical use:
  crm data build              build the warehouse data/crm.duckdb (synthetic world + CDNOW)
  crm list                    show the reports and their parameters
  crm run                     run every report into reports/ (open reports/index.html)
  crm run segment_value --set horizon_months=24
  crm data load my_tx.csv --table transactions   add your own data (validated first)
"""


WAREHOUSE_HELP = "warehouse file (default: data/crm.duckdb in the project root)"
NOTEBOOKS_HELP = "notebook folder (default: notebooks/ in the project root)"
NO_WAIT_HELP = "fail at once when another load or build holds the warehouse lock (default: wait)"


class _VersionAction(argparse.Action):
    """``--version``: reads the installed version only when asked (package metadata is slow)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **_: object):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from crm_models import __version__

        sys.stdout.write(f"crm-models {__version__}\n")  # on stdout, as argparse's own action
        parser.exit()


def _add_data_commands(sub) -> None:
    data = sub.add_parser(
        "data",
        help="build, load, check and inspect data",
        description="Build, load, check and inspect the warehouse data.",
    )
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="COMMAND")

    build = data_sub.add_parser(
        "build",
        help="(re)build the warehouse from the default sources",
        description="Build the DuckDB warehouse from the default sources: the seeded synthetic CRM "
        "world (schemas world, world_truth) and CDNOW (schema cdnow). Only those datasets are "
        "replaced: your own (main …) are kept unchanged. The file is replaced atomically: a "
        "failed build leaves the previous one untouched.",
    )
    build.add_argument("--path", help=WAREHOUSE_HELP)
    build.add_argument(
        "--customers",
        type=int,
        default=DEFAULT_N_CUSTOMERS,
        help="synthetic customers (default: %(default)s, the world every default report uses)",
    )
    build.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="seed of the synthetic world (default: %(default)s, as in every default report)",
    )
    build.add_argument("--hillstrom", help="path of the Hillstrom e-mail experiment CSV to include")
    build.add_argument(
        "--survey", help="path of an ECSI-style survey CSV (e.g. mobi.csv) to include"
    )
    build.add_argument("--no-wait", action="store_true", help=NO_WAIT_HELP)

    load = data_sub.add_parser(
        "load",
        help="validate a CSV/Parquet/DuckDB file and add it to the warehouse",
        description="Validate a file against a table schema and load it atomically: a bad file "
        "(or a full disk) changes nothing, loading the same rows twice (in any order) adds "
        "nothing, and a concurrent load waits for the warehouse lock. Transactions alone are "
        "enough: new customer ids are added to customers (id only, consent unknown).",
    )
    load.add_argument("file", help="the file to load")
    load.add_argument(
        "--table",
        required=True,
        choices=["customers", "transactions", "survey", "campaign", "products"],
    )
    load.add_argument(
        "--dataset", default="main", help="warehouse schema to load into (default: %(default)s)"
    )
    load.add_argument("--mode", choices=["append", "replace"], default="append")
    load.add_argument(
        "--cascade",
        action="store_true",
        help="with --mode replace of customers: delete the rows of customers no longer present "
        "(else such a replace is refused with their count)",
    )
    load.add_argument(
        "--allow-returns", action="store_true", help="admit negative amounts (returns)"
    )
    load.add_argument(
        "--map",
        dest="column_map",
        metavar="USER=CANONICAL,…",
        help="column names of the file, e.g. date=timestamp,cust=customer_id",
    )
    load.add_argument("--date-format", help="strftime format of the dates, e.g. %%d/%%m/%%Y")
    load.add_argument("--dayfirst", action="store_true", help="dates are day first (31/05/2024)")
    load.add_argument("--no-wait", action="store_true", help=NO_WAIT_HELP)
    load.add_argument("--path", help=WAREHOUSE_HELP)

    check = data_sub.add_parser(
        "check",
        help="validate a file against a table schema, write nothing",
        description="Map the file's columns to a table (printed), validate it and report every "
        "problem (column, first offending rows, what was expected); for transactions, print the "
        "data-quality profile. Writes nothing.",
    )
    check.add_argument("file")
    check.add_argument(
        "--table",
        required=True,
        choices=["customers", "transactions", "survey", "campaign", "products"],
    )
    check.add_argument("--allow-returns", action="store_true")
    check.add_argument(
        "--map",
        dest="column_map",
        metavar="COL=CANONICAL,…",
        help="name your columns: e.g. 'Datum=timestamp,Kunde=customer_id', or a YAML file",
    )
    check.add_argument("--date-format", help="strftime layout of other dates, e.g. '%%d/%%m/%%Y'")
    check.add_argument(
        "--dayfirst", action="store_true", help="read 01/02/2024 as 1 February (day first)"
    )

    info = data_sub.add_parser(
        "info",
        help="list the warehouse tables and their row counts",
        description="List the warehouse tables and their row counts.",
    )
    info.add_argument("--path", help=WAREHOUSE_HELP)

    from crm_models.cli_summary import add_summary_parser

    add_summary_parser(data_sub, WAREHOUSE_HELP)


def _add_teaching_commands(sub) -> None:
    teach = sub.add_parser(
        "teach",
        help="hand-outs: student and instructor notebooks of every study",
        description="Write NAME.student.ipynb (no solutions, no outputs) and "
        "NAME.instructor.ipynb (with solutions) for each study notebook with exercises.",
    )
    teach_sub = teach.add_subparsers(dest="teach_command", required=True)
    export = teach_sub.add_parser("export", help="write the hand-outs into FOLDER")
    export.add_argument("folder", help="where the hand-outs go (created when missing)")
    export.add_argument("--notebooks", help=NOTEBOOKS_HELP)

    grade = sub.add_parser(
        "grade",
        help="run a class's notebooks and write a score table",
        description="Run FOLDER/<student>/NAME.ipynb (or NAME.student.ipynb) with papermill "
        "and score every exercise check: answered / correct; a notebook that fails to run "
        "gets one line with its error.",
    )
    grade.add_argument("folder", help="the class folder: one folder per student")
    grade.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="parameter for every notebook that has it (e.g. n_customers=2000)",
    )
    grade.add_argument("--out", help="score table CSV (default: FOLDER/scores.csv)")
    grade.add_argument(
        "--timeout", type=float, default=900.0, help="seconds per notebook (default 900)"
    )


def _add_report_commands(sub) -> None:
    listing = sub.add_parser(
        "list",
        help="show the reports and their parameters (types, defaults)",
        description="Show the reports (one per notebook) with each parameter's type, default, "
        "allowed values and help, read from the notebook's parameters cell.",
    )
    listing.add_argument("--notebooks", help=NOTEBOOKS_HELP)

    run = sub.add_parser(
        "run",
        help="run reports with papermill and write HTML + JSON into reports/",
        description="Run report notebooks and write NAME.html (management), NAME.analyst.html, "
        "NAME.teaching.html, NAME.json, NAME.ipynb, index.html and manifest.json.",
    )
    run.add_argument("names", nargs="*", help="reports to run (default: all; see `crm list`)")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter (repeatable)",
    )
    run.add_argument("--config", help="YAML file with a list of jobs (name, notebook, parameters)")
    run.add_argument(
        "--jobs", type=int, default=1, help="notebooks run in parallel (default: %(default)s)"
    )
    run.add_argument("--force", action="store_true", help="re-run even when nothing changed")
    run.add_argument("--output", help="output folder (default: reports/ in the project root)")
    run.add_argument("--notebooks", help=NOTEBOOKS_HELP)
    run.add_argument(
        "--log-file",
        metavar="PATH",
        help="append timestamped run events here (default: run.log in the output folder)",
    )
    run.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="stop a report (kill its kernel) after this long; 0: no limit (default: 1800)",
    )
    run.add_argument(
        "--spark-master",
        metavar="URL",
        help="reports with an engine parameter run on the Spark cluster at URL "
        "(spark://host:7077): sets spark_master=URL and, unless --set engine=…, engine=spark",
    )
    run.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="fail at once if another crm run is writing to the output folder (default: wait)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the ``crm`` argument parser with every subcommand.

    Returns
    -------
    argparse.ArgumentParser
        The parser of ``crm [--debug] [--project DIR] COMMAND …``.
    """
    parser = argparse.ArgumentParser(
        prog="crm", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    parser.add_argument(
        "--project",
        metavar="DIR",
        help="project root that default paths (notebooks/, reports/, data/crm.duckdb) are "
        f"relative to (default: ${PROJECT_ENV}, else the nearest folder at or above the working "
        "folder with notebooks/ and a pyproject.toml of crm-models, else the working folder)",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_data_commands(sub)
    _add_report_commands(sub)
    _add_teaching_commands(sub)
    return parser


def _default(given: str | None, root: Path, default: str) -> Path:
    """Return the path the user gave (relative to the working folder), else root / default."""
    return Path(given) if given else root / default


def _data(args) -> int:
    from crm_models.data.warehouse import DEFAULT_PATH, Warehouse

    path = _default(getattr(args, "path", None), args.root, str(DEFAULT_PATH))

    if args.data_command == "build":
        from crm_models.data.build import build_default_warehouse

        warehouse = build_default_warehouse(
            path, args.customers, args.seed, args.hillstrom, args.survey, wait=not args.no_wait
        )
        print(warehouse.info().to_string(index=False))
        for note in warehouse.kept:
            print(note)
        print(f"warehouse written to {warehouse.path}")
    elif args.data_command == "load":
        read_options = {  # forwarded only when given
            key: value
            for key, value in (
                ("column_map", args.column_map),
                ("date_format", args.date_format),
                ("dayfirst", args.dayfirst or None),
            )
            if value is not None
        }
        message = Warehouse(path).load(
            args.file,
            args.table,
            args.dataset,
            args.mode,
            args.allow_returns,
            cascade=args.cascade,
            wait=not args.no_wait,
            **read_options,
        )
        from crm_models.data.loaders import plan_file

        print(plan_file(args.file, args.table, column_map=args.column_map).describe())
        print(message)
    elif args.data_command == "check":
        from crm_models.data.loaders import read_mapped
        from crm_models.data.quality import profile_transactions
        from crm_models.data.schemas import validate

        options = {"date_format": args.date_format, "dayfirst": args.dayfirst}
        raw, mapping = read_mapped(args.file, args.table, column_map=args.column_map, **options)
        frame = validate(raw, args.table, str(args.file), allow_returns=args.allow_returns)
        print(mapping.describe())
        print(f"{args.file}: valid {args.table} table, {len(frame):,} rows")
        if args.table == "transactions":
            print("data quality:", *profile_transactions(frame).lines(), sep="\n  ")
    elif args.data_command == "info":
        print(Warehouse(path).info().to_string(index=False))
    elif args.data_command == "summary":
        from crm_models.cli_summary import run_summary

        return run_summary(args, path)
    return 0


def _list(args) -> int:
    from crm_models.reporting.catalog import discover

    for report in discover(_default(args.notebooks, args.root, "notebooks")).values():
        print(f"{report.name}: {report.title}")
        if report.summary:
            print(f"    {report.summary}")
        for p in report.parameters.values():
            constraint = p.describe_constraint()
            print(
                f"    --set {p.name}=…  ({p.type_name}, default {p.default!r}"
                f"{', ' + constraint if constraint else ''})  {p.help}"
            )
        for old, new in report.renamed_parameters.items():
            print(f"    deprecated alias: {old} (now {new}; removed in the next release)")
    return 0


def _run(args) -> int:
    from crm_models.reporting.runner import DEFAULT_TIMEOUT, parse_overrides, run_reports

    output = _default(args.output, args.root, "reports")
    overrides = parse_overrides(args.overrides)
    if args.spark_master:
        overrides["spark_master"] = args.spark_master
        overrides.setdefault("engine", "spark")
    results = run_reports(
        args.names,
        overrides,
        args.config,
        _default(args.notebooks, args.root, "notebooks"),
        output,
        n_jobs=args.jobs,
        force=args.force,
        root=args.root,
        log_file=args.log_file,
        command=shlex.join(["crm", *args.argv]),
        timeout=DEFAULT_TIMEOUT if args.timeout is None else (args.timeout or None),
        wait=args.wait,
    )
    if not any(r.cache_key for r in results):
        return 1  # every job of the schedule was refused, each with its crm: error line
    failed = [r.name for r in results if r.status == "failed"]
    print(
        f"{len(results) - len(failed)} of {len(results)} report(s) ok; "
        f"index: {output / 'index.html'}"
    )
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _teach(args) -> int:
    from crm_models.teaching import export_handouts

    notebooks = _default(args.notebooks, args.root, "notebooks")
    for path in export_handouts(notebooks, Path(args.folder)):
        print(f"wrote {path}")
    return 0


def _grade(args) -> int:
    from crm_models.reporting.jobs import parse_overrides
    from crm_models.teaching import grade_folder, score_summary, write_scores

    folder = Path(args.folder)
    overrides: dict[str, object] = dict(parse_overrides(args.overrides))
    scores = grade_folder(folder, overrides, args.root, args.timeout)
    out = write_scores(scores, Path(args.out) if args.out else folder / "scores.csv")
    print(scores.drop(columns="error").to_string(index=False))
    for row in scores[scores["status"] == "failed"].itertuples():
        print(f"{row.student}/{row.notebook}: failed to run: {row.error}")
    print(score_summary(scores).to_string(index=False))
    print(f"score table written to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the ``crm`` command line.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 1 on an error (one ``crm: error:`` line), 2 when the chosen
        engine cannot run here (e.g. Spark without Java), 130 on Ctrl-C.
    """
    skip_unused_iri_checker()
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.argv = argv
    handlers = {"data": _data, "list": _list, "run": _run, "teach": _teach, "grade": _grade}
    try:
        args.root = project_root(args.project)
        return handlers[args.command](args)
    except CRMError as error:
        if args.debug:
            raise
        print(f"crm: error: {error}", file=sys.stderr)
        return 2 if isinstance(error, EngineUnavailableError) else 1  # 2: as a usage error
    except KeyboardInterrupt:
        print("crm: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `crm list | head`: the reader has gone; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
