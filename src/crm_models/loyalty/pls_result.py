"""The frozen result of ``PLSPathModel``: estimates, bootstrap draws and the tables built from them.

``PLSResult.summary(level)`` is the standard table of the path coefficients (``estimate, se,
ci_low, ci_high``; bootstrap SE and percentile interval); the richer tables (paths with labels
and z, R², loadings, direct/indirect/total effects, specific indirect effects, constructs) are
methods too, so every number a report shows is read from the one result.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError
from crm_models.loyalty.diagnostics import EstimationWarning, no_interval_message
from crm_models.loyalty.pls_algorithm import _Design, _percentile
from crm_models.loyalty.pls_bootstrap import BootstrapDraws
from crm_models.loyalty.pls_effects import IndirectEffect
from crm_models.loyalty.spec import ModelSpec, _path_labels, _path_names
from crm_models.results import Result, check_fitted, check_level, to_jsonable

__all__ = ["PLSResult"]

_NO_JSON = {"json": False}
_SQUARE = ("cross_loadings", "latent_corr", "total_effects", "indirect_effects")


def _walk(
    children: dict[str, list[str]], chain: list[str], target: str, out: list[list[str]]
) -> None:
    """Append to ``out`` every chain of ≥ 2 paths from ``chain`` to ``target`` (depth first)."""
    for nxt in children[chain[-1]]:
        if nxt == target and len(chain) >= 2:
            out.append(chain + [nxt])
        elif nxt != target:
            _walk(children, chain + [nxt], target, out)


@dataclass(frozen=True, repr=False)
class PLSResult(Result):
    """Estimates of a fitted PLS path model (standardized; correlation metric).

    K constructs in causal order (``spec.names``), p items (``spec.items``). Not in
    ``to_dict()``: ``spec``, ``item_corr``, ``scores`` and ``boot``.

    Attributes
    ----------
    spec : ModelSpec
        The specification.
    scheme : str
        Inner weighting scheme.
    consistent : bool
        Whether PLSc corrected paths and loadings.
    n_obs, iterations : int
        Respondents; PLS iterations to convergence.
    paths : pandas.DataFrame
        One row per path (spec order): ``source, target, estimate``.
    weights, loadings : pandas.Series
        Outer weights / loadings, indexed by item.
    r2 : pandas.Series
        R² per endogenous construct.
    rho_a : pandas.Series
        Reliability ρ_A per construct.
    latent_corr, total_effects, indirect_effects : pandas.DataFrame
        K × K, [source, target] (latent correlations disattenuated under PLSc).
    cross_loadings : pandas.DataFrame
        Items × constructs.
    gof : float
        Tenenhaus goodness of fit.
    item_means, item_sds : pandas.Series
        Item means and SDs on the answer scale.
    item_corr : pandas.DataFrame
        Item correlations, p × p.
    scores : pandas.DataFrame
        Standardized construct scores, one row per respondent (index of the data).
    boot : BootstrapDraws or None
        Bootstrap draws (None without bootstrap).
    """

    spec: ModelSpec = field(metadata=_NO_JSON)
    scheme: str
    consistent: bool
    n_obs: int
    iterations: int
    paths: pd.DataFrame
    weights: pd.Series
    loadings: pd.Series
    r2: pd.Series
    rho_a: pd.Series
    latent_corr: pd.DataFrame
    cross_loadings: pd.DataFrame
    total_effects: pd.DataFrame
    indirect_effects: pd.DataFrame
    gof: float
    item_means: pd.Series
    item_sds: pd.Series
    item_corr: pd.DataFrame = field(metadata=_NO_JSON)
    scores: pd.DataFrame = field(metadata=_NO_JSON)
    boot: BootstrapDraws | None = field(default=None, metadata=_NO_JSON)

    # -- helpers --------------------------------------------------------------------------
    @property
    def design(self) -> _Design:
        """The spec as index arrays (private type; used by the study's modules)."""
        return _Design.from_spec(self.spec)

    @property
    def n_draws(self) -> int:
        """Bootstrap draws kept (0 without bootstrap)."""
        return 0 if self.boot is None else self.boot.n_draws

    def _path_matrix(self) -> np.ndarray:
        d = self.design
        P = np.zeros((len(d.names),) * 2)
        for (i, j), value in zip(d.path_pairs, self.paths["estimate"], strict=True):
            P[i, j] = value
        return P

    @staticmethod
    def _with_ci(frame: pd.DataFrame, draws: np.ndarray | None, level: float) -> pd.DataFrame:
        check_level(level)
        out = frame.copy()
        if draws is None or len(draws) == 0:
            for col in ("se", "ci_low", "ci_high"):
                out[col] = np.nan
            return out
        low, high = _percentile(draws, level)
        out["se"] = draws.std(axis=0, ddof=1)
        out["ci_low"] = low
        out["ci_high"] = high
        return out

    def _path_draws(self) -> np.ndarray | None:
        if self.boot is None:
            return None
        ii, jj = np.array(self.design.path_pairs).T
        return self.boot.paths[:, ii, jj]

    # -- tables ---------------------------------------------------------------------------
    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Path coefficients with bootstrap SE and percentile interval.

        Without bootstrap draws SE and interval are NaN; an ``EstimationWarning`` and the
        table's ``attrs["note"]`` then say to fit with ``n_boot=500``.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the percentile interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row per path ``"source → target"``.
        """
        table = self.path_table(level)
        table.index = _path_names(zip(table["source"], table["target"], strict=True))
        out = table[["estimate", "se", "ci_low", "ci_high"]]
        if self.boot is None:
            warnings.warn(no_interval_message(), EstimationWarning, stacklevel=2)
            out.attrs["note"] = no_interval_message()
        return out

    def path_table(self, level: float = 0.95) -> pd.DataFrame:
        """Path coefficients with labels, bootstrap SE, percentile interval and z = estimate / SE.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the percentile interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``source, target, label, estimate, se, ci_low, ci_high, z``; spec order.
        """
        out = self._with_ci(self.paths, self._path_draws(), level)
        out["z"] = out["estimate"] / out["se"]
        out.insert(2, "label", _path_labels(self.spec, self.spec.paths))
        return out

    def r2_table(self, level: float = 0.95) -> pd.DataFrame:
        """R² of each endogenous construct with bootstrap interval.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the percentile interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``construct, label, r2, se, ci_low, ci_high``.
        """
        endo = self.spec.endogenous
        frame = pd.DataFrame(
            {
                "construct": endo,
                "label": [self.spec.label(c) for c in endo],
                "r2": self.r2.to_numpy(),
            }
        )
        d = self.design
        draws = None if self.boot is None else self.boot.r2[:, [d.pos(c) for c in endo]]
        return self._with_ci(frame, draws, level)

    def loadings_table(self, level: float = 0.95) -> pd.DataFrame:
        """Outer loadings and weights per item with the bootstrap interval of the loading.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the percentile interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``item, construct, loading, weight, se, ci_low, ci_high``.
        """
        d = self.design
        frame = pd.DataFrame(
            {
                "item": self.spec.items,
                "construct": [d.names[k] for k in d.block],
                "loading": self.loadings.to_numpy(),
                "weight": self.weights.to_numpy(),
            }
        )
        return self._with_ci(frame, None if self.boot is None else self.boot.loadings, level)

    def effects(self, level: float = 0.95) -> pd.DataFrame:
        """Direct, indirect and total effects for every pair with a total effect, with intervals.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the percentile intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``source, target, label, direct, indirect, total`` and, with a bootstrap,
            ``direct_low, direct_high, indirect_low, indirect_high, total_low, total_high``.
        """
        check_level(level)
        d = self.design
        P, T = self._path_matrix(), self.total_effects.to_numpy()
        names = d.names
        pairs = [
            (i, j)
            for i in range(len(names))
            for j in range(len(names))
            if i != j and (abs(T[i, j]) > 1e-12 or d.mask[i, j])
        ]
        rows = [
            {
                "source": names[i],
                "target": names[j],
                "label": f"{self.spec.label(names[i])} → {self.spec.label(names[j])}",
                "direct": P[i, j],
                "indirect": T[i, j] - P[i, j],
                "total": T[i, j],
            }
            for i, j in pairs
        ]
        out = pd.DataFrame(rows)
        if self.boot is not None and len(pairs):
            ii, jj = np.array(pairs).T
            bp, bt = self.boot.paths[:, ii, jj], self.boot.total[:, ii, jj]
            for name, draws in (("direct", bp), ("indirect", bt - bp), ("total", bt)):
                low, high = _percentile(draws, level)
                out[f"{name}_low"] = low
                out[f"{name}_high"] = high
        return out

    def indirect_effect(self, chain: Sequence[str], level: float = 0.95) -> IndirectEffect:
        """Specific indirect effect along ``chain`` (e.g. ["CUSA", "CUSCO", "CUSL"]): path product.

        Parameters
        ----------
        chain : sequence of str
            At least three constructs joined by paths of the model.
        level : float, default 0.95
            Confidence level of the percentile interval.

        Returns
        -------
        IndirectEffect
            Estimate, bootstrap SE and interval (NaN without bootstrap).
        """
        check_level(level)
        if len(chain) < 3:
            raise ParameterError("an indirect effect needs a chain of at least 3 constructs")
        d = self.design
        idx = [d.pos(c) for c in chain]
        links = list(zip(idx[:-1], idx[1:], strict=True))
        for a, b in links:
            if not d.mask[a, b]:
                raise ParameterError(f"no path {d.names[a]}->{d.names[b]} in the model")
        P = self._path_matrix()
        estimate = float(np.prod([P[a, b] for a, b in links]))
        if self.boot is None:
            return IndirectEffect(" → ".join(chain), estimate, np.nan, np.nan, np.nan, level)
        draws = np.prod([self.boot.paths[:, a, b] for a, b in links], axis=0)
        low, high = _percentile(draws, level)
        return IndirectEffect(
            " → ".join(chain),
            estimate,
            float(draws.std(ddof=1)),
            float(low),
            float(high),
            level,
            draws,
        )

    def specific_effects(self, target: str, level: float = 0.95) -> pd.DataFrame:
        """Every chain of ≥ 2 paths ending at ``target``, with its specific indirect effect.

        Parameters
        ----------
        target : str
            Construct the chains end at (e.g. loyalty).
        level : float, default 0.95
            Confidence level of the percentile intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``source, chain, label, estimate, se, ci_low, ci_high``, largest first.
        """
        d = self.design
        d.pos(target)
        children: dict[str, list[str]] = {c: [] for c in d.names}
        for s, t in self.spec.paths:
            children[s].append(t)
        chains: list[list[str]] = []
        for start in d.names:
            if start != target:
                _walk(children, [start], target, chains)
        rows = []
        for chain in chains:
            effect = self.indirect_effect(chain, level)
            rows.append(
                {
                    "source": chain[0],
                    "chain": effect.chain,
                    "label": " → ".join(self.spec.label(c) for c in chain),
                    "estimate": effect.estimate,
                    "se": effect.se,
                    "ci_low": effect.ci_low,
                    "ci_high": effect.ci_high,
                }
            )
        cols = ["source", "chain", "label", "estimate", "se", "ci_low", "ci_high"]
        return pd.DataFrame(rows, columns=cols).sort_values(
            "estimate", ascending=False, ignore_index=True
        )

    def construct_summary(self) -> pd.DataFrame:
        """Per construct: type, items, R², AVE (from the loadings) and rho_A.

        Returns
        -------
        pandas.DataFrame
            Columns ``construct, label, type, items, r2, ave, rho_a``.
        """
        d = self.design
        lam2 = self.loadings.to_numpy() ** 2
        ave = np.bincount(d.block, weights=lam2, minlength=len(d.names)) / d.sizes
        endo = set(self.spec.endogenous)
        return pd.DataFrame(
            {
                "construct": list(d.names),
                "label": [self.spec.label(c) for c in d.names],
                "type": ["endogenous" if c in endo else "exogenous" for c in d.names],
                "items": d.sizes,
                "r2": [self.r2.get(c, np.nan) for c in d.names],
                "ave": ave,
                "rho_a": self.rho_a.to_numpy(),
            }
        )

    def to_dict(self) -> dict:
        """JSON-ready estimates; square tables as ``{row: {column: value}}``; no draws.

        Returns
        -------
        dict
            Field name → plain Python value.
        """
        out = super().to_dict()
        for name in _SQUARE:
            out[name] = to_jsonable(getattr(self, name).to_dict(orient="index"))
        out["spec"] = self.spec.to_dict()
        out["n_draws"] = self.n_draws
        return out


def _result_of(model: object) -> PLSResult:
    """Return the ``PLSResult`` of a fitted ``PLSPathModel`` (or the result itself).

    Raises the not-fitted error when the model is not fitted.
    """
    if isinstance(model, PLSResult):
        return model
    check_fitted(model, "result_")
    result = getattr(model, "result_")  # noqa: B009 (model is any fitted estimator)
    if not isinstance(result, PLSResult):
        raise ParameterError(
            f"expected a fitted PLSPathModel or a PLSResult, got {type(model).__name__}"
        )
    return result
