"""Early warning on the synthetic world, calibration, the P(alive) baseline and bad inputs."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from crm_models.data import simulate_world
from crm_models.errors import DataValidationError, NotFittedError, ParameterError
from crm_models.retention.early_warning import (
    EarlyWarningModel,
    _verdict,
    calibration_table,
    early_warning_study,
    p_alive_baseline,
)

CUTOFF = "2025-09-29"  # the world's data ends on 2025-12-28: room for a 90-day window


@pytest.fixture(scope="module")
def world():
    return simulate_world(5000, seed=1)


@pytest.fixture(scope="module")
def study(world):
    return early_warning_study(
        world.transactions, CUTOFF, 90, customers=world.customers, survey=world.survey, seed=0
    )


def test_model_beats_a_random_ranking_and_is_compared_with_p_alive(study):
    table = study.summary()
    assert table.loc["auc_early_warning", "ci_low"] > 0.5
    assert 0.5 < table.loc["auc_early_warning", "estimate"] < 1
    assert 0 < table.loc["auc_p_alive", "estimate"] < 1
    assert study.better in {"early warning", "P(alive)", "tie"}
    low, high = study.auc_difference_ci_low, study.auc_difference_ci_high
    assert low <= study.auc_difference <= high
    assert (study.better == "tie") == (low <= 0 <= high)
    assert set(study.metrics["score"]) == {"early warning", "P(alive)"}
    assert study.n_test == len(study.scores) and study.train_cutoff == pd.Timestamp("2025-07-01")
    assert list(study.scores.columns) == ["customer_id", "p_leave", "p_alive_leave", "churned"]
    assert study.scores[["p_leave", "p_alive_leave"]].stack().between(0, 1).all()
    json.dumps(study.to_dict())  # JSON-ready, model and draws left out
    assert "model" not in study.to_dict() and "difference_draws" not in study.to_dict()


def test_study_uses_nothing_after_cutoff_plus_window(world, study):
    later = world.transactions[world.transactions["timestamp"] >= pd.Timestamp("2025-12-28")]
    extra = later.assign(timestamp=pd.Timestamp("2025-12-28 12:00"))  # same last day
    again = early_warning_study(
        pd.concat([world.transactions, extra], ignore_index=True),
        CUTOFF,
        90,
        customers=world.customers,
        survey=world.survey,
        seed=0,
    )
    # purchases after the test cut-off change labels only, never the model nor the scores
    pd.testing.assert_series_equal(again.scores["p_leave"], study.scores["p_leave"])


def test_calibrated_probabilities_match_observed_shares_in_bins():
    rng = np.random.default_rng(7)
    n = 40_000
    X = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.gamma(2.0, 1.0, n), "c": rng.choice(["x", "y"], n)}
    )
    logit = -0.5 + 1.2 * X["a"] - 0.6 * X["b"] + 0.8 * (X["c"] == "y")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    train, test = slice(0, n // 2), slice(n // 2, n)
    model = EarlyWarningModel(calibration="isotonic", random_state=3).fit(X[train], y[train])
    p = model.predict_proba(X[test])
    table = calibration_table(y[test], p, n_bins=10)
    z = (table["observed"] - table["mean_predicted"]) / table["se"]
    assert (z.abs() < 4).all(), table  # within sampling error (2000 customers per bin)
    sigmoid = (
        EarlyWarningModel(calibration="sigmoid").fit(X[train], y[train]).predict_proba(X[test])
    )
    assert np.corrcoef(sigmoid, p)[0, 1] > 0.98


def test_p_alive_baseline_is_one_minus_p_alive_at_the_cutoff(world):
    base = p_alive_baseline(world.transactions, CUTOFF)
    assert base.name == "p_alive_leave" and base.between(0, 1).all()
    assert len(base) == 5000
    # the baseline reads no purchase after the cut-off day
    late = world.transactions.assign(timestamp=pd.Timestamp("2025-12-01"))
    both = pd.concat([world.transactions, late], ignore_index=True)
    pd.testing.assert_series_equal(p_alive_baseline(both, CUTOFF), base)


def test_model_parameters_and_fitting_errors():
    X = pd.DataFrame({"a": np.arange(20.0)})
    with pytest.raises(ParameterError, match="model must be one of"):
        EarlyWarningModel(model="forest").fit(X, np.arange(20) % 2)
    with pytest.raises(ParameterError, match="calibration must be one of"):
        EarlyWarningModel(calibration="platt").fit(X, np.arange(20) % 2)
    with pytest.raises(DataValidationError, match="at least 3 leavers and 3 stayers"):
        EarlyWarningModel().fit(X, (np.arange(20) == 0).astype(int))
    with pytest.raises(DataValidationError, match="rows 3"):
        EarlyWarningModel().fit(X, [0, 1, 5] + [0, 1] * 8 + [1])
    with pytest.raises(NotFittedError):
        EarlyWarningModel().predict_proba(X)
    rng = np.random.default_rng(0)
    Xg = pd.DataFrame({"a": rng.normal(size=300), "kind": rng.choice(["p", "q", None], 300)})
    yg = (rng.random(300) < 1 / (1 + np.exp(-2 * Xg["a"]))).astype(int)
    gbm = EarlyWarningModel(model="gbm", calibration="sigmoid").fit(Xg, yg)
    p = gbm.predict_proba(Xg.assign(kind="new"))  # unseen text level: ignored, not an error
    assert p.between(0, 1).all() and np.corrcoef(p, Xg["a"])[0, 1] > 0.8
    # nobody answered the survey: the empty column is kept (imputed 0), no warning, same fit
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = EarlyWarningModel().fit(Xg.assign(satisfaction=np.nan), yg)
        assert empty.predict_proba(Xg.assign(satisfaction=np.nan)).between(0, 1).all()


def test_study_bad_inputs(world):
    with pytest.raises(ParameterError, match="the data ends on 2025-12-28"):
        early_warning_study(world.transactions, "2025-11-01", 90)
    with pytest.raises(ParameterError, match="inactivity_days"):
        early_warning_study(world.transactions, CUTOFF, -1)
    with pytest.raises(ParameterError, match="no customer has a purchase on or before"):
        early_warning_study(world.transactions, "2023-01-01", 30)


def test_study_reads_a_users_file_with_date_column_and_text_ids():
    small = simulate_world(600, seed=2)
    tx = small.transactions.rename(columns={"timestamp": "date", "customer_id": "customer"})
    tx = tx.assign(
        customer="K" + tx["customer"].astype(str), date=tx["date"].dt.strftime("%Y-%m-%d %H:%M")
    )
    result = early_warning_study(tx, CUTOFF, 90, seed=1)
    assert result.scores["customer_id"].str.startswith("K").all()
    assert result.n_test == 600 and np.isfinite(result.summary()["estimate"]).all()


def test_verdict_says_tie_when_the_difference_interval_covers_zero():
    assert _verdict(0.02, -0.01, 0.05) == "tie"
    assert _verdict(0.0, 0.0, 0.0) == "tie"
    assert _verdict(0.03, 0.01, 0.05) == "early warning"
    assert _verdict(-0.03, -0.05, -0.01) == "P(alive)"
