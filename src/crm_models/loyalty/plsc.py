"""Consistent PLS (PLSc; Dijkstra & Henseler 2015): reliability ρ_A and the correction.

PLS composites are weighted sums of items measured with error, so their correlations are
attenuated. For common-factor (reflective, mode A) constructs PLSc estimates each block's
reliability ``rho_A`` from its outer weights and the item correlations, then

- disattenuates the composite correlations: ``R_kl / sqrt(rho_A,k · rho_A,l)``;
- rescales the weights into consistent loadings ``c_k · w_k`` with
  ``c_k = sqrt(rho_A,k) / (w_k'w_k)``.

Composites (mode B) and single-item constructs are left as they are (reliability 1).
Vectorized over a leading axis B of correlation matrices.
"""

from __future__ import annotations

import numpy as np

__all__ = ["consistent_loadings", "disattenuate", "rho_a"]


def rho_a(S: np.ndarray, W: np.ndarray, block: np.ndarray, n_constructs: int) -> np.ndarray:
    """Dijkstra–Henseler reliability ρ_A per construct (B, K); 1 for single-item blocks.

    Parameters
    ----------
    S : numpy.ndarray
        Item correlation matrices (B, p, p).
    W : numpy.ndarray
        Outer weights (B, p) of unit-variance composites.
    block : numpy.ndarray
        Construct position of each item (p,).
    n_constructs : int
        Number of constructs K.

    Returns
    -------
    numpy.ndarray
        ρ_A, shape (B, K).
    """
    B = S.shape[0]
    out = np.ones((B, n_constructs))
    for k in range(n_constructs):
        idx = np.flatnonzero(block == k)
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


def _common(reliability: np.ndarray, mode_b: list[int]) -> tuple[np.ndarray, np.ndarray]:
    common = np.ones(reliability.shape[1], dtype=bool)
    common[mode_b] = False
    return common, np.where(common[None], reliability, 1.0)


def consistent_loadings(
    W: np.ndarray,
    loadings: np.ndarray,
    reliability: np.ndarray,
    block: np.ndarray,
    member: np.ndarray,
    mode_b: list[int],
) -> np.ndarray:
    """Consistent loadings ``c_k · w_k`` of multi-item reflective blocks; others unchanged.

    Parameters
    ----------
    W : numpy.ndarray
        Outer weights (B, p) of unit-variance composites.
    loadings : numpy.ndarray
        PLS loadings (B, p), kept for composites (mode B) and single items.
    reliability : numpy.ndarray
        ρ_A (B, K) from :func:`rho_a`.
    block : numpy.ndarray
        Construct position of each item (p,).
    member : numpy.ndarray
        Item × construct membership (p, K), 0/1.
    mode_b : list of int
        Constructs estimated as composites (mode B): not corrected.

    Returns
    -------
    numpy.ndarray
        Loadings (B, p).
    """
    common, rho_c = _common(reliability, mode_b)
    scale = np.sqrt(rho_c) / np.einsum("bi,bi,ik->bk", W, W, member)
    corrected = (member.sum(axis=0) > 1) & common
    return np.where(corrected[block][None], W * scale[:, block], loadings)


def disattenuate(R: np.ndarray, reliability: np.ndarray, mode_b: list[int]) -> np.ndarray:
    """Latent correlations ``R_kl / sqrt(ρ_A,k · ρ_A,l)`` (unit diagonal); composites not corrected.

    Parameters
    ----------
    R : numpy.ndarray
        Composite correlations (B, K, K).
    reliability : numpy.ndarray
        ρ_A (B, K) from :func:`rho_a`.
    mode_b : list of int
        Constructs estimated as composites (mode B): reliability taken as 1.

    Returns
    -------
    numpy.ndarray
        Disattenuated correlations (B, K, K).
    """
    _, rho_c = _common(reliability, mode_b)
    root = np.sqrt(rho_c)
    out = R / (root[:, :, None] * root[:, None, :])
    K = R.shape[1]
    out[:, np.arange(K), np.arange(K)] = 1.0
    return out
