"""Readers for public data: CDNOW and donations (inside lifetimes), Hillstrom and ECSI mobi.

Expected counts are the published ones: CDNOW master cohort 23,570 customers with 69,659
purchase records (Jan 1997 - Jun 1998, first purchases in Q1 1997); its 1/10th sample 2,357
customers, of whom 1,411 made no repeat purchase in the 39-week calibration period (946
did); donations (BG/BB) 11,104 donors, 6 repeat opportunities; Hillstrom 64,000 customers,
21,306 no e-mail / 21,307 men's / 21,387 women's e-mail; mobi 250 respondents × 24 items.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crm_models.data import public
from crm_models.data.synthetic import CONSTRUCT_ITEMS
from crm_models.errors import DataValidationError

HILLSTROM_HEADER = (
    "recency,history_segment,history,mens,womens,zip_code,newbie,channel,"
    "segment,visit,conversion,spend\n"
)
HILLSTROM_ROWS = [
    "10,2) $100 - $200,142.44,1,0,Surburban,0,Phone,Womens E-Mail,0,0,0\n",
    "6,3) $200 - $350,329.08,1,1,Rural,1,Web,No E-Mail,0,0,0\n",
    "7,2) $100 - $200,180.65,0,1,Surburban,1,Web,Womens E-Mail,1,1,35.5\n",
    "9,5) $500 - $750,675.83,1,0,Rural,1,Web,Mens E-Mail,1,0,0\n",
]


def _shared(name: str):
    path = public.shared_data_file(name)
    if path is None:
        pytest.skip(f"{name} not found in ${public.SHARED_DATA_ENV} or ../shared/data")
    return path


def test_cdnow_transactions_match_the_published_cohort():
    tx = public.load_cdnow_transactions()
    assert tx.shape == (69_659, 5)
    assert list(tx.columns) == ["customer_id", "timestamp", "amount", "quantity", "product"]
    assert tx["customer_id"].nunique() == 23_570
    assert tx["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert tx["timestamp"].max() == pd.Timestamp("1998-06-30")
    first = tx.groupby("customer_id")["timestamp"].min()
    assert first.max() <= pd.Timestamp("1997-03-31")  # the cohort joined in Q1 1997
    assert (tx["product"] == "cd").all() and (tx["quantity"] >= 1).all()
    assert str(tx["amount"].dtype) == "float64" and (tx["amount"] >= 0).all()


def test_cdnow_summary_published_sample():
    summary = public.load_cdnow_summary()
    assert summary.shape == (2_357, 3)
    assert list(summary.columns) == ["frequency", "recency", "T"]
    assert summary.index.name == "customer_id" and summary.index.is_unique
    assert (summary["frequency"] == 0).sum() == 1_411
    assert summary["T"].max() == pytest.approx(272 / 7, abs=0.005)  # 1997-01-01 .. 09-30
    assert (summary["recency"] <= summary["T"]).all()


def test_cdnow_summary_with_monetary():
    summary = public.load_cdnow_summary(with_monetary=True)
    plain = public.load_cdnow_summary()
    assert list(summary.columns) == ["frequency", "recency", "T", "monetary_value"]
    pd.testing.assert_index_equal(summary.index, plain.index)
    pd.testing.assert_frame_equal(summary[["frequency", "recency", "T"]], plain, check_dtype=False)
    repeaters = summary["frequency"] > 0
    assert repeaters.sum() == 946
    assert (summary.loc[repeaters, "monetary_value"] > 0).all()


def test_donations():
    donations = public.load_donations()
    assert list(donations.columns) == ["frequency", "recency", "periods", "weights"]
    assert donations["weights"].sum() == 11_104
    assert (donations["periods"] == 6).all()
    # every (x, t_x) pattern with 6 opportunities: x = 0, or 1 <= x <= t_x <= 6
    assert len(donations) == 1 + sum(range(1, 7))
    assert (donations["frequency"] <= donations["recency"]).all()


@pytest.mark.shared_data
def test_hillstrom_reference_file():
    campaign = public.load_hillstrom(_shared("hillstrom.csv"))
    assert len(campaign) == 64_000
    assert campaign["arm"].value_counts().to_dict() == {
        "control": 21_306,
        "mens_email": 21_307,
        "womens_email": 21_387,
    }
    assert campaign["customer_id"].tolist() == list(range(1, 64_001))
    assert (campaign["sent_date"] == public.HILLSTROM_SENT_DATE).all()
    assert list(campaign.columns[:6]) == [
        "customer_id",
        "arm",
        "sent_date",
        "visit",
        "conversion",
        "spend",
    ]
    assert {"recency", "history", "mens", "womens", "zip_code", "newbie", "channel"} <= set(
        campaign.columns
    )
    assert set(campaign["visit"]) == {0, 1} and (campaign["spend"] >= 0).all()


def test_hillstrom_small_file(tmp_path):
    path = tmp_path / "hill.csv"
    path.write_text(HILLSTROM_HEADER + "".join(HILLSTROM_ROWS))
    campaign = public.load_hillstrom(path)
    assert campaign["arm"].tolist() == ["womens_email", "control", "womens_email", "mens_email"]
    assert campaign.loc[2, "spend"] == 35.5


def test_hillstrom_missing_column(tmp_path):
    path = tmp_path / "hill.csv"
    header = HILLSTROM_HEADER.replace("segment,", "")
    rows = [
        r.replace("Womens E-Mail,", "").replace("No E-Mail,", "").replace("Mens E-Mail,", "")
        for r in HILLSTROM_ROWS
    ]
    path.write_text(header + "".join(rows))
    with pytest.raises(DataValidationError) as info:
        public.load_hillstrom(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "not the Hillstrom format" in message and "'segment'" in message


def test_hillstrom_unknown_segment_and_bad_outcome(tmp_path):
    path = tmp_path / "hill.csv"
    rows = list(HILLSTROM_ROWS)
    rows[2] = rows[2].replace("Womens E-Mail", "SMS")
    path.write_text(HILLSTROM_HEADER + "".join(rows))
    with pytest.raises(DataValidationError, match=r"column 'segment'.*at rows 3 .*'SMS'"):
        public.load_hillstrom(path)
    rows = list(HILLSTROM_ROWS)
    rows[1] = rows[1].replace(",0,0,0\n", ",2,0,0\n")
    path.write_text(HILLSTROM_HEADER + "".join(rows))
    with pytest.raises(DataValidationError, match=r"column 'visit': expected 0 or 1 at rows 2"):
        public.load_hillstrom(path)


@pytest.mark.shared_data
def test_mobi_survey():
    survey = public.load_mobi(_shared("mobi.csv"))
    assert survey.shape == (250, 25)
    assert survey["customer_id"].tolist() == list(range(1, 251))
    items = survey.drop(columns="customer_id")
    assert sorted(items.columns) == sorted(i for its in CONSTRUCT_ITEMS.values() for i in its)
    assert items.to_numpy().min() >= 1 and items.to_numpy().max() <= 10


def test_shared_data_file_env_and_absence(tmp_path, monkeypatch):
    (tmp_path / "mine.csv").write_text("a\n1\n")
    monkeypatch.setenv(public.SHARED_DATA_ENV, str(tmp_path))
    assert public.shared_data_file("mine.csv") == tmp_path / "mine.csv"
    assert public.shared_data_file("no-such-file.csv") is None


def test_cdnow_sample_transactions():
    """The 1/10th sample as transactions: 2,357 customers (ids 1-2357), 6,919 purchases."""
    tx = public.load_cdnow_sample_transactions()
    assert len(tx) == 6_919 and tx["customer_id"].nunique() == 2_357
    assert tx["customer_id"].min() == 1 and tx["customer_id"].max() == 2_357
    assert tx["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert tx["timestamp"].max() == public.CDNOW_SAMPLE_OBSERVATION_END
    assert set(public.CDNOW_SAMPLE_PUBLISHED) == {"bgnbd", "paretonbd", "gamma_gamma"}
