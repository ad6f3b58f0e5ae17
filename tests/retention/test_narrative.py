"""The churn report's management table of likely leavers."""

from __future__ import annotations

import pandas as pd

from crm_models.retention.narrative import plain_covariate, top_leavers


def test_equally_likely_leavers_are_listed_by_value_at_risk():
    ids = ["c1", "c2", "c3", "c4", "c5"]
    p_leave = pd.Series([0.92, 0.92, 0.50, 0.92, 0.95], index=ids)
    value = pd.Series([4.2, 310.6, 900.0, 57.0, 1.0], index=ids)
    features = pd.DataFrame({"recency_days": [10.0, 20.0, 30.0, 40.0, 50.0]}, index=ids)
    table = top_leavers(p_leave, value, features, n=4)
    assert table["chance of leaving %"].tolist() == [95.0, 92.0, 92.0, 92.0]
    assert table["value at risk $"].tolist() == [1, 311, 57, 4]
    assert pd.api.types.is_integer_dtype(table["value at risk $"])  # shown as 4, not 4.0
    assert table["days since last purchase"].tolist() == [50, 20, 40, 10]
    assert table["rank"].tolist() == [1, 2, 3, 4]


def test_a_leaver_without_a_value_shows_zero_at_risk():
    p_leave = pd.Series([0.9, 0.8], index=[1, 2])
    table = top_leavers(p_leave, pd.Series([5.0], index=[2]), pd.DataFrame(index=[1, 2]))
    assert table["value at risk $"].tolist() == [0, 5]
    assert list(table.columns) == ["rank", "chance of leaving %", "value at risk $"]


def test_covariates_read_as_plain_words():
    assert plain_covariate("consent_status=opt_in") == "opted in to contact"
    assert plain_covariate("consent_status=opt_out") == "opted out of contact"
    assert plain_covariate("plan=plus") == "plus plan"
    assert plain_covariate("channel=web_shop") == "web shop channel"
    assert plain_covariate("satisfaction") == "satisfaction"
