"""Fits on pattern counts equal fits on the full summary (issue 16).

An engine (DuckDB, Spark) reduces the customers to their distinct (frequency, recency, T)
patterns with ``n_customers``, and to the distinct (frequency, monetary_value) of repeat buyers
for Gamma-Gamma; ``model.fit(patterns, weights=patterns["n_customers"])`` must give the same
parameters as ``model.fit(full_summary)`` for every model, whatever the row order of either
table. Bad weights get one clear ParameterError.
"""

import numpy as np
import pandas as pd
import pytest

from crm_models.data.public import load_cdnow_summary, load_donations
from crm_models.errors import ParameterError
from crm_models.value import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD

RFM = ["frequency", "recency", "T"]
SPEND = ["frequency", "monetary_value"]


def _patterns(summary: pd.DataFrame, columns: list[str], seed: int) -> pd.DataFrame:
    """Distinct rows of ``columns`` with n_customers, in a shuffled order (as an engine may
    return them)."""
    counts = summary.groupby(columns).size().rename("n_customers").reset_index()
    return counts.sample(frac=1, random_state=seed).reset_index(drop=True)


def _fit_both(model_class, summary, columns, seed=3):
    patterns = _patterns(summary, columns, seed)
    full = model_class().fit(summary)
    grouped = model_class().fit(patterns, weights=patterns["n_customers"])
    return full, grouped, patterns


def _rel(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a) / np.asarray(b) - 1)))


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow_summary(with_monetary=True)


@pytest.fixture(scope="module")
def large():
    """60,000 simulated BG/NBD customers in whole days, > 20,000 patterns: the warm-started
    path of BG/NBD and Gamma-Gamma (a fit on a thinned subsample first)."""
    rng = np.random.default_rng(7)
    n, k = 60_000, 60
    T = rng.integers(30, 700, n).astype(float)
    rate = rng.gamma(0.8, 1 / 40, n)
    times = np.cumsum(rng.exponential(1.0, (n, k)) / rate[:, None], axis=1)
    alive = np.cumprod(rng.random((n, k)) >= rng.beta(0.6, 2.5, n)[:, None], axis=1) == 1
    days = np.floor(np.where(alive & (times <= T[:, None]), times, 0.0))
    x = (days > 0).sum(axis=1).astype(float)
    recency = days.max(axis=1)
    money = np.where(x > 0, np.round(rng.gamma(6.0, 4.0, n), 2), 0.0)
    frame = pd.DataFrame({"frequency": x, "recency": recency, "T": T, "monetary_value": money})
    frame.index = pd.Index([f"C{i}" for i in range(n)], name="customer_id")
    return frame.sample(frac=1, random_state=1)


@pytest.mark.parametrize("model_class", [BGNBD, MBGNBD, ParetoNBD])
def test_transaction_models_on_patterns_equal_full_fit(model_class, cdnow):
    """CDNOW (2,357 customers, 1,016 patterns): same parameters, customers and log-likelihood."""
    full, grouped, patterns = _fit_both(model_class, cdnow, RFM)
    assert len(patterns) == 1016
    assert _rel(grouped.params_, full.params_) < 1e-12
    assert grouped.result_.n_obs == full.result_.n_obs == len(cdnow)
    assert grouped.result_.n_patterns == full.result_.n_patterns == len(patterns)
    assert grouped.result_.loglik == pytest.approx(full.result_.loglik, rel=1e-12)


def test_gamma_gamma_on_spend_patterns_equals_full_fit(cdnow):
    """Repeat buyers' distinct (frequency, monetary_value) with n_customers."""
    repeat = cdnow[cdnow["frequency"] > 0]
    full, grouped, patterns = _fit_both(GammaGamma, cdnow, SPEND)
    assert grouped.result_.n_obs == full.result_.n_obs == len(repeat)
    assert _rel(grouped.params_, full.params_) < 1e-12


def test_bgbb_on_patterns_equals_expanded_rows():
    """BG/BB: the donations table expanded to one row per customer (shuffled) vs its
    patterns with n_customers (T read as n_periods in both)."""
    don = load_donations().rename(columns={"periods": "T"})
    rows = don.loc[don.index.repeat(don["weights"])].drop(columns="weights")
    rows = rows.sample(frac=1, random_state=5).reset_index(drop=True)
    full, grouped, patterns = _fit_both(BGBB, rows, RFM)
    assert len(patterns) == len(don) and full.result_.n_obs == len(rows) == 11104
    assert _rel(grouped.params_, full.params_) < 1e-12


@pytest.mark.parametrize(("model_class", "columns"), [(BGNBD, RFM), (GammaGamma, SPEND)])
def test_warm_started_fits_on_patterns_equal_full_fit(model_class, columns, large):
    """Above 20,000 patterns the fit starts from a subsample: the same one for both tables."""
    full, grouped, patterns = _fit_both(model_class, large, columns)
    assert len(patterns) > 20_000
    assert _rel(grouped.params_, full.params_) < 1e-12
    assert grouped.result_.n_obs == full.result_.n_obs


@pytest.mark.parametrize(
    "weights",
    [
        [1, -2, 3],
        [1.0, np.nan, 2.0],
        ["1", "x", "2"],
        [0, 0, 0],
        [1, 2],
    ],
)
def test_bad_weights_get_one_clear_error(weights):
    patterns = pd.DataFrame({"frequency": [0.0, 1.0, 2.0], "recency": [0.0, 3.0, 5.0], "T": 9.0})
    with pytest.raises(ParameterError, match=r"^weights must be ") as info:
        BGNBD().fit(patterns, weights=pd.Series(weights, dtype=object))
    assert "\n" not in str(info.value)


def test_whole_and_fractional_weights_are_accepted(cdnow):
    """Non-negative integers or floats: doubling every weight keeps the estimates."""
    patterns = _patterns(cdnow, RFM, 0)
    once = BGNBD().fit(patterns, weights=patterns["n_customers"].astype(np.int64))
    twice = BGNBD().fit(patterns, weights=2.0 * patterns["n_customers"])
    assert _rel(twice.params_, once.params_) < 1e-9
