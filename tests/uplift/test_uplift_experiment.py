"""Experiment evaluation: interval coverage on simulated campaigns, checks, Hillstrom results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.data.public import shared_data_file
from crm_models.errors import DataValidationError, ParameterError
from crm_models.uplift import (
    covariate_balance,
    evaluate_experiment,
    lift_table,
    sample_ratio_test,
    segment_lift,
)

P_CONTROL, P_ARM = 0.10, 0.13
SPEND_SCALE = 30.0  # mean spend per conversion, currency


def _campaign(n_per_arm: int, rng: np.random.Generator, shares=None) -> pd.DataFrame:
    arms = (
        np.repeat(["control", "offer"], n_per_arm)
        if shares is None
        else rng.choice(["control", "offer"], size=2 * n_per_arm, p=shares)
    )
    p = np.where(arms == "offer", P_ARM, P_CONTROL)
    conversion = (rng.random(len(arms)) < p).astype(int)
    spend = conversion * rng.gamma(2.0, SPEND_SCALE / 2.0, len(arms))
    age = rng.normal(40, 10, len(arms))
    return pd.DataFrame(
        {
            "arm": arms,
            "conversion": conversion,
            "spend": spend,
            "age": age,
            "channel": rng.choice(["web", "store"], len(arms)),
        }
    )


def test_lift_intervals_cover_the_truth():
    """Over 400 simulated campaigns (2×1,500 customers), the 95% intervals of absolute and
    relative lift cover the true lift in 92.5–97.5% of runs (±2.3 binomial SE around 95%), for
    the binary conversion (Newcombe / score interval) and the continuous spend (Welch / delta
    method)."""
    rng = np.random.default_rng(2024)
    truth = {
        "conversion": (P_ARM - P_CONTROL, P_ARM / P_CONTROL - 1),
        "spend": (SPEND_SCALE * (P_ARM - P_CONTROL), P_ARM / P_CONTROL - 1),
    }
    hits = {(o, kind): 0 for o in truth for kind in ("abs", "rel")}
    reps = 400
    for _ in range(reps):
        table = lift_table(
            _campaign(1500, rng), outcomes=["conversion", "spend"], control="control"
        ).table.set_index("outcome")
        for o, (abs_true, rel_true) in truth.items():
            r = table.loc[o]
            hits[(o, "abs")] += r["abs_ci_low"] <= abs_true <= r["abs_ci_high"]
            hits[(o, "rel")] += r["rel_ci_low"] <= rel_true <= r["rel_ci_high"]
    coverage = {k: v / reps for k, v in hits.items()}
    assert all(0.925 <= c <= 0.975 for c in coverage.values()), coverage


def test_lift_table_point_estimates_and_holm():
    """Means and lifts equal hand computation; Holm-adjusted p-values ≥ raw p-values."""
    rng = np.random.default_rng(1)
    frame = _campaign(4000, rng)
    result = lift_table(frame, outcomes=["conversion", "spend"])
    table = result.table
    means = frame.groupby("arm")[["conversion", "spend"]].mean()
    conv = table.set_index("outcome").loc["conversion"]
    assert conv["abs_lift"] == pytest.approx(
        means.loc["offer", "conversion"] - means.loc["control", "conversion"]
    )
    assert conv["rel_lift"] == pytest.approx(
        means.loc["offer", "conversion"] / means.loc["control", "conversion"] - 1
    )
    assert (table["p_adjusted"] >= table["p_value"] - 1e-15).all()
    assert result.interval_level == pytest.approx(0.95)
    wide = lift_table(frame, outcomes=["conversion", "spend"], simultaneous=True).table
    assert (
        wide["abs_ci_high"] - wide["abs_ci_low"] > table["abs_ci_high"] - table["abs_ci_low"]
    ).all()


def test_holm_matches_statsmodels():
    """Our Holm adjustment equals statsmodels multipletests(method='holm') on random p-values."""
    from statsmodels.stats.multitest import multipletests

    from crm_models.uplift.lift import holm

    p = np.random.default_rng(0).random(25) ** 3
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], atol=1e-15)


def test_sample_ratio_mismatch_is_detected_and_not_false_alarmed():
    """A 52/48 split of 20,000 customers planned as 50/50 is flagged (p < 0.001); a true 50/50
    randomization is not."""
    rng = np.random.default_rng(3)
    bad = sample_ratio_test(_campaign(10_000, rng, shares=[0.52, 0.48]))
    assert bad.mismatch and bad.p_value < 1e-6
    good = sample_ratio_test(_campaign(10_000, rng, shares=[0.5, 0.5]))
    assert not good.mismatch
    planned = sample_ratio_test(
        _campaign(10_000, rng, shares=[0.2, 0.8]), expected_shares={"control": 0.2, "offer": 0.8}
    )
    assert not planned.mismatch
    with pytest.raises(ParameterError, match="expected_shares"):
        sample_ratio_test(_campaign(100, rng), expected_shares={"control": 1.0})


def test_covariate_balance_smd():
    """SMD equals (m1 − m0)/sqrt((s1² + s0²)/2); a shifted covariate (+0.3 sd) is flagged,
    a randomized one is not; categorical levels get one row each."""
    rng = np.random.default_rng(4)
    frame = _campaign(5000, rng)
    frame.loc[frame["arm"] == "offer", "age"] += 3.0  # 0.3 sd
    bal = covariate_balance(frame, ["age", "channel", "conversion"]).set_index("covariate")
    a1 = frame.loc[frame.arm == "offer", "age"]
    a0 = frame.loc[frame.arm == "control", "age"]
    expected = (a1.mean() - a0.mean()) / np.sqrt((a1.var() + a0.var()) / 2)
    assert bal.loc["age", "smd"] == pytest.approx(expected)
    assert bal.loc["age", "imbalanced"]
    assert {"channel=web", "channel=store"} <= set(bal.index)
    assert not bal.loc["channel=web", "imbalanced"]


def test_segment_lift_recovers_heterogeneity():
    """Segment lifts recover segment-specific truth (+0.10 on web, 0 in store): the web
    interval excludes 0 and covers 0.10, and Cochran's Q rejects equal lift."""
    rng = np.random.default_rng(5)
    n = 8000
    arm = rng.choice(["control", "offer"], n)
    channel = rng.choice(["web", "store"], n)
    p = 0.1 + 0.10 * ((arm == "offer") & (channel == "web"))
    frame = pd.DataFrame(
        {"arm": arm, "channel": channel, "conversion": (rng.random(n) < p).astype(int)}
    )
    result = segment_lift(frame, "channel", outcomes=["conversion"])
    table = result.table.set_index("segment")
    web, store = table.loc["web"], table.loc["store"]
    assert web["abs_ci_low"] > 0 and web["abs_ci_low"] <= 0.10 <= web["abs_ci_high"]
    assert store["abs_ci_low"] <= 0 <= store["abs_ci_high"]
    het = result.heterogeneity
    assert het["p_value"].iloc[0] < 0.001


def test_bad_input_messages():
    rng = np.random.default_rng(6)
    frame = _campaign(50, rng)
    with pytest.raises(DataValidationError, match="control arm 'ctrl'"):
        lift_table(frame, outcomes=["conversion"], control="ctrl")
    with pytest.raises(DataValidationError, match="lacks column"):
        lift_table(frame.drop(columns="spend"), outcomes=["spend"])
    frame.loc[3, "conversion"] = np.nan
    with pytest.raises(DataValidationError, match=r"\(rows 4\)"):
        lift_table(frame, outcomes=["conversion"])
    with pytest.raises(ParameterError, match="level"):
        lift_table(_campaign(50, rng), outcomes=["conversion"], level=5)


# Published results of the MineThatData e-mail challenge (Hillstrom 2008), rounded as printed.
HILLSTROM_PUBLISHED = {
    ("control", "visit"): (10.6, "pct"),
    ("mens_email", "visit"): (18.3, "pct"),
    ("womens_email", "visit"): (15.1, "pct"),
    ("control", "conversion"): (0.57, "pct2"),
    ("mens_email", "conversion"): (1.25, "pct2"),
    ("womens_email", "conversion"): (0.88, "pct2"),
    ("control", "spend"): (0.65, "usd"),
    ("mens_email", "spend"): (1.42, "usd"),
    ("womens_email", "spend"): (1.08, "usd"),
}


@pytest.mark.shared_data
def test_hillstrom_published_rates():
    """Hillstrom (64,000 customers): visit 10.6/18.3/15.1%, conversion 0.57/1.25/0.88%, spend
    $0.65/$1.42/$1.08 (control/mens/womens) — equal after rounding as published; SRM passes,
    all |SMD| < 0.05, and both e-mails lift every outcome significantly (Holm, 5%)."""
    path = shared_data_file("hillstrom.csv")
    if path is None:
        pytest.skip("hillstrom.csv not found (set CRM_SHARED_DATA or provide ../shared/data)")
    from crm_models.data.public import load_hillstrom

    frame = load_hillstrom(path)
    covariates = ["recency", "history", "mens", "womens", "zip_code", "newbie", "channel"]
    result = evaluate_experiment(frame, covariates=covariates)
    lift = result.lift.table.set_index(["arm", "outcome"])
    for (arm, outcome), (published, unit) in HILLSTROM_PUBLISHED.items():
        if arm == "control":
            value = lift.xs(outcome, level="outcome")["mean_control"].iloc[0]
        else:
            value = lift.loc[(arm, outcome), "mean_arm"]
        shown = {
            "pct": round(100 * value, 1),
            "pct2": round(100 * value, 2),
            "usd": round(value, 2),
        }[unit]
        assert shown == pytest.approx(published), (arm, outcome, value)
    assert not result.srm.mismatch
    assert result.max_abs_smd < 0.05
    assert lift["significant"].all()
    mens_visit = lift.loc[("mens_email", "visit")]
    assert mens_visit["abs_ci_low"] < 0.0766 < mens_visit["abs_ci_high"]
