"""Kaplan–Meier and log-rank: equal to lifelines called directly, power and size on simulated
lifetimes, and one clear error line for each bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test
from lifelines.utils import median_survival_times

from crm_models.errors import DataValidationError, ParameterError
from crm_models.retention.survival import kaplan_meier, logrank


def lifetimes(n: int, scale_by_group: dict, seed: int, tied: bool = True) -> pd.DataFrame:
    """Weibull lifetimes (days) per group, independent uniform censoring up to 2 years."""
    rng = np.random.default_rng(seed)
    groups = rng.choice(list(scale_by_group), n)
    scale = np.array([scale_by_group[g] for g in groups])
    churn = scale * rng.weibull(1.3, n)
    censor = rng.uniform(0, 730, n)
    duration = np.minimum(churn, censor)
    return pd.DataFrame(
        {
            "duration": np.ceil(duration) if tied else duration,
            "churned": (churn <= censor).astype(int),
            "segment": groups,
        }
    )


@pytest.fixture(scope="module")
def two_groups() -> pd.DataFrame:
    return lifetimes(3000, {"basic": 300.0, "premium": 420.0}, seed=1)


def test_km_equals_lifelines(two_groups):
    result = kaplan_meier(two_groups, level=0.9)
    kmf = KaplanMeierFitter().fit(two_groups["duration"], two_groups["churned"], alpha=0.1)
    table = result.table
    assert (table["group"] == "all").all()
    np.testing.assert_allclose(table["time"], kmf.survival_function_.index, rtol=0, atol=0)
    np.testing.assert_allclose(table["survival"], kmf.survival_function_.iloc[:, 0], rtol=1e-12)
    np.testing.assert_allclose(table["ci_low"], kmf.confidence_interval_.iloc[:, 0], rtol=1e-12)
    np.testing.assert_allclose(table["ci_high"], kmf.confidence_interval_.iloc[:, 1], rtol=1e-12)
    np.testing.assert_array_equal(table["at_risk"], kmf.event_table["at_risk"])
    assert table["at_risk"].iloc[0] == len(two_groups)
    median = result.medians.iloc[0]
    assert median["median"] == kmf.median_survival_time_
    expected = median_survival_times(kmf.confidence_interval_).to_numpy().ravel()
    assert (median["ci_low"], median["ci_high"]) == tuple(expected)
    assert median["ci_low"] < median["median"] < median["ci_high"]
    assert result.n_customers == 3000 and result.n_churned == two_groups["churned"].sum()


def test_km_by_group_and_median(two_groups):
    result = kaplan_meier(two_groups, group="segment")
    assert list(result.medians["group"]) == list(pd.unique(two_groups["segment"]))
    for name, rows in result.table.groupby("group"):
        part = two_groups[two_groups["segment"] == name]
        kmf = KaplanMeierFitter().fit(part["duration"], part["churned"])
        np.testing.assert_allclose(rows["survival"], kmf.survival_function_.iloc[:, 0])
        med = result.medians.set_index("group").loc[name]
        assert med["median"] == kmf.median_survival_time_
    medians = result.medians.set_index("group")["median"]
    # true medians: scale · ln(2)^(1/1.3) ≈ 0.754 · scale
    assert medians["basic"] < medians["premium"]
    for name, scale in {"basic": 300.0, "premium": 420.0}.items():
        row = result.medians.set_index("group").loc[name]
        assert row["ci_low"] - 15 < 0.754 * scale < row["ci_high"] + 15
    summary = result.summary()
    assert list(summary.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert summary.index[0].startswith("median lifetime (days) [")
    # another level refits the intervals: narrower at 80%
    narrow = result.summary(0.8)
    assert (narrow["ci_high"] - narrow["ci_low"] <= summary["ci_high"] - summary["ci_low"]).all()
    at_90 = result.survival_at(90)
    assert set(at_90["group"]) == {"basic", "premium"} and (at_90["time"] <= 90).all()
    payload = json.loads(json.dumps(result.to_dict()))
    assert set(payload) == {"table", "medians", "level", "n_customers", "n_churned"}


def test_km_median_not_reached_is_inf_and_null_in_json():
    frame = pd.DataFrame({"duration": [5, 10, 20, 30], "churned": [1, 0, 0, 0]})
    result = kaplan_meier(frame)
    assert np.isinf(result.medians["median"].iloc[0])
    assert result.to_dict()["medians"][0]["median"] is None


def test_logrank_detects_a_real_difference(two_groups):
    result = logrank(two_groups, group="segment")
    assert result.p_value < 0.001 and result.degrees_of_freedom == 1
    a = two_groups[two_groups["segment"] == "basic"]
    b = two_groups[two_groups["segment"] == "premium"]
    direct = logrank_test(a["duration"], b["duration"], a["churned"], b["churned"])
    assert result.statistic == pytest.approx(direct.test_statistic, rel=1e-10)
    assert result.pairwise["p_value"].iloc[0] == pytest.approx(direct.p_value, rel=1e-10)
    assert result.groups.set_index("group")["n_customers"].sum() == len(two_groups)
    json.dumps(result.to_dict())


def test_logrank_does_not_flag_a_null_difference():
    frame = lifetimes(3000, {"north": 300.0, "south": 300.0, "east": 300.0}, seed=2)
    result = logrank(frame, group="segment")
    assert result.degrees_of_freedom == 2
    assert result.p_value > 0.05
    assert len(result.pairwise) == 3 and (result.pairwise["p_value_holm"] > 0.05).all()
    assert (result.pairwise["p_value_holm"] >= result.pairwise["p_value"]).all()


GOOD = pd.DataFrame(
    {"duration": [10.0, 20.0, 5.0, 40.0], "churned": [1, 0, 1, 1], "segment": list("abab")}
)


@pytest.mark.parametrize(
    ("change", "kwargs", "needles"),
    [
        (lambda f: f.drop(columns="duration"), {}, ["missing duration column 'duration'"]),
        (lambda f: f.drop(columns="churned"), {}, ["missing event column 'churned'"]),
        (
            lambda f: f.assign(duration=[10.0, -1.0, 5.0, -3.0]),
            {},
            ["'duration' is negative in 2 row(s) at rows 2, 4"],
        ),
        (
            lambda f: f.assign(duration=[10.0, np.nan, "x", 2.0]),
            {},
            ["'duration' has 2 missing or non-numeric value(s) at rows 2, 3"],
        ),
        (
            lambda f: f.assign(churned=[1, 2, 0, "yes"]),
            {},
            ["'churned' is not 0/1 in 2 row(s) at rows 2, 4", "expected 1 = churned"],
        ),
        (
            lambda f: f.assign(segment=["a", None, "b", "a"]),
            {"group": "segment"},
            ["group column 'segment' is missing in 1 row(s) at rows 2"],
        ),
        (lambda f: f.iloc[:0], {}, ["the frame is empty"]),
    ],
)
def test_bad_inputs_one_line(change, kwargs, needles):
    for call in (kaplan_meier, logrank):
        args = {"group": "segment", **kwargs} if call is logrank else kwargs
        with pytest.raises(DataValidationError) as info:
            call(change(GOOD.copy()), **args)
        message = str(info.value)
        assert "\n" not in message
        for needle in needles:
            assert needle in message, message


def test_rows_named_by_customer_id():
    frame = GOOD.assign(duration=[10.0, -1.0, 5.0, 2.0]).set_index(
        pd.Index(["C1", "C2", "C3", "C4"], name="customer_id")
    )
    with pytest.raises(DataValidationError, match=r"at rows 2 \(customer_id 'C2'\)"):
        kaplan_meier(frame)


def test_logrank_one_group_level():
    with pytest.raises(DataValidationError, match="has one level \\('a'\\) in all 4 rows"):
        logrank(GOOD.assign(segment="a"), group="segment")


def test_bad_level():
    with pytest.raises(ParameterError, match="level must be in"):
        kaplan_meier(GOOD, level=95)


def test_bool_events_accepted():
    result = kaplan_meier(GOOD.assign(churned=GOOD["churned"].astype(bool)))
    assert result.n_churned == 3
