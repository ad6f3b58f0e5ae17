"""Issue 15 traps of the uplift API: optional consent, arm labels from the data, learners'
control labels, ``score`` for scikit-learn model selection, short reprs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score

from crm_models.errors import DataValidationError, ParameterError
from crm_models.uplift import (
    ClassTransformation,
    SLearner,
    TLearner,
    XLearner,
    plan_campaign,
    plan_targeting,
)
from crm_models.uplift.decision import CampaignDecision

LEARNERS = [SLearner, TLearner, XLearner, ClassTransformation]


def _experiment(n: int = 1500, arms=("control", "email"), seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    t = rng.choice(np.asarray(arms, dtype=object), n)
    treated = t != arms[0]
    p = 1 / (1 + np.exp(1.0 - treated * 1.5 * X[:, 0]))
    y = (rng.random(n) < p).astype(int)
    return X, y, t


# --- plan_targeting: consent optional ---------------------------------------------------


def test_plan_without_consent_information_targets_everyone_and_says_so():
    ids = np.arange(6)
    uplift = pd.DataFrame({"uplift_email": [0.1, 0.2, 0.3, 0.0, 0.05, 0.4]})
    plan = plan_targeting(ids, uplift, 10.0, 0.1)
    assert plan.consent_known is False
    assert set(plan.targets["customer_id"]) == {0, 1, 2, 4, 5}
    assert plan.scored["eligible"].all() and plan.n_opted_out == 0
    assert "consent_known=False" in repr(plan)
    summary = plan.summary()
    row = next(q for q in summary.index if q.startswith("consent information"))
    assert summary.loc[row, "estimate"] == 0
    known = plan_targeting(ids, uplift, 10.0, 0.1, ["opt_in"] * 6)
    assert known.consent_known is True and "consent_known=True" in repr(known)


@pytest.mark.parametrize(
    ("consent", "expected"),
    [(True, 5), (False, 0), ("opt_in", 5), ("opt_out", 0), (np.bool_(True), 5)],
)
def test_scalar_consent_broadcasts(consent, expected):
    uplift = pd.DataFrame({"uplift_email": [0.1, 0.2, 0.3, 0.0, 0.05, 0.4]})
    plan = plan_targeting(np.arange(6), uplift, 10.0, 0.1, consent)
    assert plan.n_targets == expected and plan.consent_known is True


def test_boolean_consent_array_maps_to_opt_in_and_opt_out():
    uplift = pd.DataFrame({"uplift_email": [0.3, 0.3, 0.3]})
    plan = plan_targeting([1, 2, 3], uplift, 10.0, 0.1, np.array([True, False, True]))
    assert list(plan.targets["customer_id"]) == [1, 3]
    assert plan.n_opted_out == 1


def test_consent_of_the_wrong_length_is_one_clear_error():
    uplift = pd.DataFrame({"uplift_email": [0.3, 0.3, 0.3]})
    with pytest.raises(DataValidationError, match=r"consent has 2 values for 3 customers"):
        plan_targeting([1, 2, 3], uplift, 10.0, 0.1, ["opt_in", "opt_in"])


def test_bad_consent_value_names_the_rows_as_plain_ints():
    uplift = pd.DataFrame({"uplift_email": [0.3, 0.3, 0.3]})
    with pytest.raises(DataValidationError, match=r"\['yes'\] in rows 2$"):
        plan_targeting([1, 2, 3], uplift, 10.0, 0.1, ["opt_in", "yes", "opt_out"])


def test_plan_campaign_without_consent():
    decision = CampaignDecision("model", "email", 10.0, 5.0, 0.0, 1.0)
    uplift = pd.DataFrame({"uplift_email": [0.3, -0.1, 0.2]})
    plan = plan_campaign(decision, [1, 2, 3], uplift, 0.1, 10.0, 0.1)
    assert plan.consent_known is False and list(plan.targets["customer_id"]) == [1, 3]


# --- arm labels from the data -----------------------------------------------------------


def test_one_dimensional_score_is_labelled_with_the_real_arm():
    X, y, t = _experiment()
    learner = TLearner(LogisticRegression()).fit(X, y, t)
    ids = np.arange(len(y))
    score = learner.predict(X)
    assert score.ndim == 1
    by_arms = plan_targeting(ids, score, 10.0, 0.1, True, arms=learner.arms_)
    by_frame = plan_targeting(ids, learner.predict_frame(X), 10.0, 0.1, True)
    by_series = plan_targeting(ids, pd.Series(score, name="uplift_email"), 10.0, 0.1, True)
    for plan in (by_arms, by_frame, by_series):
        assert set(plan.targets["arm"]) == {"email"}
    with pytest.raises(ParameterError, match=r"arms=learner.arms_"):
        plan_targeting(ids, score, 10.0, 0.1, True)


# --- learners: control labels, score, reprs ----------------------------------------------


@pytest.mark.parametrize("learner_cls", LEARNERS)
def test_missing_control_label_lists_the_labels_found(learner_cls):
    X, y, t = _experiment(arms=("holdout", "email"))
    with pytest.raises(DataValidationError, match=r"labels present: \['email', 'holdout'\]"):
        learner_cls(LogisticRegression()).fit(X, y, t)
    fitted = learner_cls(LogisticRegression(), control="holdout").fit(X, y, t)
    assert fitted.control_ == "holdout" and list(fitted.arms_) == ["email"]


@pytest.mark.parametrize("learner_cls", LEARNERS)
def test_score_is_the_qini_coefficient_and_works_in_cross_val_score(learner_cls):
    from crm_models.uplift import qini_coefficient

    X, y, t = _experiment()
    learner = learner_cls(LogisticRegression()).fit(X, y, t)
    expected = qini_coefficient(y, learner.predict(X), (t == "email").astype(int))
    assert learner.score(X, y, t) == pytest.approx(expected)
    assert learner.score(X, np.column_stack([y, t])) == pytest.approx(expected)
    scores = cross_val_score(learner_cls(LogisticRegression()), X, np.column_stack([y, t]), cv=3)
    assert scores.shape == (3,) and np.isfinite(scores).all() and scores.mean() > 0.05


def test_grid_search_picks_a_model_by_qini():
    """A base model that ranks nobody (constant prediction, Qini 0) loses to one that does."""
    from sklearn.dummy import DummyClassifier

    X, y, t = _experiment()
    grid = GridSearchCV(
        TLearner(LogisticRegression()),
        {"estimator": [DummyClassifier(), LogisticRegression()]},
        cv=3,
    ).fit(X, np.column_stack([y, t]))
    assert isinstance(grid.best_params_["estimator"], LogisticRegression)
    assert grid.cv_results_["mean_test_score"][0] == pytest.approx(0.0, abs=1e-9)
    assert grid.best_estimator_.arms_.tolist() == ["email"]


def test_metadata_routing_passes_the_treatment():
    X, y, t = _experiment()
    with sklearn.config_context(enable_metadata_routing=True):
        routed = cross_val_score(TLearner(LogisticRegression()), X, y, params={"treatment": t})
        grid = GridSearchCV(TLearner(LogisticRegression()), {"estimator__C": [1.0]}, cv=3)
        grid.fit(X, y, treatment=t)
    stacked = cross_val_score(TLearner(LogisticRegression()), X, np.column_stack([y, t]))
    np.testing.assert_allclose(routed, stacked)
    assert np.isfinite(grid.best_score_)


def test_fit_without_treatment_says_how_to_pass_it():
    X, y, _ = _experiment(n=200)
    with pytest.raises(ParameterError, match=r"treatment is missing"):
        TLearner(LogisticRegression()).fit(X, y)


def test_learner_repr_is_short_and_says_what_was_fitted():
    X, y, t = _experiment(n=400)
    learner = XLearner(LogisticRegression())
    assert repr(learner) == "XLearner(estimator=LogisticRegression())"
    learner.fit(X, y, t)
    text = repr(learner)
    assert "n=400" in text and "control='control'" in text and "arms=[email]" in text
    assert len(text) < 200


def test_executive_summary_says_when_consent_is_unknown():
    from crm_models.uplift import evaluate_experiment, load_campaign_inputs
    from crm_models.uplift.holdout import HoldoutProfitResult
    from crm_models.uplift.narrative import executive_summary

    inputs = load_campaign_inputs("synthetic", n_customers=600, seed=4)
    experiment = evaluate_experiment(inputs.campaign)
    curve = HoldoutProfitResult(
        curve=pd.DataFrame(),
        best_share=0.4,
        best_profit=10.0,
        best_profit_debiased=10.0,
        share_interval=(0.3, 0.5),
        profit_interval=(9.0, 11.0),
        everyone={"offer_a": 5.0},
        population=100,
        n_boot=10,
    )
    decision = CampaignDecision("model", "offer_a", 10.0, 5.0, 0.0, 0.4)
    ids = inputs.base["customer_id"].to_numpy()
    uplift = pd.DataFrame({"uplift_offer_a": np.full(len(ids), 0.1)})
    plan = plan_campaign(decision, ids, uplift, 0.1, 10.0, 0.25)
    args = (experiment.lift, experiment.srm, curve, decision, plan, inputs.arms, "visit")
    text = executive_summary(*args, "T-learner", len(ids))
    assert "No consent information was given" in text and "excluded by law" not in text
    known = plan_campaign(decision, ids, uplift, 0.1, 10.0, 0.25, inputs.base["consent_status"])
    text = executive_summary(*args[:4], known, *args[5:], "T-learner", len(ids))
    assert "No consent information" not in text and "excluded by law" in text
