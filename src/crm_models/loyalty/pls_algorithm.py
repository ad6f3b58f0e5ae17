"""The batched PLS-PM algorithm on correlation matrices (the engine of ``PLSPathModel``).

Standardized PLS-PM (Wold; Lohmöller; Tenenhaus et al. 2005) depends on the data only through
the item correlation matrix ``S``: composite weights, inner weights, loadings, latent
correlations, paths and R² are all functions of ``S``. This module runs the PLS algorithm on a
*stack* of correlation matrices at once, shape (B, p, p): the full-sample fit is B = 1, and a
bootstrap of 1,000 draws is one batched run on 1,000 resampled correlation matrices (see
``pls_bootstrap``). No Python loop over draws or respondents.

- Outer mode A (reflective, correlation weights) or B (formative, regression weights) per block.
- Inner weighting schemes: ``"centroid"`` (Tenenhaus et al.; plspm's default), ``"factorial"``
  and ``"path"`` (SmartPLS / seminr default).
- ``consistent=True`` applies the PLSc correction of ``plsc`` (Dijkstra & Henseler 2015).
- Effects: direct ``B``, total ``(I − B)⁻¹ − I``.

Units: everything is standardized (correlation metric). Shapes: p items, K constructs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError
from crm_models.loyalty.plsc import consistent_loadings, disattenuate, rho_a
from crm_models.loyalty.spec import ModelSpec, _path_names
from crm_models.results import Result, estimate_table

__all__ = ["SCHEMES", "PLSEstimates", "estimate_from_corr"]

SCHEMES = ("centroid", "factorial", "path")


@dataclass(frozen=True)
class _Design:
    """The spec as index arrays (private: every module of the study builds it from a spec)."""

    spec: ModelSpec
    names: tuple[str, ...]
    items: list[str]
    block: np.ndarray  # (p,) construct index of each item
    member: np.ndarray  # (p, K) 0/1
    mask: np.ndarray  # (K, K) bool, mask[source, target]
    adjacent: np.ndarray  # (K, K) bool, symmetric
    preds: list[np.ndarray]  # per construct: indices of its predecessors
    mode_b: list[int]  # constructs estimated in mode B
    sizes: np.ndarray  # (K,) items per block

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> _Design:
        names = spec.names
        block = spec.block_index()
        k = len(names)
        member = np.zeros((len(block), k))
        member[np.arange(len(block)), block] = 1.0
        mask = spec.path_mask()
        preds = [np.flatnonzero(mask[:, j]) for j in range(k)]
        mode_b = [
            j for j, c in enumerate(names) if spec.modes[c] == "B" and len(spec.constructs[c]) > 1
        ]
        return cls(
            spec,
            names,
            spec.items,
            block,
            member,
            mask,
            mask | mask.T,
            preds,
            mode_b,
            member.sum(axis=0).astype(int),
        )

    def pos(self, construct: str) -> int:
        """Position of ``construct`` in ``names`` (``ParameterError`` naming the known ones)."""
        if construct not in self.names:
            raise ParameterError(f"unknown construct {construct!r}; known: {list(self.names)}")
        return self.names.index(construct)

    @property
    def path_pairs(self) -> list[tuple[int, int]]:
        """(source, target) index pairs in spec order."""
        return [(self.pos(s), self.pos(t)) for s, t in self.spec.paths]


def _percentile(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-interval bounds along the draw axis (the study's one interval helper)."""
    alpha = (1 - level) / 2
    return np.quantile(draws, alpha, axis=0), np.quantile(draws, 1 - alpha, axis=0)


def _draw_summary(draws: np.ndarray, level: float, index: list[str]) -> pd.DataFrame:
    """Estimate table of draws along the leading axis: mean, SD (ddof 1), percentile interval."""
    low, high = _percentile(draws, level)
    return estimate_table(
        draws.mean(axis=0), draws.std(axis=0, ddof=1), low, high, level=level, index=index
    )


def _composite_cov(
    S: np.ndarray, W: np.ndarray, member: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Item-composite covariances (B, p, K) and composite covariances (B, K, K)."""
    Wm = W[:, :, None] * member[None]
    C = S @ Wm
    R = np.swapaxes(Wm, 1, 2) @ C
    return C, R


def _inner_weights(R: np.ndarray, d: _Design, scheme: str) -> np.ndarray:
    """Inner weights E (B, K, K): z_k = Σ_l E[k, l] y_l."""
    if scheme == "centroid":
        return np.sign(R) * d.adjacent
    if scheme == "factorial":
        return R * d.adjacent
    E = R * d.mask  # successors l of k (k -> l): correlation
    for k, preds in enumerate(d.preds):  # predecessors of k: multiple-regression weights
        if len(preds):
            E[:, k, preds] = np.linalg.solve(
                R[:, preds[:, None], preds[None, :]], R[:, preds, k][..., None]
            )[..., 0]
    return E


def _normalize(S: np.ndarray, W: np.ndarray, d: _Design) -> np.ndarray:
    _, R = _composite_cov(S, W, d.member)
    var = np.diagonal(R, axis1=1, axis2=2)
    return W / np.sqrt(var)[:, d.block]


def _outer_weights(
    S: np.ndarray, d: _Design, scheme: str, max_iter: int, tol: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """Converged outer weights (B, p) for unit-variance composites; convergence flags (B,)."""
    B, p, _ = S.shape
    W = _normalize(S, np.ones((B, p)), d)
    converged = np.zeros(B, dtype=bool)
    block_idx = [np.flatnonzero(d.block == k) for k in d.mode_b]
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - iteration count is returned
        C, R = _composite_cov(S, W, d.member)
        E = _inner_weights(R, d, scheme)
        G = C @ np.swapaxes(E, 1, 2)  # cov(x_i, z_k)
        W_new = (G * d.member[None]).sum(axis=2)
        for idx in block_idx:  # mode B: regression of z_k on its block
            W_new[:, idx] = np.linalg.solve(
                S[:, idx[:, None], idx[None, :]], W_new[:, idx][..., None]
            )[..., 0]
        W_new = _normalize(S, W_new, d)
        delta = np.max(np.abs(W_new - W), axis=1)
        W = W_new
        converged = delta < tol
        if converged.all():
            break
    return W, converged, it


def _structural(R: np.ndarray, d: _Design) -> tuple[np.ndarray, np.ndarray]:
    """Path coefficients (B, K, K) [source, target] and R² (B, K) from latent correlations."""
    B, K, _ = R.shape
    P = np.zeros((B, K, K))
    r2 = np.zeros((B, K))
    for k, preds in enumerate(d.preds):
        if len(preds):
            beta = np.linalg.solve(R[:, preds[:, None], preds[None, :]], R[:, preds, k][..., None])[
                ..., 0
            ]
            P[:, preds, k] = beta
            r2[:, k] = np.einsum("bj,bj->b", beta, R[:, preds, k])
    return P, r2


@dataclass(frozen=True, repr=False)
class PLSEstimates(Result):
    """PLS-PM estimates on a stack of B correlation matrices (leading axis = matrix / draw).

    ``spec`` fixes the order of the p items (``spec.items``) and K constructs (``spec.names``).

    Attributes
    ----------
    spec : ModelSpec
        The specification.
    weights : numpy.ndarray
        Outer weights of unit-variance composites, (B, p).
    loadings : numpy.ndarray
        Outer loadings, (B, p).
    cross_loadings : numpy.ndarray
        Item × construct correlations, (B, p, K).
    latent_corr : numpy.ndarray
        Construct correlations, (B, K, K) (disattenuated when consistent).
    paths : numpy.ndarray
        Path coefficients [source, target], (B, K, K).
    total : numpy.ndarray
        Total effects [source, target], (B, K, K).
    r2 : numpy.ndarray
        R² per construct, (B, K) (0 for exogenous constructs).
    rho_a : numpy.ndarray
        Reliability ρ_A per construct, (B, K).
    converged : numpy.ndarray
        Whether each matrix converged, (B,) booleans.
    iterations : int
        Iterations of the slowest matrix.
    """

    spec: ModelSpec = field(metadata={"json": False})
    weights: np.ndarray = field(metadata={"json": False})
    loadings: np.ndarray = field(metadata={"json": False})
    cross_loadings: np.ndarray = field(metadata={"json": False})
    latent_corr: np.ndarray = field(metadata={"json": False})
    paths: np.ndarray = field(metadata={"json": False})
    total: np.ndarray = field(metadata={"json": False})
    r2: np.ndarray = field(metadata={"json": False})
    rho_a: np.ndarray = field(metadata={"json": False})
    converged: np.ndarray = field(metadata={"json": False})
    iterations: int = 0

    @property
    def n_matrices(self) -> int:
        """Number of correlation matrices B (the leading axis)."""
        return int(self.paths.shape[0])

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Path coefficients over the stack: mean, SD across matrices and percentile interval.

        With one matrix (B = 1) the estimate is its path and ``se``/interval are NaN.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the percentile interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row per path ``"source → target"``.
        """
        d = _Design.from_spec(self.spec)
        ii, jj = np.array(d.path_pairs).T
        draws = self.paths[:, ii, jj]
        index = _path_names(self.spec.paths)
        if self.n_matrices < 2:
            return estimate_table(draws[0], level=level, index=index)
        return _draw_summary(draws, level, index)

    def first(self) -> PLSEstimates:
        """Return the estimates of the first matrix only (B = 1), e.g. the full-sample fit.

        Returns
        -------
        PLSEstimates
            The same fields restricted to matrix 0.
        """
        keep = slice(0, 1)
        return PLSEstimates(
            self.spec,
            self.weights[keep],
            self.loadings[keep],
            self.cross_loadings[keep],
            self.latent_corr[keep],
            self.paths[keep],
            self.total[keep],
            self.r2[keep],
            self.rho_a[keep],
            self.converged[keep],
            self.iterations,
        )

    def subset(self, keep: np.ndarray) -> PLSEstimates:
        """Return the estimates of the matrices selected by ``keep`` (boolean mask or indices).

        Parameters
        ----------
        keep : numpy.ndarray
            Boolean mask or integer indices along the leading axis.

        Returns
        -------
        PLSEstimates
            The same fields restricted to the selected matrices.
        """
        return PLSEstimates(
            self.spec,
            self.weights[keep],
            self.loadings[keep],
            self.cross_loadings[keep],
            self.latent_corr[keep],
            self.paths[keep],
            self.total[keep],
            self.r2[keep],
            self.rho_a[keep],
            self.converged[keep],
            self.iterations,
        )


def estimate_from_corr(
    S: np.ndarray,
    spec: ModelSpec,
    scheme: str = "path",
    consistent: bool = False,
    max_iter: int = 300,
    tol: float = 1e-10,
) -> PLSEstimates:
    """Run PLS-PM on correlation matrices ``S`` (p × p or B × p × p, items in ``spec.items`` order).

    Parameters
    ----------
    S : numpy.ndarray
        Item correlation matrix (p, p) or stack (B, p, p).
    spec : ModelSpec
        Model specification; fixes the item and construct order.
    scheme : {"path", "centroid", "factorial"}, default "path"
        Inner weighting scheme.
    consistent : bool, default False
        Apply PLSc (consistent loadings and disattenuated latent correlations).
    max_iter : int, default 300
        Iteration limit of the outer-weight loop.
    tol : float, default 1e-10
        Tolerance on the largest weight change.

    Returns
    -------
    PLSEstimates
        Arrays with a leading axis B (see :class:`PLSEstimates`).
    """
    if scheme not in SCHEMES:
        raise ParameterError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    d = _Design.from_spec(spec)
    S = np.asarray(S, dtype=float)
    if S.ndim == 2:
        S = S[None]
    p = len(d.items)
    if S.shape[1:] != (p, p):
        raise ParameterError(
            f"correlation matrices must be {p}×{p} (items of the spec), got {S.shape[1:]}"
        )
    W, converged, iterations = _outer_weights(S, d, scheme, max_iter, tol)
    C, R = _composite_cov(S, W, d.member)
    loadings = (C * d.member[None]).sum(axis=2)
    reliability = rho_a(S, W, d.block, len(d.names))
    if consistent:
        # PLSc (Dijkstra & Henseler 2015): consistent loadings, disattenuated latent correlations
        loadings = consistent_loadings(W, loadings, reliability, d.block, d.member, d.mode_b)
        R = disattenuate(R, reliability, d.mode_b)
    P, r2 = _structural(R, d)
    K = len(d.names)
    total = np.linalg.inv(np.eye(K)[None] - P) - np.eye(K)[None]
    return PLSEstimates(
        spec, W, loadings, C, R, P, total, r2, reliability, converged, int(iterations)
    )
