"""PLS path modelling (PLS-PM) in NumPy, with a vectorized bootstrap and consistent PLS (PLSc).

Standardized PLS-PM (Wold; Lohmöller; Tenenhaus et al. 2005) depends on the data only through
the item correlation matrix ``S``: composite weights, inner weights, loadings, latent
correlations, paths and R² are all functions of ``S``. This module therefore runs the PLS
algorithm on a *stack* of correlation matrices at once, shape (B, p, p): the full-sample fit
is B = 1, and a bootstrap of 1,000 draws is one batched run on 1,000 resampled correlation
matrices. The resampled matrices come from multinomial resampling counts ``C`` (B × n) and
one matrix product ``C @ [x_i x_jᵀ]`` — no per-draw refit of the raw data, no Python loop over
draws or respondents.

- Outer mode A (reflective, correlation weights) or B (formative, regression weights) per block.
- Inner weighting schemes: ``"centroid"`` (Tenenhaus et al.; plspm's default), ``"factorial"``
  and ``"path"`` (SmartPLS / seminr default).
- ``consistent=True`` applies PLSc (Dijkstra & Henseler 2015): construct reliabilities
  ``rho_A`` disattenuate the composite correlations, giving consistent path coefficients and
  loadings for common-factor (reflective) constructs.
- Effects: direct ``B``, total ``(I − B)⁻¹ − I``, indirect = total − direct; specific indirect
  effects along a chain of constructs; percentile bootstrap intervals for everything.

Units: everything is standardized (correlation metric). Shapes: p items, K constructs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import ConvergenceError, ParameterError
from crm_models.loyalty.spec import ModelSpec, resolve_spec

SCHEMES = ("centroid", "factorial", "path")


# ---------------------------------------------------------------------------------------------
# design: the spec as index arrays
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Design:
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
        mode_b = [j for j, c in enumerate(names) if spec.modes[c] == "B" and len(spec.constructs[c]) > 1]
        return cls(spec, names, spec.items, block, member, mask, mask | mask.T, preds, mode_b,
                   member.sum(axis=0).astype(int))

    @property
    def path_pairs(self) -> list[tuple[int, int]]:
        """(source, target) index pairs in spec order."""
        pos = {c: j for j, c in enumerate(self.names)}
        return [(pos[s], pos[t]) for s, t in self.spec.paths]


# ---------------------------------------------------------------------------------------------
# the batched PLS algorithm on correlation matrices
# ---------------------------------------------------------------------------------------------
def _composite_cov(S: np.ndarray, W: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
            E[:, k, preds] = np.linalg.solve(R[:, preds[:, None], preds[None, :]], R[:, preds, k][..., None])[..., 0]
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
            W_new[:, idx] = np.linalg.solve(S[:, idx[:, None], idx[None, :]], W_new[:, idx][..., None])[..., 0]
        W_new = _normalize(S, W_new, d)
        delta = np.max(np.abs(W_new - W), axis=1)
        W = W_new
        converged = delta < tol
        if converged.all():
            break
    return W, converged, it


def _structural(R: np.ndarray, d: _Design) -> tuple[np.ndarray, np.ndarray]:
    """Path-coefficient matrices (B, K, K) [source, target] and R² (B, K) from latent correlations."""
    B, K, _ = R.shape
    P = np.zeros((B, K, K))
    r2 = np.zeros((B, K))
    for k, preds in enumerate(d.preds):
        if len(preds):
            beta = np.linalg.solve(R[:, preds[:, None], preds[None, :]], R[:, preds, k][..., None])[..., 0]
            P[:, preds, k] = beta
            r2[:, k] = np.einsum("bj,bj->b", beta, R[:, preds, k])
    return P, r2


def _rho_a(S: np.ndarray, W: np.ndarray, d: _Design) -> np.ndarray:
    """Dijkstra–Henseler reliability rho_A (B, K); 1 for single-item blocks."""
    B = S.shape[0]
    out = np.ones((B, len(d.names)))
    for k in range(len(d.names)):
        idx = np.flatnonzero(d.block == k)
        if len(idx) < 2:
            continue
        w = W[:, idx]
        Skk = S[:, idx[:, None], idx[None, :]]
        off = Skk - np.eye(len(idx)) * np.diagonal(Skk, axis1=1, axis2=2)[:, None, :]
        num = np.einsum("bi,bij,bj->b", w, off, w)
        ww = np.einsum("bi,bi->b", w, w)
        den = ww**2 - np.einsum("bi->b", w**4)
        out[:, k] = ww**2 * num / den
    return out


def estimate_from_corr(
    S: np.ndarray,
    spec: ModelSpec,
    scheme: str = "path",
    consistent: bool = False,
    max_iter: int = 300,
    tol: float = 1e-10,
) -> dict[str, np.ndarray]:
    """Run PLS-PM on correlation matrices ``S`` (p × p or B × p × p, items in ``spec.items`` order).

    Returns a dict of arrays with a leading draw axis B: ``weights`` (B, p) for unit-variance
    composites, ``loadings`` (B, p), ``cross_loadings`` (B, p, K), ``latent_corr`` (B, K, K)
    (disattenuated when ``consistent``), ``paths`` (B, K, K) [source, target], ``total``
    (B, K, K), ``r2`` (B, K), ``rho_a`` (B, K), ``converged`` (B,) and ``iterations``.
    """
    if scheme not in SCHEMES:
        raise ParameterError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    d = _Design.from_spec(spec)
    S = np.asarray(S, dtype=float)
    if S.ndim == 2:
        S = S[None]
    p = len(d.items)
    if S.shape[1:] != (p, p):
        raise ParameterError(f"correlation matrices must be {p}×{p} (items of the spec), got {S.shape[1:]}")
    W, converged, iterations = _outer_weights(S, d, scheme, max_iter, tol)
    C, R = _composite_cov(S, W, d.member)
    loadings = (C * d.member[None]).sum(axis=2)
    rho_a = _rho_a(S, W, d)
    if consistent:
        # PLSc: consistent loadings c_k·w_k and disattenuated latent correlations
        # (Dijkstra & Henseler 2015): c_k = sqrt(rho_A) / (w_k'w_k); composites (mode B) stay as is
        common = np.ones(len(d.names), dtype=bool)
        common[d.mode_b] = False
        rho_c = np.where(common[None], rho_a, 1.0)
        scale = np.sqrt(rho_c) / np.einsum("bi,bi,ik->bk", W, W, d.member)
        corrected = (d.sizes > 1) & common
        loadings = np.where(corrected[d.block][None], W * scale[:, d.block], loadings)
        root = np.sqrt(rho_c)
        R = R / (root[:, :, None] * root[:, None, :])
        K = len(d.names)
        R[:, np.arange(K), np.arange(K)] = 1.0
    P, r2 = _structural(R, d)
    K = len(d.names)
    total = np.linalg.inv(np.eye(K)[None] - P) - np.eye(K)[None]
    return {
        "weights": W,
        "loadings": loadings,
        "cross_loadings": C,
        "latent_corr": R,
        "paths": P,
        "total": total,
        "r2": r2,
        "rho_a": rho_a,
        "converged": converged,
        "iterations": np.asarray(iterations),
    }


# ---------------------------------------------------------------------------------------------
# bootstrap: resampled correlation matrices from multinomial counts
# ---------------------------------------------------------------------------------------------
def resampled_moments(
    X: np.ndarray, n_draws: int, rng: np.random.Generator, chunk: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means (B, p), standard deviations (B, p) and correlation matrices (B, p, p) of bootstrap samples.

    ``X`` is (n, p). Each draw resamples n rows with replacement; its moments are computed from
    the resampling counts by one matrix product with the (n, p(p+1)/2) cross-product table.
    Draws where an item is constant get NaN correlations (drop them downstream).
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
        counts = np.bincount((idx + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n).reshape(b, n)
        counts = counts.astype(float) / n
        means[start:start + b] = counts @ Z
        second[start:start + b] = counts @ cross
    M2 = np.zeros((n_draws, p, p))
    M2[:, iu, ju] = second
    M2[:, ju, iu] = second
    cov = M2 - means[:, :, None] * means[:, None, :]
    var = np.diagonal(cov, axis1=1, axis2=2).copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(var)
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    raw_means = center + means * scale
    raw_sd = sd * scale
    return raw_means, raw_sd, corr


# ---------------------------------------------------------------------------------------------
# estimator and results
# ---------------------------------------------------------------------------------------------
@dataclass
class BootstrapDraws:
    """Bootstrap replicates of every estimate (leading axis = draw); failed draws removed."""

    weights: np.ndarray  # (B, p)
    loadings: np.ndarray  # (B, p)
    paths: np.ndarray  # (B, K, K)
    total: np.ndarray  # (B, K, K)
    r2: np.ndarray  # (B, K)
    rho_a: np.ndarray  # (B, K)
    latent_corr: np.ndarray  # (B, K, K)
    item_means: np.ndarray  # (B, p) raw scale
    item_sds: np.ndarray  # (B, p) raw scale
    corr: np.ndarray  # (B, p, p) item correlations
    n_requested: int
    n_failed: int

    @property
    def n_draws(self) -> int:
        return int(self.paths.shape[0])


def _interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1 - level) / 2
    return np.quantile(draws, alpha, axis=0), np.quantile(draws, 1 - alpha, axis=0)


class PLSPathModel:
    """Partial least squares path model with a vectorized percentile bootstrap.

    Parameters:
        spec: model specification (``ModelSpec``, dict, ``"ecsi"`` or None for ECSI).
        scheme: inner weighting scheme, ``"path"`` (default), ``"centroid"`` or ``"factorial"``.
        consistent: apply PLSc (consistent paths and loadings for reflective constructs).
        n_boot: bootstrap draws (0 = none).
        level: confidence level of the percentile intervals.
        seed: seed of the bootstrap resampling.
        max_iter, tol: PLS iteration limit and tolerance on the largest weight change.

    After ``fit(data)``: ``weights_``, ``loadings_``, ``cross_loadings_``, ``paths_``,
    ``r2_``, ``latent_corr_``, ``rho_a_``, ``gof_``, ``scores_`` (respondents × constructs,
    standardized), ``item_means_``, ``item_sds_``, ``n_obs_``, ``iterations_`` and, with
    ``n_boot > 0``, ``boot_`` (``BootstrapDraws``). ``summary()``, ``effects()``,
    ``indirect_effect(chain)`` give tables with percentile intervals.
    """

    def __init__(
        self,
        spec: ModelSpec | dict | str | None = None,
        scheme: str = "path",
        consistent: bool = False,
        n_boot: int = 0,
        level: float = 0.95,
        seed: int = 0,
        max_iter: int = 300,
        tol: float = 1e-10,
    ) -> None:
        self.spec = spec
        self.scheme = scheme
        self.consistent = consistent
        self.n_boot = n_boot
        self.level = level
        self.seed = seed
        self.max_iter = max_iter
        self.tol = tol

    # -- fitting ----------------------------------------------------------------------------
    def _check_params(self) -> ModelSpec:
        spec = resolve_spec(self.spec)
        if self.scheme not in SCHEMES:
            raise ParameterError(f"scheme must be one of {SCHEMES}, got {self.scheme!r}")
        if not isinstance(self.n_boot, (int, np.integer)) or self.n_boot < 0:
            raise ParameterError(f"n_boot must be a non-negative integer, got {self.n_boot!r}")
        if not 0 < self.level < 1:
            raise ParameterError(f"level must be in (0, 1), got {self.level!r}")
        if not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ParameterError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.max_iter < 1 or not self.tol > 0:
            raise ParameterError("max_iter must be >= 1 and tol > 0")
        return spec

    def fit(self, data: pd.DataFrame, scale: tuple[float, float] | None = None) -> PLSPathModel:
        """Estimate the model on ``data`` (respondents × items); ``scale`` e.g. (1, 10) is checked."""
        spec = self._check_params()
        frame = spec.check_data(data, scale=scale)
        X = frame.to_numpy()
        self.spec_ = spec
        self.design_ = _Design.from_spec(spec)
        self.n_obs_ = X.shape[0]
        self.index_ = frame.index
        self.item_means_ = pd.Series(X.mean(axis=0), index=spec.items)
        self.item_sds_ = pd.Series(X.std(axis=0, ddof=1), index=spec.items)
        S = np.corrcoef(X, rowvar=False)
        self.item_corr_ = pd.DataFrame(S, index=spec.items, columns=spec.items)
        est = estimate_from_corr(S, spec, self.scheme, self.consistent, self.max_iter, self.tol)
        if not est["converged"][0]:
            raise ConvergenceError(
                f"PLS did not converge in {self.max_iter} iterations; raise max_iter or try scheme='factorial'"
            )
        self._est = {k: v[0] if v.ndim else v for k, v in est.items()}
        self.iterations_ = int(est["iterations"])
        d = self.design_
        names = list(d.names)
        self.weights_ = pd.Series(self._est["weights"], index=spec.items, name="weight")
        self.loadings_ = pd.Series(self._est["loadings"], index=spec.items, name="loading")
        self.cross_loadings_ = pd.DataFrame(self._est["cross_loadings"], index=spec.items, columns=names)
        self.latent_corr_ = pd.DataFrame(self._est["latent_corr"], index=names, columns=names)
        self.rho_a_ = pd.Series(self._est["rho_a"], index=names, name="rho_a")
        self.r2_ = pd.Series(self._est["r2"], index=names, name="r2")[spec.endogenous]
        Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
        scores = Z @ (self._est["weights"][:, None] * d.member)
        self.scores_ = pd.DataFrame(scores / scores.std(axis=0, ddof=1), index=frame.index, columns=names)
        P = self._est["paths"]
        self.paths_ = pd.DataFrame([(s, t, P[self._pos(s), self._pos(t)]) for s, t in spec.paths],
                                   columns=["source", "target", "estimate"])
        self.gof_ = self._gof(self._est["loadings"], self._est["r2"])
        self.boot_ = self._bootstrap(X) if self.n_boot else None
        return self

    def _gof(self, loadings: np.ndarray, r2: np.ndarray) -> float:
        """Tenenhaus GoF: sqrt(mean communality of multi-item blocks × mean R² of endogenous)."""
        d = self.design_
        multi = d.sizes[d.block] > 1
        endo = [d.names.index(c) for c in self.spec_.endogenous]
        if not multi.any() or not endo:
            return float("nan")
        return float(np.sqrt(np.mean(loadings[multi] ** 2) * np.mean(r2[endo])))

    def _bootstrap(self, X: np.ndarray) -> BootstrapDraws:
        rng = np.random.default_rng(self.seed)
        means, sds, corr = resampled_moments(X, int(self.n_boot), rng)
        ok = np.isfinite(corr).all(axis=(1, 2))
        est = estimate_from_corr(corr[ok], self.spec_, self.scheme, self.consistent, self.max_iter, self.tol)
        good = est["converged"] & np.isfinite(est["paths"]).all(axis=(1, 2))
        keep = np.flatnonzero(ok)[good]
        return BootstrapDraws(
            weights=est["weights"][good], loadings=est["loadings"][good], paths=est["paths"][good],
            total=est["total"][good], r2=est["r2"][good], rho_a=est["rho_a"][good],
            latent_corr=est["latent_corr"][good], item_means=means[keep], item_sds=sds[keep],
            corr=corr[keep], n_requested=int(self.n_boot), n_failed=int(self.n_boot - len(keep)),
        )

    # -- tables -----------------------------------------------------------------------------
    def _require_fit(self) -> None:
        if not hasattr(self, "spec_"):
            raise ParameterError("the model is not fitted yet; call fit(data) first")

    def _pos(self, construct: str) -> int:
        if construct not in self.design_.names:
            raise ParameterError(f"unknown construct {construct!r}; known: {list(self.design_.names)}")
        return self.design_.names.index(construct)


    def _with_ci(self, frame: pd.DataFrame, draws: np.ndarray | None, level: float | None) -> pd.DataFrame:
        level = self.level if level is None else level
        out = frame.copy()
        if draws is None or len(draws) == 0:
            for col in ("se", "ci_low", "ci_high"):
                out[col] = np.nan
            return out
        low, high = _interval(draws, level)
        out["se"] = draws.std(axis=0, ddof=1)
        out["ci_low"] = low
        out["ci_high"] = high
        return out

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """Path coefficients with bootstrap SE, percentile interval and z = estimate / SE."""
        self._require_fit()
        frame = self.paths_
        draws = None
        if self.boot_ is not None:
            idx = [(self._pos(s), self._pos(t)) for s, t in self.spec_.paths]
            draws = np.stack([self.boot_.paths[:, i, j] for i, j in idx], axis=1)
        out = self._with_ci(frame, draws, level)
        out["z"] = out["estimate"] / out["se"]
        out.insert(2, "label", [f"{self.spec_.label(s)} → {self.spec_.label(t)}" for s, t in self.spec_.paths])
        return out

    def r2_table(self, level: float | None = None) -> pd.DataFrame:
        """R² of each endogenous construct with bootstrap interval."""
        self._require_fit()
        endo = self.spec_.endogenous
        frame = pd.DataFrame({"construct": endo, "label": [self.spec_.label(c) for c in endo],
                              "r2": self.r2_.to_numpy()})
        draws = None
        if self.boot_ is not None:
            draws = self.boot_.r2[:, [self._pos(c) for c in endo]]
        return self._with_ci(frame, draws, level)

    def loadings_table(self, level: float | None = None) -> pd.DataFrame:
        """Outer loadings and weights per item with bootstrap interval of the loading."""
        self._require_fit()
        d = self.design_
        frame = pd.DataFrame({
            "item": self.spec_.items,
            "construct": [d.names[k] for k in d.block],
            "loading": self.loadings_.to_numpy(),
            "weight": self.weights_.to_numpy(),
        })
        draws = self.boot_.loadings if self.boot_ is not None else None
        return self._with_ci(frame, draws, level)

    def effects(self, level: float | None = None) -> pd.DataFrame:
        """Direct, indirect and total effects for every pair with a total effect, with intervals."""
        self._require_fit()
        level = self.level if level is None else level
        P, T = self._est["paths"], self._est["total"]
        names = self.design_.names
        pairs = [(i, j) for i in range(len(names)) for j in range(len(names))
                 if i != j and (abs(T[i, j]) > 1e-12 or self.design_.mask[i, j])]
        rows = []
        for i, j in pairs:
            rows.append({"source": names[i], "target": names[j],
                         "label": f"{self.spec_.label(names[i])} → {self.spec_.label(names[j])}",
                         "direct": P[i, j], "indirect": T[i, j] - P[i, j], "total": T[i, j]})
        out = pd.DataFrame(rows)
        if self.boot_ is not None and len(pairs):
            ii, jj = np.array(pairs).T
            bp, bt = self.boot_.paths[:, ii, jj], self.boot_.total[:, ii, jj]
            for name, draws in (("direct", bp), ("indirect", bt - bp), ("total", bt)):
                low, high = _interval(draws, level)
                out[f"{name}_low"] = low
                out[f"{name}_high"] = high
        return out

    def indirect_effect(self, chain: Sequence[str], level: float | None = None) -> dict[str, Any]:
        """Specific indirect effect along ``chain`` (e.g. ["CUSA", "CUSCO", "CUSL"]): product of paths."""
        self._require_fit()
        if len(chain) < 3:
            raise ParameterError("an indirect effect needs a chain of at least 3 constructs")
        idx = [self._pos(c) for c in chain]
        for a, b in zip(idx[:-1], idx[1:], strict=True):
            if not self.design_.mask[a, b]:
                raise ParameterError(f"no path {self.design_.names[a]}->{self.design_.names[b]} in the model")
        est = float(np.prod([self._est["paths"][a, b] for a, b in zip(idx[:-1], idx[1:], strict=True)]))
        out: dict[str, Any] = {"chain": " → ".join(chain), "estimate": est,
                               "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
        if self.boot_ is not None:
            draws = np.prod([self.boot_.paths[:, a, b] for a, b in zip(idx[:-1], idx[1:], strict=True)], axis=0)
            low, high = _interval(draws, self.level if level is None else level)
            out.update(se=float(draws.std(ddof=1)), ci_low=float(low), ci_high=float(high))
        return out

    def specific_effects(self, target: str, level: float | None = None) -> pd.DataFrame:
        """Every chain of ≥ 2 paths ending at ``target`` (e.g. quality → satisfaction → loyalty):
        specific indirect effect (product of its paths) with bootstrap SE and interval."""
        self._require_fit()
        self._pos(target)
        children: dict[str, list[str]] = {c: [] for c in self.design_.names}
        for s, t in self.spec_.paths:
            children[s].append(t)
        chains: list[list[str]] = []

        def walk(chain: list[str]) -> None:
            for nxt in children[chain[-1]]:
                if nxt == target and len(chain) >= 2:
                    chains.append(chain + [nxt])
                elif nxt != target:
                    walk(chain + [nxt])

        for start in self.design_.names:
            if start != target:
                walk([start])
        rows = []
        for chain in chains:
            r = self.indirect_effect(chain, level)
            r["source"] = chain[0]
            r["label"] = " → ".join(self.spec_.label(c) for c in chain)
            rows.append(r)
        cols = ["source", "chain", "label", "estimate", "se", "ci_low", "ci_high"]
        return pd.DataFrame(rows, columns=cols).sort_values("estimate", ascending=False, ignore_index=True)

    def construct_summary(self) -> pd.DataFrame:
        """Per construct: type, R², AVE (from the loadings), rho_A, block size."""
        self._require_fit()
        d = self.design_
        lam2 = self.loadings_.to_numpy() ** 2
        ave = np.bincount(d.block, weights=lam2, minlength=len(d.names)) / d.sizes
        endo = set(self.spec_.endogenous)
        return pd.DataFrame({
            "construct": list(d.names),
            "label": [self.spec_.label(c) for c in d.names],
            "type": ["endogenous" if c in endo else "exogenous" for c in d.names],
            "items": d.sizes,
            "r2": [self.r2_.get(c, np.nan) for c in d.names],
            "ave": ave,
            "rho_a": self.rho_a_.to_numpy(),
        })
