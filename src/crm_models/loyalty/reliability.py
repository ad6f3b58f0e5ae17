"""Reliability and validity of the measurement model, with the usual thresholds flagged.

- Cronbach's α (standardized: from the item correlation matrix), composite reliability ρ_C
  (Dillon–Goldstein ρ, from loadings), Dijkstra–Henseler ρ_A, AVE (mean squared loading).
- Indicator reliability: loadings below 0.708 (λ² < 0.5) are weak, below 0.4 candidates to drop.
- Discriminant validity: HTMT (Henseler, Ringle & Sarstedt 2015) with a bootstrap interval
  (threshold 0.85 conservative, 0.90 liberal), and the Fornell–Larcker criterion
  (√AVE of a construct above its correlations with every other construct).

Thresholds follow Hair et al., *A Primer on PLS-SEM* (3rd ed.): α and ρ_C ≥ 0.70 (ρ_C above 0.95
suggests redundant items), AVE ≥ 0.50, HTMT < 0.85 / 0.90. Single-item constructs are reported
with α = NaN and ρ_C = AVE = 1 (a single item is assumed error-free, as in the ECSI model) and
are not flagged; in HTMT their monotrait correlation is taken as 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_models.loyalty.pls_algorithm import _Design, _percentile
from crm_models.loyalty.pls_result import PLSResult, _result_of
from crm_models.loyalty.spec import ModelSpec
from crm_models.results import Result, check_level, estimate_table

__all__ = [
    "MeasurementAssessment",
    "assess_measurement",
    "cronbach_alpha",
    "fornell_larcker",
    "htmt",
]

ALPHA_MIN = 0.70
RHO_C_MIN = 0.70
RHO_C_MAX = 0.95
AVE_MIN = 0.50
LOADING_MIN = 0.708
LOADING_DROP = 0.40
HTMT_STRICT = 0.85
HTMT_LIBERAL = 0.90


def cronbach_alpha(corr: np.ndarray, block: np.ndarray, k: int) -> np.ndarray:
    """Standardized Cronbach's α of block ``k`` for correlations (..., p, p); NaN for 1 item.

    Parameters
    ----------
    corr : numpy.ndarray
        Item correlation matrices (..., p, p).
    block : numpy.ndarray
        Construct position of each item (p,).
    k : int
        The block.

    Returns
    -------
    numpy.ndarray
        α with the leading shape of ``corr``.
    """
    idx = np.flatnonzero(block == k)
    m = len(idx)
    if m < 2:
        return np.full(corr.shape[:-2], np.nan)
    sub = corr[..., idx[:, None], idx[None, :]]
    total = sub.sum(axis=(-1, -2))
    return m / (m - 1) * (1 - m / total)


def htmt(corr: np.ndarray, spec: ModelSpec) -> np.ndarray:
    """HTMT ratios (..., K, K) for item correlation matrices (..., p, p) in ``spec.items`` order.

    HTMT_kl = mean |r_ij| over i in k, j in l  /  sqrt(mean off-diagonal |r| within k × within l).

    Parameters
    ----------
    corr : numpy.ndarray
        Item correlation matrices (..., p, p).
    spec : ModelSpec
        Model specification (item order and blocks).

    Returns
    -------
    numpy.ndarray
        HTMT (..., K, K); the diagonal is NaN.
    """
    d = _Design.from_spec(spec)
    corr = np.abs(np.asarray(corr, dtype=float))
    member = d.member
    K = len(d.names)
    sums = np.einsum("...ij,ik,jl->...kl", corr, member, member)
    counts = np.outer(d.sizes, d.sizes).astype(float)
    diag = np.diagonal(sums, axis1=-2, axis2=-1)
    within_pairs = d.sizes * (d.sizes - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mono = np.where(d.sizes > 1, (diag - d.sizes) / np.maximum(within_pairs, 1), 1.0)
        hetero = sums / counts
        out = hetero / np.sqrt(mono[..., :, None] * mono[..., None, :])
    out[..., np.arange(K), np.arange(K)] = np.nan
    return out


def fornell_larcker(latent_corr: pd.DataFrame, ave: pd.Series) -> pd.DataFrame:
    """Fornell–Larcker table: √AVE on the diagonal, latent correlations below; plus a pass flag.

    Parameters
    ----------
    latent_corr : pandas.DataFrame
        Latent correlations (K × K).
    ave : pandas.Series
        AVE per construct.

    Returns
    -------
    pandas.DataFrame
        The lower triangle with √AVE on the diagonal, ``max_corr`` and ``passes``.
    """
    table = latent_corr.copy().astype(float)
    names = list(table.index)
    for c in names:
        table.loc[c, c] = np.sqrt(ave[c])
    mask = np.triu(np.ones((len(names), len(names)), dtype=bool), k=1)
    table = table.mask(mask)
    off = latent_corr.abs().to_numpy().copy()
    np.fill_diagonal(off, 0)
    table["max_corr"] = off.max(axis=1)
    table["passes"] = np.sqrt(ave.reindex(names).to_numpy()) > table["max_corr"].to_numpy()
    return table


@dataclass(frozen=True, repr=False)
class MeasurementAssessment(Result):
    """Tables of the measurement model and the threshold violations (``issues``).

    Attributes
    ----------
    reliability : pandas.DataFrame
        One row per construct: α, ρ_C, ρ_A, AVE and their pass flags.
    loadings : pandas.DataFrame
        One row per item: loading with bootstrap interval and status.
    htmt : pandas.DataFrame
        Heterotrait–monotrait ratios, K × K, indexed by construct.
    htmt_intervals : pandas.DataFrame
        One row per construct pair: HTMT with ``level`` percentile interval and flag.
    fornell_larcker : pandas.DataFrame
        √AVE on the diagonal, latent correlations off it, K × K.
    issues : tuple of str
        One sentence per violated threshold.
    level : float
        Confidence level of the intervals.
    htmt_draws : numpy.ndarray or None
        Bootstrap draws × pairs (not in ``to_dict()``; None without bootstrap).
    """

    reliability: pd.DataFrame
    loadings: pd.DataFrame
    htmt: pd.DataFrame
    htmt_intervals: pd.DataFrame
    fornell_larcker: pd.DataFrame
    issues: tuple[str, ...]
    level: float
    htmt_draws: np.ndarray | None = field(default=None, metadata={"json": False})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Reliabilities per construct (no SE) and HTMT per pair (bootstrap SE and interval).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the HTMT percentile intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; rows ``"<construct> alpha"``,
            ``"<construct> rho_c"``, ``"<construct> rho_a"``, ``"<construct> ave"`` and
            ``"htmt <a>–<b>"``.
        """
        check_level(level)
        rel = self.reliability.set_index("construct")[["alpha", "rho_c", "rho_a", "ave"]]
        names = [f"{c} {q}" for c in rel.index for q in rel.columns]
        first = estimate_table(rel.to_numpy().ravel(), level=level, index=names)
        pairs = [
            f"htmt {a}–{b}"
            for a, b in zip(
                self.htmt_intervals["construct_a"], self.htmt_intervals["construct_b"], strict=True
            )
        ]
        est = self.htmt_intervals["htmt"].to_numpy()
        if self.htmt_draws is None or len(self.htmt_draws) == 0:
            second = estimate_table(est, level=level, index=pairs)
        else:
            low, high = _percentile(self.htmt_draws, level)
            second = estimate_table(
                est, self.htmt_draws.std(axis=0, ddof=1), low, high, level=level, index=pairs
            )
        return pd.concat([first, second])


def assess_measurement(model: object, level: float = 0.95) -> MeasurementAssessment:
    """Reliability, indicator reliability and discriminant validity of a fitted PLS path model.

    α and HTMT use the item correlations; ρ_C, AVE and loadings use the model's loadings
    (consistent loadings when the model was fitted with ``consistent=True``). With a
    bootstrap, HTMT gets a percentile interval and is flagged when its upper bound reaches 0.90.

    Parameters
    ----------
    model : PLSPathModel or PLSResult
        A fitted model (or its result).
    level : float, default 0.95
        Confidence level of the loading and HTMT intervals.

    Returns
    -------
    MeasurementAssessment
        The tables and the list of issues.
    """
    res: PLSResult = _result_of(model)
    check_level(level)
    spec, d = res.spec, res.design
    names = list(d.names)
    corr = res.item_corr.to_numpy()
    lam = res.loadings.to_numpy()
    rows = []
    issues: list[str] = []
    for k, c in enumerate(names):
        idx = np.flatnonzero(d.block == k)
        lk = lam[idx]
        single = len(idx) == 1
        alpha = float(cronbach_alpha(corr, d.block, k))
        rho_c = 1.0 if single else float(lk.sum() ** 2 / (lk.sum() ** 2 + (1 - lk**2).sum()))
        ave = 1.0 if single else float(np.mean(lk**2))
        row = {
            "construct": c,
            "label": spec.label(c),
            "items": len(idx),
            "alpha": alpha,
            "rho_c": rho_c,
            "rho_a": float(res.rho_a[c]),
            "ave": ave,
            "alpha_ok": bool(single or alpha >= ALPHA_MIN),
            "rho_c_ok": bool(single or RHO_C_MIN <= rho_c <= RHO_C_MAX),
            "ave_ok": bool(single or ave >= AVE_MIN),
        }
        rows.append(row)
        if single:
            continue
        if alpha < ALPHA_MIN:
            issues.append(f"{spec.label(c)}: Cronbach's α = {alpha:.2f} < {ALPHA_MIN}")
        if rho_c < RHO_C_MIN:
            issues.append(f"{spec.label(c)}: composite reliability ρ_C = {rho_c:.2f} < {RHO_C_MIN}")
        if rho_c > RHO_C_MAX:
            issues.append(f"{spec.label(c)}: ρ_C = {rho_c:.2f} > {RHO_C_MAX} (redundant items?)")
        if ave < AVE_MIN:
            issues.append(f"{spec.label(c)}: AVE = {ave:.2f} < {AVE_MIN} (convergent validity)")
    reliability = pd.DataFrame(rows)

    loadings = res.loadings_table(level)
    loadings["status"] = np.where(
        loadings["loading"] >= LOADING_MIN,
        "ok",
        np.where(loadings["loading"] >= LOADING_DROP, "weak", "drop?"),
    )
    multi = d.sizes[d.block] > 1
    for item, value, status, is_multi in zip(
        loadings["item"], loadings["loading"], loadings["status"], multi, strict=True
    ):
        if is_multi and status != "ok":
            issues.append(
                f"item {item}: loading {value:.2f} < {LOADING_MIN}"
                + (" — consider dropping it" if status == "drop?" else "")
            )

    H = htmt(corr, spec)
    htmt_table = pd.DataFrame(H, index=names, columns=names)
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    hrows = []
    boot_H = htmt(res.boot.corr, spec) if res.boot is not None else None
    alpha = (1 - level) / 2
    for i, j in pairs:
        r = {
            "pair": f"{spec.label(names[i])} – {spec.label(names[j])}",
            "construct_a": names[i],
            "construct_b": names[j],
            "htmt": H[i, j],
        }
        if boot_H is not None:
            r["ci_low"] = float(np.quantile(boot_H[:, i, j], alpha))
            r["ci_high"] = float(np.quantile(boot_H[:, i, j], 1 - alpha))
        hrows.append(r)
    htmt_ci = pd.DataFrame(hrows)
    upper = htmt_ci["ci_high"] if "ci_high" in htmt_ci else htmt_ci["htmt"]
    htmt_ci["flag"] = np.select(
        [htmt_ci["htmt"] >= HTMT_LIBERAL, upper >= HTMT_LIBERAL, htmt_ci["htmt"] >= HTMT_STRICT],
        ["fails (HTMT ≥ 0.90)", "not established (upper bound ≥ 0.90)", "borderline (HTMT ≥ 0.85)"],
        "ok",
    )
    for _, r in htmt_ci[htmt_ci["flag"] != "ok"].iterrows():
        extra = f", upper bound {r['ci_high']:.2f}" if pd.notna(r.get("ci_high", np.nan)) else ""
        issues.append(
            f"discriminant validity {r['pair']}: HTMT = {r['htmt']:.2f}{extra} — {r['flag']}"
        )

    ave_series = reliability.set_index("construct")["ave"]
    fl = fornell_larcker(res.latent_corr, ave_series)
    for c in fl.index[~fl["passes"].astype(bool)]:
        issues.append(
            f"Fornell–Larcker: √AVE of {spec.label(c)} "
            f"({np.sqrt(ave_series[c]):.2f}) ≤ its largest "
            f"correlation ({fl.loc[c, 'max_corr']:.2f})"
        )
    draws = None if boot_H is None else np.stack([boot_H[:, i, j] for i, j in pairs], axis=1)
    return MeasurementAssessment(
        reliability, loadings, htmt_table, htmt_ci, fl, tuple(issues), level, draws
    )
