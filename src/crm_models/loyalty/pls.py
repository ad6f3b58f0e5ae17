"""PLS path modelling (PLS-PM) with a vectorized percentile bootstrap and consistent PLS (PLSc).

``PLSPathModel(spec, scheme, consistent, n_boot, seed).fit(survey)`` estimates the model and
stores every estimate in one frozen :class:`~crm_models.loyalty.pls_result.PLSResult`
(``result_``): paths, loadings, weights, R², total and indirect effects, and the bootstrap
draws. The work is split by job:

- ``pls_algorithm``: the batched PLS algorithm on (stacks of) correlation matrices;
- ``plsc``: consistent PLS — reliability ρ_A and the disattenuation (Dijkstra & Henseler 2015);
- ``pls_bootstrap``: resampled correlation matrices from multinomial counts, one batched run;
- ``pls_result``: the result and its tables (paths, R², loadings, effects, specific effects).

Units: everything is standardized (correlation metric).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import ConvergenceError, ParameterError
from crm_models.loyalty.display import estimator_repr, spec_text, summary_html
from crm_models.loyalty.pls_algorithm import SCHEMES, _Design, estimate_from_corr
from crm_models.loyalty.pls_bootstrap import BootstrapDraws, bootstrap_pls
from crm_models.loyalty.pls_checks import warn_estimation
from crm_models.loyalty.pls_result import PLSResult
from crm_models.loyalty.spec import ModelSpec, resolve_spec
from crm_models.results import check_fitted

__all__ = ["PLSPathModel"]


class PLSPathModel:
    """Partial least squares path model with a vectorized percentile bootstrap.

    Parameters
    ----------
    spec : ModelSpec, dict, str or None
        Model specification: ``"ecsi"`` or None for the ECSI model, a dict / JSON, or a
        formula such as ``"IMAG =~ IMAG1 + IMAG2; CUSA ~ IMAG"`` (grammar in
        :func:`~crm_models.loyalty.spec.resolve_spec`).
    scheme : {"path", "centroid", "factorial"}, default "path"
        Inner weighting scheme.
    consistent : bool, default False
        Apply PLSc (consistent paths and loadings for reflective constructs).
    n_boot : int, default 0
        Bootstrap resamples of the respondents (0 = none).
    seed : int, default 0
        Seed of the bootstrap resampling.
    max_iter : int, default 300
        PLS iteration limit.
    tol : float, default 1e-10
        Tolerance on the largest weight change.

    Attributes
    ----------
    result_ : PLSResult
        Every estimate (see :class:`~crm_models.loyalty.pls_result.PLSResult`); its
        ``summary(level)``, ``path_table``, ``r2_table``, ``loadings_table``, ``effects``,
        ``indirect_effect``, ``specific_effects`` and ``construct_summary`` give the tables.
        ``spec_``, ``paths_``, ``loadings_``, ``weights_``, ``r2_``, ``rho_a_``, ``gof_`` and
        ``boot_`` read from it.
    """

    def __init__(
        self,
        spec: ModelSpec | dict | str | None = None,
        scheme: str = "path",
        consistent: bool = False,
        n_boot: int = 0,
        seed: int = 0,
        max_iter: int = 300,
        tol: float = 1e-10,
    ) -> None:
        self.spec = spec
        self.scheme = scheme
        self.consistent = consistent
        self.n_boot = n_boot
        self.seed = seed
        self.max_iter = max_iter
        self.tol = tol

    def _check_params(self) -> ModelSpec:
        spec = resolve_spec(self.spec)
        if self.scheme not in SCHEMES:
            raise ParameterError(f"scheme must be one of {SCHEMES}, got {self.scheme!r}")
        if not isinstance(self.n_boot, (int, np.integer)) or self.n_boot < 0:
            raise ParameterError(f"n_boot must be a non-negative integer, got {self.n_boot!r}")
        if not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ParameterError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.max_iter < 1 or not self.tol > 0:
            raise ParameterError("max_iter must be >= 1 and tol > 0")
        return spec

    def fit(self, data: pd.DataFrame, scale: tuple[float, float] | None = None) -> PLSPathModel:
        """Estimate the model on ``data`` (respondents × items).

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent, one numeric column per item of the spec
            (``spec_.items``; for ECSI the 24 columns IMAG1–IMAG5, CUEX1–CUEX3, PERQ1–PERQ7,
            PERV1–PERV2, CUSA1–CUSA3, CUSCO, CUSL1–CUSL3); other columns are ignored. No
            missing values, no constant item, at least 10 rows; a missing or bad column raises
            ``DataValidationError`` naming it (and the first rows, 1-based).
        scale : tuple of float, optional
            Answer scale, e.g. ``(1, 10)``: values outside it raise ``DataValidationError``.

        Returns
        -------
        PLSPathModel
            ``self``, with ``result_`` set.

        Warns
        -----
        EstimationWarning
            PLSc paths outside [-1, 1], reliabilities ρ_A below 0.70 under PLSc, or bootstrap
            intervals of standardized paths that leave [-1, 1] or are wider than 1.
        """
        spec = self._check_params()
        frame = spec.check_data(data, scale=scale)
        X = frame.to_numpy()
        d = _Design.from_spec(spec)
        names = list(d.names)
        S = np.corrcoef(X, rowvar=False)
        est = estimate_from_corr(S, spec, self.scheme, self.consistent, self.max_iter, self.tol)
        if not est.converged[0]:
            raise ConvergenceError(
                f"PLS did not converge in {self.max_iter} iterations; "
                "raise max_iter or try scheme='factorial'"
            )
        W, loadings, r2, P, T = (
            est.weights[0],
            est.loadings[0],
            est.r2[0],
            est.paths[0],
            est.total[0],
        )
        Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
        scores = Z @ (W[:, None] * d.member)
        paths = pd.DataFrame(
            [(s, t, P[d.pos(s), d.pos(t)]) for s, t in spec.paths],
            columns=["source", "target", "estimate"],
        )
        square = {"index": names, "columns": names}
        self.result_ = PLSResult(
            spec=spec,
            scheme=self.scheme,
            consistent=bool(self.consistent),
            n_obs=int(X.shape[0]),
            iterations=est.iterations,
            paths=paths,
            weights=pd.Series(W, index=spec.items, name="weight"),
            loadings=pd.Series(loadings, index=spec.items, name="loading"),
            r2=pd.Series(r2, index=names, name="r2")[spec.endogenous],
            rho_a=pd.Series(est.rho_a[0], index=names, name="rho_a"),
            latent_corr=pd.DataFrame(est.latent_corr[0], **square),
            cross_loadings=pd.DataFrame(est.cross_loadings[0], index=spec.items, columns=names),
            total_effects=pd.DataFrame(T, **square),
            indirect_effects=pd.DataFrame(T - P, **square),
            gof=_gof(d, spec, loadings, r2),
            item_means=pd.Series(X.mean(axis=0), index=spec.items),
            item_sds=pd.Series(X.std(axis=0, ddof=1), index=spec.items),
            item_corr=pd.DataFrame(S, index=spec.items, columns=spec.items),
            scores=pd.DataFrame(
                scores / scores.std(axis=0, ddof=1), index=frame.index, columns=names
            ),
            boot=bootstrap_pls(
                X,
                spec,
                int(self.n_boot),
                self.seed,
                self.scheme,
                self.consistent,
                self.max_iter,
                self.tol,
            )
            if self.n_boot
            else None,
        )
        warn_estimation(self.result_, stacklevel=3)
        return self

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Path coefficients with bootstrap SE and percentile interval (``result_.summary``).

        Without bootstrap draws (``n_boot=0``) the SE and interval are NaN: an
        ``EstimationWarning`` says so and the table's ``attrs["note"]`` says to fit with
        ``n_boot=500``.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the percentile interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row per path ``"source → target"``.
        """
        return self._result().summary(level)

    def __repr__(self) -> str:
        def headline() -> str:
            res = self.result_
            last = res.spec.endogenous[-1] if res.spec.endogenous else None
            r2 = f", R²({last})={res.r2[last]:.2f}" if last else ""
            return f"n={res.n_obs}{r2}, GoF={res.gof:.2f}, draws={res.n_draws}"

        spec = self.result_.spec if hasattr(self, "result_") else self.spec
        params = {
            "spec": spec_text(spec),
            "scheme": repr(self.scheme),
            "consistent": self.consistent,
            "n_boot": self.n_boot,
        }
        return estimator_repr(self, params, headline)

    def _repr_html_(self) -> str:
        return summary_html(self)

    # -- convenience views of the one result -----------------------------------------------
    def _result(self) -> PLSResult:
        check_fitted(self, "result_")
        return self.result_

    @property
    def spec_(self) -> ModelSpec:
        """The resolved model specification."""
        return self._result().spec

    @property
    def paths_(self) -> pd.DataFrame:
        """Path coefficients (source, target, estimate)."""
        return self._result().paths

    @property
    def loadings_(self) -> pd.Series:
        """Outer loadings per item."""
        return self._result().loadings

    @property
    def weights_(self) -> pd.Series:
        """Outer weights per item (unit-variance composites)."""
        return self._result().weights

    @property
    def r2_(self) -> pd.Series:
        """R² per endogenous construct."""
        return self._result().r2

    @property
    def rho_a_(self) -> pd.Series:
        """Reliability ρ_A per construct."""
        return self._result().rho_a

    @property
    def gof_(self) -> float:
        """Tenenhaus goodness of fit."""
        return self._result().gof

    @property
    def boot_(self) -> BootstrapDraws | None:
        """Bootstrap draws (None without bootstrap)."""
        return self._result().boot


def _gof(d: _Design, spec: ModelSpec, loadings: np.ndarray, r2: np.ndarray) -> float:
    """Tenenhaus GoF: sqrt(mean communality of multi-item blocks × mean R² of endogenous)."""
    multi = d.sizes[d.block] > 1
    endo = [d.names.index(c) for c in spec.endogenous]
    if not multi.any() or not endo:
        return float("nan")
    return float(np.sqrt(np.mean(loadings[multi] ** 2) * np.mean(r2[endo])))
