"""Targeting: consent is never violated, limits hold, profit curve and atomic export."""

from __future__ import annotations

import os

import duckdb
import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.uplift.export import export_targets
from crm_models.uplift.holdout import holdout_profit_curve, true_policy_values
from crm_models.uplift.targeting import plan_targeting

STATUSES = np.array(["opt_in", "double_opt_in", "opt_out", None], dtype=object)


def _random_case(rng: np.random.Generator):
    n = int(rng.integers(1, 300))
    k = int(rng.integers(1, 4))
    ids = rng.permutation(np.arange(10 * n))[:n] + 1
    uplift = rng.normal(0.02, 0.05, (n, k))
    if rng.random() < 0.3:  # make opted-out customers the most attractive ones
        uplift += 0.5
    consent = rng.choice(STATUSES, n, p=rng.dirichlet(np.ones(4)))
    kwargs = {
        "margin_per_outcome": rng.uniform(1, 50) if rng.random() < 0.5 else rng.uniform(1, 50, k),
        "cost_per_contact": rng.uniform(0, 1),
        "require_double_opt_in": bool(rng.random() < 0.5),
        "max_contacts": int(rng.integers(0, n + 5)) if rng.random() < 0.4 else None,
        "budget": float(rng.uniform(0, n)) if rng.random() < 0.3 else None,
    }
    return ids, uplift, consent, kwargs


def test_no_opted_out_customer_is_ever_targeted():
    """Property over 300 random plans (sizes, arms, margins, limits, consent mixes, opted-out
    customers made the most profitable): no opted-out or consent-less id is ever in the target
    list; with double opt-in required only confirmed customers are; the export re-check
    refuses a list with an opted-out id smuggled in."""
    rng = np.random.default_rng(123)
    for _ in range(300):
        ids, uplift, consent, kwargs = _random_case(rng)
        arms = [f"arm_{j}" for j in range(uplift.shape[1])]
        plan = plan_targeting(ids, uplift, consent=consent, arms=arms, **kwargs)
        status = dict(zip(ids, consent, strict=True))
        chosen = [status[i] for i in plan.targets["customer_id"]]
        assert "opt_out" not in chosen and None not in chosen
        if kwargs["require_double_opt_in"]:
            assert set(chosen) <= {"double_opt_in"}
        assert plan.n_opted_out == int((consent == "opt_out").sum())
    opted_out = ids[consent == "opt_out"]
    if len(opted_out):
        bad = pd.concat(
            [
                plan.targets,
                pd.DataFrame(
                    {
                        "customer_id": opted_out[:1],
                        "arm": ["x"],
                        "expected_uplift": [1.0],
                        "expected_profit": [1.0],
                    }
                ),
            ]
        )
        with pytest.raises(DataValidationError, match="lack consent"):
            export_targets(bad, "unused.csv", consent=pd.Series(consent, index=ids))


def test_plan_is_the_best_feasible_list():
    """Targets = eligible customers with positive expected profit, best first, within the
    contact limit and budget; profit = margin × uplift − cost with the best arm per customer;
    consent cost = unconstrained − constrained profit."""
    rng = np.random.default_rng(7)
    n = 1000
    ids = np.arange(1, n + 1)
    uplift = pd.DataFrame(
        {"uplift_a": rng.normal(0.02, 0.03, n), "uplift_b": rng.normal(0.01, 0.05, n)}
    )
    consent = rng.choice(["opt_in", "double_opt_in", "opt_out"], n)
    plan = plan_targeting(
        ids,
        uplift,
        margin_per_outcome={"a": 20.0, "b": 30.0},
        cost_per_contact=0.3,
        consent=consent,
        max_contacts=150,
    )
    profit = np.column_stack([20 * uplift["uplift_a"] - 0.3, 30 * uplift["uplift_b"] - 0.3])
    best = profit.max(axis=1)
    ok = (consent != "opt_out") & (best > 0)
    expected_ids = ids[ok][np.argsort(-best[ok], kind="stable")][:150]
    np.testing.assert_array_equal(plan.targets["customer_id"], expected_ids)
    np.testing.assert_allclose(plan.targets["expected_profit"], np.sort(best[ok])[::-1][:150])
    assert set(plan.targets["arm"]) <= {"a", "b"}
    free = np.sort(best[best > 0])[::-1][:150].sum()
    assert plan.consent_cost == pytest.approx(free - plan.expected_profit)
    opt = plan.exclusions.set_index("reason").loc["opt_out"]
    assert opt["n"] == (consent == "opt_out").sum()
    assert opt["n_profitable"] == ((consent == "opt_out") & (best > 0)).sum()
    budget_plan = plan_targeting(
        ids, uplift, {"a": 20.0, "b": 30.0}, {"a": 0.3, "b": 0.5}, consent, budget=20.0
    )
    costs = budget_plan.targets["arm"].map({"a": 0.3, "b": 0.5})
    assert costs.sum() <= 20.0
    strict = plan_targeting(
        ids, uplift, {"a": 20.0, "b": 30.0}, 0.3, consent, require_double_opt_in=True
    )
    assert (
        strict.expected_profit
        < plan_targeting(ids, uplift, {"a": 20.0, "b": 30.0}, 0.3, consent).expected_profit
    )


def test_bad_plan_inputs():
    ids = np.arange(3)
    with pytest.raises(DataValidationError, match="consent_status must be one of"):
        plan_targeting(ids, np.zeros(3), 1.0, 0.1, ["opt_in", "yes", "opt_out"], arms=["a"])
    with pytest.raises(ParameterError, match="margin"):
        plan_targeting(
            ids, np.zeros((3, 2)), [1.0, 2.0, 3.0, 4.0], 0.1, ["opt_in"] * 3, arms=["a", "b"]
        )
    with pytest.raises(DataValidationError, match="unique"):
        plan_targeting([1, 1, 2], np.zeros(3), 1.0, 0.1, ["opt_in"] * 3, arms=["a"])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_is_atomic(tmp_path, fmt, monkeypatch):
    """Round-trip of the target list; a failing write leaves the previous file intact and no
    temporary file behind."""
    rng = np.random.default_rng(0)
    plan = plan_targeting(
        np.arange(50),
        rng.normal(0.05, 0.02, 50),
        10.0,
        0.1,
        ["opt_in"] * 25 + ["opt_out"] * 25,
        arms=["email"],
    )
    path = tmp_path / f"targets.{fmt}"
    plan.export(path)
    back = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, plan.targets.reset_index(drop=True), check_dtype=False)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv" if fmt == "csv" else "to_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        plan.export(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


def test_export_to_duckdb_table():
    plan = plan_targeting(
        np.arange(10), np.full(10, 0.1), 10.0, 0.1, ["double_opt_in"] * 10, arms=["email"]
    )
    con = duckdb.connect()
    assert export_targets(plan.targets, con, table="next_campaign") == "next_campaign"
    assert con.execute("SELECT count(*) FROM next_campaign").fetchone()[0] == 10


def _experiment(n: int, seed: int):
    """One arm; true uplift τ = 0.12·x − 0.02 (x ~ U(0,1)); base rate 0.1."""
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    tau = 0.12 * x - 0.02
    t = np.where(rng.random(n) < 0.5, "offer", "control")
    y = (rng.random(n) < 0.1 + tau * (t == "offer")).astype(float)
    return x, tau, t, y


def test_holdout_profit_curve_finds_the_true_cut_off():
    """Ranking by true uplift with margin 10 and cost 0.5 (profit > 0 iff x > 7/12, optimal
    share 5/12 ≈ 0.42): on 40,000 hold-out customers the bootstrap interval of the best share
    covers 5/12, the profit interval covers the true optimum (10·E[τ; x > 7/12] − cost share),
    and contacting everyone matches 10·ATE − 0.5."""
    x, tau, t, y = _experiment(40_000, 2)
    pc = holdout_profit_curve(
        y,
        t,
        np.full(len(y), "offer"),
        x,
        margin_per_outcome=10.0,
        cost_per_contact=0.5,
        population=1000,
        n_boot=200,
        seed=1,
    )
    true_opt = 1000 * np.mean(np.where(x > 7 / 12, 10 * tau - 0.5, 0.0))
    assert pc.share_interval[0] <= 5 / 12 <= pc.share_interval[1]
    assert pc.profit_interval[0] <= true_opt <= pc.profit_interval[1]
    ate = y[t == "offer"].mean() - y[t == "control"].mean()
    assert pc.everyone["offer"] == pytest.approx(1000 * (10 * ate - 0.5))
    assert pc.curve["profit"].iloc[-1] == pytest.approx(pc.everyone["offer"])
    again = holdout_profit_curve(
        y, t, np.full(len(y), "offer"), x, 10.0, 0.5, population=1000, n_boot=200, seed=1
    )
    assert again.share_interval == pc.share_interval  # seeded


def test_true_policy_values_ordering():
    """Oracle ≥ model ≥ random (truth known); the oracle at 100% equals the total best-arm
    profit; random is linear in the share."""
    rng = np.random.default_rng(3)
    true = rng.normal(0.02, 0.03, (5000, 2))
    pred = true + rng.normal(0, 0.02, true.shape)
    table = true_policy_values(true, pred, 10.0, 0.1, arms=["a", "b"]).table.set_index("share")
    assert (table["oracle"] >= table["model"] - 1e-9).all()
    assert (table.loc[[0.1, 0.2, 0.3], "model"] > table.loc[[0.1, 0.2, 0.3], "random"]).all()
    assert table.loc[1.0, "oracle"] == pytest.approx((10 * true - 0.1).max(axis=1).sum())
    assert table.loc[0.2, "random"] == pytest.approx(2 * table.loc[0.1, "random"])
