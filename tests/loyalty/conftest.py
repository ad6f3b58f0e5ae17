"""Fixtures of the loyalty study: the ECSI mobi survey, synthetic worlds and their estimands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_models.data.public import shared_data_file
from crm_models.data.synthetic import (
    CONSTRUCT_ITEMS,
    WorldParams,
    latent_covariance,
    simulate_world,
)
from crm_models.loyalty.spec import ModelSpec


@pytest.fixture(scope="session")
def mobi() -> pd.DataFrame:
    path = shared_data_file("mobi.csv")
    if path is None:
        pytest.skip(
            "mobi.csv (ECSI mobile-phone survey) not found in $CRM_SHARED_DATA or ../shared/data"
        )
    return pd.read_csv(path, index_col=0)


@pytest.fixture(scope="session")
def world_2000():
    """A synthetic world whose 2,000 customers all answered the survey (default ECSI truth)."""
    return simulate_world(2000, seed=11, params=WorldParams(survey_share=1.0))


def discretization_factor(item_mean: float, item_sd: float) -> float:
    """corr(clip(round(mean + sd·v), 1, 10), v) for v ~ N(0, 1), by exact summation over categories.

    The synthetic world puts each continuous standardized item v on the 1–10 scale this way;
    the observed item's loading is therefore the true (continuous) loading times this factor.
    """
    k = np.arange(1, 11)
    lo = np.where(k == 1, -np.inf, (k - 0.5 - item_mean) / item_sd)
    hi = np.where(k == 10, np.inf, (k + 0.5 - item_mean) / item_sd)
    prob = stats.norm.cdf(hi) - stats.norm.cdf(lo)
    cov = float((k * (stats.norm.pdf(lo) - stats.norm.pdf(hi))).sum())
    mean = float((k * prob).sum())
    return cov / np.sqrt(float((k * k * prob).sum()) - mean**2)


def observed_estimands(params: WorldParams) -> tuple[dict, dict, float]:
    """Population values a consistent estimator targets on the world's 1–10 survey items.

    - loadings: true loading × discretization factor κ (multi-item blocks);
    - paths: the true paths, except that the single-item construct CUSCO is observed with the
      rounding error (reliability κ²), so its correlations with every latent are κ × the true
      ones; the paths are the regressions on that correlation matrix (computed from
      ``latent_covariance`` of the true paths, independently of the PLS code).
    Returns ``(paths, loadings, kappa)``.
    """
    kappa = discretization_factor(params.item_mean, params.item_sd)
    spec = ModelSpec.ecsi()
    sigma, _ = latent_covariance(params.paths)
    names = list(CONSTRUCT_ITEMS)
    order = [names.index(c) for c in spec.names]
    R = sigma[np.ix_(order, order)].copy()
    j = list(spec.names).index("CUSCO")
    R[j, :] *= kappa
    R[:, j] *= kappa
    R[j, j] = 1.0
    pos = {c: k for k, c in enumerate(spec.names)}
    paths = {}
    for target in spec.endogenous:
        preds = [pos[c] for c in spec.predecessors(target)]
        beta = np.linalg.solve(R[np.ix_(preds, preds)], R[preds, pos[target]])
        for c, b in zip(spec.predecessors(target), beta, strict=True):
            paths[(c, target)] = float(b)
    loadings = {
        i: kappa * params.loadings[i]
        for c, items in CONSTRUCT_ITEMS.items()
        if len(items) > 1
        for i in items
    }
    return paths, loadings, kappa


@pytest.fixture(scope="session")
def estimands():
    """The function ``observed_estimands`` (population targets on the 1–10 items)."""
    return observed_estimands
