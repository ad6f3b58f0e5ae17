"""Choice-based conjoint: design, simulated answers, conditional-logit part-worths and WTP.

**Design** (``design_choice_experiment``): each respondent answers ``n_tasks`` choice tasks of
``n_alternatives`` product profiles plus, optionally, a no-choice option ("none of these").
Profiles come from a *shifted* (cyclic) design (Bunch, Louviere & Anderson 1996): for every
attribute (price included) a random, exactly level-balanced sequence gives the first
profile's level of each task and alternative ``m`` takes level ``(base + m) mod L``; the
alternatives of a task are then shuffled. Every attribute is level-balanced (counts differ by
at most ``n_alternatives``) and levels never repeat within a task when ``n_alternatives ≤ L``.

**Answers** (``simulate_answers``): utility of a profile = Σ part-worths of its levels +
``price_coef`` × price + Gumbel noise; the no-choice option has utility
``no_choice_utility`` + noise. Part-worths may be one vector (homogeneous) or one row per
respondent (heterogeneous, e.g. the synthetic world's customers).

**Estimation** (``ConjointModel``): conditional (multinomial) logit on dummy-coded levels
(the reference level of each attribute = 0), linear price and a no-choice constant
(``none``). Engines: ``"statsmodels"`` (``ConditionalLogit``) and ``"newton"`` (exact
Newton–Raphson on the same likelihood, vectorized, ~100× faster; used for the bootstrap).
With heterogeneous respondents the logit estimates scale-attenuated means; WTP, a ratio,
is much less affected.

**WTP** of level ``j`` (vs. the reference level, currency) = ``β_j / (−β_price)``, with a
delta-method or respondent-bootstrap interval.

**Your own answers** (``read_answers``): a long table, one row per alternative shown, columns
``respondent_id, task, alternative, chosen`` (0/1, one 1 per task), ``price`` (number),
optional ``no_choice`` (0/1) and one column per attribute holding the level shown (empty
on no-choice rows). ``read_answers`` validates it and names the offending column and rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

from crm_models.errors import ConvergenceError, DataValidationError, ParameterError

__all__ = [
    "ConjointModel",
    "ConjointResult",
    "attributes_from_products",
    "design_choice_experiment",
    "read_answers",
    "simulate_answers",
]

RESERVED = ("respondent_id", "task", "alternative", "chosen", "price", "no_choice")


# ---------------------------------------------------------------------- design
def attributes_from_products(products: pd.DataFrame) -> dict[str, list[str]]:
    """``{attribute: [module_id, …]}`` from a products table (first module = reference)."""
    missing = {"module_id", "attribute"} - set(products.columns)
    if missing:
        raise DataValidationError(f"products: missing column(s) {sorted(missing)}")
    out: dict[str, list[str]] = {}
    for a, m in zip(products["attribute"], products["module_id"], strict=True):
        out.setdefault(str(a), []).append(str(m))
    return out


def _balanced_sequence(n: int, n_levels: int, rng: np.random.Generator) -> np.ndarray:
    """Length-``n`` sequence of 0..L-1, concatenated random permutations (counts differ ≤ 1)."""
    blocks = -(-n // n_levels)
    seq = rng.permuted(np.tile(np.arange(n_levels), (blocks, 1)), axis=1).reshape(-1)[:n]
    return seq


def design_choice_experiment(
    attributes: Mapping[str, Sequence[str]],
    price_levels: Sequence[float],
    n_respondents: int = 300,
    n_tasks: int = 8,
    n_alternatives: int = 3,
    no_choice: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """A level-balanced shifted choice design (module docstring).

    Returns a long frame: ``respondent_id, task, alternative, no_choice, <attributes…>,
    price``; attribute columns are ordered categoricals whose first category is the
    reference level; no-choice rows hold missing levels and price 0.
    """
    for name, value in (("n_respondents", n_respondents), ("n_tasks", n_tasks)):
        if int(value) < 1:
            raise ParameterError(f"{name}: expected >= 1, got {value}")
    if int(n_alternatives) < 2:
        raise ParameterError(
            f"n_alternatives: expected >= 2 profiles per task, got {n_alternatives}"
        )
    if not attributes:
        raise ParameterError("attributes: give at least one attribute with >= 2 levels")
    for a, levels in attributes.items():
        if a in RESERVED:
            raise ParameterError(f"attributes: {a!r} is a reserved column name")
        if len(levels) < 2 or len(set(levels)) != len(levels):
            raise ParameterError(f"attributes[{a!r}]: expected >= 2 distinct levels, got {levels}")
    prices = np.asarray(price_levels, dtype=float)
    if prices.size < 2 or len(np.unique(prices)) != prices.size or np.any(~np.isfinite(prices)):
        raise ParameterError(
            f"price_levels: expected >= 2 distinct finite prices, got {price_levels}"
        )
    rng = np.random.default_rng(seed)
    n_r, n_t, n_a = int(n_respondents), int(n_tasks), int(n_alternatives)
    n_sets = n_r * n_t
    cols: dict[str, np.ndarray] = {}
    specs = {**{a: len(v) for a, v in attributes.items()}, "price": prices.size}
    for a, n_levels in specs.items():
        base = _balanced_sequence(n_sets, n_levels, rng)
        cols[a] = (base[:, None] + np.arange(n_a)[None, :]) % n_levels  # (n_sets, n_a)
    order = rng.permuted(np.tile(np.arange(n_a), (n_sets, 1)), axis=1)
    rows = np.arange(n_sets)[:, None]
    for a in cols:
        cols[a] = cols[a][rows, order]
    n_alt_total = n_a + int(no_choice)
    frame = pd.DataFrame(
        {
            "respondent_id": np.repeat(np.arange(n_r), n_t * n_alt_total),
            "task": np.tile(np.repeat(np.arange(n_t), n_alt_total), n_r),
            "alternative": np.tile(np.arange(n_alt_total), n_sets),
            "no_choice": np.tile(np.r_[np.zeros(n_a, int), np.ones(int(no_choice), int)], n_sets),
        }
    )
    for a, levels in attributes.items():
        codes = np.full((n_sets, n_alt_total), -1)
        codes[:, :n_a] = cols[a]
        frame[a] = pd.Categorical.from_codes(
            codes.reshape(-1), categories=list(levels), ordered=True
        )
    price = np.zeros((n_sets, n_alt_total))
    price[:, :n_a] = prices[cols["price"]]
    frame["price"] = price.reshape(-1)
    return frame


def simulate_answers(
    design: pd.DataFrame,
    part_worths: pd.Series | pd.DataFrame | Mapping[str, float],
    price_coef: float | np.ndarray,
    no_choice_utility: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Add a ``chosen`` column to ``design`` by simulating logit choices (module docstring).

    ``part_worths``: utility per level name (a Series/Mapping, homogeneous) or a frame with
    one row per respondent (in ``respondent_id`` order 0..R-1) and one column per level;
    levels not given are 0 (reference). ``price_coef``: scalar or one value per respondent.
    """
    attrs = _attribute_columns(design)
    respondents = design["respondent_id"].to_numpy()
    n_resp = int(respondents.max()) + 1
    util = np.zeros(len(design))
    if isinstance(part_worths, pd.DataFrame):
        if len(part_worths) != n_resp:
            raise ParameterError(
                f"part_worths: expected one row per respondent ({n_resp}), got {len(part_worths)}"
            )
        for a in attrs:
            levels = design[a].astype(object)
            for lev in pd.unique(levels.dropna()):
                if lev in part_worths.columns:
                    mask = (levels == lev).to_numpy()
                    util[mask] += part_worths[lev].to_numpy(float)[respondents[mask]]
    else:
        pw = dict(part_worths)
        for a in attrs:
            util += design[a].astype(object).map(pw).fillna(0.0).to_numpy(float)
    alpha = np.asarray(price_coef, dtype=float)
    alpha = np.broadcast_to(alpha, (n_resp,)) if alpha.ndim else np.full(n_resp, float(alpha))
    util += alpha[respondents] * design["price"].to_numpy(float)
    none = design.get("no_choice", pd.Series(0, index=design.index)).to_numpy(int) == 1
    util[none] = no_choice_utility
    rng = np.random.default_rng(seed)
    util = util + rng.gumbel(size=len(util))
    out = design.copy()
    keys = out["respondent_id"].astype(np.int64) * (int(out["task"].max()) + 1) + out["task"]
    winner = pd.Series(util, index=out.index).groupby(keys.to_numpy()).transform("max")
    out["chosen"] = (util == winner.to_numpy()).astype(int)
    return out


def _attribute_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in RESERVED]


# ------------------------------------------------------------------ user data
def read_answers(
    source: str | Path | pd.DataFrame, attributes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Read and validate conjoint answers (CSV path or frame; format in module docstring).

    Raises ``DataValidationError`` naming the column and the offending rows/tasks.
    """
    if isinstance(source, pd.DataFrame):
        frame, name = source.copy(), "answers"
    else:
        path = Path(source)
        if not path.is_file():
            raise DataValidationError(f"{path}: conjoint answers file not found")
        frame, name = pd.read_csv(path), str(path)
    required = ["respondent_id", "task", "alternative", "chosen", "price"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{name}: missing column(s) {missing}; expected {required} + attribute columns"
        )
    attrs = list(attributes) if attributes is not None else _attribute_columns(frame)
    if not attrs:
        raise DataValidationError(f"{name}: no attribute columns besides {list(RESERVED)}")
    missing = [a for a in attrs if a not in frame.columns]
    if missing:
        raise DataValidationError(f"{name}: attribute column(s) {missing} not in the file")
    if "no_choice" not in frame.columns:
        frame["no_choice"] = 0
    for col in ("respondent_id", "task", "alternative"):
        if frame[col].isna().any():
            rows = list(np.flatnonzero(frame[col].isna())[:5])
            raise DataValidationError(f"{name}: column {col!r} is empty in row(s) {rows}")
    for col in ("chosen", "no_choice"):
        bad = ~frame[col].isin([0, 1])
        if bad.any():
            rows = list(np.flatnonzero(bad)[:5])
            raise DataValidationError(
                f"{name}: column {col!r} must be 0/1; row(s) {rows} hold "
                f"{frame.loc[bad, col].unique()[:3].tolist()}"
            )
        frame[col] = frame[col].astype(int)
    price = pd.to_numeric(frame["price"], errors="coerce")
    none = frame["no_choice"].to_numpy() == 1
    bad = (price.isna() | ~np.isfinite(price.fillna(0))) & ~none
    if bad.any():
        rows = list(np.flatnonzero(bad)[:5])
        raise DataValidationError(f"{name}: column 'price' must be a number; row(s) {rows} are not")
    frame["price"] = price.fillna(0.0).where(~none, 0.0).astype(float)
    for a in attrs:
        empty = frame[a].isna().to_numpy() & ~none
        if empty.any():
            rows = list(np.flatnonzero(empty)[:5])
            raise DataValidationError(
                f"{name}: attribute column {a!r} is empty in row(s) {rows} (only no_choice rows "
                "may be empty)"
            )
    dup = frame.duplicated(["respondent_id", "task", "alternative"])
    if dup.any():
        rows = list(np.flatnonzero(dup)[:5])
        raise DataValidationError(
            f"{name}: duplicated (respondent_id, task, alternative) in row(s) {rows}"
        )
    grouped = frame.groupby(["respondent_id", "task"], sort=False)
    n_chosen = grouped["chosen"].transform("sum").to_numpy()
    if np.any(n_chosen != 1):
        bad = frame.loc[n_chosen != 1, ["respondent_id", "task"]].drop_duplicates().head(3)
        raise DataValidationError(
            f"{name}: column 'chosen' must hold exactly one 1 per (respondent_id, task); "
            f"violated for {bad.to_records(index=False).tolist()}"
        )
    size = grouped["chosen"].transform("size").to_numpy()
    if np.any(size < 2):
        bad = frame.loc[size < 2, ["respondent_id", "task"]].drop_duplicates().head(3)
        raise DataValidationError(
            f"{name}: each task needs >= 2 alternatives; (respondent_id, task) "
            f"{bad.to_records(index=False).tolist()} have 1"
        )
    frame = frame.sort_values(["respondent_id", "task", "alternative"], kind="stable")
    return frame[
        ["respondent_id", "task", "alternative", "chosen", "no_choice", *attrs, "price"]
    ].reset_index(drop=True)


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
        raise DataValidationError(
            "level names must be unique across attributes (they name the "
            "part-worths); rename the clashing levels"
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


class ConjointResult:
    """Fitted conditional logit: ``params`` (Series), ``cov`` (DataFrame), log-likelihood.

    ``summary()`` gives coef, std. error, z, p and the confidence interval; ``wtp()``
    willingness to pay per level (vs. reference, currency) with intervals.
    """

    def __init__(
        self,
        params: pd.Series,
        cov: pd.DataFrame,
        loglik: float,
        n_sets: int,
        levels: pd.DataFrame,
        engine: str,
        model: ConjointModel,
        data: pd.DataFrame,
    ):
        self.params = params
        self.cov = cov
        self.bse = pd.Series(np.sqrt(np.diag(cov.to_numpy())), index=params.index)
        self.loglik = loglik
        self.n_sets = n_sets
        self.levels = levels
        self.engine = engine
        self._model = model
        self._data = data

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        z = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame(
            {"lower": self.params - z * self.bse, "upper": self.params + z * self.bse}
        )

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """coef, std_err, z, p_value, ci_low, ci_high per parameter (utility units)."""
        ci = self.conf_int(alpha)
        z = self.params / self.bse
        return pd.DataFrame(
            {
                "coef": self.params,
                "std_err": self.bse,
                "z": z,
                "p_value": 2 * stats.norm.sf(np.abs(z)),
                "ci_low": ci["lower"],
                "ci_high": ci["upper"],
            }
        )

    def part_worths(self) -> pd.DataFrame:
        """Every level with its part-worth (reference = 0), SE and attribute."""
        out = self.levels.copy()
        out["part_worth"] = [
            0.0 if r else float(self.params[lev])
            for lev, r in zip(out["level"], out["reference"], strict=True)
        ]
        out["std_err"] = [
            0.0 if r else float(self.bse[lev])
            for lev, r in zip(out["level"], out["reference"], strict=True)
        ]
        return out

    def wtp(
        self, method: str = "delta", alpha: float = 0.05, n_boot: int = 200, seed: int = 0
    ) -> pd.DataFrame:
        """WTP per non-reference level = β / (−β_price), currency, with a (1−alpha) interval.

        ``method="delta"``: delta-method SE and normal interval; ``"bootstrap"``: percentile
        interval over ``n_boot`` respondent resamples refitted with the Newton engine.
        """
        lev = [n for n in self.params.index if n not in ("price", "none")]
        bp = float(self.params["price"])
        if bp >= 0:
            raise ConvergenceError(
                f"conjoint: estimated price coefficient is {bp:.4g} (>= 0); WTP is undefined — "
                "check the price levels and answers"
            )
        w = self.params[lev] / -bp
        if method == "delta":
            cov = self.cov
            # d w/d β_j = -1/bp ; d w/d bp = β_j / bp²
            g_j, g_p = -1 / bp, self.params[lev].to_numpy() / bp**2
            var = (
                g_j**2 * cov.loc[lev, lev].to_numpy().diagonal()
                + g_p**2 * cov.loc["price", "price"]
                + 2 * g_j * g_p * cov.loc[lev, "price"].to_numpy()
            )
            se = np.sqrt(var)
            z = stats.norm.ppf(1 - alpha / 2)
            low, high = w - z * se, w + z * se
        elif method == "bootstrap":
            draws = self._bootstrap(n_boot, seed)[lev]
            se = draws.std(ddof=1).to_numpy()
            low = draws.quantile(alpha / 2).to_numpy()
            high = draws.quantile(1 - alpha / 2).to_numpy()
        else:
            raise ParameterError(f"method: expected 'delta' or 'bootstrap', got {method!r}")
        attr = self.levels.set_index("level")["attribute"]
        return pd.DataFrame(
            {
                "attribute": attr.reindex(lev).to_numpy(),
                "level": lev,
                "wtp": w.to_numpy(),
                "std_err": np.asarray(se),
                "ci_low": np.asarray(low),
                "ci_high": np.asarray(high),
            }
        )

    def _bootstrap(self, n_boot: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        xs, mask, y, resp = self._model._arrays
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
    engine
        ``"statsmodels"`` (``statsmodels`` ``ConditionalLogit``) or ``"newton"``.
    reference
        ``{attribute: level}`` reference levels; default: first category (design frames)
        or first in sorted order (your own data).
    cov_type
        ``"nonrobust"`` (inverse information) or ``"cluster"`` (sandwich clustered by
        respondent; newton engine only).

    After ``fit``: ``result_`` (``ConjointResult``), ``params_``, ``bse_``.
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

    def fit(self, answers: pd.DataFrame) -> ConjointModel:
        """Fit to a long answers frame (design + ``chosen``); validates it first."""
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
        self._arrays = (xs, mask, y, resp)
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
        self.params_ = pd.Series(beta, index=names)
        self.result_ = ConjointResult(
            self.params_,
            pd.DataFrame(cov, index=names, columns=names),
            ll,
            len(y),
            levels,
            self.engine,
            self,
            data,
        )
        self.bse_ = self.result_.bse
        return self

    def predict_proba(self, answers: pd.DataFrame) -> np.ndarray:
        """Choice probability of each row of a design frame (same long layout)."""
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
