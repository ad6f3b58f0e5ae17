"""plan_retention: whom to save — profit, consent, limits, sensitivity, export, bad inputs."""

from __future__ import annotations

import dataclasses
import itertools
import json

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.retention.offer import offer_effect
from crm_models.retention.saving import SAVE_LIST_COLUMNS, plan_retention


def simulate_experiment(n: int, churn_control: float, effect: float, seed: int) -> pd.DataFrame:
    """Randomized experiment: offer arm churns at churn_control × (1 − effect)."""
    rng = np.random.default_rng(seed)
    arm = rng.choice(np.array(["offer", "control"], dtype=object), n)
    churn = np.where(arm == "offer", churn_control * (1 - effect), churn_control)
    return pd.DataFrame({"arm": arm, "retained": (rng.random(n) >= churn).astype(int)})


STATUSES = np.array(["opt_in", "double_opt_in", "opt_out", "unknown", None], dtype=object)


def _customers(n: int, seed: int):
    rng = np.random.default_rng(seed)
    ids = rng.permutation(np.arange(10 * n))[:n] + 1
    return ids, rng.uniform(0, 1, n), rng.gamma(2.0, 150.0, n), rng.choice(STATUSES, n)


def test_planted_truth_profit_interval_and_brute_force_total():
    """Experiment with a known effect (0.35, 40,000 customers): the effect's interval covers
    it, the plan's profit interval covers the profit of the same list at the true effect, and
    the total equals a row-by-row sum of p × v × effect − cost over the list."""
    offer = offer_effect(simulate_experiment(40_000, 0.25, 0.35, seed=11))
    assert offer.ci_low < 0.35 < offer.ci_high
    ids, p, v, consent = _customers(2_000, seed=5)
    plan = plan_retention(
        ids, p, v, offer_effect=offer, cost_per_contact=12.0, consent=consent, max_contacts=300
    )
    row = {cid: (pi, vi) for cid, pi, vi in zip(ids, p, v, strict=True)}
    brute = sum(row[c][0] * row[c][1] * offer.effect - 12.0 for c in plan.save_list["customer_id"])
    assert plan.expected_incremental_profit == pytest.approx(brute)
    true_total = sum(row[c][0] * row[c][1] * 0.35 - 12.0 for c in plan.save_list["customer_id"])
    assert plan.ci_low < true_total < plan.ci_high
    assert plan.ci_low < plan.expected_incremental_profit < plan.ci_high
    table = plan.summary()
    assert table.loc["expected incremental profit", "ci_low"] == pytest.approx(plan.ci_low)
    narrow = plan.summary(0.5).loc["expected incremental profit"]
    assert plan.ci_low < narrow["ci_low"] < narrow["ci_high"] < plan.ci_high
    assert list(plan.save_list.columns) == SAVE_LIST_COLUMNS
    assert "p_leave and value_at_risk are plug-in" in plan.note
    figures = json.loads(json.dumps(plan.to_dict()))  # JSON-ready; the lists stay out
    assert "save_list" not in figures and "scored" not in figures and "offer" not in figures
    assert figures["n_offers"] == len(plan.save_list) == 300
    assert len(figures["sensitivity"]) == 11
    assert "<table" in plan._repr_html_()


def test_best_subset_by_enumeration():
    """Small cases: the plan's profit is the best over every consenting subset within the
    offer limit and budget (equal costs, so the greedy choice must be optimal)."""
    rng = np.random.default_rng(2)
    for _ in range(30):
        n = 10
        ids, p, v, consent = _customers(n, int(rng.integers(1_000)))
        k, budget = int(rng.integers(0, n + 1)), float(rng.uniform(0, 150))
        plan = plan_retention(
            ids, p, v, offer_effect=0.3, cost_per_contact=20.0, consent=consent,
            max_contacts=k, budget=budget,
        )  # fmt: skip
        profit = p * v * 0.3 - 20.0
        ok = np.isin(consent, ["opt_in", "double_opt_in"])
        best = 0.0
        for size in range(0, min(k, int(budget // 20.0)) + 1):
            for subset in itertools.combinations(np.flatnonzero(ok), size):
                best = max(best, float(profit[list(subset)].sum()))
        assert plan.expected_incremental_profit == pytest.approx(best)


def test_opted_out_customers_never_get_an_offer_even_when_most_valuable(tmp_path):
    """200 random plans where opted-out and unknown customers are the most valuable: none is
    ever on the save list (with double opt-in required only confirmed ones are); the export
    re-checks and refuses a list with an opted-out id smuggled in, leaving the old file."""
    rng = np.random.default_rng(17)
    for _ in range(200):
        n = int(rng.integers(1, 200))
        ids, p, v, consent = _customers(n, int(rng.integers(10**6)))
        no = ~np.isin(consent, ["opt_in", "double_opt_in"])
        v = np.where(no, v * 100, v)
        p = np.where(no, 1.0, p)
        double = bool(rng.random() < 0.5)
        plan = plan_retention(
            ids, p, v, offer_effect=float(rng.uniform(0.05, 0.9)), cost_per_contact=5.0,
            consent=consent, require_double_opt_in=double,
            max_contacts=int(rng.integers(0, n + 2)) if rng.random() < 0.5 else None,
        )  # fmt: skip
        status = dict(zip(ids, consent, strict=True))
        chosen = {status[c] for c in plan.save_list["customer_id"]}
        assert chosen <= ({"double_opt_in"} if double else {"opt_in", "double_opt_in"})
        assert (plan.excluded["reason"] == "opt_out").sum() == (consent == "opt_out").sum()
    path = tmp_path / "save.csv"
    plan.export(path)
    written = pd.read_csv(path)
    assert written["customer_id"].tolist() == plan.save_list["customer_id"].tolist()
    assert {status[c] for c in written["customer_id"]} <= {"opt_in", "double_opt_in"}
    opted_out = ids[consent == "opt_out"][:1]
    smuggled = pd.concat(
        [plan.save_list, pd.DataFrame({c: [1.0] for c in SAVE_LIST_COLUMNS[1:]}).assign(
            customer_id=opted_out[:1] if len(opted_out) else [ids[0]])],
    )  # fmt: skip
    if len(opted_out):
        bad = dataclasses.replace(plan, save_list=smuggled)
        before = path.read_bytes()
        with pytest.raises(DataValidationError, match="lack consent"):
            bad.export(path)
        assert path.read_bytes() == before


def test_export_parquet_and_no_consent_information(tmp_path):
    """consent=None: everyone is eligible and the plan says so; Parquet export round-trips."""
    ids, p, v, _ = _customers(300, seed=9)
    plan = plan_retention(ids, p, v, offer_effect=0.2, cost_per_contact=10.0)
    assert not plan.consent_known
    assert plan.summary().loc["consent information given (1 = yes)", "estimate"] == 0
    out = plan.export(tmp_path / "list.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(out), plan.save_list)
    with pytest.raises(ParameterError, match="'csv' or 'parquet'"):
        plan.export(tmp_path / "list.xlsx")


def test_limits_are_honoured_best_first():
    """max_contacts and budget: the list is sorted by expected profit, within both limits, and
    every customer left out for a limit earns no more than the last one on the list."""
    ids, p, v, consent = _customers(3_000, seed=4)
    cost = np.random.default_rng(4).uniform(5, 30, 3_000)
    for max_contacts, budget in [(50, None), (None, 2_000.0), (400, 3_000.0), (0, None)]:
        plan = plan_retention(
            ids, p, v, offer_effect=0.25, cost_per_contact=cost, consent=consent,
            max_contacts=max_contacts, budget=budget,
        )  # fmt: skip
        s = plan.save_list
        assert s["expected_profit"].is_monotonic_decreasing
        assert (s["expected_profit"] > 0).all()
        if max_contacts is not None:
            assert len(s) <= max_contacts
        spent = cost[pd.Index(ids).get_indexer(s["customer_id"])].sum()
        assert plan.cost_of_offers == pytest.approx(spent)
        if budget is not None:
            assert spent <= budget
        limited = plan.excluded[plan.excluded["reason"].isin(["max_contacts", "budget"])]
        assert len(limited) > 0
        worst = s["expected_profit"].min() if len(s) else np.inf
        left = plan.scored.set_index("customer_id").loc[limited["customer_id"], "expected_profit"]
        assert (left <= worst).all()
        assert len(s) + len(plan.excluded) == len(ids)


def test_assumed_effect_gives_the_sensitivity_rows():
    """A float effect with effect_range: 11 rows from low to high, each the plan re-made at
    that effect (brute-force count and profit), profit_of_plan linear through the plan's
    total; the assumed effect has no interval. Default range: ±50% of the assumption."""
    ids, p, v, consent = _customers(1_000, seed=8)
    plan = plan_retention(
        ids,
        p,
        v,
        offer_effect=0.2,
        cost_per_contact=15.0,
        consent=consent,
        effect_range=(0.05, 0.45),
    )
    sens = plan.sensitivity
    assert len(sens) == 11
    np.testing.assert_allclose(sens["effect"], np.linspace(0.05, 0.45, 11))
    ok = np.isin(consent, ["opt_in", "double_opt_in"])
    for row in sens.itertuples():
        gain = p * v * row.effect - 15.0
        take = ok & (gain > 0)
        assert row.n_offers == take.sum()
        assert row.profit == pytest.approx(gain[take].sum())
    assert sens["n_offers"].is_monotonic_increasing
    assert plan.effect_assumed and np.isnan(plan.ci_low) and np.isnan(plan.effect_ci_low)
    assert sens["profit_of_plan"].iloc[5] == pytest.approx(
        plan.expected_loss * 0.25 - plan.cost_of_offers
    )
    default = plan_retention(ids, p, v, offer_effect=0.2, cost_per_contact=15.0)
    assert (default.effect_low, default.effect_high) == pytest.approx((0.1, 0.3))
    assert default.sensitivity.loc[5, "profit"] == pytest.approx(
        default.expected_incremental_profit
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"p_leave": [0.1, 0.2]}, DataValidationError, "p_leave has 2 values for 5 customers"),
        ({"p_leave": [0.1, 0.2, np.nan, 0.3, np.nan]}, DataValidationError,
         r"p_leave is missing.*rows 3, 5 \(customer_id 'c', 'e'\)"),
        ({"p_leave": [0.1, 1.2, 0.5, 0.3, -0.1]}, DataValidationError,
         r"p_leave must be a probability in \[0, 1\], got \[1.2, -0.1\] at rows 2, 5"),
        ({"value_at_risk": [1, 2, -3, 4, 5]}, DataValidationError, "value_at_risk must be >= 0"),
        ({"cost_per_contact": -1.0}, ParameterError, "cost_per_contact must be >= 0"),
        ({"customer_id": ["a", "b", "a", "d", "e"]}, DataValidationError,
         "duplicate ids at rows 1, 3"),
        ({"consent": ["opt_in"] * 4}, DataValidationError, "consent has 4 values for 5"),
        ({"consent": ["opt_in", "yes", "opt_out", "opt_in", "opt_in"]}, DataValidationError,
         "consent_status must be one of"),
        ({"offer_effect": "0.2"}, ParameterError, "offer_effect must be an OfferEffect"),
        ({"offer_effect": 1.5}, ParameterError, r"in \[-1, 1\]"),
        ({"effect_range": (0.4, 0.1)}, ParameterError, "low <= high"),
        ({"max_contacts": -1}, ParameterError, "max_contacts"),
        ({"budget": -5}, ParameterError, "budget"),
    ],
    ids=["lengths", "nan p_leave", "p_leave range", "negative value", "negative cost",
         "duplicate ids", "consent length", "consent value", "effect type", "effect range",
         "effect_range order", "max_contacts", "budget"],
)  # fmt: skip
def test_bad_inputs_get_one_clear_error(kwargs, error, message):
    args = {
        "customer_id": ["a", "b", "c", "d", "e"],
        "p_leave": [0.1, 0.2, 0.3, 0.4, 0.5],
        "value_at_risk": [100.0, 200.0, 300.0, 400.0, 500.0],
        "offer_effect": 0.2,
        "cost_per_contact": 5.0,
        **kwargs,
    }
    with pytest.raises(error, match=message):
        plan_retention(
            args.pop("customer_id"), args.pop("p_leave"), args.pop("value_at_risk"), **args
        )


def test_series_are_matched_to_customer_id_by_their_index():
    """p_leave, value_at_risk and consent given as Series indexed by customer id in another
    order give the same plan as arrays in customer_id order; a customer missing from the
    p_leave Series is named; one missing from the consent Series gets no offer."""
    ids, p, v, consent = _customers(400, seed=12)
    by_array = plan_retention(ids, p, v, offer_effect=0.3, cost_per_contact=8.0, consent=consent)
    shuffled = np.random.default_rng(0).permutation(len(ids))
    series = {
        name: pd.Series(values[shuffled], index=ids[shuffled])
        for name, values in (("p", p), ("v", v), ("consent", consent))
    }
    by_series = plan_retention(
        ids, series["p"], series["v"], offer_effect=0.3, cost_per_contact=8.0,
        consent=series["consent"],
    )  # fmt: skip
    pd.testing.assert_frame_equal(by_series.save_list, by_array.save_list)
    first = by_array.save_list["customer_id"].iloc[0]
    fewer = plan_retention(
        ids, series["p"], series["v"], offer_effect=0.3, cost_per_contact=8.0,
        consent=series["consent"].drop(first),
    )  # fmt: skip
    assert first not in set(fewer.save_list["customer_id"])
    assert fewer.excluded.set_index("customer_id").loc[first, "reason"] == "missing_consent"
    row = int(np.flatnonzero(ids == first)[0]) + 1
    with pytest.raises(DataValidationError, match=rf"p_leave is missing.*rows {row} \(customer_id"):
        plan_retention(ids, series["p"].drop(first), v, offer_effect=0.3, cost_per_contact=8.0)
