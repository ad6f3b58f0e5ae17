"""Covariance SEM: recovery on the synthetic world, the ridge on mobi, agreement with PLS."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from crm_models.errors import ParameterError
from crm_models.loyalty.pls import PLSPathModel
from crm_models.loyalty.sem import (
    CovarianceSEM,
    SEMIdentificationWarning,
    _description,
    lavaan_description,
)
from crm_models.loyalty.spec import ECSI_CONSTRUCTS, ModelSpec


def test_description_uses_single_items_as_observed():
    text = lavaan_description(ModelSpec.ecsi())
    var = _description(ModelSpec.ecsi())[1]
    assert "CUSCO =~" not in text and var["CUSCO"] == "CUSCO"
    assert "CUSL ~ IMAG + CUSA + CUSCO" in text


def test_sem_recovers_synthetic_truth(world_2000, estimands):
    """ML SEM on 2,000 simulated respondents: fit indices are good (CFI > 0.99, RMSEA < 0.02,
    SRMR < 0.03), no ridge warning, and every standardized path is within 3.62 of its ML SE
    of the estimand (Bonferroni family-wise 1% over 12 paths); PLSc agrees with it within 0.05.
    """
    paths, _, _ = estimands(world_2000.truth.params)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SEMIdentificationWarning)
        sem = CovarianceSEM().fit(world_2000.survey).result_
    assert sem.reliable and sem.max_latent_corr < 0.9
    f = sem.fit_indices
    assert f["cfi"] > 0.99 and f["rmsea"] < 0.02 and f["srmr"] < 0.03
    s = sem.paths
    target = np.array([paths[(a, b)] for a, b in zip(s["source"], s["target"], strict=True)])
    # ML SEs are for the unstandardized coefficients; latent variances are ~1 here
    z = (s["estimate"].to_numpy() - target) / s["se"].to_numpy()
    assert np.abs(z).max() < 3.62, np.round(z, 2)
    plsc = PLSPathModel(consistent=True).fit(world_2000.survey)
    assert np.abs(plsc.paths_["estimate"].to_numpy() - s["estimate"].to_numpy()).max() < 0.05


@pytest.mark.shared_data
def test_full_ecsi_on_mobi_is_flagged_as_ridge(mobi):
    """The known pitfall: ML SEM of the full ECSI model on mobi has implied latent correlations
    ≈ 0.99 (image–expectation, expectation–quality) and standardized paths beyond ±1; the
    wrapper must warn and mark the coefficients as not interpretable, while fit indices stay
    available (CFI ≈ 0.88, RMSEA ≈ 0.075)."""
    with pytest.warns(SEMIdentificationWarning, match="ridge"):
        sem = CovarianceSEM().fit(mobi).result_
    assert not sem.reliable and not sem.path_table()["interpretable"].any()
    r = sem.latent_corr
    assert r.loc["IMAG", "CUEX"] > 0.97 and r.loc["CUEX", "PERQ"] > 0.97
    assert 0.85 < sem.fit_indices["cfi"] < 0.90 and 0.06 < sem.fit_indices["rmsea"] < 0.09


@pytest.mark.shared_data
def test_pls_and_sem_agree_on_identified_mobi_model(mobi):
    """On a mobi model SEM can identify (quality → value → satisfaction → complaints/loyalty,
    max implied latent correlation ≈ 0.92): PLS and SEM agree in sign on every path SEM finds
    significant (p < 0.05) and within 0.2 in size (PLS composites are attenuated); consistent
    PLS agrees with SEM within 0.1 on every path."""
    c = ECSI_CONSTRUCTS
    spec = ModelSpec(
        {k: c[k] for k in ["PERQ", "PERV", "CUSA", "CUSCO", "CUSL"]},
        [
            ("PERQ", "PERV"),
            ("PERQ", "CUSA"),
            ("PERV", "CUSA"),
            ("CUSA", "CUSCO"),
            ("CUSA", "CUSL"),
            ("CUSCO", "CUSL"),
        ],
    )
    sem = CovarianceSEM(spec, solvers=("SLSQP", "L-BFGS-B")).fit(mobi).result_
    assert sem.reliable and sem.solver_spread < 0.01
    pls = PLSPathModel(spec).fit(mobi).paths_["estimate"].to_numpy()
    plsc = PLSPathModel(spec, consistent=True).fit(mobi).paths_["estimate"].to_numpy()
    s = sem.paths
    sig = s["p_value"].to_numpy() < 0.05
    assert sig.sum() >= 4
    assert np.all(np.sign(pls[sig]) == np.sign(s["estimate"].to_numpy()[sig]))
    assert np.abs(pls - s["estimate"].to_numpy()).max() < 0.2
    assert np.abs(plsc - s["estimate"].to_numpy()).max() < 0.1


def test_bad_parameters(world_2000):
    with pytest.raises(ParameterError, match="ridge_threshold"):
        CovarianceSEM(ridge_threshold=1.5).fit(world_2000.survey)
