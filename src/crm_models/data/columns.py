"""Column mapping: the user's column names → the canonical ones of each table.

Matching ignores case, spaces, ``_``, ``-`` and ``.`` (``InvoiceDate`` = ``invoice date`` =
``invoice_date``). For each canonical column, in this order:

1. an explicit ``column_map`` entry ``{"user column": "canonical"}`` (also the string
   ``"date=timestamp,cust=customer_id"`` or the path of a small YAML file holding the mapping);
2. a column named exactly like the canonical one;
3. one column whose name is a known alias (``ALIASES``). Two candidates are refused with both
   named and the ``--map`` that settles it.

Transactions without an amount column get ``amount = quantity × unit price`` when both are
there (``Quantity``/``qty`` and ``UnitPrice``/``price``). Columns that map to nothing are kept
where the schema is open (survey items, campaign covariates) and dropped where it is closed
(customers, transactions, products); ``ColumnMapping.describe()`` names both.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from crm_models.data._rows import where
from crm_models.errors import DataValidationError, ParameterError

__all__ = [
    "ALIASES",
    "MAPPING_ATTR",
    "OPEN_TABLES",
    "ColumnMapping",
    "map_columns",
    "normalize_name",
    "parse_column_map",
    "plan_columns",
]

_ID = ["CustomerID", "customer", "cust", "cust_id", "client_id", "client", "user_id"]
_ID += ["member_id", "customer_number", "customer_no"]
ALIASES: dict[str, dict[str, list[str]]] = {
    "transactions": {
        "customer_id": _ID,
        "timestamp": ["date", "order_date", "InvoiceDate", "purchase_date", "transaction_date"]
        + ["datetime", "time", "order_time", "created_at", "purchase_time", "transaction_time"],
        "amount": ["revenue", "sales", "total", "value", "spend", "line_total", "total_amount"]
        + ["order_total", "order_value", "net_sales"],
        "quantity": ["qty", "units"],
        "product": ["product_id", "StockCode", "sku", "item", "item_id", "product_name"]
        + ["article", "module"],
        "unit_price": ["UnitPrice", "price", "price_each", "item_price"],
    },
    "customers": {
        "customer_id": _ID,
        "signup_date": ["signup", "sign_up_date", "created_at", "created", "registration_date"]
        + ["registered", "join_date", "joined"],
        "channel": ["acquisition_channel", "source_channel"],
        "region": ["area", "territory"],
        "consent_status": ["consent", "marketing_consent", "email_consent"],
        "consent_date": ["consent_at", "consent_updated_at", "consent_timestamp"],
        "relationship_level": ["relationship"],
    },
    "survey": {"customer_id": _ID},
    "campaign": {
        "customer_id": _ID,
        "arm": ["treatment", "variant", "group", "offer"],
        "sent_date": ["send_date", "sent", "sent_at", "date", "campaign_date", "mail_date"],
        "visit": ["visited"],
        "conversion": ["converted"],
        "spend": ["revenue", "amount", "sales", "value"],
    },
    "products": {
        "module_id": ["module", "product_id", "product", "sku", "id"],
        "attribute": ["feature"],
        "level": ["option"],
        "unit_cost": ["cost"],
        "price": ["list_price"],
    },
}
OPEN_TABLES = frozenset({"survey", "campaign"})  # unmapped columns are kept (items, covariates)
HELPER_COLUMNS = {"transactions": {"unit_price"}}  # used to derive a column, then dropped
SHOWN_ALIASES = 6


def normalize_name(name: object) -> str:
    """``'Invoice Date'``, ``'invoice_date'``, ``'InvoiceDate'`` → ``'invoicedate'``."""
    return re.sub(r"[\s_\-.]+", "", str(name)).lower()


MAPPING_ATTR = "crm_column_mapping"
"""Key of ``DataFrame.attrs`` under which ``loaders.read_mapped`` leaves the mapping it used, so
``schemas.validate`` can name the user's columns in its errors."""

_COLUMN_IN_MESSAGE = re.compile(r"column '([^']*)'")


@dataclass(frozen=True)
class ColumnMapping:
    """How the user's columns became the canonical table (``describe()`` prints it).

    Attributes
    ----------
    table : str
        The canonical table.
    renamed : tuple of (str, str)
        ``(user column, canonical column)`` pairs, in the file's column order.
    amount_from : tuple of (str, str) or None
        ``(quantity column, unit price column)`` when amount was computed as their product.
    kept : tuple of str
        Other columns kept as they are (open schemas: survey items, campaign covariates).
    dropped : tuple of str
        Other columns dropped (closed schemas).
    """

    table: str
    renamed: tuple[tuple[str, str], ...]
    amount_from: tuple[str, str] | None = None
    kept: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, str]:
        """Return ``{user column: canonical column}`` of every mapped column.

        Returns
        -------
        dict of str to str
            The renames, in the file's column order.
        """
        return dict(self.renamed)

    def describe(self) -> str:
        """Return the mapping as one line.

        Returns
        -------
        str
            E.g. ``"columns: date → timestamp, CustomerID → customer_id, amount"``.
        """
        names = [user if user == canon else f"{user} → {canon}" for user, canon in self.renamed]
        parts = ["columns: " + ", ".join(names)]
        if self.amount_from:
            parts.append(f"amount = {self.amount_from[0]} × {self.amount_from[1]}")
        if self.kept:
            parts.append("kept as they are: " + ", ".join(self.kept))
        if self.dropped:
            parts.append(f"ignored (not in the {self.table} schema): " + ", ".join(self.dropped))
        return "; ".join(parts)

    def name_user_columns(self, message: str) -> str:
        """Name the user's column beside each canonical one in an error ``message``.

        Parameters
        ----------
        message : str
            An error about canonical columns, e.g. ``"tx.csv: transactions column 'timestamp':
            expected dates …"``.

        Returns
        -------
        str
            E.g. ``"tx.csv: transactions column 'Datum' (read as 'timestamp'): expected dates
            …"``; a computed amount reads ``column 'amount' (computed as Quantity ×
            UnitPrice)``. Columns the user named canonically are left as they are.
        """
        users = {canon: user for user, canon in self.renamed if user != canon}

        def name(match: re.Match) -> str:
            canon = match.group(1)
            if canon in users:
                return f"column {users[canon]!r} (read as {canon!r})"
            if canon == "amount" and self.amount_from:
                return f"column 'amount' (computed as {' × '.join(self.amount_from)})"
            return match.group(0)

        return _COLUMN_IN_MESSAGE.sub(name, message)


def parse_column_map(column_map: dict | str | Path | None) -> dict[str, str]:
    """Read an explicit mapping: a dict, ``"user=canonical,…"`` or a YAML file path.

    Parameters
    ----------
    column_map : dict, str, pathlib.Path or None
        ``{"user column": "canonical"}``; the string ``"date=timestamp,cust=customer_id"``;
        or the path of a ``.yaml``/``.yml`` file holding such a mapping.

    Returns
    -------
    dict of str to str
        The mapping (empty when ``column_map`` is None or empty).
    """
    if column_map is None or (isinstance(column_map, str) and not column_map.strip()):
        return {}
    if isinstance(column_map, Path) or (
        isinstance(column_map, str) and column_map.strip().lower().endswith((".yaml", ".yml"))
    ):
        path = Path(str(column_map).strip())
        if not path.is_file():
            raise ParameterError(f"column map {str(path)!r}: no such file")
        try:
            column_map = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise ParameterError(f"column map {str(path)!r}: not readable YAML ({error})") from None
        if not isinstance(column_map, dict):
            raise ParameterError(
                f"column map {str(path)!r}: expected a mapping 'your column: canonical column'"
            )
    if isinstance(column_map, str):
        pairs = {}
        for item in column_map.split(","):
            user, sep, canon = item.partition("=")
            if not sep or not user.strip() or not canon.strip() or "=" in canon:
                raise ParameterError(
                    f"column map: expected YOUR_COLUMN=canonical_column, found {item.strip()!r} "
                    "(e.g. --map date=timestamp,cust=customer_id, or column_map= the same text)"
                )
            if user.strip() in pairs:
                raise ParameterError(f"column map: column {user.strip()!r} is named twice")
            pairs[user.strip()] = canon.strip()
        return pairs
    if not isinstance(column_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in column_map.items()
    ):
        raise ParameterError(
            "column map: expected {'your column': 'canonical column'} with text names"
        )
    return {k.strip(): v.strip() for k, v in column_map.items()}


def _canonical(table: str) -> list[str]:
    from crm_models.data.schemas import schema

    return [name for name, column in schema(table).columns.items() if not column.regex]


def _required(table: str) -> list[str]:
    from crm_models.data.schemas import schema

    columns = schema(table).columns.items()
    return [name for name, column in columns if column.required and not column.regex]


def plan_columns(
    columns: list[str],
    table: str,
    column_map: dict | str | Path | None = None,
    source: str = "data frame",
    optional: Collection[str] = (),
) -> ColumnMapping:
    """Decide the mapping of ``columns`` (the file's header) to ``table``'s canonical columns.

    Parameters
    ----------
    columns : list of str
        The user's column names, in file order.
    table : str
        The canonical table.
    column_map : dict, str or Path, optional
        Explicit mapping (see ``parse_column_map``); wins over names and aliases.
    source : str
        The file, for error messages.
    optional : collection of str, default ()
        Required columns the caller can do without (``rfm_summary`` counts purchases without
        ``amount``): not refused when absent.

    Returns
    -------
    ColumnMapping
        The mapping; raises ``DataValidationError`` on an ambiguous match, an explicit map
        naming a missing column, or a required column that nothing maps to.
    """
    columns = [str(c) for c in columns]
    explicit = parse_column_map(column_map)
    canonical = _canonical(table)
    targets = canonical + sorted(HELPER_COLUMNS.get(table, ()))
    for user, canon in explicit.items():
        if user not in columns:
            raise DataValidationError(
                f"{source}: the column map names column {user!r}, which the file does not have; "
                f"found {', '.join(map(repr, columns))}"
            )
        if canon not in targets and table not in OPEN_TABLES:
            raise DataValidationError(
                f"{source}: the column map maps {user!r} to {canon!r}, not a {table} column; "
                f"expected one of {', '.join(targets)}"
            )
    chosen = {canon: user for user, canon in explicit.items()}
    if len(chosen) < len(explicit):
        twice = pd.Series(list(explicit.values())).duplicated(keep=False)
        names = [u for u, d in zip(explicit, twice, strict=True) if d]
        raise DataValidationError(
            f"{source}: the column map maps {', '.join(map(repr, names))} to the same column"
        )
    free = [c for c in columns if c not in explicit]
    for canon in targets:
        if canon in chosen:
            continue
        if canon in free:
            chosen[canon] = canon
            continue
        known = {normalize_name(a) for a in [canon, *ALIASES[table].get(canon, [])]}
        candidates = [c for c in free if normalize_name(c) in known and c not in chosen.values()]
        if len(candidates) > 1:
            first = candidates[0]
            raise DataValidationError(
                f"{source}: {table} columns {', '.join(map(repr, candidates))} could each be "
                f"{canon!r}; choose one with --map {first}={canon} "
                f"(column_map={{{first!r}: {canon!r}}})"
            )
        if candidates:
            chosen[canon] = candidates[0]
    amount_from = None
    if table == "transactions" and "amount" not in chosen:
        if "quantity" in chosen and "unit_price" in chosen:
            amount_from = (chosen["quantity"], chosen["unit_price"])
    missing = [c for c in _required(table) if c not in chosen and c not in optional]
    if amount_from and "amount" in missing:
        missing.remove("amount")
    if missing:
        hints = "; ".join(
            f"{c!r} may also be called "
            f"{', '.join(ALIASES[table].get(c, [])[:SHOWN_ALIASES]) or 'nothing else'}"
            for c in missing
        )
        raise DataValidationError(
            f"{source}: {table} is missing column(s) {', '.join(map(repr, missing))}; found "
            f"{', '.join(map(repr, columns))} ({hints}; or name yours with --map YOURS=CANONICAL, "
            "in Python column_map={'YOURS': 'CANONICAL'})"
        )
    helpers = HELPER_COLUMNS.get(table, set())
    by_user = {user: canon for canon, user in chosen.items() if canon not in helpers}
    renamed = tuple((c, by_user[c]) for c in columns if c in by_user)
    others = [c for c in columns if c not in by_user and c not in (amount_from or ())]
    if table in OPEN_TABLES:
        return ColumnMapping(table, renamed, amount_from, kept=tuple(others))
    return ColumnMapping(table, renamed, amount_from, dropped=tuple(others))


def map_columns(
    frame: pd.DataFrame,
    table: str,
    column_map: dict | str | Path | None = None,
    source: str = "data frame",
    optional: Collection[str] = (),
    *,
    copy: bool = True,
) -> tuple[pd.DataFrame, ColumnMapping]:
    """Rename ``frame``'s columns to ``table``'s canonical names (see ``plan_columns``).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read.
    table : str
        The canonical table.
    column_map : dict, str or Path, optional
        Explicit mapping (see ``parse_column_map``).
    source : str
        The file, for error messages.
    optional : collection of str, default ()
        Required columns that may be absent (see ``plan_columns``).
    copy : bool, default True
        False: when every column is kept, the result shares ``frame``'s column arrays (saves
        0.07–0.19 s on 4.7M rows) — only for a caller that reads the result and never writes
        into it (the engines scan it).

    Returns
    -------
    (pandas.DataFrame, ColumnMapping)
        The renamed frame (amount computed when needed, closed schemas without the extra
        columns) and the mapping used.
    """
    mapping = plan_columns(list(frame.columns), table, column_map, source, optional)
    frame = frame.copy(deep=False)  # new labels and columns only; frame[keep] below copies
    frame.columns = [str(c) for c in frame.columns]
    renames = mapping.to_dict()
    if mapping.amount_from:
        factors = []
        for name in mapping.amount_from:
            raw = frame[name]
            number = pd.to_numeric(raw, errors="coerce")
            present = raw.notna()
            if not pd.api.types.is_numeric_dtype(raw):
                present &= raw.astype("string").str.strip().fillna("") != ""
            bad = present & ~np.isfinite(number.astype("float64"))
            if bad.any():
                raise DataValidationError(
                    f"{source}: {table} column {name!r}: expected finite numbers to compute "
                    f"amount = {' × '.join(mapping.amount_from)}{where(raw, bad)}"
                )
            factors.append(number)
        frame["amount"] = factors[0] * factors[1]
        renames["amount"] = "amount"
    keep = list(renames) + list(mapping.kept)
    # frame[keep] copies every column; the result is relabeled in place (rename would copy again)
    everything = keep == list(frame.columns)
    out = frame if everything and not copy else frame[keep]
    out.columns = pd.Index([renames.get(c, c) for c in keep])
    clash = out.columns[out.columns.duplicated()].tolist()
    if clash:
        raise DataValidationError(
            f"{source}: after mapping, {table} has column(s) {', '.join(map(repr, clash))} twice; "
            "rename or drop one of them"
        )
    return out, mapping
