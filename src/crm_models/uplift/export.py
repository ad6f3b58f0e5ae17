"""Export a target list atomically, consent re-checked before anything is written.

Formats: CSV, Parquet (via ``crm_models._files.atomic_path``) or a DuckDB table (replaced
inside one transaction).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from crm_models._files import atomic_path
from crm_models.errors import DataValidationError, ParameterError
from crm_models.uplift.consent import consent_eligible

__all__ = ["TARGET_COLUMNS", "export_targets"]

TARGET_COLUMNS = ["customer_id", "arm", "expected_uplift", "expected_profit"]


def _to_duckdb(out: pd.DataFrame, con: Any, table: str) -> str:
    """Replace ``table`` in the DuckDB connection ``con`` with ``out`` in one transaction."""
    if not table.replace("_", "").isalnum():
        raise ParameterError(f"table name must be alphanumeric/underscores, got {table!r}")
    con.register("_crm_targets_export", out)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _crm_targets_export")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_crm_targets_export")
    return table


def export_targets(
    targets: pd.DataFrame,
    path: Any,
    fmt: str | None = None,
    consent: pd.Series | None = None,
    require_double_opt_in: bool = False,
    table: str = "campaign_targets",
) -> Path | str:
    """Write the target list atomically: CSV, Parquet or a DuckDB table.

    Parameters
    ----------
    targets : pandas.DataFrame
        Columns customer_id, arm, expected_uplift, expected_profit.
    path : str, os.PathLike or duckdb connection
        A file path (written beside the destination, then renamed into place, so readers
        never see a partial file) or a ``duckdb`` connection, where ``table`` is replaced
        inside one transaction.
    fmt : str, optional
        'csv' or 'parquet' (default: from the suffix of ``path``).
    consent : pandas.Series, optional
        customer_id → consent status; when given, the export refuses any target the consent
        rule (:func:`~crm_models.uplift.consent_eligible`) does not allow.
    require_double_opt_in : bool, default False
        Only double opt-in customers are allowed.
    table : str, default "campaign_targets"
        DuckDB table name.

    Returns
    -------
    pathlib.Path or str
        The file written, or the DuckDB table name.
    """
    missing = [col for col in TARGET_COLUMNS if col not in targets.columns]
    if missing:
        raise DataValidationError(f"target list lacks column(s) {missing}")
    out = targets[TARGET_COLUMNS].reset_index(drop=True)
    if consent is not None:
        allowed = consent_eligible(out["customer_id"].map(consent), require_double_opt_in)
        if not allowed.all():
            bad = out.loc[~allowed, "customer_id"].head(3).tolist()
            raise DataValidationError(
                f"{int((~allowed).sum())} target(s) lack consent (e.g. customer_id {bad}); "
                "refusing to export"
            )
    if hasattr(path, "execute") and not isinstance(path, (str, os.PathLike)):
        return _to_duckdb(out, path, table)
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "parquet"):
        raise ParameterError(f"export format must be 'csv' or 'parquet', got {fmt!r} ({path})")
    with atomic_path(path) as temporary:
        if fmt == "csv":
            out.to_csv(temporary, index=False)
        else:
            out.to_parquet(temporary, index=False)
    return path
