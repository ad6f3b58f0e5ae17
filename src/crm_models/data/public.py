"""Readers for public data sets: CDNOW and donations (inside ``lifetimes``), Hillstrom, ECSI mobi.

The CDNOW 1/10th sample (2,357 customers, ``CDNOW_sample.txt``) is also read as transactions
(``load_cdnow_sample_transactions``) with the published fits on its 39-week calibration period
(``CDNOW_SAMPLE_PUBLISHED``), so a study can reproduce them from the raw purchases.

Nothing is downloaded: CDNOW and donations ship inside the ``lifetimes`` package; Hillstrom and
the ECSI survey are read from a path the user gives (tests look in ``../shared/data``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from crm_models.data.loaders import read_csv
from crm_models.data.schemas import validate
from crm_models.errors import DataValidationError, format_rows

SHARED_DATA_ENV = "CRM_SHARED_DATA"


def shared_data_file(name: str) -> Path | None:
    """Path of reference file ``name`` in the shared data folder, or None when it is absent.

    Looks in ``$CRM_SHARED_DATA`` first, then in ``../shared/data`` next to the repository.
    """
    candidates = []
    if os.environ.get(SHARED_DATA_ENV):
        candidates.append(Path(os.environ[SHARED_DATA_ENV]) / name)
    repo_root = Path(__file__).resolve().parents[3]
    candidates.append(repo_root.parent / "shared" / "data" / name)
    for path in candidates:
        if path.is_file():
            return path
    return None


def _lifetimes_dataset(name: str) -> Path:
    """Path of a data file shipped inside the ``lifetimes`` package (no download)."""
    from importlib.resources import files

    return Path(str(files("lifetimes") / "datasets" / name))


def _read_cdnow(name: str, columns: list[str], header: int | None) -> pd.DataFrame:
    """Read a whitespace-separated CDNOW file of lifetimes as validated transactions."""
    raw = pd.read_csv(
        _lifetimes_dataset(name),
        sep=r"\s+",
        header=header,
        names=columns,
        dtype={"customer_id": "int64", "date": str, "quantity": "int64", "amount": "float64"},
    )
    frame = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"],
            "quantity": raw["quantity"],
            "product": "cd",
        }
    )
    return validate(frame, "transactions", source=f"lifetimes {name}", allow_returns=False)


def load_cdnow_transactions() -> pd.DataFrame:
    """Load the CDNOW master file as canonical transactions (23,570 customers, 69,659 rows).

    The published 1/10th sample of 2,357 customers is ``load_cdnow_summary``.

    Columns: customer_id, timestamp (day of purchase), amount (US$), quantity (CDs),
    product ('cd'). Source: ``lifetimes/datasets/CDNOW_master.txt``.
    """
    return _read_cdnow("CDNOW_master.txt", ["customer_id", "date", "quantity", "amount"], 0)


CDNOW_SAMPLE_CALIBRATION_END = pd.Timestamp("1997-09-30")
"""End of the published 39-week calibration period of the CDNOW sample (weeks 1-39)."""
CDNOW_SAMPLE_OBSERVATION_END = pd.Timestamp("1998-06-30")
"""End of the CDNOW sample's data (week 78)."""
CDNOW_SAMPLE_PUBLISHED = {
    "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    "paretonbd": {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
    "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44},
}
"""Published fits on the CDNOW sample's calibration period, time unit weeks (Fader, Hardie &
Lee 2005 for BG/NBD; Fader & Hardie's notes for Pareto/NBD and Gamma-Gamma, v = their γ)."""


def load_cdnow_sample_transactions() -> pd.DataFrame:
    """Load the CDNOW 1/10th sample as canonical transactions (2,357 customers, 6,919 rows).

    Columns: customer_id (the sample's id 1-2357, as in ``load_cdnow_summary``), timestamp
    (day of purchase, 1997-01-01 to 1998-06-30), amount (US$), quantity (CDs), product ('cd').
    Source: ``lifetimes/datasets/CDNOW_sample.txt`` (columns: master id, sample id, date,
    quantity, amount). Summarised per day up to ``CDNOW_SAMPLE_CALIBRATION_END`` with recency
    and T in weeks (days / 7) it equals ``load_cdnow_summary(with_monetary=True)`` to the
    published two decimals.

    Returns
    -------
    pandas.DataFrame
        Validated canonical transactions.
    """
    columns = ["master_id", "customer_id", "date", "quantity", "amount"]
    return _read_cdnow("CDNOW_sample.txt", columns, None)


def load_cdnow_summary(with_monetary: bool = False) -> pd.DataFrame:
    """Load the published CDNOW (frequency, recency, T) summary in weeks, indexed by customer_id.

    ``with_monetary=True`` reads the file with average repeat spend (``monetary_value``),
    used for the Gamma-Gamma fit.
    """
    if with_monetary:
        frame = pd.read_csv(_lifetimes_dataset("cdnow_customers_summary_with_transactions.csv"))
        frame = frame.rename(
            columns={
                "ID": "customer_id",
                "x": "frequency",
                "t_x": "recency",
                "zbar": "monetary_value",
            }
        )
    else:
        frame = pd.read_csv(_lifetimes_dataset("cdnow_customers_summary.csv"))
        frame = frame.rename(columns={"ID": "customer_id"})
    return frame.set_index("customer_id")


def load_donations() -> pd.DataFrame:
    """Load the donations table for BG/BB: frequency, recency, periods (6), weights (customers)."""
    return pd.read_csv(_lifetimes_dataset("donations.csv"))


HILLSTROM_ARMS = {
    "No E-Mail": "control",
    "Mens E-Mail": "mens_email",
    "Womens E-Mail": "womens_email",
}
HILLSTROM_SENT_DATE = pd.Timestamp("2008-03-01")


def load_hillstrom(path: str | Path) -> pd.DataFrame:
    """Kevin Hillstrom's MineThatData e-mail experiment as a canonical campaign frame.

    64,000 rows; columns customer_id (row number, 1-based), arm ('control', 'mens_email',
    'womens_email'), sent_date (2008-03-01, the month of the experiment), visit, conversion,
    spend (US$ over two weeks) and the covariates recency (months), history_segment, history
    (US$ spent last year), mens, womens, zip_code, newbie, channel.
    """
    raw = read_csv(Path(path))
    expected = [
        "recency",
        "history_segment",
        "history",
        "mens",
        "womens",
        "zip_code",
        "newbie",
        "channel",
        "segment",
        "visit",
        "conversion",
        "spend",
    ]
    missing = [c for c in expected if c not in raw.columns]
    if missing:
        raise DataValidationError(f"{path}: not the Hillstrom format; missing column(s) {missing}")
    unknown = ~raw["segment"].isin(list(HILLSTROM_ARMS))
    if unknown.any():
        rows = format_rows(np.flatnonzero(unknown))
        raise DataValidationError(
            f"{path}: column 'segment': expected one of {list(HILLSTROM_ARMS)} at rows {rows} "
            f"(found {raw.loc[unknown, 'segment'].head(5).tolist()})"
        )
    frame = raw.drop(columns=["segment"]).assign(
        customer_id=range(1, len(raw) + 1),
        arm=raw["segment"].map(HILLSTROM_ARMS),
        sent_date=HILLSTROM_SENT_DATE,
    )
    frame = frame[
        [
            "customer_id",
            "arm",
            "sent_date",
            "visit",
            "conversion",
            "spend",
            *[c for c in expected if c not in ("segment", "visit", "conversion", "spend")],
        ]
    ]
    return validate(frame, "campaign", source=str(path))


def load_mobi(path: str | Path) -> pd.DataFrame:
    """Load the ECSI mobile-phone survey (250 × 24 items, 1-10) as a canonical survey frame.

    The file's first column is a row index; it becomes ``customer_id`` (1-based).
    """
    raw = read_csv(Path(path))
    first = raw.columns[0]
    if first in ("", "Unnamed: 0"):
        raw = raw.rename(columns={first: "customer_id"})
    else:
        raw.insert(0, "customer_id", range(1, len(raw) + 1))
    return validate(raw, "survey", source=str(path))
