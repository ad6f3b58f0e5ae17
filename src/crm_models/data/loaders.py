"""Read a canonical table from CSV, Parquet or a DuckDB table into a validated frame.

``load_table(path, table)`` picks the reader by extension (``.csv``, ``.parquet``/``.pq``,
``.duckdb``/``.db`` — then ``duckdb_table`` names the table, default = ``table``) and always
returns the same validated, typed frame (see ``crm_models.data.schemas``). Every failure is a
``DataValidationError`` naming the file: missing file, empty file, text that is not UTF-8,
unreadable format, and every schema violation.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from crm_models.data.schemas import validate
from crm_models.errors import DataValidationError

CSV_SUFFIXES = {".csv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
DUCKDB_SUFFIXES = {".duckdb", ".db"}


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


def read_csv(path: Path) -> pd.DataFrame:
    """Read a UTF-8 CSV with a header row; fails clearly on empty or non-UTF-8 files."""
    if path.stat().st_size == 0:
        raise DataValidationError(f"{path}: the file is empty (expected a header row and data)")
    _check_utf8(path)
    try:
        frame = pd.read_csv(path, encoding="utf-8", skipinitialspace=True)
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


def read_any(path: str | Path, duckdb_table: str | None = None) -> pd.DataFrame:
    """Read a raw frame from CSV, Parquet or a DuckDB table, without validation."""
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(path)
    if suffix in PARQUET_SUFFIXES:
        return read_parquet(path)
    if suffix in DUCKDB_SUFFIXES:
        if not duckdb_table:
            raise DataValidationError(f"{path}: name the table to read from this DuckDB file")
        return read_duckdb_table(path, duckdb_table)
    raise DataValidationError(
        f"{path}: unknown file type {suffix!r}; expected .csv, .parquet or .duckdb"
    )


def load_table(
    path: str | Path,
    table: str,
    duckdb_table: str | None = None,
    as_of: pd.Timestamp | None = None,
    allow_returns: bool = False,
) -> pd.DataFrame:
    """Load canonical ``table`` from ``path`` and validate it (see ``schemas.validate``)."""
    frame = read_any(path, duckdb_table or table)
    return validate(frame, table, source=str(path), as_of=as_of, allow_returns=allow_returns)
