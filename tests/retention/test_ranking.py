"""Ranking metrics: hand-checked top shares, AUC as scikit-learn's, DeLong, paired bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from crm_models.errors import DataValidationError, ParameterError
from crm_models.retention.ranking import auc_delong, auc_difference, ranking_metrics


def test_top_share_precision_lift_gains_by_hand():
    y = np.array([1, 0, 1, 0, 0, 0, 1, 0, 0, 0])
    score = np.array([0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.05, 0.4, 0.0, 0.01])
    table = ranking_metrics(y, {"s": score}, top_shares=(0.2, 0.3, 1.0))
    # top 2: 0.9 (1), 0.8 (0); top 3 adds 0.7 (1)
    assert table["n_top"].tolist() == [2, 3, 10]
    assert table["precision"].tolist() == pytest.approx([0.5, 2 / 3, 0.3])
    assert table["lift"].tolist() == pytest.approx([0.5 / 0.3, (2 / 3) / 0.3, 1.0])
    assert table["gains"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert table["auc"].iloc[0] == pytest.approx(roc_auc_score(y, score))


def test_auc_equals_sklearn_and_delong_se_matches_the_bootstrap():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 3000)
    score = np.round(y * 0.8 + rng.normal(size=3000), 1)  # ties on purpose
    auc, se, low, high = auc_delong(y, score)
    assert auc == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    boot = []
    for _ in range(300):
        rows = rng.integers(0, 3000, 3000)
        boot.append(roc_auc_score(y[rows], score[rows]))
    assert se == pytest.approx(np.std(boot), rel=0.2)
    assert low < auc < high and high - low == pytest.approx(2 * 1.959964 * se)


def test_paired_difference_is_seeded_and_zero_for_the_same_score():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 800)
    good, noise = y + rng.normal(size=800), rng.normal(size=800)
    first = auc_difference(y, good, noise, seed=4, n_boot=200)
    again = auc_difference(y, good, noise, seed=4, n_boot=200)
    assert first[:3] == again[:3] and first[1] > 0
    same = auc_difference(y, good, good, n_boot=100)
    assert same[:3] == (0.0, 0.0, 0.0)


def test_bad_inputs():
    with pytest.raises(DataValidationError, match="only 1s"):
        ranking_metrics([1, 1], {"s": [0.1, 0.2]})
    with pytest.raises(DataValidationError, match="row 2 holds 2"):
        ranking_metrics([1, 2, 0], {"s": [0.1, 0.2, 0.3]})
    with pytest.raises(DataValidationError, match="shape"):
        ranking_metrics([1, 0], {"s": [0.1]})
    with pytest.raises(ParameterError, match="top_shares"):
        ranking_metrics([1, 0], {"s": [0.1, 0.2]}, top_shares=(0.0,))
    with pytest.raises(ParameterError, match="non-empty dict"):
        ranking_metrics([1, 0], {})
