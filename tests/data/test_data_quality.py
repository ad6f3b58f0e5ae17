"""Data-quality profile: planted duplicates, same-day repeats, returns and whales recovered."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from crm_models.data.quality import (
    DataQualityProfile,
    clean_transactions,
    extreme_threshold,
    profile_transactions,
)
from crm_models.errors import ParameterError

N_CUSTOMERS = 2_000
N_DUPLICATES = 37
N_SAME_DAY = 23
N_RETURNS = 11
WHALES = [f"W{i}" for i in range(5)]
WHALE_AMOUNT = 1e6


def _clean_base(seed: int = 3) -> pd.DataFrame:
    """Transactions without duplicates, same-day repeats, returns or extreme amounts."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 8, N_CUSTOMERS)
    ids = np.repeat([f"C{i:06d}" for i in range(N_CUSTOMERS)], counts)
    # distinct days per customer: a running offset inside each customer
    step = rng.integers(1, 30, ids.size)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    days = np.cumsum(step) - np.repeat(np.cumsum(step)[first] - step[first], counts)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": pd.Timestamp("2022-01-01") + pd.to_timedelta(days, unit="D"),
            "amount": np.round(rng.lognormal(3.5, 0.5, ids.size), 2),
            "quantity": 1,
            "product": "p",
        }
    )


def _planted(seed: int = 3) -> pd.DataFrame:
    base = _clean_base(seed)
    rng = np.random.default_rng(seed + 1)
    picks = rng.choice(len(base), N_DUPLICATES + N_SAME_DAY + N_RETURNS, replace=False)
    dup, same, ret = np.split(picks, [N_DUPLICATES, N_DUPLICATES + N_SAME_DAY])
    duplicates = base.iloc[dup]
    same_day = base.iloc[same].assign(
        timestamp=lambda f: f["timestamp"] + pd.Timedelta(hours=3), amount=12.34
    )
    returns = base.iloc[ret].assign(
        timestamp=lambda f: f["timestamp"] - pd.Timedelta(days=400), amount=-5.0
    )
    whales = pd.DataFrame(
        {
            "customer_id": WHALES,
            "timestamp": pd.Timestamp("2023-06-01"),
            "amount": WHALE_AMOUNT,
            "quantity": 1,
            "product": "p",
        }
    )
    frame = pd.concat([base, duplicates, same_day, returns, whales], ignore_index=True)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def test_clean_base_has_nothing_to_report():
    profile = profile_transactions(_clean_base())
    assert profile.duplicate_rows == profile.same_day_rows == profile.return_rows == 0
    assert profile.extreme_rows == profile.whale_customers == 0


@pytest.mark.parametrize("seed", [3, 8])
def test_planted_problems_are_recovered_exactly(seed):
    frame = _planted(seed)
    profile = profile_transactions(frame)
    assert profile.n_rows == len(frame)
    assert profile.n_customers == N_CUSTOMERS + len(WHALES)
    assert profile.duplicate_rows == N_DUPLICATES
    assert profile.same_day_rows == N_SAME_DAY
    assert profile.return_rows == N_RETURNS
    assert profile.extreme_rows == len(WHALES) and profile.extreme_customers == len(WHALES)
    assert profile.whale_customers == len(WHALES)
    revenue = frame["amount"].clip(lower=0).sum()
    assert profile.revenue == pytest.approx(revenue)
    assert profile.whale_revenue_share == pytest.approx(len(WHALES) * WHALE_AMOUNT / revenue)
    assert profile.top_customers == math.ceil(0.001 * profile.n_customers) == 3
    assert profile.top_revenue_share == pytest.approx(3 * WHALE_AMOUNT / revenue)
    threshold = profile.extreme_threshold
    assert frame["amount"].nlargest(6).iloc[-1] < threshold < WHALE_AMOUNT
    assert profile.capped_revenue_share == pytest.approx(
        len(WHALES) * (WHALE_AMOUNT - threshold) / revenue
    )


def test_table_and_lines_describe_every_check():
    profile = profile_transactions(_planted())
    table = profile.table()
    assert list(table.columns) == ["check", "rows", "customers", "share", "share_of", "rule"]
    assert table["check"].tolist() == [
        "exact duplicate rows",
        "same-day repeats",
        "returns",
        "extreme amounts",
        "one-purchase whales",
        "top 0.1% of customers",
    ]
    assert table.set_index("check").loc["exact duplicate rows", "rows"] == N_DUPLICATES
    rule = table.set_index("check").loc["extreme amounts", "rule"]
    assert "exp(median + 5 × 1.4826 × MAD)" in rule and f"{profile.extreme_threshold:,.2f}" in rule
    lines = profile.lines()
    assert len(lines) == 6 and all("\n" not in line for line in lines)
    assert lines[0].startswith(f"Exact duplicate rows: {N_DUPLICATES} of ")
    assert "One-purchase whales: 5 customers" in lines[4]
    assert profile.to_dict()["duplicate_rows"] == N_DUPLICATES


def test_clean_transactions_drops_duplicates_and_caps_whales():
    frame = _planted()
    profile = profile_transactions(frame)
    assert clean_transactions(frame).equals(frame)  # both corrections off by default
    deduplicated = clean_transactions(frame, drop_duplicates=True)
    assert len(deduplicated) == len(frame) - N_DUPLICATES
    assert profile_transactions(deduplicated).duplicate_rows == 0
    capped = clean_transactions(frame, cap_amounts=True)
    assert len(capped) == len(frame)
    assert capped["amount"].max() == pytest.approx(profile.extreme_threshold)
    removed = frame["amount"].sum() - capped["amount"].sum()
    assert removed / profile.revenue == pytest.approx(profile.capped_revenue_share)
    assert (capped["amount"] != frame["amount"]).sum() == len(WHALES)
    assert frame["amount"].max() == WHALE_AMOUNT  # input unchanged


def test_zero_mad_falls_back_to_the_mean_absolute_deviation():
    amounts = pd.Series([10.0] * 99 + [1000.0])
    threshold = extreme_threshold(amounts)
    expected = 10 * math.exp(5 * 1.2533 * math.log(100) / 100)
    assert threshold == pytest.approx(expected)
    assert math.isinf(extreme_threshold(pd.Series([10.0] * 50)))
    assert math.isinf(extreme_threshold(pd.Series([-1.0, 0.0])))
    profile = profile_transactions(
        pd.DataFrame(
            {
                "customer_id": range(50),
                "timestamp": pd.Timestamp("2024-01-01"),
                "amount": 10.0,
            }
        )
    )
    assert profile.extreme_rows == 0 and "none" in profile.table()["rule"].iloc[3]
    assert "no amount can be extreme" in profile.lines()[3]


def test_as_of_profiles_only_what_a_study_sees():
    frame = _planted()
    as_of = pd.Timestamp("2023-01-01")
    profile = profile_transactions(frame, as_of=as_of)
    assert profile.n_rows == int((frame["timestamp"] <= as_of).sum())
    assert profile.whale_customers == 0  # the whales bought in June 2023


def test_integer_ids_work_the_same():
    frame = _planted()
    codes = {c: i for i, c in enumerate(frame["customer_id"].unique())}
    as_int = frame.assign(customer_id=frame["customer_id"].map(codes).astype("int64"))
    assert profile_transactions(as_int) == profile_transactions(frame)


def test_missing_columns_are_named():
    with pytest.raises(ParameterError, match="lack column"):
        profile_transactions(pd.DataFrame({"customer_id": [1]}))


def test_profile_is_frozen():
    profile = profile_transactions(_clean_base())
    assert isinstance(profile, DataQualityProfile)
    with pytest.raises(AttributeError):
        profile.n_rows = 0
