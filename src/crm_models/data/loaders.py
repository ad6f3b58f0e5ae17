"""Read a canonical table from CSV, Parquet or a DuckDB table into a validated frame.

``load_table(path, table)`` picks the reader by extension (``.csv``, ``.parquet``/``.pq``,
``.duckdb``/``.db`` — then ``duckdb_table`` names the table, default = ``table``) and always
returns the same validated, typed frame (see ``crm_models.data.schemas``). The user's column
names are mapped to the canonical ones first (``columns``: aliases such as ``date`` or
``CustomerID``, or an explicit ``column_map``); ``read_mapped`` returns the mapped frame and the
``ColumnMapping`` without validating it. Every failure is a ``DataValidationError`` naming the
file: missing file, empty file, text that is not UTF-8, unreadable format, an ambiguous or
missing column, and every schema violation.

CSV cells are read so that nothing is guessed: id, product and other text columns stay text
(``000123`` keeps its zeros; only an empty cell is missing there); in other columns ``NA``,
``N/A``, ``NULL``, ``None`` and an empty cell are missing, while ``nan`` and ``inf`` stay
visible for the schema to refuse.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from crm_models.data.columns import (
    MAPPING_ATTR,
    ColumnMapping,
    map_columns,
    normalize_name,
    plan_columns,
)
from crm_models.data.dates import parse_dates
from crm_models.data.schemas import DATETIME_COLUMNS, validate
from crm_models.errors import DataValidationError

CSV_SUFFIXES = {".csv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
DUCKDB_SUFFIXES = {".duckdb", ".db"}
MISSING_TEXT = ["", "NA", "N/A", "n/a", "NULL", "null", "None", "#N/A", "<NA>"]
TEXT_COLUMNS = {
    "customer_id",
    "product",
    "module_id",
    "arm",
    "channel",
    "region",
    "consent_status",
    "relationship_level",
    "attribute",
    "level",
    *(c for columns in DATETIME_COLUMNS.values() for c in columns),
}
ID_NAMES = {"customerid", "custid", "clientid"}  # read_any without a table: id-like columns


def _check_utf8(path: Path) -> None:
    """Raise naming the line and byte offset of the first byte sequence that is not UTF-8."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataValidationError(
            f"{path}: expected UTF-8 text, found byte 0x{data[error.start]:02x} at line {line} "
            f"(byte {error.start}); re-save the file as UTF-8"
        ) from None


def read_csv_header(path: Path) -> list[str]:
    """Return the column names of a CSV file, stripped (fails like ``read_csv``)."""
    return list(read_csv(path, nrows=0).columns)


def read_csv(path: Path, text_columns=(), nrows: int | None = None) -> pd.DataFrame:
    """Read a UTF-8 CSV with a header row; fails clearly on empty or non-UTF-8 files.

    Columns named in ``text_columns`` (stripped header names) are read as text, with only an
    empty cell missing; see the module docstring for the other columns.
    """
    if path.stat().st_size == 0:
        raise DataValidationError(f"{path}: the file is empty (expected a header row and data)")
    _check_utf8(path)
    try:
        header = pd.read_csv(path, encoding="utf-8", skipinitialspace=True, nrows=0).columns
        text = {c for c in header if str(c).strip() in set(text_columns)}
        frame = pd.read_csv(
            path,
            encoding="utf-8",
            skipinitialspace=True,
            nrows=nrows,
            dtype={c: str for c in text},
            keep_default_na=False,
            na_values={c: [""] if c in text else MISSING_TEXT for c in header},
        )
    except pd.errors.EmptyDataError:
        raise DataValidationError(
            f"{path}: the file is empty (expected a header row and data)"
        ) from None
    except pd.errors.ParserError as error:
        raise DataValidationError(f"{path}: not a well-formed CSV file ({error})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_parquet(path: Path) -> pd.DataFrame:
    """Read a Parquet file; fails clearly when it is not one."""
    try:
        return pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several unrelated types
        raise DataValidationError(f"{path}: not a readable Parquet file ({error})") from None


def read_duckdb_table(path: Path, table: str) -> pd.DataFrame:
    """Read ``table`` from the DuckDB database file ``path`` (read-only)."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            names = {
                row[0]
                for row in con.execute(
                    "SELECT table_name FROM information_schema.tables"
                ).fetchall()
            }
            if table not in names:
                raise DataValidationError(
                    f"{path}: no table {table!r}; "
                    f"the database has {', '.join(sorted(names)) or 'no tables'}"
                )
            return con.execute(f'SELECT * FROM "{table}"').df()
    except duckdb.Error as error:
        raise DataValidationError(f"{path}: not a readable DuckDB database ({error})") from None


def read_any(path: str | Path, duckdb_table: str | None = None, text_columns=None) -> pd.DataFrame:
    """Read a raw frame from CSV, Parquet or a DuckDB table, without validation.

    CSV columns in ``text_columns`` are read as text (default: id-like columns such as
    ``customer_id`` or ``CustomerID``, so ``000123`` keeps its zeros).
    """
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        if text_columns is None:
            text_columns = [c for c in read_csv_header(path) if normalize_name(c) in ID_NAMES]
        return read_csv(path, text_columns)
    if suffix in PARQUET_SUFFIXES:
        return read_parquet(path)
    if suffix in DUCKDB_SUFFIXES:
        if not duckdb_table:
            raise DataValidationError(f"{path}: name the table to read from this DuckDB file")
        return read_duckdb_table(path, duckdb_table)
    raise DataValidationError(
        f"{path}: unknown file type {suffix!r}; expected .csv, .parquet or .duckdb"
    )


def plan_file(
    path: str | Path,
    table: str,
    duckdb_table: str | None = None,
    *,
    column_map: dict | str | Path | None = None,
) -> ColumnMapping:
    """Return the column mapping ``read_mapped`` uses for ``path``, from its header only.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv``, ``.parquet`` or ``.duckdb`` file.
    table : str
        The canonical table.
    duckdb_table : str, optional
        The table of a DuckDB file (default: ``table``).
    column_map : dict, str or Path, optional
        Explicit mapping (see ``read_mapped``).

    Returns
    -------
    ColumnMapping
        What ``describe()`` prints, e.g. ``columns: customer_id, date → timestamp, amount``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        header = read_csv_header(path)
    elif suffix in PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        try:
            header = list(pq.read_schema(path).names)
        except Exception as error:  # pyarrow raises several unrelated types
            raise DataValidationError(f"{path}: not a readable Parquet file ({error})") from None
    else:
        header = list(read_any(path, duckdb_table or table).columns)
    return plan_columns(header, table, column_map, str(path))


def read_mapped(
    path: str | Path,
    table: str,
    duckdb_table: str | None = None,
    *,
    column_map: dict | str | Path | None = None,
    date_format: str | None = None,
    dayfirst: bool = False,
) -> tuple[pd.DataFrame, ColumnMapping]:
    """Read ``path`` and map its columns to ``table``'s canonical names; dates parsed.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv``, ``.parquet`` or ``.duckdb`` file.
    table : str
        The canonical table.
    duckdb_table : str, optional
        The table to read from a DuckDB file (default: ``table``).
    column_map : dict, str or Path, optional
        Explicit ``{"user column": "canonical"}``, ``"date=timestamp,…"`` or a YAML file.
    date_format : str, optional
        strftime layout of dates that are not ISO 8601 (e.g. ``"%d/%m/%Y"``).
    dayfirst : bool, default False
        Accept day-first dates (31/05/2024) besides ISO 8601.

    Returns
    -------
    (pandas.DataFrame, ColumnMapping)
        The mapped frame (not yet validated against the schema) and the mapping used; the
        frame's ``attrs`` keep the mapping, so errors of ``validate`` on it name the user's
        columns (``column 'Datum' (read as 'timestamp')``).
    """
    path = Path(path)
    text_columns: list[str] = []
    if path.is_file() and path.suffix.lower() in CSV_SUFFIXES:
        plan = plan_columns(read_csv_header(path), table, column_map, str(path))
        text_columns = [user for user, canon in plan.renamed if canon in TEXT_COLUMNS]
    frame = read_any(path, duckdb_table or table, text_columns)
    frame, mapping = map_columns(frame, table, column_map, str(path))
    try:
        frame = parse_dates(
            frame.reset_index(drop=True),
            DATETIME_COLUMNS.get(table, []),
            f"{path}: {table}",
            date_format=date_format,
            dayfirst=dayfirst,
            copy=False,  # map_columns' own frame
        )
    except DataValidationError as error:
        raise DataValidationError(mapping.name_user_columns(str(error))) from None
    frame.attrs[MAPPING_ATTR] = mapping  # validate() names the user's columns in its errors
    return frame, mapping


def load_table(
    path: str | Path,
    table: str,
    duckdb_table: str | None = None,
    as_of: pd.Timestamp | None = None,
    allow_returns: bool = False,
    *,
    column_map: dict | str | Path | None = None,
    date_format: str | None = None,
    dayfirst: bool = False,
) -> pd.DataFrame:
    """Load canonical ``table`` from ``path``: map its columns, parse dates, validate.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv``, ``.parquet`` or ``.duckdb`` file.
    table : str
        The canonical table (see ``schemas.TABLES``).
    duckdb_table : str, optional
        The table to read from a DuckDB file (default: ``table``).
    as_of : pandas.Timestamp, optional
        Dates later than this are refused (default: now).
    allow_returns : bool, default False
        Transactions: admit negative amounts and quantities (returns).
    column_map, date_format, dayfirst
        See ``read_mapped``.

    Returns
    -------
    pandas.DataFrame
        The validated canonical frame (see ``schemas.validate``).
    """
    frame, _ = read_mapped(
        path,
        table,
        duckdb_table,
        column_map=column_map,
        date_format=date_format,
        dayfirst=dayfirst,
    )
    return validate(
        frame, table, source=str(path), as_of=as_of, allow_returns=allow_returns, copy=False
    )
