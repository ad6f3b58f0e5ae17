"""Safety net: outputs pinned exactly against independent computations (issue 11).

- decile intervals: half-width = z(level)·se, se recomputed here bin by bin;
- Cochran's Q in ``segment_lift`` equals statsmodels' ``combine_effects`` (Q and its p-value
  with k − 1 degrees of freedom);
- one headline figure of the campaign_uplift report (the lift table) recomputed with the
  package API on the same data, equal to 1e-9.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_models.uplift import (
    lift_table,
    load_campaign_inputs,
    segment_lift,
    uplift_by_decile,
    uplift_metrics,
)

ROOT = Path(__file__).resolve().parents[2]


def _scores(n: int, seed: int):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    s = rng.normal(size=n)  # continuous: no ties
    y = (rng.random(n) < 0.1 + 0.1 * t * (s > 0)).astype(float)
    return y, s, t


def _independent_deciles(y, s, t, bins):
    """Per bin of the descending ranking (numpy.array_split): uplift and unpooled se."""
    order = np.argsort(-s)
    rows = []
    for idx in np.array_split(order, bins):
        yt, yc = y[idx][t[idx] == 1], y[idx][t[idx] == 0]
        rows.append(
            (yt.mean() - yc.mean(), np.sqrt(yt.var(ddof=1) / len(yt) + yc.var(ddof=1) / len(yc)))
        )
    return np.array(rows)


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_decile_interval_half_width_is_z_times_se(level):
    """uplift_by_decile and uplift_metrics(...).deciles: se equals an independent per-bin
    computation and ci = uplift ± z(level)·se exactly (z = Φ⁻¹((1 + level)/2))."""
    y, s, t = _scores(5000, 11)
    expected = _independent_deciles(y, s, t, 10)
    z = stats.norm.ppf((1 + level) / 2)
    for table in (
        uplift_by_decile(y, s, t, level=level),
        uplift_metrics(y, s, t, level=level).deciles,
    ):
        np.testing.assert_allclose(table["uplift"], expected[:, 0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(table["se"], expected[:, 1], rtol=1e-12)
        np.testing.assert_allclose(
            table["ci_high"] - table["uplift"], z * expected[:, 1], rtol=1e-12
        )
        np.testing.assert_allclose(
            table["uplift"] - table["ci_low"], z * expected[:, 1], rtol=1e-12
        )


@pytest.mark.parametrize("level", [0.9, 0.95])
def test_cochran_q_equals_statsmodels(level):
    """Q and its p-value (chi-square, k − 1 df) equal statsmodels' combine_effects on the
    segment lifts and their implied variances ((half-width / z)²), k = 4 segments."""
    from statsmodels.stats.meta_analysis import combine_effects

    rng = np.random.default_rng(21)
    n = 12_000
    arm = rng.choice(["control", "offer"], n)
    seg = rng.choice(["a", "b", "c", "d"], n)
    effect = pd.Series({"a": 0.0, "b": 0.03, "c": 0.06, "d": 0.02})[seg].to_numpy()
    frame = pd.DataFrame(
        {
            "arm": arm,
            "seg": seg,
            "conversion": (rng.random(n) < 0.1 + effect * (arm == "offer")).astype(int),
        }
    )
    result = segment_lift(frame, "seg", outcomes=["conversion"], level=level)
    table = result.table
    z = stats.norm.ppf((1 + level) / 2)
    variance = ((table["abs_ci_high"] - table["abs_ci_low"]) / (2 * z)) ** 2
    ref = combine_effects(table["abs_lift"].to_numpy(), variance.to_numpy())
    homogeneity = ref.test_homogeneity()
    het = result.heterogeneity.iloc[0]
    assert het["segments"] == 4
    assert het["q"] == pytest.approx(ref.q, rel=1e-12)
    assert ref.df_resid == 3
    assert het["p_value"] == pytest.approx(homogeneity.pvalue, rel=1e-10)
    assert het["p_value"] == pytest.approx(stats.chi2.sf(ref.q, 3), rel=1e-10)


@pytest.fixture(scope="module")
def small_report(tmp_path_factory):
    """campaign_uplift run small through the real runner (``crm run``)."""
    from crm_models.cli import main

    out = tmp_path_factory.mktemp("uplift-report")
    params = {"n_customers": 2000, "n_boot": 50, "seed": 3}
    args = [
        "run",
        "campaign_uplift",
        "--force",
        "--output",
        str(out),
        "--notebooks",
        str(ROOT / "notebooks"),
    ]
    for k, v in params.items():
        args += ["--set", f"{k}={v}"]
    assert main(args) == 0
    return json.loads((out / "campaign_uplift.json").read_text())["figures"], params


def test_report_lift_equals_the_package_on_the_same_data(small_report):
    """Every published lift (abs_lift, ci_low, ci_high, rel_lift, p_adjusted) equals
    ``lift_table`` on the same synthetic world, to 1e-9."""
    figures, params = small_report
    inputs = load_campaign_inputs(
        "synthetic", n_customers=params["n_customers"], seed=params["seed"]
    )
    table = lift_table(inputs.campaign, outcomes=["visit", "conversion", "spend"]).table
    published = pd.DataFrame(figures["ate"]).set_index(["arm", "outcome"])
    expected = table.set_index(["arm", "outcome"]).loc[published.index]
    columns = {
        "abs_lift": "abs_lift",
        "ci_low": "abs_ci_low",
        "ci_high": "abs_ci_high",
        "rel_lift": "rel_lift",
        "p_adjusted": "p_adjusted",
    }
    assert len(published) == 6
    for key, col in columns.items():
        np.testing.assert_allclose(
            published[key].to_numpy(dtype=float),
            expected[col].to_numpy(dtype=float),
            rtol=1e-9,
            atol=0,
        )
    assert figures["data_source"] == inputs.label
