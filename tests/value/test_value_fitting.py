"""Fitting machinery: unique patterns = per-customer fit, agreement with lifetimes, traps,
convergence failures, input validation."""

import numpy as np
import pandas as pd
import pytest

from crm_models.data.public import load_cdnow_summary, load_donations
from crm_models.errors import ConvergenceError, DataValidationError, NotFittedError, ParameterError
from crm_models.value import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD
from crm_models.value._likelihoods import (
    BGNBDData,
    GammaGammaData,
    bgnbd_objective,
    gamma_gamma_objective,
)


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow_summary()


@pytest.fixture(scope="module")
def cdnow_money():
    return load_cdnow_summary(with_monetary=True)


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) / np.asarray(b) - 1)))


@pytest.mark.parametrize("cls", [BGNBD, MBGNBD])
def test_unique_patterns_equal_per_customer_fit(cls, cdnow):
    """Fitting 1,016 unique (x, t_x, T) patterns with counts as weights gives the per-customer
    (2,357 rows) estimates to 1e-8 relative, and the same standard errors to 1e-6."""
    grouped = cls().fit(cdnow)
    plain = cls(unique_patterns=False).fit(cdnow)
    assert grouped.result_.n_patterns == 1016 and plain.result_.n_patterns == 2357
    assert _rel(grouped.params_, plain.params_) < 1e-8
    assert _rel(grouped.result_.se, plain.result_.se) < 1e-6
    assert grouped.result_.loglik == pytest.approx(plain.result_.loglik, abs=1e-6)


def test_pareto_unique_patterns_equal_per_customer_fit(cdnow):
    """Pareto/NBD uses a central-difference gradient (lifetimes' likelihood has no autograd
    form), so agreement is limited by that gradient: criterion 1e-6 relative."""
    grouped = ParetoNBD().fit(cdnow)
    plain = ParetoNBD(unique_patterns=False).fit(cdnow)
    assert _rel(grouped.params_, plain.params_) < 1e-6


def test_gamma_gamma_and_bgbb_weights_equal_expanded_rows(cdnow_money):
    """Gamma-Gamma: grouped vs per-customer to 1e-8. BG/BB: the 22-row donations table with
    weights vs the same table expanded to 11,104 customer rows, to 1e-8."""
    gg = GammaGamma().fit(cdnow_money)
    gg_plain = GammaGamma(unique_patterns=False).fit(cdnow_money)
    assert _rel(gg.params_, gg_plain.params_) < 1e-8
    don = load_donations()
    expanded = (
        don.loc[don.index.repeat(don["weights"])].drop(columns="weights").reset_index(drop=True)
    )
    assert len(expanded) == 11104
    bb = BGBB().fit(don)
    bb_rows = BGBB(unique_patterns=False).fit(expanded)
    assert _rel(bb.params_, bb_rows.params_) < 1e-8


def test_likelihoods_equal_lifetimes(cdnow, cdnow_money):
    """Our vectorized BG/NBD and Gamma-Gamma objectives equal lifetimes' to 1e-12 (with
    a penalizer) at arbitrary parameters."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    x, tx, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    w = np.ones(len(x))
    data = BGNBDData.build(x, tx / T.max(), T / T.max(), w)
    for theta in [np.log([0.3, 0.2, 0.8, 2.5]), np.log([2.0, 0.05, 0.2, 9.0])]:
        ours = bgnbd_objective(theta, data, 0.01)[0]
        ref = BetaGeoFitter._negative_log_likelihood(theta, x, tx / T.max(), T / T.max(), w, 0.01)
        assert ours == pytest.approx(ref, rel=1e-12)
    rep = cdnow_money[cdnow_money["frequency"] > 0]
    xm, m = rep["frequency"].to_numpy(float), rep["monetary_value"].to_numpy()
    gdata = GammaGammaData.build(xm, m, np.ones(len(xm)))
    theta = np.log([5.0, 3.0, 14.0])
    ref = GammaGammaFitter._negative_log_likelihood(theta, xm, m, np.ones(len(xm)), 0.0)
    assert gamma_gamma_objective(theta, gdata)[0] == pytest.approx(ref, rel=1e-12)


def test_analytic_hessian_matches_finite_differences(cdnow):
    """The BG/NBD analytic Hessian (used for Newton steps and standard errors) equals a
    central-difference Hessian of the analytic gradient to 1e-6 relative."""
    from crm_models.value._optim import hessian_from_gradient

    x, tx, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    data = BGNBDData.build(x, tx / T.max(), T / T.max(), np.ones(len(x)))
    theta = np.log([0.4, 0.15, 0.6, 3.0])
    h = bgnbd_objective(theta, data, 0.001, hessian=True)[2]
    fd = hessian_from_gradient(lambda t: bgnbd_objective(t, data, 0.001), theta)
    assert np.max(np.abs(h - fd)) < 1e-6 * np.max(np.abs(h))


def test_same_estimates_as_lifetimes_fitter(cdnow):
    """Our BG/NBD estimates equal lifetimes' BetaGeoFitter within its optimizer tolerance
    (1e-5 relative), and our standard errors equal its diagonal ones to 1e-3."""
    from lifetimes import BetaGeoFitter

    ours = BGNBD().fit(cdnow)
    ref = BetaGeoFitter().fit(
        cdnow["frequency"].to_numpy(), cdnow["recency"].to_numpy(), cdnow["T"].to_numpy()
    )
    assert _rel(ours.params_, ref.params_) < 1e-5
    assert _rel(ours.result_.se, ref.standard_errors_) < 1e-3


def test_series_with_shuffled_index_is_safe(cdnow):
    """The pandas trap: a summary whose rows are permuted and re-indexed must give identical
    estimates — inputs are converted to NumPy once, nothing aligns on the index."""
    shuffled = cdnow.sample(frac=1.0, random_state=3)
    shuffled.index = np.arange(len(shuffled))[::-1] * 7
    a, b = BGNBD().fit(cdnow), BGNBD().fit(shuffled)
    assert _rel(a.params_, b.params_) < 1e-9


def test_failed_fit_raises_convergence_error_suggesting_penalizer():
    """Nobody ever repeats: the dropout parameters are not identified; the fit must raise
    ConvergenceError naming the penalizer, not return arbitrary numbers."""
    data = pd.DataFrame(
        {"frequency": np.zeros(500), "recency": np.zeros(500), "T": np.linspace(10, 40, 500)}
    )
    with pytest.raises(ConvergenceError, match="penalizer"):
        BGNBD().fit(data)


def test_penalizer_rescues_and_shrinks(cdnow):
    """With lifetimes' L2 penalizer the fit converges and matches lifetimes' penalized fit."""
    from lifetimes import BetaGeoFitter

    ours = BGNBD(penalizer_coef=0.01).fit(cdnow)
    ref = BetaGeoFitter(penalizer_coef=0.01).fit(
        cdnow["frequency"].to_numpy(), cdnow["recency"].to_numpy(), cdnow["T"].to_numpy()
    )
    assert _rel(ours.params_, ref.params_) < 1e-4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns="T"), "missing column 'T'"),
        (lambda d: d.assign(recency=d["T"] + 1), "'recency' is larger than 'T'"),
        (lambda d: d.assign(frequency=d["frequency"] + 0.5), "not a whole number"),
        (lambda d: d.assign(frequency=-1.0), "negative"),
        (lambda d: d.assign(T=np.nan), "missing/non-numeric"),
    ],
)
def test_bad_summary_is_rejected_with_a_clear_message(cdnow, change, message):
    """Bad input → DataValidationError naming the column and showing offending rows."""
    with pytest.raises(DataValidationError, match=message):
        BGNBD().fit(change(cdnow.copy()))


def test_gamma_gamma_nonpositive_spend(cdnow_money):
    """A repeat buyer with zero mean spend is rejected by default, skipped with 'drop'."""
    data = cdnow_money.copy()
    data.loc[data.index[data["frequency"] > 0][0], "monetary_value"] = 0.0
    with pytest.raises(DataValidationError, match="nonpositive='drop'"):
        GammaGamma().fit(data)
    model = GammaGamma(nonpositive="drop").fit(data)
    assert model.n_dropped_ == 1 and model.result_.n_obs == 945


def test_bad_parameters_are_rejected(cdnow):
    with pytest.raises(ParameterError, match="penalizer_coef"):
        BGNBD(penalizer_coef=-1).fit(cdnow)
    with pytest.raises(NotFittedError, match="call BGNBD"):
        BGNBD().p_alive(cdnow)


def test_result_object(cdnow):
    """summary() has estimate/se/ci_low/ci_high; the log-scale interval contains the estimate."""
    res = BGNBD().fit(cdnow).result_
    table = res.summary()
    assert list(table.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert np.all((table["ci_low"] < table["estimate"]) & (table["estimate"] < table["ci_high"]))
    assert res.aic == pytest.approx(2 * 4 + 2 * 9582.4, abs=0.3)
    assert "BG/NBD" in repr(res)
