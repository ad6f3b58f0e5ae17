"""Issue 15 traps of the PLS API: PLSc out of range without a word, NaN intervals without a hint."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError
from crm_models.loyalty import EstimationWarning, ModelSpec, PLSPathModel
from crm_models.loyalty.pls_checks import estimation_warnings

TWO = ModelSpec({"X": ("x1", "x2", "x3"), "Y": ("y1", "y2", "y3")}, [("X", "Y")])


def _two_constructs(loading_x: float, n: int = 300, seed: int = 3) -> pd.DataFrame:
    """Items of X (loading ``loading_x``) and Y (loading 0.85); latent path X → Y of 0.6."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = 0.6 * x + np.sqrt(1 - 0.36) * rng.standard_normal(n)
    cols = {}
    for name, latent, lam in (("x", x, loading_x), ("y", y, 0.85)):
        for j in range(1, 4):
            cols[f"{name}{j}"] = lam * latent + np.sqrt(1 - lam**2) * rng.standard_normal(n)
    return pd.DataFrame(cols)


def _estimation_messages(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, EstimationWarning)]


def test_plsc_on_a_weak_block_warns_naming_the_construct_and_the_fix():
    """Loadings of 0.35 (ρ_A far below 0.70): PLSc warns, names X and says consistent=False."""
    data = _two_constructs(0.35)
    with pytest.warns(EstimationWarning) as record:
        PLSPathModel(TWO, consistent=True, n_boot=200, seed=1).fit(data)
    messages = _estimation_messages(record)
    reliability = [m for m in messages if "reliabilities below 0.70" in m]
    assert reliability and "X ρ_A = 0.3" in reliability[0]
    assert "consistent=False" in reliability[0]


def test_plain_pls_and_a_reliable_plsc_fit_stay_silent():
    """No false alarm: plain PLS on the weak block, PLSc on strong blocks (loadings 0.85)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimationWarning)
        PLSPathModel(TWO, consistent=False, n_boot=200, seed=1).fit(_two_constructs(0.35))
        PLSPathModel(TWO, consistent=True, n_boot=200, seed=1).fit(_two_constructs(0.85))


def test_a_consistent_path_beyond_one_is_named():
    """A PLSc result with a path of 1.3 gets the out-of-range message naming that path."""
    fitted = PLSPathModel(TWO, consistent=True).fit(_two_constructs(0.85)).result_
    paths = fitted.paths.assign(estimate=[1.3])
    messages = estimation_warnings(dataclasses.replace(fitted, paths=paths))
    assert any("outside [-1, 1]" in m and "X → Y = 1.300" in m for m in messages)
    plain = dataclasses.replace(fitted, paths=paths, consistent=False)
    assert not any("outside [-1, 1]" in m for m in estimation_warnings(plain))


@pytest.mark.shared_data
def test_plsc_on_mobi_warns_about_satisfaction_to_loyalty(mobi):
    """The issue's case: ECSI PLSc on mobi has Satisfaction → Loyalty ≈ 0.96 with an interval
    reaching above 2; the warning names that path and says to use plain PLS; plain PLS on the
    same data is silent."""
    with pytest.warns(EstimationWarning) as record:
        model = PLSPathModel("ecsi", consistent=True, n_boot=300, seed=0).fit(mobi)
    assert model.summary().loc["CUSA → CUSL", "ci_high"] > 1.5
    intervals = [m for m in _estimation_messages(record) if "bootstrap 95% intervals" in m]
    assert intervals and "Satisfaction → Loyalty (CUSA → CUSL)" in intervals[0]
    assert "use plain PLS (consistent=False)" in intervals[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimationWarning)
        PLSPathModel("ecsi", consistent=False, n_boot=300, seed=0).fit(mobi)


def test_summary_without_bootstrap_says_to_set_n_boot():
    """n_boot=0: the NaN intervals come with a warning and a table note naming n_boot=500."""
    model = PLSPathModel(TWO).fit(_two_constructs(0.85))
    with pytest.warns(EstimationWarning, match="n_boot=500"):
        table = model.summary()
    assert table[["se", "ci_low", "ci_high"]].isna().all().all()
    assert "n_boot=500" in table.attrs["note"]
    with pytest.warns(EstimationWarning, match="n_boot=500"):
        model.result_.summary()
    boot = PLSPathModel(TWO, n_boot=50, seed=2).fit(_two_constructs(0.85))
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimationWarning)
        table = boot.summary()
    assert table["ci_low"].notna().all() and "note" not in table.attrs


def test_bad_item_values_name_the_column_and_1_based_rows_as_plain_ints():
    """Data row 4 missing / off-scale: 'rows [4]', never 0-based or 'np.int64(3)'."""
    data = _two_constructs(0.85, n=30).round().clip(-3, 3) + 4
    data.iloc[3, 1] = np.nan
    with pytest.raises(
        DataValidationError, match=r"survey: column 'x2' has missing values \(rows 4\)"
    ):
        PLSPathModel(TWO).fit(data)
    data.iloc[3, 1] = 12
    with pytest.raises(
        DataValidationError, match=r"'x2' has values outside the 1–10 scale \(rows 4\)"
    ):
        PLSPathModel(TWO).fit(data, scale=(1, 10))
