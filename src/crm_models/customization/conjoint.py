"""Choice-based conjoint estimation: conditional-logit part-worths and willingness to pay.

**Estimation** (``ConjointModel``): conditional (multinomial) logit on dummy-coded levels
(the reference level of each attribute = 0), linear price and a no-choice constant
(``none``). Engines: ``"statsmodels"`` (``ConditionalLogit``) and ``"newton"`` (exact
Newton–Raphson on the same likelihood, vectorized, ~100× faster; used for the bootstrap).
With heterogeneous respondents the logit estimates scale-attenuated means; WTP, a ratio,
is much less affected.

**WTP** of level ``j`` (vs. the reference level, currency) = ``β_j / (−β_price)``, with a
delta-method or respondent-bootstrap interval (``WTPResult``).

Design, simulated answers and reading your own answers are in
:mod:`crm_models.customization.conjoint_design`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special, stats

from crm_models.customization.conjoint_design import _attribute_columns, read_answers
from crm_models.customization.wtp import WTPResult, wtp_gradient
from crm_models.errors import ConvergenceError, DataValidationError, ParameterError
from crm_models.results import Result, check_fitted, estimate_table

__all__ = ["ConjointModel", "ConjointResult"]


# ------------------------------------------------------------------ estimation
def _encode(frame: pd.DataFrame, attrs: list[str], reference: Mapping[str, str] | None):
    """Dummy-coded design matrix (rows × p), column names, level table."""
    none = frame["no_choice"].to_numpy(int) == 1
    blocks, names, levels_table = [], [], []
    for a in attrs:
        col = frame[a]
        if isinstance(col.dtype, pd.CategoricalDtype):
            levels = [lev for lev in col.cat.categories if (col == lev).any()]
        else:
            levels = sorted(pd.unique(col.dropna()).tolist(), key=str)
        ref = (reference or {}).get(a, levels[0] if levels else None)
        if ref not in levels:
            raise DataValidationError(
                f"reference level {ref!r} of attribute {a!r} is not in the data"
            )
        if len(levels) < 2:
            raise DataValidationError(f"attribute {a!r} shows only one level; cannot estimate it")
        levels = [ref] + [lev for lev in levels if lev != ref]
        values = col.astype(object).to_numpy()
        for lev in levels[1:]:
            blocks.append((values == lev) & ~none)
            names.append(str(lev))
        levels_table += [(a, str(lev), lev == ref) for lev in levels]
    blocks.append(frame["price"].to_numpy(float))
    names.append("price")
    if none.any():
        blocks.append(none.astype(float))
        names.append("none")
    x = np.column_stack(blocks).astype(float)
    if len(set(names)) != len(names):
        seen = pd.Series(names)
        clash = sorted(set(seen[seen.duplicated()]))
        where = {lev: [a for a, name, _ in levels_table if name == lev] for lev in clash}
        raise DataValidationError(
            f"answers: level name(s) {clash} appear in more than one attribute column "
            f"({where}; 'price' and 'none' are reserved); level names name the part-worths, "
            "so make them unique, e.g. 'rate_1' instead of '1' in column 'rate'"
        )
    return x, names, pd.DataFrame(levels_table, columns=["attribute", "level", "reference"])


def _to_sets(frame: pd.DataFrame, x: np.ndarray):
    """Reshape long rows to (n_sets, J_max, p) with a validity mask and chosen index."""
    keys = frame[["respondent_id", "task"]].to_numpy()
    codes, set_id = np.unique(keys, axis=0, return_inverse=True)
    set_id = set_id.reshape(-1)
    order = np.argsort(set_id, kind="stable")
    set_sorted = set_id[order]
    n_sets = len(codes)
    counts = np.bincount(set_sorted, minlength=n_sets)
    j_max = counts.max()
    pos = np.arange(len(order)) - np.repeat(np.cumsum(counts) - counts, counts)
    xs = np.zeros((n_sets, j_max, x.shape[1]))
    mask = np.zeros((n_sets, j_max), dtype=bool)
    xs[set_sorted, pos] = x[order]
    mask[set_sorted, pos] = True
    chosen = np.zeros((n_sets, j_max), dtype=bool)
    chosen[set_sorted, pos] = frame["chosen"].to_numpy(int)[order] == 1
    respondent = codes[:, 0]
    return xs, mask, chosen.argmax(axis=1), respondent


def _newton(xs, mask, y, max_iter=100, tol=1e-10):
    """Maximize the conditional-logit log-likelihood; returns beta, hessian, loglik, scores."""
    n_sets, _, p = xs.shape
    beta = np.zeros(p)
    rows = np.arange(n_sets)

    def evaluate(b):
        u = np.where(mask, xs @ b, -np.inf)
        lse = special.logsumexp(u, axis=1)
        return float((u[rows, y] - lse).sum()), u, lse

    ll, u, lse = evaluate(beta)
    for _ in range(max_iter):
        prob = np.exp(u - lse[:, None])
        xbar = np.einsum("sj,sjp->sp", prob, xs)
        scores = xs[rows, y] - xbar
        grad = scores.sum(axis=0)
        dev = xs - xbar[:, None, :]
        hess = -np.einsum("sj,sjp,sjq->pq", prob, dev, dev)
        try:
            step = np.linalg.solve(hess, -grad)
        except np.linalg.LinAlgError as exc:
            raise ConvergenceError(
                "conjoint: the information matrix is singular — a level never varies within "
                "tasks or two columns are collinear; check the design"
            ) from exc
        t = 1.0
        while True:
            new_ll, new_u, new_lse = evaluate(beta + t * step)
            if new_ll >= ll - 1e-12 or t < 1e-8:
                break
            t /= 2
        beta = beta + t * step
        done = abs(new_ll - ll) < tol * (1 + abs(ll))
        ll, u, lse = new_ll, new_u, new_lse
        if done and np.max(np.abs(grad)) < 1e-4 * n_sets:
            break
    else:
        raise ConvergenceError(f"conjoint: Newton did not converge in {max_iter} iterations")
    prob = np.exp(u - lse[:, None])
    xbar = np.einsum("sj,sjp->sp", prob, xs)
    dev = xs - xbar[:, None, :]
    hess = -np.einsum("sj,sjp,sjq->pq", prob, dev, dev)
    scores = xs[rows, y] - xbar
    return beta, hess, ll, scores


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ConjointResult(Result):
    """Fitted conditional logit (utility units).

    Attributes
    ----------
    params : pandas.Series
        Part-worths of the non-reference levels, ``price`` and (with a no-choice option)
        ``none``.
    cov : pandas.DataFrame
        Covariance of ``params`` (left out of ``to_dict``).
    loglik : float
        Log-likelihood at the estimate.
    n_sets : int
        Choice tasks (respondent × task) in the data.
    levels : pandas.DataFrame
        ``attribute, level, reference`` of every level.
    engine : str
        ``"newton"`` or ``"statsmodels"``.
    arrays : tuple of numpy.ndarray
        The fitted choice sets (design, mask, chosen index, respondent) kept for the
        respondent bootstrap of :meth:`wtp`; left out of ``to_dict`` and the repr.
    """

    params: pd.Series
    cov: pd.DataFrame = dataclasses.field(metadata={"json": False})
    loglik: float
    n_sets: int
    levels: pd.DataFrame
    engine: str
    arrays: tuple = dataclasses.field(default=(), metadata={"json": False}, repr=False)

    @property
    def se(self) -> pd.Series:
        """Standard errors of ``params`` (square roots of the covariance diagonal).

        Returns
        -------
        pandas.Series
            One value per parameter.
        """
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Parameters with standard errors and Wald ``level`` intervals (utility units).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            One row per parameter; columns ``estimate, se, ci_low, ci_high``.
        """
        return estimate_table(self.params, self.se, level=level)

    def z_tests(self) -> pd.DataFrame:
        """Wald tests of each parameter against 0.

        Returns
        -------
        pandas.DataFrame
            One row per parameter; columns ``z`` and ``p_value`` (two-sided).
        """
        z = self.params / self.se
        return pd.DataFrame({"z": z, "p_value": 2 * stats.norm.sf(np.abs(z))})

    def part_worths(self) -> pd.DataFrame:
        """Every level with its part-worth and standard error (reference level = 0).

        Returns
        -------
        pandas.DataFrame
            Columns ``attribute, level, reference, part_worth, se``.
        """
        out = self.levels.copy()
        se = self.se
        ref = out["reference"].to_numpy()
        out["part_worth"] = [
            0.0 if r else float(self.params[lev]) for lev, r in zip(out["level"], ref, strict=True)
        ]
        out["se"] = [0.0 if r else float(se[lev]) for lev, r in zip(out["level"], ref, strict=True)]
        return out

    def wtp(self, method: str = "delta", n_boot: int = 200, seed: int = 0) -> WTPResult:
        """Willingness to pay per non-reference level, ``β / (−β_price)`` (currency).

        Parameters
        ----------
        method : {"delta", "bootstrap"}, default "delta"
            ``"delta"``: delta-method standard error ``sqrt(g'Σg)`` (``g`` the gradient of the
            ratio) and a normal interval; ``"bootstrap"``: ``n_boot`` respondent resamples
            refitted with the Newton engine and percentile intervals.
        n_boot : int, default 200
            Bootstrap resamples (``method="bootstrap"`` only).
        seed : int, default 0
            Seed of the bootstrap.

        Returns
        -------
        WTPResult
            Estimates and standard errors; ``summary(level)`` gives the intervals.
        """
        lev = [n for n in self.params.index if n not in ("price", "none")]
        bp = float(self.params["price"])
        if bp >= 0:
            raise ConvergenceError(
                f"conjoint: estimated price coefficient is {bp:.4g} (>= 0); WTP is undefined — "
                "check the price levels and answers"
            )
        w = self.params[lev] / -bp
        attr = self.levels.set_index("level")["attribute"].reindex(lev)
        if method == "delta":
            g = wtp_gradient(self.params, lev)
            se = np.sqrt(np.einsum("rp,pq,rq->r", g, self.cov.to_numpy(), g))
            return WTPResult(w, pd.Series(se, index=lev), attr, "delta")
        if method == "bootstrap":
            draws = self._bootstrap(n_boot, seed)[lev]
            se = draws.std(ddof=1)
            return WTPResult(w, se, attr, "bootstrap", int(n_boot), draws)
        raise ParameterError(f"method: expected 'delta' or 'bootstrap', got {method!r}")

    def _bootstrap(self, n_boot: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        xs, mask, y, resp = self.arrays
        ids, inverse = np.unique(resp, return_inverse=True)
        sets_of = np.argsort(inverse, kind="stable")
        counts = np.bincount(inverse, minlength=len(ids))
        starts = np.cumsum(counts) - counts
        out = []
        for _ in range(int(n_boot)):
            pick = rng.integers(0, len(ids), len(ids))
            idx = np.concatenate([sets_of[starts[p] : starts[p] + counts[p]] for p in pick])
            beta, *_ = _newton(xs[idx], mask[idx], y[idx])
            b = pd.Series(beta, index=self.params.index)
            out.append(b.drop(["price", "none"], errors="ignore") / -b["price"])
        return pd.DataFrame(out)


class ConjointModel:
    """Conditional-logit estimator of conjoint part-worths (scikit-learn style).

    Parameters
    ----------
    engine : {"statsmodels", "newton"}
        ``statsmodels``' ``ConditionalLogit`` or the vectorized Newton engine.
    reference : mapping, optional
        ``{attribute: level}`` reference levels; default: first category (design frames)
        or first in sorted order (your own data).
    cov_type : {"nonrobust", "cluster"}
        Inverse information, or sandwich clustered by respondent (newton engine only).

    Attributes
    ----------
    result_ : ConjointResult
        The fit (after ``fit``).
    params_ : pandas.Series
        Estimated parameters.
    se_ : pandas.Series
        Their standard errors.
    """

    def __init__(
        self,
        engine: str = "statsmodels",
        reference: Mapping[str, str] | None = None,
        cov_type: str = "nonrobust",
    ) -> None:
        self.engine = engine
        self.reference = reference
        self.cov_type = cov_type

    def __repr__(self) -> str:
        head = f"ConjointModel(engine={self.engine!r}, cov_type={self.cov_type!r}"
        if not hasattr(self, "result_"):
            return head + ", not fitted)"
        r = self.result_
        price = r.params.get("price", np.nan)
        return (
            f"{head}; {r.n_sets:,} choice tasks, {len(r.params)} parameters, "
            f"price {price:.3g} per dollar, loglik {r.loglik:,.1f})"
        )

    def _repr_html_(self) -> str:
        from crm_models.reporting.escaping import escape_html, escaped_table

        text = f"<p>{escape_html(repr(self))}</p>"
        if not hasattr(self, "result_"):
            return text
        table = self.result_.summary().round(4).reset_index(names="parameter")
        return text + escaped_table(table).to_html()

    def fit(self, answers: pd.DataFrame) -> ConjointModel:
        """Fit to a long answers frame (design + ``chosen``); validates it first.

        Parameters
        ----------
        answers : pandas.DataFrame
            Long answers, one row per alternative shown (layout of
            :func:`~crm_models.customization.read_answers`): columns ``respondent_id``,
            ``task``, ``alternative``, ``chosen`` (0/1, one 1 per task), ``price`` (dollars),
            optional ``no_choice`` (0/1) and one column per attribute (level names, unique
            across attributes).

        Returns
        -------
        ConjointModel
            ``self``, with ``result_``, ``params_`` and ``se_`` set.
        """
        if self.engine not in ("statsmodels", "newton"):
            raise ParameterError(f"engine: expected 'statsmodels' or 'newton', got {self.engine!r}")
        if self.cov_type not in ("nonrobust", "cluster"):
            raise ParameterError(
                f"cov_type: expected 'nonrobust' or 'cluster', got {self.cov_type!r}"
            )
        if self.cov_type == "cluster" and self.engine != "newton":
            raise ParameterError("cov_type='cluster' needs engine='newton'")
        data = read_answers(answers)
        attrs = _attribute_columns(data)
        x, names, levels = _encode(data, attrs, self.reference)
        xs, mask, y, resp = _to_sets(data, x)
        if self.engine == "newton":
            beta, hess, ll, scores = _newton(xs, mask, y)
            bread = np.linalg.inv(-hess)
            if self.cov_type == "cluster":
                _, inv = np.unique(resp, return_inverse=True)
                s = np.zeros((inv.max() + 1, scores.shape[1]))
                np.add.at(s, inv, scores)
                cov = bread @ (s.T @ s) @ bread
            else:
                cov = bread
        else:
            from statsmodels.discrete.conditional_models import ConditionalLogit

            groups = data.groupby(["respondent_id", "task"], sort=False).ngroup().to_numpy()
            model = ConditionalLogit(data["chosen"].to_numpy(float), x, groups=groups)
            res = model.fit(method="bfgs", maxiter=500, disp=False)
            beta, cov, ll = np.asarray(res.params), np.asarray(res.cov_params()), float(res.llf)
            if not np.all(np.isfinite(cov)):
                raise ConvergenceError("conjoint: statsmodels returned a non-finite covariance")
        self.result_ = ConjointResult(
            pd.Series(beta, index=names),
            pd.DataFrame(cov, index=names, columns=names),
            ll,
            len(y),
            levels,
            self.engine,
            (xs, mask, y, resp),
        )
        self.params_ = self.result_.params
        self.se_ = self.result_.se
        return self

    def predict_proba(self, answers: pd.DataFrame) -> np.ndarray:
        """Choice probability of each row of a design frame (same long layout).

        Parameters
        ----------
        answers : pandas.DataFrame
            Long design frame (``chosen`` optional).

        Returns
        -------
        numpy.ndarray
            One probability per row; they sum to 1 within each (respondent, task).
        """
        check_fitted(self, "params_")
        data = answers.copy()
        if "chosen" not in data.columns:
            data["chosen"] = 0
        if "no_choice" not in data.columns:
            data["no_choice"] = 0
        attrs = _attribute_columns(data.drop(columns=["chosen"]))
        x = np.zeros((len(data), len(self.params_)))
        none = data["no_choice"].to_numpy(int) == 1
        for j, name in enumerate(self.params_.index):
            if name == "price":
                x[:, j] = data["price"].to_numpy(float)
            elif name == "none":
                x[:, j] = none
            else:
                for a in attrs:
                    x[:, j] += (data[a].astype(object).to_numpy() == name) & ~none
        u = x @ self.params_.to_numpy()
        keys = data.groupby(["respondent_id", "task"], sort=False).ngroup().to_numpy()
        mx = pd.Series(u).groupby(keys).transform("max").to_numpy()
        e = np.exp(u - mx)
        return e / pd.Series(e).groupby(keys).transform("sum").to_numpy()
