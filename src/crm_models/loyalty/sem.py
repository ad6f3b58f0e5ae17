"""Covariance-based SEM of the same specification through semopy, with an identification check.

``CovarianceSEM(spec).fit(data)`` builds the lavaan-style description from a ``ModelSpec``
(reflective factors for multi-item constructs; single-item constructs enter as observed
variables measured without error, as in ECSI), fits it by maximum likelihood (semopy ``MLW``)
and reports standardized paths and loadings, fit indices (χ², CFI, TLI, RMSEA, SRMR) and the
model-implied latent correlations.

It then checks whether the estimates can be trusted. When two constructs are nearly
collinear (implied latent correlation ≥ ``ridge_threshold``, default 0.95), the likelihood has
a ridge: very different path values fit equally well, standardized paths leave [−1, 1] and
optimizers disagree. Then ``reliable_`` is False, ``warnings_`` says why, a
``SEMIdentificationWarning`` is issued, and ``summary()`` marks the coefficients as not
interpretable — report the fit indices and the discriminant-validity problem, not the paths.
Optionally (``solvers`` with two entries) the model is refitted by a second optimizer and the
largest difference in standardized paths is reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_models.errors import ConvergenceError, ParameterError
from crm_models.loyalty.spec import ModelSpec, resolve_spec


class SEMIdentificationWarning(UserWarning):
    """The covariance SEM is (empirically) not identified: its path coefficients are not interpretable."""


def lavaan_description(spec: ModelSpec) -> tuple[str, dict[str, str]]:
    """semopy/lavaan model text for ``spec`` and the map construct -> variable name used in it."""
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


class CovarianceSEM:
    """Maximum-likelihood SEM of a ``ModelSpec`` via semopy, with ridge / identification checks.

    Parameters:
        spec: model specification (default ECSI).
        ridge_threshold: implied |latent correlation| at or above which the fit is flagged.
        solvers: semopy optimizers to use; the first gives the estimates, a second one (e.g.
            ``("SLSQP", "L-BFGS-B")``) is used only to check that the paths are stable.
        path_tolerance: largest acceptable difference in standardized paths between solvers.

    After ``fit(data)``: ``paths_`` (source, target, estimate [std], unstandardized, se, p),
    ``loadings_``, ``fit_indices_`` (dict), ``latent_corr_`` (implied), ``reliable_``,
    ``warnings_`` (list of str), ``solver_spread_`` (max |Δ std path| across solvers or NaN).
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

    def _fit_one(self, description: str, frame: pd.DataFrame, solver: str):
        import semopy

        model = semopy.Model(description)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = model.fit(frame, obj="MLW", solver=solver)
        return model, result

    def fit(self, data: pd.DataFrame) -> CovarianceSEM:
        spec = resolve_spec(self.spec)
        if not 0 < self.ridge_threshold <= 1:
            raise ParameterError(f"ridge_threshold must be in (0, 1], got {self.ridge_threshold!r}")
        if not self.solvers:
            raise ParameterError("solvers must name at least one semopy optimizer, e.g. ('SLSQP',)")
        frame = spec.check_data(data)
        frame = (frame - frame.mean()) / frame.std()  # scale-free fit; std estimates are unaffected
        description, var = lavaan_description(spec)
        self.spec_ = spec
        self.description_ = description
        model, result = self._fit_one(description, frame, self.solvers[0])
        if not np.isfinite(result.fun):
            raise ConvergenceError("semopy did not reach a finite ML objective; check the data and model")
        self.model_ = model
        self.objective_ = float(result.fun)
        self.converged_ = bool(getattr(result, "success", True))
        est = model.inspect(std_est=True)
        inv = {v: c for c, v in var.items()}
        reg = est[est["op"] == "~"]
        path_rows = []
        for s, t in spec.paths:
            r = reg[(reg["lval"] == var[t]) & (reg["rval"] == var[s])].iloc[0]
            path_rows.append({"source": s, "target": t, "estimate": float(r["Est. Std"]),
                              "unstandardized": float(r["Estimate"]),
                              "se": _num(r.get("Std. Err")), "p_value": _num(r.get("p-value"))})
        self.paths_ = pd.DataFrame(path_rows)
        owner = {i: c for c in spec.names for i in spec.constructs[c] if len(spec.constructs[c]) > 1}
        meas = est[(est["op"] == "~") & est["lval"].isin(list(owner))
                   & (est["rval"] == est["lval"].map(lambda i: var[owner[i]] if i in owner else None))]
        self.loadings_ = pd.DataFrame({
            "item": meas["lval"].to_numpy(),
            "construct": [inv[v] for v in meas["rval"]],
            "loading": meas["Est. Std"].astype(float).to_numpy(),
        })
        self.fit_indices_ = self._fit_indices(model)
        self.latent_corr_ = self._latent_corr(model, var)
        self._check(frame, description)
        return self

    @staticmethod
    def _fit_indices(model) -> dict[str, float]:
        import semopy

        stats = semopy.calc_stats(model).T.iloc[:, 0]
        sigma, _ = model.calc_sigma()
        sample = model.mx_cov
        sd = np.sqrt(np.diag(sample))
        resid = (sample - sigma) / np.outer(sd, sd)
        tri = np.tril_indices_from(resid)
        srmr = float(np.sqrt(np.mean(resid[tri] ** 2)))
        return {
            "chi2": float(stats["chi2"]), "dof": float(stats["DoF"]),
            "p_value": float(stats["chi2 p-value"]), "cfi": float(stats["CFI"]),
            "tli": float(stats["TLI"]), "rmsea": float(stats["RMSEA"]), "srmr": srmr,
            "aic": float(stats["AIC"]), "bic": float(stats["BIC"]),
        }

    def _latent_corr(self, model, var: dict[str, str]) -> pd.DataFrame:
        names = model.names_beta[0]
        k = len(names)
        C = np.linalg.inv(np.eye(k) - model.mx_beta)
        cov = C @ model.mx_psi @ C.T
        sd = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
        corr = cov / np.outer(sd, sd)
        order = [names.index(var[c]) for c in self.spec_.names]
        return pd.DataFrame(corr[np.ix_(order, order)], index=list(self.spec_.names),
                            columns=list(self.spec_.names))

    def _check(self, frame: pd.DataFrame, description: str) -> None:
        msgs = []
        spec = self.spec_
        R = self.latent_corr_.to_numpy().copy()
        np.fill_diagonal(R, 0)
        i, j = np.unravel_index(np.argmax(np.abs(R)), R.shape)
        self.max_latent_corr_ = float(abs(R[i, j]))
        if self.max_latent_corr_ >= self.ridge_threshold:
            high = [(spec.names[a], spec.names[b], R[a, b]) for a in range(len(R)) for b in range(a + 1, len(R))
                    if abs(R[a, b]) >= self.ridge_threshold]
            pairs = ", ".join(f"{spec.label(a)}–{spec.label(b)} {r:.2f}" for a, b, r in high)
            msgs.append(f"implied latent correlations at or above {self.ridge_threshold:.2f} ({pairs}): "
                        "the constructs are not empirically distinct (discriminant validity), the likelihood "
                        "has a ridge and the path coefficients are not identified in practice")
        big = self.paths_[self.paths_["estimate"].abs() > 1]
        if len(big):
            msgs.append("standardized paths outside [−1, 1]: "
                        + ", ".join(f"{r.source}→{r.target} {r.estimate:.2f}" for r in big.itertuples()))
        if not self.converged_:
            msgs.append(f"optimizer {self.solvers[0]} reported no convergence")
        self.solver_spread_ = float("nan")
        if len(self.solvers) > 1:
            spreads = []
            for solver in self.solvers[1:]:
                other, _ = self._fit_one(description, frame, solver)
                e = other.inspect(std_est=True)
                e = e[e["op"] == "~"]
                merged = self.paths_.merge(
                    pd.DataFrame({"target": e["lval"], "source": e["rval"], "other": e["Est. Std"]}),
                    on=["source", "target"], how="inner")
                spreads.append(float((merged["estimate"] - merged["other"]).abs().max()))
            self.solver_spread_ = max(spreads) if spreads else float("nan")
            if self.solver_spread_ > self.path_tolerance:
                msgs.append(f"optimizers {list(self.solvers)} reach the same fit with standardized paths "
                            f"differing by up to {self.solver_spread_:.2f}")
        self.warnings_ = msgs
        self.reliable_ = not msgs
        if msgs:
            warnings.warn("covariance SEM not interpretable: " + "; ".join(msgs), SEMIdentificationWarning,
                          stacklevel=3)

    def summary(self) -> pd.DataFrame:
        """Standardized paths with a column ``interpretable`` (False everywhere when not ``reliable_``)."""
        out = self.paths_.copy()
        out.insert(2, "label", [f"{self.spec_.label(s)} → {self.spec_.label(t)}"
                                for s, t in zip(out["source"], out["target"], strict=True)])
        out["interpretable"] = self.reliable_
        return out

    def fit_table(self) -> pd.DataFrame:
        """Fit indices with conventional cut-offs (CFI ≥ 0.95, TLI ≥ 0.95, RMSEA ≤ 0.06, SRMR ≤ 0.08)."""
        f = self.fit_indices_
        rows = [("chi2", f["chi2"], None), ("dof", f["dof"], None), ("p_value", f["p_value"], None),
                ("CFI", f["cfi"], f["cfi"] >= 0.95), ("TLI", f["tli"], f["tli"] >= 0.95),
                ("RMSEA", f["rmsea"], f["rmsea"] <= 0.06), ("SRMR", f["srmr"], f["srmr"] <= 0.08)]
        return pd.DataFrame(rows, columns=["index", "value", "meets_cutoff"])


def _num(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
