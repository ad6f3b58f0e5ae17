"""Vectorized bootstrap of ``PLSPathModel``: resampled correlation matrices, one batched PLS run.

Each draw resamples the n respondents with replacement. Its item means, standard deviations
and correlations come from the multinomial resampling counts ``C`` (B × n) and one matrix
product ``C @ [x_i x_jᵀ]`` — no per-draw refit of the raw data, no Python loop over draws or
respondents. The PLS algorithm then runs once on the stack of B correlation matrices
(``pls_algorithm.estimate_from_corr``). Draws with a constant item or without convergence
are dropped and counted in ``n_failed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_models.loyalty.pls_algorithm import PLSEstimates, _draw_summary, estimate_from_corr
from crm_models.loyalty.spec import ModelSpec
from crm_models.results import Result

__all__ = ["BootstrapDraws", "ResampledMoments", "bootstrap_pls", "resampled_moments"]

_NO_JSON = {"json": False}


@dataclass(frozen=True, repr=False)
class ResampledMoments(Result):
    """Item moments of B bootstrap samples: ``means`` (B, p), ``sds`` (B, p), ``corr`` (B, p, p).

    Means and standard deviations are on the raw item scale; draws where an item is constant
    have NaN correlations.
    """

    means: np.ndarray = field(metadata=_NO_JSON)
    sds: np.ndarray = field(metadata=_NO_JSON)
    corr: np.ndarray = field(metadata=_NO_JSON)

    @property
    def n_draws(self) -> int:
        """Number of bootstrap samples B."""
        return int(self.means.shape[0])

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Item means over the draws: mean, bootstrap SE, percentile interval (rows ``item_<j>``).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the percentile interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row per item.
        """
        index = [f"item_{j}" for j in range(self.means.shape[1])]
        return _draw_summary(self.means, level, index)


def resampled_moments(
    X: np.ndarray, n_draws: int, rng: np.random.Generator, chunk: int | None = None
) -> ResampledMoments:
    """Means, standard deviations and correlations of ``n_draws`` bootstrap samples of ``X``.

    Parameters
    ----------
    X : numpy.ndarray
        Data (n, p).
    n_draws : int
        Bootstrap samples B.
    rng : numpy.random.Generator
        Source of the resampling indices.
    chunk : int, optional
        Draws per batch (default: at most ~160 MB of counts per batch).

    Returns
    -------
    ResampledMoments
        ``means`` (B, p), ``sds`` (B, p) on the raw scale, ``corr`` (B, p, p).
    """
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    center = X.mean(axis=0)
    scale = X.std(axis=0)
    Z = (X - center) / scale
    iu, ju = np.triu_indices(p)
    cross = Z[:, iu] * Z[:, ju]  # (n, p(p+1)/2)
    if chunk is None:
        chunk = int(max(1, min(n_draws, 2e7 // max(n, 1))))  # ~160 MB of counts per chunk at most
    means = np.empty((n_draws, p))
    second = np.empty((n_draws, len(iu)))
    for start in range(0, n_draws, chunk):
        b = min(chunk, n_draws - start)
        idx = rng.integers(0, n, size=(b, n))
        counts = np.bincount((idx + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n).reshape(
            b, n
        )
        counts = counts.astype(float) / n
        means[start : start + b] = counts @ Z
        second[start : start + b] = counts @ cross
    M2 = np.zeros((n_draws, p, p))
    M2[:, iu, ju] = second
    M2[:, ju, iu] = second
    cov = M2 - means[:, :, None] * means[:, None, :]
    var = np.diagonal(cov, axis1=1, axis2=2).copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(var)
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    return ResampledMoments(center + means * scale, sd * scale, corr)


@dataclass(frozen=True, repr=False)
class BootstrapDraws(Result):
    """Bootstrap replicates of every PLS estimate (leading axis = draw); failed draws removed.

    Only the counts go to ``to_dict()``.

    Attributes
    ----------
    estimates : PLSEstimates
        The PLS arrays of the kept draws (``paths``, ``total``, ``loadings``, ``weights``,
        ``r2``, ``rho_a``, ``latent_corr``), each with a leading axis of B draws.
    item_means : numpy.ndarray
        Item means per draw, shape (B, p), raw answer scale.
    item_sds : numpy.ndarray
        Item standard deviations per draw, shape (B, p), raw answer scale.
    corr : numpy.ndarray
        Item correlations per draw, shape (B, p, p).
    n_requested : int
        Draws asked for (``n_boot``).
    n_failed : int
        Draws dropped (a constant item or no convergence).
    """

    estimates: PLSEstimates = field(metadata=_NO_JSON)
    item_means: np.ndarray = field(metadata=_NO_JSON)
    item_sds: np.ndarray = field(metadata=_NO_JSON)
    corr: np.ndarray = field(metadata=_NO_JSON)
    n_requested: int = 0
    n_failed: int = 0

    @property
    def n_draws(self) -> int:
        """Number of draws kept."""
        return int(self.estimates.paths.shape[0])

    @property
    def paths(self) -> np.ndarray:
        """Path matrices (B, K, K) [source, target]."""
        return self.estimates.paths

    @property
    def total(self) -> np.ndarray:
        """Total-effect matrices (B, K, K)."""
        return self.estimates.total

    @property
    def loadings(self) -> np.ndarray:
        """Loadings (B, p)."""
        return self.estimates.loadings

    @property
    def weights(self) -> np.ndarray:
        """Outer weights (B, p)."""
        return self.estimates.weights

    @property
    def r2(self) -> np.ndarray:
        """R² (B, K)."""
        return self.estimates.r2

    @property
    def rho_a(self) -> np.ndarray:
        """ρ_A (B, K)."""
        return self.estimates.rho_a

    @property
    def latent_corr(self) -> np.ndarray:
        """Latent correlations (B, K, K)."""
        return self.estimates.latent_corr

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Path coefficients over the draws: mean, bootstrap SE and percentile interval.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the percentile interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row per path ``"source → target"``.
        """
        return self.estimates.summary(level)


def bootstrap_pls(
    X: np.ndarray,
    spec: ModelSpec,
    n_boot: int,
    seed: int,
    scheme: str = "path",
    consistent: bool = False,
    max_iter: int = 300,
    tol: float = 1e-10,
) -> BootstrapDraws:
    """Percentile-bootstrap replicates of a PLS path model on data ``X`` (respondents × spec items).

    Parameters
    ----------
    X : numpy.ndarray
        Item data (n, p) in ``spec.items`` order.
    spec : ModelSpec
        Model specification.
    n_boot : int
        Bootstrap resamples requested.
    seed : int
        Seed of ``numpy.random.default_rng`` for the resampling.
    scheme, consistent, max_iter, tol
        As in :func:`~crm_models.loyalty.pls_algorithm.estimate_from_corr`.

    Returns
    -------
    BootstrapDraws
        The kept draws and the number of failed ones.
    """
    rng = np.random.default_rng(seed)
    moments = resampled_moments(X, int(n_boot), rng)
    corr = moments.corr
    ok = np.isfinite(corr).all(axis=(1, 2))
    est = estimate_from_corr(corr[ok], spec, scheme, consistent, max_iter, tol)
    good = est.converged & np.isfinite(est.paths).all(axis=(1, 2))
    keep = np.flatnonzero(ok)[good]
    return BootstrapDraws(
        est.subset(good),
        moments.means[keep],
        moments.sds[keep],
        corr[keep],
        int(n_boot),
        int(n_boot - len(keep)),
    )
