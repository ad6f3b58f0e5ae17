"""Checks and encoding of the frames the survival models read (durations, events, covariates).

Every check raises one :class:`~crm_models.errors.DataValidationError` line that names the
caller, the column, the first offending rows (1-based data rows, with the frame's index labels
when they are not 0..n-1) and what was expected. Text and categorical covariates are one-hot
encoded with readable names (``"channel=web"``; the first level, in sorted or category order,
is the baseline and is dropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError, format_rows


def check_frame(frame: object, source: str) -> pd.DataFrame:
    """Return ``frame`` if it is a non-empty DataFrame, else raise a one-line error."""
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            f"{source}: expected a pandas DataFrame, got {type(frame).__name__}"
        )
    if len(frame) == 0:
        raise DataValidationError(f"{source}: the frame is empty (no customers)")
    return frame


def _at_rows(frame: pd.DataFrame, mask: np.ndarray) -> str:
    """' at rows 1, 4 (customer_id 17, 'C9')' for the True positions of ``mask``."""
    return f" at rows {format_rows(np.flatnonzero(mask), labels=frame.index)}"


def _require(frame: pd.DataFrame, name: str, source: str, what: str) -> pd.Series:
    if not isinstance(name, str) or name not in frame.columns:
        raise DataValidationError(
            f"{source}: missing {what} column {name!r} (have {list(map(str, frame.columns))}); "
            f"pass {what}='<column>' to name it"
        )
    return frame[name]


def durations(frame: pd.DataFrame, name: str, source: str, what: str = "duration") -> np.ndarray:
    """Column ``name`` as finite non-negative floats (days), or a one-line error."""
    raw = _require(frame, name, source, what)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataValidationError(
            f"{source}: {what} column {name!r} has {int(bad.sum())} missing or non-numeric "
            f"value(s){_at_rows(frame, bad)}; expected a number of days >= 0 in every row"
        )
    negative = values < 0
    if negative.any():
        raise DataValidationError(
            f"{source}: {what} column {name!r} is negative in {int(negative.sum())} row(s)"
            f"{_at_rows(frame, negative)}; expected a number of days >= 0"
        )
    return values


def events(frame: pd.DataFrame, name: str, source: str) -> np.ndarray:
    """Column ``name`` as 0/1 integers (1 = churned, 0 = censored), or a one-line error."""
    raw = _require(frame, name, source, "event")
    values = pd.to_numeric(raw.astype("object"), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        shown = ", ".join(map(repr, pd.unique(raw[bad].astype("object"))[:3]))
        raise DataValidationError(
            f"{source}: event column {name!r} is not 0/1 in {int(bad.sum())} row(s)"
            f"{_at_rows(frame, bad)} (values {shown}); expected 1 = churned, 0 = still active"
        )
    return values.astype(np.int8)


def labels(frame: pd.DataFrame, name: str, source: str) -> pd.Series:
    """Return a group column with no missing values (as strings), or raise one line."""
    raw = _require(frame, name, source, "group")
    missing = raw.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"{source}: group column {name!r} is missing in {int(missing.sum())} row(s)"
            f"{_at_rows(frame, missing)}; fill or drop them first"
        )
    return raw.astype(str)


@dataclass(frozen=True)
class Encoding:
    """How the covariates were encoded: numeric columns as they are, text one-hot.

    ``levels`` maps each text/categorical column to its levels (the first is the baseline).
    """

    covariates: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]
    names: tuple[str, ...]


def _is_text(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def covariate_columns(
    frame: pd.DataFrame, covariates: Sequence[str] | str | None, exclude: Sequence[str], source: str
) -> list[str]:
    """Return the covariate columns: the named ones (checked) or every column not excluded."""
    if covariates is None:
        cols = [c for c in frame.columns if c not in set(exclude)]
    else:
        cols = [covariates] if isinstance(covariates, str) else list(covariates)
        absent = [c for c in cols if c not in frame.columns]
        if absent:
            raise DataValidationError(
                f"{source}: covariate column(s) {absent} not in the frame "
                f"(have {list(map(str, frame.columns))})"
            )
        clash = [c for c in cols if c in set(exclude)]
        if clash:
            raise ParameterError(
                f"{source}: {clash} cannot be a covariate (it is the duration/event/id column)"
            )
    if not cols:
        raise ParameterError(f"{source}: no covariate columns; pass covariates=[...]")
    return [str(c) for c in cols]


def fit_encoding(frame: pd.DataFrame, cols: Sequence[str], source: str) -> Encoding:
    """Check the covariates (no missing values, not constant) and choose their encoding."""
    missing = frame[list(cols)].isna().to_numpy()
    if missing.any():
        rows = missing.any(axis=1)
        named = [c for c, m in zip(cols, missing.any(axis=0), strict=True) if m]
        raise DataValidationError(
            f"{source}: covariate column(s) {named} have missing values in {int(rows.sum())} "
            f"row(s){_at_rows(frame, rows)}; fill or drop them first"
        )
    levels: dict[str, tuple[str, ...]] = {}
    names: list[str] = []
    for col in cols:
        series = frame[col]
        if _is_text(series):
            if isinstance(series.dtype, pd.CategoricalDtype):
                present = set(series.astype(str).unique())
                found = [str(v) for v in series.cat.categories if str(v) in present]
            else:
                found = sorted(series.astype(str).unique())
            if len(found) < 2:
                raise DataValidationError(
                    f"{source}: text covariate {col!r} has one level ({found[0]!r}) in all "
                    f"{len(frame)} rows; it cannot explain churn — drop it from covariates"
                )
            levels[col] = tuple(found)
            names.extend(f"{col}={level}" for level in found[1:])
            continue
        values = series.to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            raise DataValidationError(
                f"{source}: covariate column {col!r} is infinite in {int(bad.sum())} row(s)"
                f"{_at_rows(frame, bad)}; expected finite numbers"
            )
        if np.ptp(values) == 0:
            raise DataValidationError(
                f"{source}: covariate {col!r} is constant ({values[0]:g}) in all {len(frame)} "
                "rows; it cannot explain churn — drop it from covariates"
            )
        names.append(col)
    return Encoding(tuple(cols), levels, tuple(names))


def apply_encoding(frame: pd.DataFrame, enc: Encoding, source: str) -> pd.DataFrame:
    """Return the design matrix (float columns named as in ``enc.names``) of ``frame``."""
    absent = [c for c in enc.covariates if c not in frame.columns]
    if absent:
        raise DataValidationError(
            f"{source}: covariate column(s) {absent} the model was fitted with are not in the "
            f"frame (have {list(map(str, frame.columns))})"
        )
    missing = frame[list(enc.covariates)].isna().to_numpy()
    if missing.any():
        rows = missing.any(axis=1)
        raise DataValidationError(
            f"{source}: covariates have missing values in {int(rows.sum())} row(s)"
            f"{_at_rows(frame, rows)}; fill or drop them first"
        )
    out = {}
    for col in enc.covariates:
        if col not in enc.levels:
            out[col] = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(out[col])
            if bad.any():
                raise DataValidationError(
                    f"{source}: covariate {col!r} is not a finite number in {int(bad.sum())} "
                    f"row(s){_at_rows(frame, bad)}"
                )
            continue
        text = frame[col].astype(str).to_numpy()
        unknown = ~np.isin(text, enc.levels[col])
        if unknown.any():
            raise DataValidationError(
                f"{source}: covariate {col!r} has level(s) the model was not fitted with "
                f"({', '.join(map(repr, pd.unique(text[unknown])[:3]))}){_at_rows(frame, unknown)}"
                f"; expected one of {list(enc.levels[col])}"
            )
        for level in enc.levels[col][1:]:
            out[f"{col}={level}"] = (text == level).astype(float)
    return pd.DataFrame(out, index=frame.index)[list(enc.names)]
