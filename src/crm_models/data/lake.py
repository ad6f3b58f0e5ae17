"""Read a canonical table from a data-lake folder of Parquet files (Hive partitions allowed).

A folder such as ``sales/month=2024-01/part-0.parquet``, ``sales/month=2024-02/…`` (or
``date=2024-01-01/``, or no partition folders at all) is read as one table through the same
column mapping, date parsing and schema validation as a single file
(:func:`crm_models.data.loaders.load_table`). Partition columns (``month``, ``date`` …) are
ignored unless their name is a canonical column of the table; every file must map to the same
canonical columns with the same types. Each refusal is one ``DataValidationError`` naming the
folder or the file, the column and, for bad values, the file's first offending rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_models.data.columns import MAPPING_ATTR, ColumnMapping, map_columns, plan_columns
from crm_models.data.dates import parse_dates
from crm_models.data.schemas import DATETIME_COLUMNS, schema, validate
from crm_models.errors import DataValidationError

__all__ = [
    "PARQUET_SUFFIXES",
    "engine_readable",
    "is_parquet_source",
    "parquet_files",
    "read_parquet_folder",
]

PARQUET_SUFFIXES = (".parquet", ".pq")
"""File suffixes read as Parquet (in a folder, other files are not read)."""


def is_parquet_source(path: str | Path) -> bool:
    """Whether ``path`` is a Parquet file or a folder (which then must hold Parquet files).

    Parameters
    ----------
    path : str or pathlib.Path
        A data source path.

    Returns
    -------
    bool
        True for an existing ``.parquet``/``.pq`` file or an existing folder.
    """
    path = Path(path)
    return path.is_dir() or (path.is_file() and path.suffix.lower() in PARQUET_SUFFIXES)


def parquet_files(folder: str | Path) -> list[Path]:
    """List the Parquet files of a folder and its partition folders, in path order.

    Names starting with ``.`` or ``_`` (``_SUCCESS``, ``.part-0.crc``, ``_temporary/``) are
    skipped, as Spark and pyarrow do.

    Parameters
    ----------
    folder : str or pathlib.Path
        The folder.

    Returns
    -------
    list of pathlib.Path
        The files ending in ``.parquet`` or ``.pq`` (possibly empty).
    """
    folder = Path(folder)
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in PARQUET_SUFFIXES
        and p.is_file()
        and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
    )


def engine_readable(path: str | Path) -> bool:
    """Whether an engine can read these Parquet transactions as they are, without mapping.

    The engines (:mod:`crm_models.engines`) read a Parquet file or folder by the canonical
    names: ``customer_id``, ``timestamp`` (a timestamp or date type) and ``amount``.

    Parameters
    ----------
    path : str or pathlib.Path
        A Parquet file or folder (for a folder its first file is looked at).

    Returns
    -------
    bool
        True when the columns need no renaming (no ``date`` → ``timestamp``, no amount from
        quantity × price) and the timestamp is stored as a date or a timestamp of at most
        microsecond precision (Spark refuses the nanoseconds pandas writes by default:
        ``to_parquet(..., coerce_timestamps="us")`` keeps such files readable directly).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    files = parquet_files(path) if path.is_dir() else [path]
    if not files:
        return False
    try:
        file_schema = pq.read_schema(files[0])
        plan = plan_columns(file_schema.names, "transactions", None, str(files[0]))
    except Exception:  # unreadable or unmappable: the reader reports it, not this check
        return False
    if plan.amount_from or any(user != canon for user, canon in plan.renamed):
        return False
    kind = file_schema.field("timestamp").type
    if pa.types.is_timestamp(kind):  # Spark cannot read nanoseconds (pyarrow's default)
        return kind.unit in ("s", "ms", "us")
    return bool(pa.types.is_date(kind))


def _partition_keys(folder: Path, files: list[Path]) -> list[str]:
    """Return the Hive partition keys (``key=value`` folders) above the files, first seen first."""
    keys: dict[str, None] = {}
    for file in files:
        for part in file.relative_to(folder).parts[:-1]:
            key, sep, _ = part.partition("=")
            if sep and key:
                keys[key] = None
    return list(keys)


def _kind(arrow_type) -> str:
    """Return the kind of an Arrow type that files may differ in without harm.

    Integers of any width, floats of any width, text, and timestamps of any unit (with the
    same time zone) are each one kind; pyarrow casts them to the first file's type on reading.
    """
    import pyarrow as pa

    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type):
        return "float"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "text"
    if pa.types.is_timestamp(arrow_type):
        return f"timestamp ({arrow_type.tz or 'no time zone'})"
    return str(arrow_type)


def _plans(
    folder: Path,
    files: list[Path],
    table: str,
    column_map,
    kept_keys: list[str],
    ignored_keys: list[str],
) -> tuple[ColumnMapping, list[str]]:
    """Plan every file's mapping (metadata only); refuse files that differ from the first one."""
    import pyarrow.parquet as pq

    first: tuple[Path, dict, dict] | None = None
    mapping = None
    for file in files:
        try:
            file_schema = pq.read_schema(file)
        except Exception as error:  # pyarrow raises several unrelated types
            raise DataValidationError(f"{file}: not a readable Parquet file ({error})") from None
        names = [n for n in file_schema.names if n not in kept_keys] + kept_keys
        try:
            plan = plan_columns(names, table, column_map, str(file))
        except DataValidationError as error:
            if not ignored_keys:
                raise
            raise DataValidationError(
                f"{error} (partition column(s) {', '.join(map(repr, ignored_keys))} of the "
                "folder names are not read)"
            ) from None
        renames = plan.to_dict()
        types = {
            canon: _kind(file_schema.field(user).type)
            for user, canon in renames.items()
            if user in file_schema.names
        }
        if first is None:
            first, mapping = (file, renames, types), plan
            continue
        if renames != first[1]:
            raise DataValidationError(
                f"{file}: its columns map to {sorted(renames.values())}, those of {first[0]} to "
                f"{sorted(first[1].values())}; every file of the folder {folder} needs the "
                "same columns"
            )
        for canon, kind in types.items():
            if first[2].get(canon, kind) != kind:
                raise DataValidationError(
                    f"{file}: column {canon!r} is {kind}, in {first[0]} it is {first[2][canon]}; "
                    "every file of the folder needs the same column types"
                )
    assert first is not None and mapping is not None
    return mapping, [*first[1], *mapping.kept]


def _validated(
    frame: pd.DataFrame, table: str, source: str, column_map, options: dict
) -> pd.DataFrame:
    """Map, parse the dates of and validate one frame as ``load_table`` does for a file."""
    frame, mapping = map_columns(frame, table, column_map, source)
    try:
        frame = parse_dates(
            frame.reset_index(drop=True),
            DATETIME_COLUMNS.get(table, []),
            f"{source}: {table}",
            date_format=options.get("date_format"),
            dayfirst=options.get("dayfirst", False),
            copy=False,  # map_columns' own frame
        )
    except DataValidationError as error:
        raise DataValidationError(mapping.name_user_columns(str(error))) from None
    frame.attrs[MAPPING_ATTR] = mapping
    return validate(
        frame,
        table,
        source=source,
        as_of=options.get("as_of"),
        allow_returns=options.get("allow_returns", False),
        copy=False,
    )


def read_parquet_folder(
    folder: str | Path,
    table: str = "transactions",
    *,
    column_map: dict | str | Path | None = None,
    date_format: str | None = None,
    dayfirst: bool = False,
    allow_returns: bool = False,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Read and validate canonical ``table`` from a folder of Parquet files.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder of ``.parquet`` files, possibly in Hive partition folders (``month=2024-01/``).
    table : str, default "transactions"
        The canonical table (see ``schemas.TABLES``).
    column_map : dict, str or Path, optional
        The user's column names (see :func:`crm_models.data.loaders.read_mapped`).
    date_format : str, optional
        strftime layout of text dates that are not ISO 8601.
    dayfirst : bool, default False
        Accept day-first text dates.
    allow_returns : bool, default False
        Transactions: admit negative amounts and quantities.
    as_of : pandas.Timestamp, optional
        Dates later than this are refused (default: now).

    Returns
    -------
    pandas.DataFrame
        The validated canonical frame (n rows of all files, in path order), as ``load_table``
        returns for one file.
    """
    import pyarrow.dataset as ds

    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(f"{folder}: no such folder")
    files = parquet_files(folder)
    if not files:
        raise DataValidationError(
            f"{folder}: no Parquet files (*.parquet, *.pq) in this folder or its partition folders"
        )
    keys = _partition_keys(folder, files)
    canonical = set(schema(table).columns)
    kept_keys = [k for k in keys if k in canonical]
    ignored = [k for k in keys if k not in canonical]
    _, read_columns = _plans(folder, files, table, column_map, kept_keys, ignored)
    import pyarrow as pa

    partitioning = ds.partitioning(pa.schema([(k, pa.string()) for k in keys]), flavor="hive")

    def read(paths: list[Path]) -> pd.DataFrame:
        try:
            dataset = ds.dataset(
                [str(f) for f in paths],
                format="parquet",
                partitioning=partitioning,
                partition_base_dir=str(folder),
            )
            return dataset.to_table(columns=read_columns).to_pandas()
        except Exception as error:  # pyarrow raises several unrelated types
            where = folder if len(paths) > 1 else paths[0]
            raise DataValidationError(f"{where}: cannot read the Parquet data ({error})") from None

    frame = read(files)
    options = {
        "date_format": date_format,
        "dayfirst": dayfirst,
        "allow_returns": allow_returns,
        "as_of": as_of,
    }
    try:
        return _validated(frame, table, str(folder), column_map, options)
    except DataValidationError:
        pass
    # name the file and its own rows: validate file by file (a loop over files, not rows)
    for file in files:
        _validated(read([file]), table, str(file), column_map, options)
    return _validated(frame, table, str(folder), column_map, options)  # re-raises as a folder
