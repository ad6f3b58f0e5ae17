"""Dates you can trust: ISO 8601 by default, any other layout only when the user names it.

Rules (``parse_date_column``):

- Datetime columns (Parquet, DuckDB) pass as they are; time-zone aware ones become UTC,
  naive.
- Text is ISO 8601 by default: ``2024-05-31``, ``2024-05-31 14:02``, ``2024-05-31T14:02:00``,
  optionally with an offset (``Z``, ``+02:00``, ``+0200``).
- Anything else needs ``date_format`` (strftime, e.g. ``"%d/%m/%Y"``; every value must match
  it exactly) or ``dayfirst=True`` (``31/05/2024``, ``31.05.2024``, ``31-05-2024``, with an
  optional time; ISO values still pass).
- Refused, naming the offending rows: numbers in a date column (``20240501``, an epoch
  ``1714800000``, a numeric Parquet column) unless ``date_format`` says how to read them;
  text that is not ISO 8601 without a format (the message suggests ``date_format=`` /
  ``--date-format``);
  mixed time-zone offsets (some values with an offset and others without, or different
  offsets). One consistent offset is converted to UTC (naive).
- Empty cells stay missing (NaT); the schema decides whether a value is required.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.data._rows import where
from crm_models.errors import DataValidationError

__all__ = ["parse_date_column", "parse_dates"]

ISO_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?"
OFFSET = r"Z|[+-]\d{2}(?::?\d{2})?"
WITH_OFFSET = r"^(?P<body>.*\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?P<tz>" + OFFSET + r")$"
NUMBER = r"^[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?$"
DAY_FIRST = (
    r"^(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})"
    r"(?P<time>[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?$"
)


def _option(keyword: str, value: str = "") -> str:
    """Name an option for both audiences: ``date_format= / --date-format``.

    The same message reaches Python users (keyword arguments of ``load_table``,
    ``rfm_summary`` …) and the command line (``crm data load``), so it names both spellings.

    Parameters
    ----------
    keyword : str
        The Python keyword, e.g. ``"date_format"``; the flag is derived (``--date-format``).
    value : str, default ""
        Shown after the keyword (``"True"`` gives ``dayfirst=True / --dayfirst``).

    Returns
    -------
    str
        E.g. ``"date_format= / --date-format"``.
    """
    return f"{keyword}={value} / --{keyword.replace('_', '-')}"


HINT = (
    f"; other layouts need {_option('date_format')} (e.g. '%d/%m/%Y') or "
    f"{_option('dayfirst', 'True')}"
)
ISO_EXAMPLE = "2024-05-31 or 2024-05-31 14:02:00, years 1678-2261"


def _offset_minutes(text: pd.Series) -> pd.Series:
    """Minutes east of UTC of each value's trailing offset; NaN where there is none."""
    # Only values ending like an offset can have one: the full pattern (slow on long text)
    # runs on those alone (1M distinct timestamps without offsets: 11 s -> about 1 s).
    maybe = text.str[-6:].str.contains(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", regex=True)
    minutes = pd.Series(np.nan, index=text.index)
    if not maybe.any():
        return minutes
    tz = text[maybe].str.extract(WITH_OFFSET)["tz"]
    parts = tz.str.extract(r"^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?$")
    found = pd.to_numeric(parts["h"]) * 60 + pd.to_numeric(parts["m"]).fillna(0)
    found = found.where(parts["sign"] != "-", -found)
    minutes[maybe] = found.mask(tz == "Z", 0.0)
    return minutes


def _check_offsets(text: pd.Series, label: str, rows) -> bool:
    """Refuse mixed offsets; return True when every value carries the same offset.

    ``text`` holds the distinct values; ``rows(mask)`` names the data rows of a mask on them.
    """
    minutes = _offset_minutes(text)
    has = minutes.notna()
    if not has.any():
        return False
    if not has.all():
        raise DataValidationError(
            f"{label}: expected every date with the same time-zone offset or none; rows without "
            f"an offset{rows(~has)}, while others have one (e.g. {text[has].iloc[0]!r})"
        )
    first = minutes.iloc[0]
    differs = minutes != first
    if differs.any():
        raise DataValidationError(
            f"{label}: expected one time-zone offset for the whole column (the first date is "
            f"{text.iloc[0]!r}); other offsets{rows(differs)}"
        )
    return True


def _refuse_numbers(values: pd.Series, label: str) -> None:
    raise DataValidationError(
        f"{label}: expected dates as text (e.g. 2024-05-01), not numbers such as 20240501 or an "
        f"epoch 1714800000{where(values, values.notna())}; for numbers give "
        f"{_option('date_format')} (e.g. '%Y%m%d')"
    )


def _day_first(text: pd.Series) -> pd.Series:
    """Rewrite day-first values (31/05/2024 [14:02]) as ISO text; others unchanged."""
    parts = text.str.extract(DAY_FIRST)
    iso = (
        parts["y"]
        + "-"
        + parts["m"].str.zfill(2)
        + "-"
        + parts["d"].str.zfill(2)
        + parts["time"].fillna("")
    )
    return iso.where(parts["y"].notna(), text)


def _outside_ns_range(values: pd.Series) -> pd.Series:
    """Naive datetimes that nanosecond timestamps cannot hold (pandas 3 parses them to µs)."""
    return values.notna() & ((values < pd.Timestamp.min) | (values > pd.Timestamp.max))


def parse_date_column(
    raw: pd.Series,
    label: str,
    *,
    date_format: str | None = None,
    dayfirst: bool = False,
) -> pd.Series:
    """Parse one date column strictly; raise naming the offending rows.

    Parameters
    ----------
    raw : pandas.Series
        The column as read (text, numbers or datetimes); index = 0-based data rows.
    label : str
        How the error names the column, e.g. ``"tx.csv: transactions column 'timestamp'"``.
    date_format : str, optional
        strftime layout every value must match exactly (e.g. ``"%d/%m/%Y"``).
    dayfirst : bool, default False
        Accept ``31/05/2024``-style values (day before month) besides ISO 8601.

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` values, naive (offsets converted to UTC); NaT where empty.
    """
    if raw.dtype == "datetime64[ns]":  # already parsed: returned as is (no copy)
        return raw
    if pd.api.types.is_datetime64_any_dtype(raw):
        if getattr(raw.dt, "tz", None) is not None:
            raw = raw.dt.tz_convert("UTC").dt.tz_localize(None)
        outside = _outside_ns_range(raw)
        if outside.any():
            raise DataValidationError(
                f"{label}: expected dates in the years 1678-2261{where(raw, outside)}"
            )
        return raw.astype("datetime64[ns]")
    if raw.isna().all():
        return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if pd.api.types.is_bool_dtype(raw):
        raise DataValidationError(f"{label}: expected dates{where(raw, raw.notna())}")
    if pd.api.types.is_numeric_dtype(raw):
        if date_format is None:
            _refuse_numbers(raw, label)
        whole = raw.notna() & (raw == raw.round())
        raw = raw.astype(object).where(~whole, raw[whole].astype("int64").astype(str))
    elif pd.api.types.infer_dtype(raw, skipna=True) in ("date", "datetime"):
        return parse_date_column(pd.to_datetime(raw), label)
    present = raw.notna()
    # Work on the distinct values (dates repeat); errors map back to the data rows.
    codes, uniques = pd.factorize(raw[present].astype(str), sort=False)  # in row order
    text = pd.Series(uniques, dtype=object).str.strip()
    empty = text == ""

    def shown(mask: pd.Series) -> pd.Series:
        at_rows = pd.Series(text.to_numpy()[codes], index=raw.index[present])
        return at_rows[mask.to_numpy()[codes]]

    def rows(mask: pd.Series) -> str:
        values = shown(mask)
        return where(values, values.notna())

    values = text.where(~empty, "2000-01-01")
    utc = _check_offsets(
        text[~empty], label, lambda mask: rows(mask.reindex(text.index, fill_value=False))
    )
    if date_format is not None:
        parsed = pd.to_datetime(values, format=date_format, exact=True, errors="coerce", utc=utc)
        expected = f"dates in the format {date_format!r}"
    else:
        is_number = values.str.match(NUMBER)
        if is_number.any():
            _refuse_numbers(shown(is_number), label)
        if dayfirst:
            values = _day_first(values)
        iso = values.str.fullmatch(f"(?:{ISO_DATE})(?:{OFFSET})?")
        parsed = pd.to_datetime(values.where(iso), format="ISO8601", errors="coerce", utc=utc)
        expected = f"dates as ISO 8601 ({ISO_EXAMPLE})"
        if dayfirst:
            expected = f"dates as ISO 8601 or day first (31/05/2024) ({ISO_EXAMPLE})"
    if utc:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    bad = (parsed.isna() | _outside_ns_range(parsed)) & ~empty
    if bad.any():
        hint = "" if date_format or dayfirst else HINT
        raise DataValidationError(f"{label}: expected {expected}{rows(bad)}{hint}")
    parsed = parsed.astype("datetime64[ns]").mask(empty)
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    out[present] = parsed.to_numpy()[codes]
    return out


def parse_dates(
    frame: pd.DataFrame,
    columns: list[str],
    what: str,
    *,
    date_format: str | None = None,
    dayfirst: bool = False,
    copy: bool = True,
) -> pd.DataFrame:
    """Return a copy of ``frame`` with each present column of ``columns`` parsed.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, with a 0-based row index.
    columns : list of str
        The date columns of its table; absent ones are skipped.
    what : str
        Source and table for the error message, e.g. ``"tx.csv: transactions"``.
    date_format, dayfirst
        See ``parse_date_column``.
    copy : bool, default True
        False: parse in ``frame`` itself (a frame the caller owns), saving one copy.

    Returns
    -------
    pandas.DataFrame
        The frame with ``datetime64[ns]`` date columns.
    """
    if copy:
        frame = frame.copy()
    for column in columns:
        if column in frame.columns:
            raw = frame[column]
            parsed = parse_date_column(
                raw, f"{what} column {column!r}", date_format=date_format, dayfirst=dayfirst
            )
            if parsed is not raw:  # assigning copies the column: only when it changed
                frame[column] = parsed
    return frame
