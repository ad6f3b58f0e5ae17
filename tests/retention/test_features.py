"""Churn labels and features: known answers, a slow hand computation, no leakage, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.retention.features import churn_features, churn_labels

CUT = pd.Timestamp("2025-03-31")


def _tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"]).assign(
        timestamp=lambda d: pd.to_datetime(d["timestamp"], format="ISO8601")
    )


def test_labels_known_answers_with_inclusive_boundaries():
    tx = _tx(
        [
            (1, "2025-01-10", 10.0),
            (1, "2025-04-01 00:30", 5.0),  # first day of the window: stays
            (2, "2025-03-31 23:59", 8.0),  # on the cut-off day: counts as before
            (2, "2025-05-30 12:00", 4.0),  # last day of a 60-day window (included): stays
            (3, "2025-02-01", 9.0),
            (3, "2025-05-31", 9.0),  # the day after the window: churned
            (4, "2025-03-01", 7.0),
            (4, "2025-04-15", -7.0),  # a return in the window is no purchase: churned
            (5, "2025-04-02", 3.0),  # first purchase after the cut-off: not labelled
        ]
    )
    labels = churn_labels(tx, "2025-03-31", 60)
    assert labels.name == "churned"
    assert labels.to_dict() == {1: 0, 2: 0, 3: 1, 4: 1}
    # a time of day on the cut-off is dropped: the same day
    assert churn_labels(tx, "2025-03-31 08:00", 60).equals(labels)
    # one day shorter: customer 2's purchase on 2025-05-30 falls outside
    assert churn_labels(tx, "2025-03-31", 59).to_dict() == {1: 0, 2: 1, 3: 1, 4: 1}


def _slow_features(tx: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """The definitions of churn_features, computed customer by customer in plain Python."""
    rows = {}
    for cid, group in tx.groupby("customer_id"):
        group = group[group["timestamp"].dt.normalize() <= cut]
        buys = group[group["amount"] >= 0]
        if buys.empty:
            continue
        days = sorted({(t.normalize() - cut).days for t in buys["timestamp"]})
        first, last, n = days[0], days[-1], len(days)
        recent = sum(
            a
            for t, a in zip(buys["timestamp"], buys["amount"], strict=True)
            if (t.normalize() - cut).days > -90
        )
        before = sum(
            a
            for t, a in zip(buys["timestamp"], buys["amount"], strict=True)
            if -180 < (t.normalize() - cut).days <= -90
        )
        gap = (last - first) / (n - 1) if n > 1 else np.nan
        returned = -group.loc[group["amount"] < 0, "amount"].sum()
        rows[cid] = {
            "recency_days": float(-last),
            "frequency": float(n),
            "monetary_mean": buys["amount"].mean(),
            "tenure_days": float(-first),
            "spend_trend": (recent - before) / (recent + before) if recent + before > 0 else 0.0,
            "mean_interpurchase_days": gap,
            "overdue_ratio": -last / gap if n > 1 and gap > 0 else np.nan,
            "return_share": returned / buys["amount"].sum() if buys["amount"].sum() > 0 else 0.0,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "customer_id"
    return out.sort_index()


def _random_tx(n_customers=40, n_rows=400, seed=3):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-06-01")
    stamps = start + pd.to_timedelta(rng.uniform(0, 420, n_rows), unit="D")
    amounts = np.round(rng.gamma(2.0, 20.0, n_rows), 2)
    amounts[rng.random(n_rows) < 0.08] *= -1  # returns
    return pd.DataFrame(
        {
            "customer_id": rng.integers(1, n_customers + 1, n_rows),
            "timestamp": stamps,
            "amount": amounts,
        }
    )


def test_features_equal_a_slow_hand_computation():
    tx = _random_tx()
    fast = churn_features(tx, CUT)
    slow = _slow_features(tx, CUT)
    assert list(fast.index) == list(slow.index)
    pd.testing.assert_frame_equal(fast[slow.columns], slow, check_exact=False, rtol=1e-9, atol=1e-9)


def test_appending_future_transactions_leaves_features_unchanged():
    tx = _random_tx()
    future = _random_tx(n_customers=60, n_rows=300, seed=9)  # old and new customers
    future["timestamp"] = (
        CUT + pd.Timedelta(days=1) + (future["timestamp"] - future["timestamp"].min())
    )
    both = pd.concat([tx, future], ignore_index=True).sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(
        churn_features(both, CUT), churn_features(tx, CUT), check_exact=True
    )


def _leaks(features_at) -> bool:
    """The leakage check of the test above, as a function of a feature builder."""
    tx = _random_tx()
    future = tx.assign(timestamp=CUT + pd.Timedelta(days=3), amount=500.0)
    both = pd.concat([tx, future], ignore_index=True)
    return not features_at(both).equals(features_at(tx))


def test_the_leakage_check_catches_a_future_leaking_feature():
    assert not _leaks(lambda tx: churn_features(tx, CUT))
    # a feature built over all the data (cut-off = last transaction) uses the future
    assert _leaks(lambda tx: churn_features(tx, tx["timestamp"].max()).drop(columns="tenure_days"))
    # a label-like column (purchases after the cut-off) is caught as well
    assert _leaks(
        lambda tx: churn_features(tx, CUT).assign(
            later=tx[tx["timestamp"] > CUT + pd.Timedelta(days=1)].groupby("customer_id").size()
        )
    )


def test_optional_frames_add_satisfaction_service_and_customer_columns():
    tx = _tx([(1, "2025-01-05", 10.0), (2, "2025-02-05", 20.0), (3, "2025-03-05", 5.0)])
    survey = pd.DataFrame({"customer_id": [1, 3, 9], "SATI1": [8, 4, 1], "SATI2": [6, None, 1]})
    service = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 3],
            "contact_date": ["2025-03-31", "2024-12-31", "2025-04-01", "2025-01-01", "2025-02-10"],
            "kind": ["complaint", "complaint", "complaint", "question", "Complaint "],
        }
    )
    customers = pd.DataFrame({"customer_id": [1, 2, 3], "channel": ["web", "shop", None]})
    f = churn_features(tx, CUT, customers=customers, survey=survey, service=service)
    assert f["satisfaction"].tolist()[0] == 7.0 and np.isnan(f.loc[2, "satisfaction"])
    assert f.loc[3, "satisfaction"] == 4.0  # mean of the items answered
    assert f["has_survey"].tolist() == [1.0, 0.0, 1.0]
    # the 90 days ending on the cut-off day: 2025-01-01 is in, 2024-12-31 and 2025-04-01 out
    assert f["complaints_90d"].tolist() == [1.0, 0.0, 1.0]
    assert f["contacts_90d"].tolist() == [1.0, 1.0, 1.0]
    assert f["channel"].iloc[:2].tolist() == ["web", "shop"] and pd.isna(f["channel"].iloc[2])
    # a plain satisfaction column when there are no items; CUSA items of the synthetic world
    assert (
        churn_features(tx, CUT, survey=pd.DataFrame({"customer": [2], "satisfaction": [3.5]})).loc[
            2, "satisfaction"
        ]
        == 3.5
    )
    assert (
        churn_features(
            tx, CUT, survey=pd.DataFrame({"customer_id": [2], "CUSA1": [6], "CUSA2": [8]})
        ).loc[2, "satisfaction"]
        == 7.0
    )


def test_user_names_text_dates_and_string_ids_work():
    tx = pd.DataFrame(
        {
            "customer": ["C7", "C7", "B2", "B2"],
            "date": ["2025-01-01", "2025-02-01", "2025-03-01", "2025-05-20"],
            "revenue": [10.0, 30.0, 5.0, 5.0],
        }
    )
    f = churn_features(tx, "2025-03-31")
    assert list(f.index) == ["B2", "C7"]
    assert f.loc["C7", "recency_days"] == 58.0 and f.loc["C7", "monetary_mean"] == 20.0
    assert churn_labels(tx, "2025-03-31", 50).to_dict() == {"B2": 0, "C7": 1}
    no_amount = churn_features(tx.drop(columns="revenue"), "2025-03-31")
    assert "monetary_mean" not in no_amount.columns and no_amount.loc["C7", "frequency"] == 2.0


@pytest.mark.parametrize("days", [0, -5, 2.5, "90", None, True])
def test_bad_inactivity_days_is_one_clear_error(days):
    tx = _tx([(1, "2025-01-05", 10.0), (1, "2025-09-05", 10.0)])
    with pytest.raises(ParameterError, match="inactivity_days must be a whole number of days > 0"):
        churn_labels(tx, CUT, days)


def test_cutoff_too_late_names_the_end_of_the_data():
    tx = _tx([(1, "2025-01-05", 10.0), (2, "2025-04-20", 10.0)])
    with pytest.raises(ParameterError) as caught:
        churn_labels(tx, CUT, 30)
    text = str(caught.value)
    assert "the data ends on 2025-04-20" in text and "need purchases up to 2025-04-30" in text
    assert "on or before 2025-03-21" in text
    assert churn_labels(tx, "2025-03-21", 30).to_dict() == {1: 1}


def test_no_customer_before_the_cutoff():
    tx = _tx([(1, "2025-05-05", 10.0), (2, "2025-06-20", 10.0)])
    for call in (lambda: churn_labels(tx, CUT, 30), lambda: churn_features(tx, CUT)):
        with pytest.raises(
            ParameterError, match="no customer has a purchase on or before the cut-off 2025-03-31"
        ):
            call()


def test_bad_inputs_name_column_and_rows():
    tx = _tx([(1, "2025-01-05", 10.0)])
    with pytest.raises(DataValidationError, match="amount"):
        churn_features(tx.assign(amount=["x"]), CUT)
    with pytest.raises(DataValidationError, match=r"survey column 'SATI1'.*rows 2"):
        churn_features(tx, CUT, survey=pd.DataFrame({"customer_id": [1, 2], "SATI1": [3, "good"]}))
    with pytest.raises(DataValidationError, match="no satisfaction answers"):
        churn_features(tx, CUT, survey=pd.DataFrame({"customer_id": [1], "Q1": [3]}))
    with pytest.raises(DataValidationError, match=r"lack column\(s\) \['kind'\]"):
        churn_features(
            tx, CUT, service=pd.DataFrame({"customer_id": [1], "contact_date": ["2025-01-01"]})
        )
    bad_date = pd.DataFrame(
        {"customer_id": [1, 1], "contact_date": ["2025-01-01", "soon"], "kind": "question"}
    )
    with pytest.raises(DataValidationError, match=r"'contact_date'.*rows 2"):
        churn_features(tx, CUT, service=bad_date)
    with pytest.raises(ParameterError, match="cutoff must be a date"):
        churn_features(tx, "last tuesday")


def test_side_frames_ids_are_read_as_the_transactions_ids():
    tx = _tx([(17, "2025-01-05", 10.0), (18, "2025-02-05", 20.0)])
    f = churn_features(
        tx,
        CUT,
        survey=pd.DataFrame({"customer_id": ["17"], "satisfaction": [5.0]}),
        service=pd.DataFrame(
            {"customer_id": [" 18"], "contact_date": ["2025-02-02"], "kind": ["complaint"]}
        ),
        customers=pd.DataFrame({"customer_id": ["17", "18"], "channel": ["web", "shop"]}),
    )
    assert f["satisfaction"].tolist()[0] == 5.0 and f["has_survey"].tolist() == [1.0, 0.0]
    assert f["complaints_90d"].tolist() == [0.0, 1.0]
    assert f["channel"].tolist() == ["web", "shop"]
    with pytest.raises(DataValidationError, match=r"survey column 'customer_id'.*rows 2"):
        churn_features(tx, CUT, survey=pd.DataFrame({"customer_id": [17, None], "SATI1": [5, 3]}))
