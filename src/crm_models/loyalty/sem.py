"""Covariance-based SEM of the same specification through semopy, with an identification check.

``CovarianceSEM(spec).fit(data)`` builds the lavaan-style description from a ``ModelSpec``
(reflective factors for multi-item constructs; single-item constructs enter as observed
variables measured without error, as in ECSI), fits it by maximum likelihood (semopy ``MLW``)
and reports standardized paths and loadings, fit indices (χ², CFI, TLI, RMSEA, SRMR) and the
model-implied latent correlations.

It then checks whether the estimates can be trusted. When two constructs are nearly
collinear (implied latent correlation ≥ ``ridge_threshold``, default 0.95), the likelihood has
a ridge: very different path values fit equally well, standardized paths leave [−1, 1] and
optimizers disagree. Then ``result_.reliable`` is False, ``result_.warnings`` says why, a
``SEMIdentificationWarning`` is issued, and ``result_.path_table()`` marks the coefficients as not
interpretable — report the fit indices and the discriminant-validity problem, not the paths.
Optionally (``solvers`` with two entries) the model is refitted by a second optimizer and the
largest difference in standardized paths is reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import ConvergenceError, ParameterError
from crm_models.loyalty.spec import ModelSpec, _path_labels, _path_point_summary, resolve_spec
from crm_models.results import Result, check_fitted

__all__ = ["CovarianceSEM", "SEMIdentificationWarning", "SEMResult", "lavaan_description"]


class SEMIdentificationWarning(UserWarning):
    """The covariance SEM is (empirically) not identified: its paths are not interpretable."""


def lavaan_description(spec: ModelSpec) -> str:
    """semopy/lavaan model text for ``spec``.

    Multi-item constructs are reflective factors (``F =~ x1 + x2``; named ``<construct>_lv``
    when an item has the construct's name); single-item constructs enter as the observed item.

    Parameters
    ----------
    spec : ModelSpec
        Model specification.

    Returns
    -------
    str
        One line per factor and per regression.
    """
    return _description(spec)[0]


def _description(spec: ModelSpec) -> tuple[str, dict[str, str]]:
    """Model text and the map construct -> variable name used in it."""
    items = set(spec.items)
    var: dict[str, str] = {}
    lines = []
    for c in spec.names:
        block = spec.constructs[c]
        if len(block) == 1:
            var[c] = block[0]
            continue
        name = c if c not in items else f"{c}_lv"
        var[c] = name
        lines.append(f"{name} =~ " + " + ".join(block))
    for c in spec.endogenous:
        preds = spec.predecessors(c)
        lines.append(f"{var[c]} ~ " + " + ".join(var[p] for p in preds))
    return "\n".join(lines), var


@dataclass(frozen=True, repr=False)
class SEMResult(Result):
    """Estimates and checks of a covariance SEM fit.

    Not in ``to_dict()``: the spec.

    Attributes
    ----------
    spec : ModelSpec
        The specification.
    description : str
        The lavaan-syntax model given to semopy.
    paths : pandas.DataFrame
        One row per path: ``source, target``, standardized ``estimate``, ``unstandardized``,
        its ``se`` and ``p_value``.
    loadings : pandas.DataFrame
        Standardized loadings, one row per item.
    fit_indices : pandas.Series
        chi2, dof, p_value, cfi, tli, rmsea, srmr, aic, bic.
    latent_corr : pandas.DataFrame
        Model-implied latent correlations, K × K.
    max_latent_corr : float
        Largest off-diagonal |latent correlation|.
    reliable : bool
        False when a ridge / identification problem makes the paths uninterpretable.
    warnings : tuple of str
        The reasons ``reliable`` is False.
    solver_spread : float
        Max |Δ standardized path| between solvers (NaN with one solver).
    objective : float
        Final value of the fit objective.
    converged : bool
        Whether the optimizer converged.
    """

    spec: ModelSpec = field(metadata={"json": False})
    description: str
    paths: pd.DataFrame
    loadings: pd.DataFrame
    fit_indices: pd.Series
    latent_corr: pd.DataFrame
    max_latent_corr: float
    reliable: bool
    warnings: tuple[str, ...]
    solver_spread: float
    objective: float
    converged: bool

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Standardized paths (no standard error: semopy's SE is of the unstandardized estimate).

        When not ``reliable``, the coefficients are not interpretable (see ``warnings``).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (checked; the intervals are NaN).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row per path ``"source → target"``.
        """
        return _path_point_summary(self.paths, level)

    def path_table(self) -> pd.DataFrame:
        """Paths with labels and ``interpretable`` (False everywhere when not ``reliable``).

        Returns
        -------
        pandas.DataFrame
            Columns ``source, target, label, estimate, unstandardized, se, p_value, interpretable``.
        """
        out = self.paths.copy()
        out.insert(
            2, "label", _path_labels(self.spec, zip(out["source"], out["target"], strict=True))
        )
        out["interpretable"] = self.reliable
        return out

    def fit_table(self) -> pd.DataFrame:
        """Fit indices with cut-offs (CFI ≥ 0.95, TLI ≥ 0.95, RMSEA ≤ 0.06, SRMR ≤ 0.08).

        Returns
        -------
        pandas.DataFrame
            Columns ``index, value, meets_cutoff``.
        """
        f = self.fit_indices
        rows = [
            ("chi2", f["chi2"], None),
            ("dof", f["dof"], None),
            ("p_value", f["p_value"], None),
            ("CFI", f["cfi"], f["cfi"] >= 0.95),
            ("TLI", f["tli"], f["tli"] >= 0.95),
            ("RMSEA", f["rmsea"], f["rmsea"] <= 0.06),
            ("SRMR", f["srmr"], f["srmr"] <= 0.08),
        ]
        return pd.DataFrame(rows, columns=["index", "value", "meets_cutoff"])


class CovarianceSEM:
    """Maximum-likelihood SEM of a ``ModelSpec`` via semopy, with ridge / identification checks.

    semopy is imported when ``fit`` runs, not when the package is imported.

    Parameters
    ----------
    spec : ModelSpec, dict, str or None
        Model specification (default ECSI; a dict / JSON or a formula such as
        ``"CUSA ~ IMAG + PERQ"``, see :func:`~crm_models.loyalty.spec.resolve_spec`).
    ridge_threshold : float, default 0.95
        Implied |latent correlation| at or above which the fit is flagged.
    solvers : sequence of str, default ("SLSQP",)
        semopy optimizers; the first gives the estimates, a second one (e.g.
        ``("SLSQP", "L-BFGS-B")``) is used only to check that the paths are stable.
    path_tolerance : float, default 0.10
        Largest acceptable difference in standardized paths between solvers.

    Attributes
    ----------
    result_ : SEMResult
        Paths, loadings, fit indices, implied latent correlations and the checks.
    model_ : semopy.Model
        The fitted semopy model.
    """

    def __init__(
        self,
        spec: ModelSpec | dict | str | None = None,
        ridge_threshold: float = 0.95,
        solvers: Sequence[str] = ("SLSQP",),
        path_tolerance: float = 0.10,
    ) -> None:
        self.spec = spec
        self.ridge_threshold = ridge_threshold
        self.solvers = solvers
        self.path_tolerance = path_tolerance

    def __repr__(self) -> str:
        from crm_models.loyalty.display import estimator_repr, spec_text

        def headline() -> str:
            res, fit = self.result_, self.result_.fit_indices
            return (
                f"CFI={float(fit.get('cfi', float('nan'))):.3f}, "
                f"RMSEA={float(fit.get('rmsea', float('nan'))):.3f}, reliable={res.reliable}"
            )

        spec = self.result_.spec if hasattr(self, "result_") else self.spec
        params = {"spec": spec_text(spec), "solvers": tuple(self.solvers)}
        return estimator_repr(self, params, headline)

    def _repr_html_(self) -> str:
        from crm_models.loyalty.display import summary_html

        return summary_html(self)

    @staticmethod
    def _fit_one(description: str, frame: pd.DataFrame, solver: str) -> tuple[Any, Any]:
        import semopy

        model = semopy.Model(description)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = model.fit(frame, obj="MLW", solver=solver)
        return model, result

    def fit(self, data: pd.DataFrame) -> CovarianceSEM:
        """Fit the SEM to ``data`` (respondents × items) and run the identification checks.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent, one numeric column per item of the spec
            (``spec.items``; for ECSI the 24 columns IMAG1–IMAG5, CUEX1–CUEX3, PERQ1–PERQ7,
            PERV1–PERV2, CUSA1–CUSA3, CUSCO, CUSL1–CUSL3); other columns are ignored. No
            missing values, no constant item, at least 10 rows; a missing or bad column raises
            ``DataValidationError`` naming it (and the first rows, 1-based).

        Returns
        -------
        CovarianceSEM
            ``self``, with ``result_`` and ``model_`` set.
        """
        spec = resolve_spec(self.spec)
        if not 0 < self.ridge_threshold <= 1:
            raise ParameterError(f"ridge_threshold must be in (0, 1], got {self.ridge_threshold!r}")
        if not self.solvers:
            raise ParameterError("solvers must name at least one semopy optimizer, e.g. ('SLSQP',)")
        frame = spec.check_data(data)
        frame = (frame - frame.mean()) / frame.std()  # scale-free fit; std estimates are unaffected
        description, var = _description(spec)
        model, result = self._fit_one(description, frame, self.solvers[0])
        if not np.isfinite(result.fun):
            raise ConvergenceError(
                "semopy did not reach a finite ML objective; check the data and model"
            )
        converged = bool(getattr(result, "success", True))
        est = model.inspect(std_est=True)
        inv = {v: c for c, v in var.items()}
        reg = est[est["op"] == "~"]
        path_rows = []
        for s, t in spec.paths:
            r = reg[(reg["lval"] == var[t]) & (reg["rval"] == var[s])].iloc[0]
            path_rows.append(
                {
                    "source": s,
                    "target": t,
                    "estimate": float(r["Est. Std"]),
                    "unstandardized": float(r["Estimate"]),
                    "se": _num(r.get("Std. Err")),
                    "p_value": _num(r.get("p-value")),
                }
            )
        paths = pd.DataFrame(path_rows)
        owner = {
            i: c for c in spec.names for i in spec.constructs[c] if len(spec.constructs[c]) > 1
        }
        meas = est[
            (est["op"] == "~")
            & est["lval"].isin(list(owner))
            & (est["rval"] == est["lval"].map(lambda i: var[owner[i]] if i in owner else None))
        ]
        loadings = pd.DataFrame(
            {
                "item": meas["lval"].to_numpy(),
                "construct": [inv[v] for v in meas["rval"]],
                "loading": meas["Est. Std"].astype(float).to_numpy(),
            }
        )
        latent_corr = _latent_corr(model, var, spec)
        msgs, max_corr = _ridge_messages(spec, latent_corr, paths, self.ridge_threshold)
        if not converged:
            msgs.append(f"optimizer {self.solvers[0]} reported no convergence")
        spread = self._solver_spread(description, frame, paths)
        if spread > self.path_tolerance:
            msgs.append(
                f"optimizers {list(self.solvers)} reach the same fit with standardized paths "
                f"differing by up to {spread:.2f}"
            )
        if msgs:
            warnings.warn(
                "covariance SEM not interpretable: " + "; ".join(msgs),
                SEMIdentificationWarning,
                stacklevel=2,
            )
        self.model_ = model
        self.result_ = SEMResult(
            spec,
            description,
            paths,
            loadings,
            _fit_indices(model),
            latent_corr,
            max_corr,
            not msgs,
            tuple(msgs),
            spread,
            float(result.fun),
            converged,
        )
        return self

    def _solver_spread(self, description: str, frame: pd.DataFrame, paths: pd.DataFrame) -> float:
        """Largest |Δ standardized path| between the first and the other solvers (NaN with one)."""
        spreads = []
        for solver in self.solvers[1:]:
            other, _ = self._fit_one(description, frame, solver)
            e = other.inspect(std_est=True)
            e = e[e["op"] == "~"]
            merged = paths.merge(
                pd.DataFrame({"target": e["lval"], "source": e["rval"], "other": e["Est. Std"]}),
                on=["source", "target"],
                how="inner",
            )
            spreads.append(float((merged["estimate"] - merged["other"]).abs().max()))
        return max(spreads) if spreads else float("nan")

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Standardized paths (``result_.summary``).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (the intervals are NaN).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``.
        """
        check_fitted(self, "result_")
        return self.result_.summary(level)


def _fit_indices(model: Any) -> pd.Series:
    import semopy

    stats = semopy.calc_stats(model).T.iloc[:, 0]
    sigma, _ = model.calc_sigma()
    sample = model.mx_cov
    sd = np.sqrt(np.diag(sample))
    resid = (sample - sigma) / np.outer(sd, sd)
    tri = np.tril_indices_from(resid)
    srmr = float(np.sqrt(np.mean(resid[tri] ** 2)))
    return pd.Series(
        {
            "chi2": float(stats["chi2"]),
            "dof": float(stats["DoF"]),
            "p_value": float(stats["chi2 p-value"]),
            "cfi": float(stats["CFI"]),
            "tli": float(stats["TLI"]),
            "rmsea": float(stats["RMSEA"]),
            "srmr": srmr,
            "aic": float(stats["AIC"]),
            "bic": float(stats["BIC"]),
        },
        name="fit_indices",
    )


def _latent_corr(model: Any, var: dict[str, str], spec: ModelSpec) -> pd.DataFrame:
    names = model.names_beta[0]
    k = len(names)
    C = np.linalg.inv(np.eye(k) - model.mx_beta)
    cov = C @ model.mx_psi @ C.T
    sd = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
    corr = cov / np.outer(sd, sd)
    order = [names.index(var[c]) for c in spec.names]
    return pd.DataFrame(
        corr[np.ix_(order, order)], index=list(spec.names), columns=list(spec.names)
    )


def _ridge_messages(
    spec: ModelSpec, latent_corr: pd.DataFrame, paths: pd.DataFrame, threshold: float
) -> tuple[list[str], float]:
    """Warnings about a likelihood ridge and the largest implied |latent correlation|."""
    msgs = []
    R = latent_corr.to_numpy().copy()
    np.fill_diagonal(R, 0)
    i, j = np.unravel_index(np.argmax(np.abs(R)), R.shape)
    max_corr = float(abs(R[i, j]))
    if max_corr >= threshold:
        high = [
            (spec.names[a], spec.names[b], R[a, b])
            for a in range(len(R))
            for b in range(a + 1, len(R))
            if abs(R[a, b]) >= threshold
        ]
        pairs = ", ".join(f"{spec.label(a)}–{spec.label(b)} {r:.2f}" for a, b, r in high)
        msgs.append(
            f"implied latent correlations at or above {threshold:.2f} ({pairs}): "
            "the constructs are not empirically distinct (discriminant validity), the likelihood "
            "has a ridge and the path coefficients are not identified in practice"
        )
    big = paths[paths["estimate"].abs() > 1]
    if len(big):
        msgs.append(
            "standardized paths outside [−1, 1]: "
            + ", ".join(f"{r.source}→{r.target} {r.estimate:.2f}" for r in big.itertuples())
        )
    return msgs, max_corr


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
