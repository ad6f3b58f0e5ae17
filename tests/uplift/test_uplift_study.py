"""The study's package side: inputs, consent rule, decision, learner labels, narrative, and
the results convention (frozen results, summary(level) columns, to_dict)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import ParameterError
from crm_models.results import SUMMARY_COLUMNS
from crm_models.uplift import (
    CampaignDecision,
    HoldoutProfitResult,
    consent_eligible,
    decide_campaign,
    evaluate_experiment,
    exclusion_reasons,
    holdout_profit_curve,
    learner_names,
    load_campaign_inputs,
    plan_campaign,
    sample_ratio_test,
    segment_lift,
)
from crm_models.uplift.narrative import (
    data_sentence,
    executive_summary,
    lift_verdict,
    recommendation,
    target_size_note,
)


@pytest.fixture(scope="module")
def inputs():
    return load_campaign_inputs("synthetic", n_customers=1500, seed=4)


def test_synthetic_inputs(inputs):
    """Campaign customers are part of the base, features cover the base, arms are strings."""
    assert set(inputs.campaign["customer_id"]) <= set(inputs.base["customer_id"])
    assert set(inputs.base["customer_id"]) <= set(inputs.features.index)
    assert inputs.arms == sorted(a for a in inputs.campaign["arm"].unique() if a != "control")
    assert set(inputs.covariates) <= set(inputs.campaign.columns)
    assert "1,500 customers, seed 4" in inputs.label and inputs.world is not None


def test_hillstrom_inputs(tmp_path):
    """A Hillstrom-format CSV: every customer counts as opted in; a missing file is refused."""
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "recency": rng.integers(1, 13, n),
            "history_segment": "1) $0 - $100",
            "history": rng.uniform(30, 500, n),
            "mens": rng.integers(0, 2, n),
            "womens": rng.integers(0, 2, n),
            "zip_code": rng.choice(["Urban", "Rural"], n),
            "newbie": rng.integers(0, 2, n),
            "channel": rng.choice(["Web", "Phone"], n),
            "segment": rng.choice(["No E-Mail", "Mens E-Mail", "Womens E-Mail"], n),
            "visit": rng.integers(0, 2, n),
            "conversion": rng.integers(0, 2, n),
            "spend": rng.uniform(0, 10, n),
        }
    )
    path = tmp_path / "hillstrom.csv"
    frame.to_csv(path, index=False)
    got = load_campaign_inputs(str(path))
    assert (got.base["consent_status"] == "opt_in").all() and got.world is None
    assert len(got.features) == n and got.arms == ["mens_email", "womens_email"]
    with pytest.raises(ParameterError, match="data_source"):
        load_campaign_inputs(str(tmp_path / "missing.csv"))


def test_consent_rule():
    """One rule: opt-out and missing never; opt-in only without the double opt-in requirement."""
    consent = np.array(["opt_in", "double_opt_in", "opt_out", None], dtype=object)
    assert consent_eligible(consent).tolist() == [True, True, False, False]
    assert consent_eligible(consent, True).tolist() == [False, True, False, False]
    assert exclusion_reasons(consent, True).tolist() == [
        "not_double_opt_in",
        "",
        "opt_out",
        "missing_consent",
    ]
    assert (exclusion_reasons(consent) == "").tolist() == consent_eligible(consent).tolist()


def _curve(best: float, everyone: dict) -> HoldoutProfitResult:
    return HoldoutProfitResult(
        curve=pd.DataFrame(),
        best_share=0.4,
        best_profit=best,
        best_profit_debiased=best,
        share_interval=(0.3, 0.5),
        profit_interval=(best - 1, best + 1),
        everyone=everyone,
        population=100,
        n_boot=10,
        boot_best_share=np.full(10, 0.4),
        boot_best_profit=np.full(10, best),
    )


@pytest.mark.parametrize(
    ("best", "everyone", "policy"),
    [
        (10.0, {"a": 5.0, "b": 7.0}, "model"),
        (5.0, {"a": 5.0, "b": 7.0}, "everyone"),
        (-1.0, {"a": -2.0}, "nobody"),
        (0.0, {"a": 0.0}, "model"),  # ties: model first
    ],
)
def test_decision_and_limits(best, everyone, policy):
    """The largest hold-out profit wins; the contact limit follows the policy and the cap."""
    decision = decide_campaign(_curve(best, everyone))
    assert decision.policy == policy
    assert decision.best_single_arm == max(everyone, key=everyone.get)
    expected = {"model": 40, "everyone": None, "nobody": 0}[policy]
    assert decision.contact_limit(100) == expected
    assert decision.contact_limit(100, max_contacts=25) == (25 if policy != "nobody" else 0)


def test_plan_campaign_follows_the_decision():
    """Everyone: every eligible customer gets the best single arm; nobody: empty list; model:
    at most round(best_share · eligible) customers, never an opted-out one."""
    ids = np.arange(100)
    consent = np.array(["opt_in", "opt_out"] * 50, dtype=object)
    uplift = pd.DataFrame({"uplift_a": np.linspace(0.2, -0.1, 100)})
    kw = {"margin_per_outcome": 10.0, "cost_per_contact": 0.5, "consent": consent}
    everyone = plan_campaign(
        CampaignDecision("everyone", "a", 1.0, 2.0, 0.0, 0.4), ids, uplift, 0.1, **kw
    )
    assert everyone.n_targets == 50 and set(everyone.targets["arm"]) == {"a"}
    nobody = plan_campaign(
        CampaignDecision("nobody", "a", -1.0, -2.0, 0.0, 0.4), ids, uplift, 0.1, **kw
    )
    assert nobody.n_targets == 0
    model = plan_campaign(
        CampaignDecision("model", "a", 3.0, 2.0, 0.0, 0.4), ids, uplift, 0.1, **kw
    )
    assert model.n_targets <= 20
    assert set(model.targets["customer_id"]) <= set(ids[consent == "opt_in"])


def test_learner_names():
    names = learner_names(" s, T ,x,CT,S")
    assert names.index.tolist() == ["s", "T", "x", "CT"]
    assert names.tolist() == ["S-learner", "T-learner", "X-learner", "class transformation"]
    with pytest.raises(ParameterError, match="unknown"):
        learner_names("S,Q")
    with pytest.raises(ParameterError, match="no learner"):
        learner_names(" , ")


def test_results_are_frozen_with_the_summary_columns(inputs):
    """Experiment, SRM, segment and hold-out results: frozen, summary(level) has the standard
    columns, to_dict is JSON-ready, and the SRM sentence lives in ``message``."""
    campaign = inputs.campaign
    experiment = evaluate_experiment(campaign, covariates=list(inputs.covariates))
    srm = sample_ratio_test(campaign)
    segments = segment_lift(campaign, "channel", outcomes=["conversion"])
    t = campaign["arm"].to_numpy()
    rng = np.random.default_rng(0)
    curve = holdout_profit_curve(
        campaign["conversion"],
        t,
        np.where(t == "control", "offer_a", t),
        rng.random(len(t)),
        10.0,
        0.25,
        n_boot=30,
    )
    for result in (
        experiment,
        experiment.lift,
        experiment.ate("offer_a", "visit"),
        srm,
        segments,
        curve,
        decide_campaign(curve),
    ):
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.level = 0.5  # type: ignore[misc]
        for level in (0.9, 0.95):
            assert tuple(result.summary(level).columns) == SUMMARY_COLUMNS
        json.dumps(result.to_dict())
    assert isinstance(srm.summary(), pd.DataFrame) and str(srm) == srm.message
    assert srm.message.startswith("SRM chi2(2)")
    lift = experiment.lift.summary()
    np.testing.assert_allclose(lift["ci_low"], experiment.lift.table["abs_ci_low"])
    wald = experiment.lift.summary(0.9)
    assert ((wald["ci_high"] - wald["ci_low"]) < (lift["ci_high"] - lift["ci_low"])).all()
    assert curve.summary(0.95).loc["recommended share contacted", "ci_low"] == pytest.approx(
        curve.share_interval[0]
    )
    with pytest.raises(ParameterError, match="level"):
        experiment.summary(95)


def test_narrative(inputs):
    """The sentences name the outcome, the decision and the consent exclusions."""
    assert data_sentence("X", "visit", 10, 0.25) == (
        "Data: X. Outcome modelled: **visit**; margin $10.00 per incremental visit, contact "
        "cost $0.25."
    )
    experiment = evaluate_experiment(inputs.campaign)
    verdict = lift_verdict(experiment.lift, inputs.arms, "visit")
    # plain words for managers (the correction's name stays on the analyst page)
    assert verdict.startswith("**Yes**") and "(at the 5% level, allowing for the" in verdict
    assert "Holm" not in verdict
    curve = _curve(10.0, {"offer_a": 5.0})
    decision = decide_campaign(curve)
    ids = inputs.base["customer_id"].to_numpy()
    uplift = pd.DataFrame({"uplift_offer_a": np.full(len(ids), 0.1)})
    plan = plan_campaign(
        decision,
        ids,
        uplift,
        0.1,
        10.0,
        0.25,
        inputs.base["consent_status"].to_numpy(),
        require_double_opt_in=True,
    )
    assert "top 40%" in target_size_note(decision)
    assert recommendation(decision, plan).startswith("send the next campaign to **")
    text = executive_summary(
        experiment.lift,
        experiment.srm,
        curve,
        decision,
        plan,
        inputs.arms,
        "visit",
        "T-learner",
        1000,
    )
    assert text.count("\n- ") == 2 and "without confirmed double opt-in" in text
    assert f"{plan.n_opted_out:,} opted-out customers are excluded by law" in text
    assert "SRM" not in text and "chi2" not in text and "T-learner" not in text
    assert "each group got its planned share of customers" in text
    from crm_models.reporting.formatting import fmt_money_range

    assert fmt_money_range(curve.best_profit_debiased, *curve.profit_interval) in text
