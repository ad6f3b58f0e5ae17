"""Canonical tables and their schemas, validated at the boundary with pandera.

Tables (one row per …):

- ``customers`` (customer): customer_id (unique; int64 when every id is a plain integer, else
  text as given, e.g. ``C000123``) — the only required column; optional: signup_date
  (datetime, not in the future), channel (str), region (str), consent_status (``opt_in``
  single opt-in, ``double_opt_in`` confirmed, ``opt_out``, ``unknown`` — the default for a
  missing or empty status, never permission to contact), consent_date (datetime; required for
  opt-out), relationship_level (acquaintance / friend / partner).
- ``transactions`` (purchase line): customer_id (id), timestamp (datetime, not in the future),
  amount (float ≥ 0, currency units), quantity (int ≥ 1), product (str: product/module).
  Returns are a separate, documented case: load them with ``allow_returns=True``, which admits
  negative amounts and quantities; the RFM summary then nets them per period.
- ``survey`` (respondent): customer_id (id, unique) + item columns, integers 1–10.
- ``campaign`` (customer × campaign): customer_id (id), arm (str), sent_date (datetime),
  visit (0/1), conversion (0/1), spend (float ≥ 0); (customer_id, sent_date) unique.
- ``products`` (module): module_id (str, unique), attribute (str), level (str),
  unit_cost (float ≥ 0), price (float ≥ 0).

Customer ids (``ids.normalize_ids``) are kept as the user has them: int64 when every id is a
plain integer without leading zeros, else stripped text; empty and negative ids are refused.
Dates are parsed strictly (``dates``: ISO 8601 unless ``date_format``/``dayfirst``); money and
quantities must be finite (``inf``, ``nan`` refused).

``validate(frame, table, source=...)`` coerces types and raises ``DataValidationError`` whose
message names the source, the column, the first offending rows and what was expected.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from crm_models.data._rows import row_labels, where
from crm_models.data.columns import MAPPING_ATTR
from crm_models.data.dates import parse_dates
from crm_models.data.ids import ids_are_valid, normalize_ids
from crm_models.errors import MAX_SHOWN_ROWS, DataValidationError

with warnings.catch_warnings():
    # pandera imports pyspark.pandas when pyspark is installed, and pyspark 4 warns there that
    # pandas 3 is "not yet fully supported" — about pyspark.pandas, which crm-models does not
    # use — on every import: noise before every crm command's output, so silenced here only.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
    import pandera.pandas as pa
    from pandera.errors import SchemaErrors

TABLES = ("customers", "transactions", "survey", "campaign", "products")
UNKNOWN_CONSENT = "unknown"  # no consent status given: never permission to contact
CONSENT_STATUSES = ["opt_in", "double_opt_in", "opt_out", UNKNOWN_CONSENT]
RELATIONSHIP_LEVELS = ["acquaintance", "friend", "partner"]
SURVEY_SCALE = (1, 10)

DATETIME_COLUMNS = {
    "customers": ["signup_date", "consent_date"],
    "transactions": ["timestamp"],
    "survey": [],
    "campaign": ["sent_date"],
    "products": [],
}
KEYS = {
    "customers": ["customer_id"],
    "transactions": [],
    "survey": ["customer_id"],
    "campaign": ["customer_id", "sent_date"],
    "products": ["module_id"],
}


OPT_OUT_RULE = "a consent_date on every opt_out row"
ROW_CHECK_COLUMNS = {OPT_OUT_RULE: "consent_date"}  # row-level check -> the column to fix
INTEGER_COLUMNS = {
    "customers": ["customer_id"],
    "transactions": ["customer_id", "quantity"],
    "survey": None,  # every column
    "campaign": ["customer_id", "visit", "conversion"],
    "products": [],
}
EXPECTATIONS = {"not_nullable": "a value (no empty cells)"}
FINITE_COLUMNS = {
    "customers": [],
    "transactions": ["amount", "quantity"],
    "survey": [],
    "campaign": ["spend"],
    "products": ["unit_cost", "price"],
}
NOT_FINITE_TEXT = r"[+-]?(?:inf|infinity|nan)"
ID_RULE = "non-negative integer ids or non-empty text"


def id_column(unique: bool = False) -> pa.Column:
    """Return the customer id column: int64 ids >= 0 or non-empty text (``ids``)."""
    return pa.Column(None, pa.Check(ids_are_valid, error=ID_RULE), unique=unique)


def _not_future(as_of: pd.Timestamp) -> pa.Check:
    return pa.Check(
        lambda s: s <= as_of, element_wise=False, error=f"dates not after {as_of:%Y-%m-%d}"
    )


def _complete_customers(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill consent: a missing or empty consent_status becomes ``unknown``."""
    frame = frame.copy()
    status = frame.get("consent_status", pd.Series(None, index=frame.index, dtype=object))
    empty = status.isna() | (status.astype(str).str.strip() == "")
    if empty.any() or "consent_status" not in frame.columns:
        status = status.astype(object).mask(empty, UNKNOWN_CONSENT)
    frame["consent_status"] = status
    return frame


def _customers_schema(not_future: pa.Check) -> pa.DataFrameSchema:
    """Return the customers schema: only customer_id is required; consent defaults to unknown."""

    def optional(dtype, *checks) -> pa.Column:
        return pa.Column(dtype, list(checks), required=False, nullable=True, coerce=True)

    columns = {
        "customer_id": id_column(unique=True),
        "signup_date": optional("datetime64[ns]", not_future),
        "channel": optional(str),
        "region": optional(str),
        "consent_status": pa.Column(  # always present: the parser fills it
            str, pa.Check.isin(CONSENT_STATUSES), required=False, coerce=True
        ),
        "consent_date": optional("datetime64[ns]", not_future),
        "relationship_level": optional(str, pa.Check.isin(RELATIONSHIP_LEVELS)),
    }
    opt_out_dated = pa.Check(
        lambda df: (
            ~(
                (df["consent_status"] == "opt_out")
                & df.get("consent_date", pd.Series(pd.NaT, index=df.index)).isna()
            )
        ),
        error=OPT_OUT_RULE,
    )
    return pa.DataFrameSchema(
        columns,
        checks=[opt_out_dated],
        parsers=[pa.Parser(_complete_customers)],
        strict=False,
        name="customers",
        report_duplicates="all",
    )


def schema(
    table: str, as_of: pd.Timestamp | None = None, allow_returns: bool = False
) -> pa.DataFrameSchema:
    """Return the pandera schema of ``table``.

    Dates must not be later than ``as_of`` (default: now).
    """
    as_of = pd.Timestamp.now() if as_of is None else pd.Timestamp(as_of)
    not_future = _not_future(as_of)
    if table == "customers":
        return _customers_schema(not_future)
    elif table == "transactions":
        sign = (
            []
            if allow_returns
            else [pa.Check.ge(0, error="amount >= 0 (returns: allow_returns=True)")]
        )
        quantity_check = [] if allow_returns else [pa.Check.ge(1, error="quantity >= 1")]
        columns = {
            "customer_id": id_column(),
            "timestamp": pa.Column("datetime64[ns]", not_future, coerce=True),
            "amount": pa.Column("float64", sign, coerce=True),
            "quantity": pa.Column("int64", quantity_check, coerce=True, required=False),
            "product": pa.Column(str, coerce=True, required=False),
        }
        checks: list[pa.Check] = []
    elif table == "survey":
        low, high = SURVEY_SCALE
        columns = {
            "customer_id": id_column(unique=True),
            r"^(?!customer_id$).+$": pa.Column(
                "int64",
                pa.Check.in_range(low, high, error=f"integer answers {low}-{high}"),
                regex=True,
                coerce=True,
            ),
        }
        checks = []
    elif table == "campaign":
        binary = pa.Check.isin([0, 1], error="0 or 1")
        columns = {
            "customer_id": id_column(),
            "arm": pa.Column(str, coerce=True),
            "sent_date": pa.Column("datetime64[ns]", not_future, coerce=True),
            "visit": pa.Column("int64", binary, coerce=True),
            "conversion": pa.Column("int64", binary, coerce=True),
            "spend": pa.Column("float64", pa.Check.ge(0, error="spend >= 0"), coerce=True),
        }
        checks = []
    elif table == "products":
        columns = {
            "module_id": pa.Column(str, unique=True, coerce=True),
            "attribute": pa.Column(str, coerce=True),
            "level": pa.Column(str, coerce=True),
            "unit_cost": pa.Column("float64", pa.Check.ge(0), coerce=True),
            "price": pa.Column("float64", pa.Check.ge(0), coerce=True),
        }
        checks = []
    else:
        raise DataValidationError(f"unknown table {table!r}; expected one of {', '.join(TABLES)}")
    return pa.DataFrameSchema(
        columns,
        checks=checks,
        unique=KEYS[table] if len(KEYS[table]) > 1 else None,
        strict=False,
        name=table,
        report_duplicates="all",
    )


def _describe_failures(errors: SchemaErrors, table: str, source: str) -> str:
    cases = errors.failure_cases
    check = cases["check"].astype(str)
    # A value that cannot be coerced also fails the dtype and value checks: report it once.
    is_followup = cases["failure_case"].astype(str).str.startswith("TypeError(")
    coerce_failed = set(cases.loc[check.str.startswith("coerce_dtype"), "column"])
    is_followup |= cases["column"].isin(coerce_failed) & (
        check.str.startswith("dtype(") | (check == "not_nullable")
    )
    cases = cases[~is_followup]
    # Row-level checks (composite keys, rules across columns) list every column of a failing
    # row: report each such check once, naming the columns it is about.
    row_level = (cases["schema_context"].astype(str) == "DataFrameSchema") & cases["index"].notna()
    problems = []  # (column label, expectation, failing cases in row order)
    for (column, name), group in cases[~row_level].groupby(
        ["column", "check"], dropna=False, sort=False
    ):
        label = "(table)" if pd.isna(column) else repr(column)
        problems.append((label, _expectation(str(name), table), _in_row_order(group)))
    for name, group in cases[row_level].groupby("check", sort=False):
        name = str(name)
        if name == "multiple_fields_uniqueness":
            keys = [k for k in KEYS[table] if k in set(group["column"])]
            by_row = group.pivot_table(
                index="index", columns="column", values="failure_case", aggfunc="first"
            ).sort_index()
            rows = pd.DataFrame(
                {
                    "index": by_row.index,
                    "failure_case": list(by_row[keys].itertuples(index=False, name=None)),
                }
            )
            problems.append((f"({', '.join(keys)})", _expectation(name, table), rows))
        else:
            label = repr(ROW_CHECK_COLUMNS.get(name, "(row)"))
            rows = group.drop_duplicates("index").sort_values("index").assign(failure_case=None)
            problems.append((label, _expectation(name, table), rows))
    lines = [
        f"column {label}: expected {expectation}{_where(rows)}"
        for label, expectation, rows in problems
    ]
    if len(lines) == 1:
        return f"{source}: {table} {lines[0]}"
    return "\n".join(
        [f"{source}: {table} table does not match its schema:", *("  " + x for x in lines)]
    )


def _expectation(check: str, table: str) -> str:
    if check.startswith("coerce_dtype("):
        return "values of type " + check[len("coerce_dtype(") : -1].strip("'")
    return {
        "field_uniqueness": "unique values (duplicate key)",
        "multiple_fields_uniqueness": f"unique ({', '.join(KEYS[table])}) (duplicate key)",
        **EXPECTATIONS,
    }.get(check, check)


def _in_row_order(group: pd.DataFrame) -> pd.DataFrame:
    order = pd.to_numeric(group["index"], errors="coerce")
    return group.assign(_order=order).sort_values("_order", kind="stable", na_position="last")


def _where(rows: pd.DataFrame) -> str:
    """' at rows 2, 5 and 3 more (found -1.0, -2.0)' for the first offending rows."""
    shown = rows.head(MAX_SHOWN_ROWS)
    labels = rows["index"].dropna()
    where = f" at rows {row_labels(labels)}" if len(labels) else ""
    values = [v for v in shown["failure_case"] if v is not None]
    found = f" (found {', '.join(_shown(v) for v in values)})" if values else ""
    return where + found


def _shown(value: object) -> str:
    """Format a found value as a user writes it: dates as 2099-01-01, text quoted, numbers plain."""
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value)
    return repr(value)


def check_finite(frame: pd.DataFrame, table: str, source: str) -> None:
    """Money and quantities must be finite: ``inf``, ``-Infinity``, ``nan`` are refused."""
    for column in FINITE_COLUMNS[table]:
        if column not in frame.columns:
            continue
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numbers = values if values.dtype == "float64" else values.astype("float64")
            bad = pd.Series(np.isinf(numbers.to_numpy()), index=values.index)
        else:
            text = values.astype("string").str.strip()
            bad = text.str.fullmatch(NOT_FINITE_TEXT, case=False).fillna(False)
            number = pd.to_numeric(values.where(~bad), errors="coerce")
            bad |= pd.Series(np.isinf(number.astype("float64")), index=values.index)
        if bad.any():
            raise DataValidationError(
                f"{source}: {table} column {column!r}: expected finite numbers (no inf or nan)"
                f"{where(values, bad)}"
            )


def check_whole_numbers(frame: pd.DataFrame, table: str, source: str) -> None:
    """Integer columns must hold whole numbers: 1.5 is an error, not silently truncated to 1."""
    columns = INTEGER_COLUMNS[table]
    columns = (
        [c for c in frame.columns if c != "customer_id"] + ["customer_id"]
        if columns is None
        else columns
    )
    for column in columns:
        if column not in frame.columns or not pd.api.types.is_float_dtype(frame[column]):
            continue
        values = frame[column]
        bad = values.notna() & np.isfinite(values) & (values != np.round(values))
        if bad.any():
            rows = row_labels(frame.index[bad])
            found = ", ".join(repr(float(v)) for v in values[bad].head(MAX_SHOWN_ROWS))
            raise DataValidationError(
                f"{source}: {table} column {column!r}: expected whole numbers (integers) at rows "
                f"{rows} (found {found})"
            )


def validate(
    frame: pd.DataFrame,
    table: str,
    source: str = "data frame",
    as_of: pd.Timestamp | None = None,
    allow_returns: bool = False,
    *,
    date_format: str | None = None,
    dayfirst: bool = False,
    copy: bool = True,
) -> pd.DataFrame:
    """Validate and coerce ``frame`` as canonical ``table``; return the clean frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table with canonical column names (see ``columns.map_columns``).
    table : str
        One of ``TABLES``.
    source : str
        The file or origin, named first in every error.
    as_of : pandas.Timestamp, optional
        Dates later than this are refused (default: now).
    allow_returns : bool, default False
        Transactions: admit negative amounts and quantities.
    date_format : str, optional
        strftime layout of text dates that are not ISO 8601 (see ``dates``).
    dayfirst : bool, default False
        Accept day-first dates (31/05/2024) besides ISO 8601.
    copy : bool, default True
        False: coerce ``frame``'s columns and index in place — for a frame the caller owns
        (e.g. just built by ``map_columns``), saving a copy of every column.

    Returns
    -------
    pandas.DataFrame
        The validated frame with canonical dtypes.

    Raises ``DataValidationError`` naming ``source``, the column(s), the first offending
    rows (1-based data rows) and what was expected; for a frame from ``loaders.read_mapped``
    also the user's name of each column (``column 'Datum' (read as 'timestamp')``).
    """
    mapping = frame.attrs.get(MAPPING_ATTR)
    options = (as_of, allow_returns, date_format, dayfirst, copy)
    if mapping is None:
        return _validate(frame, table, source, *options)
    try:
        return _validate(frame, table, source, *options)
    except DataValidationError as error:
        raise DataValidationError(mapping.name_user_columns(str(error))) from None


def _validate(
    frame: pd.DataFrame,
    table: str,
    source: str,
    as_of: pd.Timestamp | None,
    allow_returns: bool,
    date_format: str | None,
    dayfirst: bool,
    copy: bool,
) -> pd.DataFrame:
    if table not in TABLES:
        raise DataValidationError(f"unknown table {table!r}; expected one of {', '.join(TABLES)}")
    if frame.empty:
        raise DataValidationError(f"{source}: {table} has no rows (expected at least one data row)")
    expected = schema(table, as_of, allow_returns)
    missing = [
        name
        for name, column in expected.columns.items()
        if column.required and not column.regex and name not in frame.columns
    ]
    if missing:
        raise DataValidationError(
            f"{source}: {table} is missing column(s) {', '.join(map(repr, missing))}; "
            f"found {', '.join(map(repr, frame.columns))}"
        )
    if copy:  # our own frame from here on (pandas 3: copied on write)
        frame = frame.reset_index(drop=True)
    else:
        frame.index = pd.RangeIndex(len(frame))
    frame = parse_dates(
        frame,
        DATETIME_COLUMNS[table],
        f"{source}: {table}",
        date_format=date_format,
        dayfirst=dayfirst,
        copy=False,
    )
    check_finite(frame, table, source)
    check_whole_numbers(frame, table, source)
    if "customer_id" in frame.columns:
        label = f"{source}: {table} column 'customer_id'"
        ids = frame["customer_id"]
        if ids.isna().all():  # normalize_ids needs one id (lead: fix in ids)
            raise DataValidationError(
                f"{label}: expected an id on every row; empty ids{where(ids, ids.isna())}"
            )
        normalized = normalize_ids(ids, label)
        if normalized is not ids:  # assigning copies the column: only when it changed
            frame["customer_id"] = normalized
    expected = _without_needless_coercion(expected, frame)
    try:
        return expected.validate(frame, lazy=True, inplace=True)  # our copy or the caller's own
    except SchemaErrors as errors:
        raise DataValidationError(_describe_failures(errors, table, source)) from None


def _without_needless_coercion(
    expected: pa.DataFrameSchema, frame: pd.DataFrame
) -> pa.DataFrameSchema:
    """Return ``expected`` with coercion off for the columns that already have its dtype.

    Coercing such a column changes nothing but costs a copy (and, for dates, a pass of
    ``to_datetime``): about 0.17 s per call on 4.7M rows. Checks still run on every column.
    """
    already = {
        name: {"coerce": False}
        for name, column in expected.columns.items()
        if column.coerce
        and not column.regex
        and name in frame.columns
        and str(frame[name].dtype) == str(column.dtype)
    }
    return expected.update_columns(already) if already else expected


def check_references(
    child: pd.DataFrame, parent_ids: pd.Series, child_table: str, source: str
) -> None:
    """Every ``customer_id`` in ``child`` must be a known customer; else name the unknown ids."""
    unknown_mask = ~child["customer_id"].isin(parent_ids)
    if unknown_mask.any():
        rows = child.index[unknown_mask][:MAX_SHOWN_ROWS]
        ids = child.loc[rows, "customer_id"].tolist()
        raise DataValidationError(
            f"{source}: {child_table} column 'customer_id': expected ids present in customers; "
            f"{int(unknown_mask.sum())} rows have unknown ids, e.g. rows "
            f"{row_labels(rows)} (ids {ids})"
        )
