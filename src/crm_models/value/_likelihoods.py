"""Vectorized log-likelihoods with analytic gradients for BG/NBD and Gamma-Gamma.

Same formulas as lifetimes 0.11.3 (``BetaGeoFitter._negative_log_likelihood``,
``GammaGammaFitter._negative_log_likelihood``; tests compare them to 1e-12), written so that
terms depending only on the frequency x are computed once per distinct x, and with exact
gradients instead of autograd tapes: about 10x faster per evaluation on a million rows.
Objective = mean negative log-likelihood over log-parameters + lifetimes' L2 penalizer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, expit, gammaln, polygamma


def _log_scale_mean(ll: float, g: np.ndarray, params: np.ndarray, W: float, penalizer: float):
    """Penalized mean negative log-likelihood and its gradient w.r.t. log-parameters.

    ``ll`` is the weighted log-likelihood, ``g`` its gradient w.r.t. the natural parameters
    ``params`` and ``W`` the total weight.
    """
    f = -ll / W + penalizer * float(np.sum(params**2))
    grad = -g * params / W + 2 * penalizer * params**2
    return f, grad


def _log_scale_hessian(
    h: np.ndarray, g: np.ndarray, params: np.ndarray, W: float, penalizer: float
) -> np.ndarray:
    """Hessian of the penalized mean objective w.r.t. log-parameters.

    ``h`` is the upper triangle of the log-likelihood Hessian w.r.t. the natural ``params``.
    """
    h = np.triu(h) + np.triu(h, 1).T
    hess_log = h * np.outer(params, params) + np.diag(g * params)
    return -hess_log / W + np.diag(4 * penalizer * params**2)


def _distinct_whole(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``numpy.unique(x, return_inverse=True)``, by counting for small whole numbers.

    Frequencies are whole numbers in a small range: same result as ``numpy.unique``, no sort.
    """
    if len(x) and np.all(x == np.floor(x)) and 0 <= x.min() and x.max() <= 4 * len(x) + 1024:
        values = x.astype(np.int64)
        present = np.bincount(values) > 0
        return np.flatnonzero(present).astype(x.dtype), (np.cumsum(present) - 1)[values]
    return np.unique(x, return_inverse=True)


@dataclass
class BGNBDData:
    """Patterns (x, t_x, T) in scaled time with weights, split into x = 0 and x > 0 rows."""

    ux: np.ndarray  # distinct frequencies
    wx: np.ndarray  # total weight per distinct frequency
    T0: np.ndarray  # T of x = 0 rows
    w0: np.ndarray
    x1: np.ndarray  # x > 0 rows
    tx1: np.ndarray
    T1: np.ndarray
    w1: np.ndarray
    inv1: np.ndarray  # index of each x > 0 row into ux
    wsum: float

    @classmethod
    def build(cls, x, tx, T, w) -> BGNBDData:
        ux, inv = _distinct_whole(x)
        wx = np.bincount(inv, weights=w, minlength=len(ux))
        pos = x > 0
        return cls(
            ux=ux.astype(float),
            wx=wx,
            T0=T[~pos],
            w0=w[~pos],
            x1=x[pos].astype(float),
            tx1=tx[pos],
            T1=T[pos],
            w1=w[pos],
            inv1=inv[pos],
            wsum=float(w.sum()),
        )


def bgnbd_objective(
    log_params: np.ndarray, d: BGNBDData, penalizer: float = 0.0, hessian: bool = False
):
    """Mean negative log-likelihood of BG/NBD, its gradient (and Hessian) w.r.t. log(r, α, a, b).

    Returns ``(f, g)`` or, with ``hessian=True``, ``(f, g, H)``.
    """
    r, alpha, a, b = np.exp(log_params)
    ux, wx, W = d.ux, d.wx, d.wsum
    pos_x = ux > 0
    # terms that depend on x only: A1 + A2 summed with the weight of each distinct x
    a1 = gammaln(r + ux) - gammaln(r)
    a2 = gammaln(a + b) + gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux)
    ll = float(wx @ (a1 + a2)) + W * r * np.log(alpha)
    dab = digamma(a + b) - digamma(a + b + ux)
    g = np.array(
        [
            float(wx @ (digamma(r + ux) - digamma(r))) + W * np.log(alpha),
            W * r / alpha,
            float(wx @ dab),
            float(wx @ (dab + digamma(b + ux) - digamma(b))),
        ]
    )
    # x = 0 rows: log-likelihood term A3 = -r log(alpha + T)
    l0 = np.log(alpha + d.T0)
    q0 = 1.0 / (alpha + d.T0)
    ll -= r * float(d.w0 @ l0)
    g[0] -= float(d.w0 @ l0)
    wq0 = float(d.w0 @ q0)
    g[1] -= r * wq0
    # x > 0 rows: log(exp(A3) + exp(A4))
    rx = r + d.x1
    q3 = 1.0 / (alpha + d.T1)
    q4 = 1.0 / (alpha + d.tx1)
    l3 = np.log(alpha + d.T1)
    l4 = np.log(alpha + d.tx1)
    c = np.zeros_like(ux)
    c[pos_x] = 1.0 / (b + ux[pos_x] - 1.0)
    log_c = np.zeros_like(ux)
    log_c[pos_x] = np.log(c[pos_x])
    a3 = -rx * l3
    diff = (np.log(a) + log_c)[d.inv1] - rx * l4 - a3  # A4 - A3
    p4 = expit(diff)
    p3 = 1.0 - p4
    w1 = d.w1
    ll += float(w1 @ (a3 + np.maximum(diff, 0.0) - np.log(np.maximum(p3, p4))))
    wp3, wp4 = w1 * p3, w1 * p4
    g[0] -= float(wp3 @ l3) + float(wp4 @ l4)
    wp3q3, wp4q4 = wp3 * q3, wp4 * q4
    g[1] -= float(rx @ wp3q3) + float(rx @ wp4q4)
    sum_wp4 = float(wp4.sum())
    g[2] += sum_wp4 / a
    wp4_x = np.bincount(d.inv1, weights=wp4, minlength=len(ux))
    g[3] -= float(wp4_x @ c)
    params = np.array([r, alpha, a, b])
    f, grad = _log_scale_mean(ll, g, params, W, penalizer)
    if not hessian:
        return f, grad
    h = np.zeros((4, 4))
    t1 = polygamma(1, a + b) - polygamma(1, a + b + ux)
    h[0, 0] = float(wx @ (polygamma(1, r + ux) - polygamma(1, r)))
    h[0, 1] = W / alpha - float(d.w0 @ q0)
    h[1, 1] = -W * r / alpha**2 + r * float(d.w0 @ q0**2)
    h[2, 2] = float(wx @ t1)
    h[2, 3] = float(wx @ t1)
    h[3, 3] = float(wx @ (t1 + polygamma(1, b + ux) - polygamma(1, b)))
    # x > 0: pi3 H3 + pi4 H4 + pi3 pi4 (dA3 - dA4)(dA3 - dA4)'
    h[0, 1] -= float(wp3q3.sum()) + float(wp4q4.sum())
    h[1, 1] += float(rx @ (wp3q3 * q3 + wp4q4 * q4))
    h[2, 2] -= sum_wp4 / a**2
    h[3, 3] += float(wp4_x @ c**2)
    u = w1 * p3 * p4
    dr = l4 - l3
    dal = rx * (q4 - q3)
    udr, udal = u * dr, u * dal
    u_x = np.bincount(d.inv1, weights=u, minlength=len(ux))
    udr_x = np.bincount(d.inv1, weights=udr, minlength=len(ux))
    udal_x = np.bincount(d.inv1, weights=udal, minlength=len(ux))
    su, sudr, sudal = float(u.sum()), float(udr.sum()), float(udal.sum())
    h[0, 0] += float(udr @ dr)
    h[0, 1] += float(udr @ dal)
    h[1, 1] += float(udal @ dal)
    h[0, 2] += -sudr / a
    h[0, 3] += float(udr_x @ c)
    h[1, 2] += -sudal / a
    h[1, 3] += float(udal_x @ c)
    h[2, 2] += su / a**2
    h[2, 3] += -float(u_x @ c) / a
    h[3, 3] += float(u_x @ c**2)
    return f, grad, _log_scale_hessian(h, g, params, W, penalizer)


@dataclass
class GammaGammaData:
    """Repeat customers' (x, mean spend m) with weights and precomputed sufficient statistics."""

    ux: np.ndarray
    wx: np.ndarray
    x: np.ndarray
    xm: np.ndarray
    w: np.ndarray
    s_xlog: float  # sum w x (log m + log x)
    s_logm: float  # sum w log m
    wsum: float

    @classmethod
    def build(cls, x, m, w) -> GammaGammaData:
        ux, inv = _distinct_whole(x)
        wx = np.bincount(inv, weights=w, minlength=len(ux))
        logm = np.log(m)
        return cls(
            ux=ux.astype(float),
            wx=wx,
            x=x.astype(float),
            xm=x * m,
            w=w,
            s_xlog=float(w @ (x * (logm + np.log(x)))),
            s_logm=float(w @ logm),
            wsum=float(w.sum()),
        )


def gamma_gamma_objective(
    log_params: np.ndarray, d: GammaGammaData, penalizer: float = 0.0, hessian: bool = False
):
    """Mean negative log-likelihood of Gamma-Gamma, gradient (and Hessian) w.r.t. log(p, q, v)."""
    p, q, v = np.exp(log_params)
    ux, wx, W = d.ux, d.wx, d.wsum
    pu = p * ux
    inv = 1.0 / (d.xm + v)
    lv = np.log(d.xm + v)
    pxq = p * d.x + q
    wlv = d.w * lv
    ll = (
        float(wx @ (gammaln(pu + q) - gammaln(pu)))
        - W * gammaln(q)
        + W * q * np.log(v)
        + p * d.s_xlog
        - d.s_logm
        - float(pxq @ wlv)
    )
    psi_uq = digamma(pu + q)
    g = np.array(
        [
            float(wx @ (ux * (psi_uq - digamma(pu)))) + d.s_xlog - float(d.x @ wlv),
            float(wx @ psi_uq) - W * digamma(q) + W * np.log(v) - float(wlv.sum()),
            W * q / v - float(d.w @ (pxq * inv)),
        ]
    )
    params = np.array([p, q, v])
    f, grad = _log_scale_mean(ll, g, params, W, penalizer)
    if not hessian:
        return f, grad
    t_uq = polygamma(1, pu + q)
    winv = d.w * inv
    h = np.zeros((3, 3))
    h[0, 0] = float(wx @ (ux**2 * (t_uq - polygamma(1, pu))))
    h[0, 1] = float(wx @ (ux * t_uq))
    h[0, 2] = -float(d.x @ winv)
    h[1, 1] = float(wx @ t_uq) - W * polygamma(1, q)
    h[1, 2] = W / v - float(winv.sum())
    h[2, 2] = -W * q / v**2 + float(pxq @ (winv * inv))
    return f, grad, _log_scale_hessian(h, g, params, W, penalizer)
