"""Uplift metrics: cross-checked against scikit-uplift and a naive loop on the same scores."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.uplift import evaluation as ev
from crm_models.uplift import metrics as um


def _data(n: int, seed: int, ties: bool = False, continuous: bool = False):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    x = rng.normal(size=n)
    p = 0.1 + 0.15 * t * (x > 0) - 0.05 * t * (x < -1)
    y = (rng.random(n) < p).astype(float)
    if continuous:
        y = y * rng.gamma(2.0, 20.0, n)
    score = x + 0.7 * rng.normal(size=n)
    if ties:
        score = np.round(score, 1)
    return y, score, t


def _naive_curves(y, score, t):
    """Loop over distinct score thresholds (descending): counts of everyone with score >= s."""
    n_pts, q_vals, u_vals = [0], [0.0], [0.0]
    for s in np.unique(score)[::-1]:
        top = score >= s
        nt, nc = (top & (t == 1)).sum(), (top & (t == 0)).sum()
        yt, yc = y[top & (t == 1)].sum(), y[top & (t == 0)].sum()
        n_pts.append(top.sum())
        q_vals.append(yt - (yc * nt / nc if nc else 0.0))
        u_vals.append(((yt / nt if nt else 0.0) - (yc / nc if nc else 0.0)) * top.sum())
    return np.array(n_pts), np.array(q_vals), np.array(u_vals)


@pytest.fixture(autouse=True)
def _quiet_sklift():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # sklift uses deprecated stable_cumsum
        yield


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_areas_match_scikit_uplift(seed, ties):
    """qini_coefficient == sklift qini_auc_score(negative_effect=True) and auuc(normalize=True)
    == sklift uplift_auc_score to 1e-10, with and without tied scores (both evaluate curves at
    tied-block ends)."""
    sm = pytest.importorskip("sklift.metrics")
    y, s, t = _data(3000, seed, ties)
    assert um.qini_coefficient(y, s, t) == pytest.approx(
        sm.qini_auc_score(y, s, t, negative_effect=True), abs=1e-10
    )
    assert um.auuc(y, s, t) == pytest.approx(sm.uplift_auc_score(y, s, t), abs=1e-10)


@pytest.mark.parametrize("k", [0.1, 0.3, 0.5, 250])
def test_uplift_at_k_matches_scikit_uplift_without_ties(k):
    """Without ties the top floor(k·N) set is unique: equal to sklift uplift_at_k('overall')."""
    sm = pytest.importorskip("sklift.metrics")
    y, s, t = _data(2000, 5)
    assert um.uplift_at_k(y, s, t, k) == pytest.approx(
        sm.uplift_at_k(y, s, t, strategy="overall", k=k), abs=1e-12
    )


def test_deciles_match_scikit_uplift():
    """Per-decile uplift and group sizes equal sklift uplift_by_percentile (N divisible by 10)."""
    sm = pytest.importorskip("sklift.metrics")
    y, s, t = _data(5000, 3)
    ours = ev.uplift_by_decile(y, s, t)
    ref = sm.uplift_by_percentile(y, s, t, strategy="overall", bins=10)
    np.testing.assert_allclose(ours["uplift"], ref["uplift"], atol=1e-12)
    np.testing.assert_array_equal(ours["n_treatment"], ref["n_treatment"])
    np.testing.assert_array_equal(ours["n_control"], ref["n_control"])


@pytest.mark.parametrize("continuous", [False, True])
def test_curves_match_naive_loop(continuous):
    """Curve points equal a per-threshold loop (ties: one point per distinct score), also for a
    continuous outcome (spend)."""
    y, s, t = _data(600, 7, ties=True, continuous=continuous)
    n_pts, q_vals, u_vals = _naive_curves(y, s, t)
    q = um.qini_curve(y, s, t)
    u = um.uplift_curve(y, s, t)
    np.testing.assert_array_equal(q.n, n_pts)
    np.testing.assert_allclose(q.value, q_vals, atol=1e-9)
    np.testing.assert_allclose(u.value, u_vals, atol=1e-9)


def test_results_do_not_depend_on_order_of_tied_rows():
    """Permuting the rows (which reorders tied scores) changes no metric."""
    y, s, t = _data(2000, 11, ties=True)
    base = ev.uplift_metrics(y, s, t, k=0.37)
    perm = np.random.default_rng(0).permutation(len(y))
    other = ev.uplift_metrics(y[perm], s[perm], t[perm], k=0.37)
    for name in ("qini_coefficient", "auuc", "auuc_raw", "uplift_at_k"):
        assert getattr(other, name) == pytest.approx(getattr(base, name), abs=1e-12)
    np.testing.assert_allclose(other.deciles["uplift"], base.deciles["uplift"], atol=1e-12)


def test_uplift_at_k_tied_block_is_weighted_fractionally():
    """All scores tied: the top 30% is 30% of every count, so uplift@k = overall uplift."""
    y, _, t = _data(1000, 4)
    s = np.zeros(len(y))
    overall = y[t == 1].mean() - y[t == 0].mean()
    assert um.uplift_at_k(y, s, t, 0.3) == pytest.approx(overall, abs=1e-12)
    # hand example: block of 4 tied at the cut (k=3 of 6): the top 1 plus half the block
    y2 = np.array([1, 1, 0, 1, 0, 0.0])
    t2 = np.array([1, 1, 0, 0, 1, 0])
    s2 = np.array([9, 5, 5, 5, 5, 1.0])
    # weight 1/2 on block {1,1(t),0(c),1(c),0(t)}: Nt = 1 + 1, Yt = 1 + 0.5, Nc = 1, Yc = 0.5
    assert um.uplift_at_k(y2, s2, t2, 3) == pytest.approx(1.5 / 2 - 0.5 / 1)


def test_perfect_and_random_references():
    """An oracle score reaches qini coefficient 1; random scores average ~0 (|mean| < 0.05)."""
    y, _, t = _data(4000, 8)
    oracle = np.where(t == 1, y, -y)
    assert um.qini_coefficient(y, oracle, t) == pytest.approx(1.0)
    rng = np.random.default_rng(1)
    values = [um.qini_coefficient(y, rng.random(len(y)), t) for _ in range(40)]
    assert abs(np.mean(values)) < 0.05
    p = um.perfect_qini_curve(y, t)
    q = um.qini_curve(y, rng.random(len(y)), t)
    assert p.value[-1] == pytest.approx(q.value[-1])  # same end point: the whole population
    assert p.area() > q.area()


def test_raw_auuc_of_constant_score_is_half_the_ate():
    """Raw AUUC of an uninformative (constant) score = ATE/2: the random reference."""
    y, _, t = _data(3000, 9)
    ate = y[t == 1].mean() - y[t == 0].mean()
    assert um.auuc(y, np.zeros(len(y)), t, normalize=False) == pytest.approx(ate / 2)


def test_informative_score_beats_random():
    """The score built from the true driver x has a clearly positive Qini coefficient."""
    y, s, t = _data(20000, 10)
    m = ev.uplift_metrics(y, s, t)
    assert m.qini_coefficient > 0.1
    assert m.uplift_at_k > y[t == 1].mean() - y[t == 0].mean()
    assert m.deciles["uplift"].iloc[:3].mean() > m.deciles["uplift"].iloc[-3:].mean()


def test_bad_inputs_raise_clear_errors():
    y, s, t = _data(100, 0)
    with pytest.raises(DataValidationError, match="binary"):
        um.qini_coefficient(y, s, t + 1)
    with pytest.raises(DataValidationError, match="score"):
        um.qini_coefficient(y, s[:-1], t)
    with pytest.raises(DataValidationError, match="non-finite"):
        um.auuc(y, np.where(s > 0, np.nan, s), t)
    with pytest.raises(DataValidationError, match="control"):
        um.uplift_at_k(y, s, np.ones_like(t))
    with pytest.raises(ParameterError, match="k"):
        um.uplift_at_k(y, s, t, 1.5)
