"""The user's own campaign table as inputs of the campaign-uplift study.

A campaign table in the documented schema (``crm_models.data.schemas``: customer_id, arm,
sent_date, visit, conversion, spend, any covariates), from a file or ``warehouse:DATASET``:

- one campaign is analysed: when the table holds several send dates, the latest one (the
  label says how many earlier campaigns were left out);
- the model features are the covariates: numeric and 0/1 columns as numbers, text columns one
  indicator per level; a covariate with missing values is refused with its rows;
- consent comes from a ``consent_status`` column of the campaign table or, for
  ``warehouse:DATASET``, from the dataset's customers table; without either, every customer's
  consent is ``unknown``, which is never permission to contact (the plan then contacts no
  one and says so).

Customer ids stay as given (int64 or text).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.data.schemas import UNKNOWN_CONSENT
from crm_models.errors import DataValidationError, format_rows

__all__ = ["CORE_COLUMNS", "campaign_features", "campaign_table_inputs"]

CORE_COLUMNS = ("customer_id", "arm", "sent_date", "visit", "conversion", "spend")
"""The campaign schema's required columns (everything else is a covariate)."""
_NOT_FEATURES = {*CORE_COLUMNS, "consent_status", "consent_date"}


def campaign_features(campaign: pd.DataFrame, covariates: list[str], source: str) -> pd.DataFrame:
    """Numeric model features from a campaign's covariates, indexed by customer_id.

    Parameters
    ----------
    campaign : pandas.DataFrame
        One row per customer: customer_id and the ``covariates``.
    covariates : list of str
        Columns to turn into features.
    source : str
        Names the data in error messages.

    Returns
    -------
    pandas.DataFrame
        Numeric columns as float; each text column as one 0/1 column per level
        (``column_level``); a constant column when there are no covariates.
    """
    frame = campaign[covariates]
    missing = frame.isna()
    if missing.to_numpy().any():
        column = missing.any().idxmax()
        rows = format_rows(np.flatnonzero(missing[column]))
        raise DataValidationError(
            f"{source}: campaign column {column!r}: expected a value in every row of a "
            f"covariate (found empty cells at rows {rows})"
        )
    numeric = [c for c in covariates if pd.api.types.is_numeric_dtype(frame[c])]
    text = [c for c in covariates if c not in numeric]
    parts = [frame[numeric].astype(float)]
    parts += [pd.get_dummies(frame[c].astype(str), prefix=c, dtype=float) for c in text]
    features = pd.concat(parts, axis=1)
    if features.shape[1] == 0:
        features = pd.DataFrame({"intercept": 1.0}, index=frame.index)
    return features.set_axis(campaign["customer_id"].to_numpy(), axis=0).rename_axis("customer_id")


def campaign_table_inputs(data_source: str):
    """Read the campaign table of ``data_source`` (a file or ``warehouse:DATASET``).

    Parameters
    ----------
    data_source : str
        ``warehouse:DATASET`` or a campaign file (.csv, .parquet, .duckdb).

    Returns
    -------
    crm_models.uplift.inputs.CampaignInputs
        The latest campaign, its covariates as features, the customers of the campaign as the
        base (with their consent status, ``unknown`` when there is none).
    """
    from crm_models.data.sources import read_source, warehouse_dataset
    from crm_models.uplift.inputs import CampaignInputs

    named = ("synthetic", "a Hillstrom-format CSV")
    campaign, label = read_source(data_source, "campaign", named=named)
    if campaign.empty:
        raise DataValidationError(f"{label}: the campaign table is empty")
    dates = campaign["sent_date"].drop_duplicates().sort_values()
    latest = dates.iloc[-1]
    campaign = campaign[campaign["sent_date"] == latest].reset_index(drop=True)
    if campaign["customer_id"].duplicated().any():  # cannot happen with a valid table
        raise DataValidationError(f"{label}: a customer appears twice in one campaign")
    campaign["arm"] = campaign["arm"].astype(str)
    if "control" not in set(campaign["arm"]):
        raise DataValidationError(
            f"{label}: campaign column 'arm': expected a 'control' arm (the customers not "
            f"contacted); found {sorted(set(campaign['arm']))}"
        )
    consent_note = ""
    if "consent_status" not in campaign.columns:
        consent = None
        dataset = warehouse_dataset(data_source)
        if dataset is not None:
            consent = _warehouse_consent(dataset)
        if consent is None:
            campaign["consent_status"] = UNKNOWN_CONSENT
            consent_note = "; no consent data: consent unknown, so nobody is contacted"
        else:
            campaign["consent_status"] = campaign["customer_id"].map(consent)
    status = campaign["consent_status"].astype(object)
    campaign["consent_status"] = status.where(status.notna() & (status != ""), UNKNOWN_CONSENT)
    covariates = [c for c in campaign.columns if c not in _NOT_FEATURES]
    features = campaign_features(campaign, covariates, label)
    base = campaign[["customer_id", "consent_status"]].copy()
    earlier = len(dates) - 1
    note = f"; {earlier} earlier campaign(s) left out" if earlier else ""
    return CampaignInputs(
        campaign,
        features,
        base,
        tuple(covariates),
        f"campaign table, {label} ({len(campaign):,} customers, sent "
        f"{pd.Timestamp(latest):%Y-%m-%d}{note}{consent_note})",
    )


def _warehouse_consent(dataset: str) -> pd.Series | None:
    """consent_status by customer_id from the dataset's customers table, None without one."""
    from crm_models.data.warehouse import Warehouse

    try:
        customers = Warehouse().table("customers", dataset=dataset)
    except DataValidationError:
        return None
    if "consent_status" not in customers.columns:
        return None
    return customers.set_index("customer_id")["consent_status"]
