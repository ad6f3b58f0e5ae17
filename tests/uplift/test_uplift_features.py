"""Uplift features: DuckDB summary equals a hand computation; no leakage past observation end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.data.public import shared_data_file
from crm_models.errors import DataValidationError
from crm_models.uplift.features import customer_features, hillstrom_features

END = pd.Timestamp("2024-12-31")


def _tables():
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "signup_date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-12-01"]),
            "channel": ["web", "store", "web"],
            "region": ["north", "south", "north"],
            "relationship_level": ["partner", "acquaintance", "friend"],
            "consent_status": ["opt_in", "opt_out", "double_opt_in"],
        }
    )
    transactions = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-11-01", "2024-12-21", "2024-06-01", "2025-01-05"]
            ),  # the last one is after END
            "amount": [10.0, 20.0, 30.0, 5.0, 1000.0],
            "product": ["books", "music", "books", "home", "home"],
        }
    )
    return customers, transactions


def test_features_match_hand_computation():
    """Customer 1: 3 purchases → frequency 2, recency 10 days, mean 20, total 60, 30 spent in
    the last 30 days, 2 categories, tenure 365 days; customer 2's purchase after the
    observation end is ignored; customer 3 (no purchases) gets zeros and recency = tenure."""
    customers, transactions = _tables()
    f = customer_features(customers, transactions, END, recent_days=30)
    c1, c2, c3 = f.loc[1], f.loc[2], f.loc[3]
    assert (c1["frequency"], c1["days_since_last"], c1["monetary_mean"]) == (2, 10, 20)
    assert (c1["total_spend"], c1["spend_recent"], c1["n_categories"]) == (60, 30, 2)
    assert c1["tenure_days"] == 365 and c1["relationship_level"] == 2
    assert c1["log_frequency"] == pytest.approx(np.log(3))
    assert c2["total_spend"] == 5 and c2["frequency"] == 0
    assert c3["frequency"] == 0 and c3["days_since_last"] == c3["tenure_days"] == 30
    assert {"channel_web", "channel_store", "region_north", "region_south"} <= set(f.columns)
    assert "consent_status" not in f.columns
    assert f.dtypes.eq(float).all() and f.index.name == "customer_id"


def test_feature_errors():
    customers, transactions = _tables()
    with pytest.raises(DataValidationError, match="signup_date"):
        customer_features(customers.drop(columns="signup_date"), transactions, END)
    bad = customers.assign(relationship_level=["partner", "boss", "friend"])
    with pytest.raises(DataValidationError, match="relationship_level"):
        customer_features(bad, transactions, END)


@pytest.mark.shared_data
def test_hillstrom_features():
    """Hillstrom: 64,000 rows of finite numeric features with one indicator per zip/channel."""
    path = shared_data_file("hillstrom.csv")
    if path is None:
        pytest.skip("hillstrom.csv not found (set CRM_SHARED_DATA or provide ../shared/data)")
    from crm_models.data.public import load_hillstrom

    f = hillstrom_features(load_hillstrom(path))
    assert f.shape[0] == 64_000 and np.isfinite(f.to_numpy()).all()
    assert f.filter(like="channel_").sum(axis=1).eq(1).all()
    assert f.filter(like="zip_").sum(axis=1).eq(1).all()
