"""Customer needs from the purchase mix: similar to the population, or different.

``category_counts`` counts each customer's transactions per product category (DuckDB).
``NeedsMixture`` classifies customers with a two-class Dirichlet-multinomial mixture:

- *similar* needs: category counts ~ DirMult(n, c_s · m) — shares scattered around the
  population mix m, tighter for larger concentration c_s;
- *different* needs: counts ~ DirMult(n, c_d · 1) — idiosyncratic shares, any category;
- a share π of customers has different needs.

All of π, c_s, c_d and m are estimated by maximum likelihood (analytic gradient, on the
distinct count vectors with weights), and each customer gets P(different | counts). Unlike a
raw distance of the observed shares from the mix, this accounts for how many purchases the
shares rest on: one purchase in a common category is no evidence of different needs.
``mix_distance`` gives that raw distance (total variation) for description.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import digamma, expit, gammaln, logsumexp, softmax

from crm_models.errors import ConvergenceError, DataValidationError, ParameterError, format_rows
from crm_models.results import check_fitted, estimate_table
from crm_models.value._optim import hessian_from_gradient


def category_counts(
    source: duckdb.DuckDBPyConnection | pd.DataFrame,
    observation_end=None,
    column: str = "product",
    table: str = "transactions",
) -> pd.DataFrame:
    """Transactions per customer × category (columns sorted by name), computed in DuckDB.

    Parameters
    ----------
    source : duckdb.DuckDBPyConnection or pandas.DataFrame
        A DuckDB connection holding ``table``, or a transactions frame; either needs the
        columns customer_id, timestamp and ``column``.
    observation_end : date-like, optional
        Transactions after it are ignored (default: all).
    column : str, default "product"
        The product-category column.
    table : str, default "transactions"
        Table name in the connection.

    Returns
    -------
    pandas.DataFrame
        One row per customer, indexed by customer_id (sorted), one int column per category
        (sorted by name): the number of transactions in that category.
    """
    if isinstance(source, pd.DataFrame):
        missing = {"customer_id", "timestamp", column} - set(source.columns)
        if missing:
            raise DataValidationError(
                f"category_counts: transactions frame is missing column(s) {sorted(missing)}"
            )
        con = duckdb.connect()
        frame = source[["customer_id", "timestamp", column]].copy()
        frame[column] = frame[column].astype(str)
        con.register("_tx", frame)
        relation = "_tx"
    else:
        con, relation = source, table
    where = "" if observation_end is None else "WHERE timestamp <= $end::TIMESTAMP"
    params = {} if observation_end is None else {"end": pd.Timestamp(observation_end)}
    long = con.execute(
        f"SELECT customer_id, CAST({column} AS VARCHAR) AS category, count(*) AS n "
        f"FROM {relation} {where} GROUP BY ALL",
        params,
    ).df()
    wide = (
        long.pivot(index="customer_id", columns="category", values="n").fillna(0).astype(np.int64)
    )
    return wide.sort_index().reindex(sorted(wide.columns), axis=1)


def mix_distance(counts: pd.DataFrame, mix: np.ndarray | None = None) -> pd.Series:
    """Total-variation distance of each customer's category shares from ``mix`` (0..1).

    Parameters
    ----------
    counts : pandas.DataFrame
        Customer × category transaction counts (``category_counts``); each customer needs at
        least one transaction.
    mix : numpy.ndarray, optional
        Reference shares per category (same order as the columns, summing to 1); default the
        pooled share of all transactions.

    Returns
    -------
    pandas.Series
        Distance in [0, 1] per customer (0 = the same mix), indexed like ``counts``, named
        mix_distance.
    """
    c = counts.to_numpy(dtype=float)
    n = c.sum(axis=1, keepdims=True)
    if np.any(n <= 0):
        raise DataValidationError("mix_distance: every customer needs at least one transaction")
    mix = c.sum(axis=0) / c.sum() if mix is None else np.asarray(mix, dtype=float)
    return pd.Series(0.5 * np.abs(c / n - mix).sum(axis=1), index=counts.index, name="mix_distance")


def _dm_loglik(c: np.ndarray, n: np.ndarray, alpha: np.ndarray):
    """Dirichlet-multinomial log-pmf without the multinomial coefficient, and d/dα (n × K)."""
    a_sum = alpha.sum(axis=-1)
    ll = gammaln(a_sum) - gammaln(n + a_sum) + (gammaln(c + alpha) - gammaln(alpha)).sum(axis=1)
    d_alpha = (digamma(a_sum) - digamma(n + a_sum))[..., None] + digamma(c + alpha) - digamma(alpha)
    return ll, d_alpha


class NeedsMixture:
    """Two-class Dirichlet-multinomial mixture of purchase counts (similar vs different needs).

    After ``fit(counts)``: ``share_different_``, ``concentration_similar_``,
    ``concentration_different_``, ``mix_`` (Series by category), ``loglik_``, ``se_`` (standard
    errors of those scalars, from the Hessian) and ``categories_``.

    Parameters
    ----------
    threshold : float, default 0.5
        P(different needs) at or above which ``predict`` says 'different'; in (0, 1).
    max_iter : int, default 500
        Maximum optimizer iterations.
    """

    def __init__(self, threshold: float = 0.5, max_iter: int = 500):
        self.threshold = threshold
        self.max_iter = max_iter

    # parameters: theta = [logit pi, log c_s, log c_d, z_1..z_{K-1}] with m = softmax([z, 0])
    @staticmethod
    def _unpack(theta, k):
        pi = expit(theta[0])
        cs, cd = np.exp(theta[1]), np.exp(theta[2])
        m = softmax(np.append(theta[3:], 0.0))
        return pi, cs, cd, m

    def _objective(self, theta, c, n, w):
        k = c.shape[1]
        pi, cs, cd, m = self._unpack(theta, k)
        ll_s, d_s = _dm_loglik(c, n, cs * m)
        ll_d, d_d = _dm_loglik(c, n, np.full(k, cd))
        joint = np.stack([np.log1p(-pi) + ll_s, np.log(pi) + ll_d])
        ll = logsumexp(joint, axis=0)
        g_d = np.exp(joint[1] - ll)  # responsibility of "different"
        g_s = 1 - g_d
        wsum = w.sum()
        grad = np.empty_like(theta)
        grad[0] = w @ (g_d - pi)
        grad[1] = w @ (g_s * (d_s @ (cs * m)))
        grad[2] = w @ (g_d * (cd * d_d.sum(axis=1)))
        dm = (w * g_s) @ d_s * cs  # d ll / d m_k
        jac = np.diag(m) - np.outer(m, m)  # d m / d [z, 0]
        grad[3:] = (dm @ jac)[:-1]
        return -float(w @ ll) / wsum, -grad / wsum

    def _counts(self, counts: pd.DataFrame) -> np.ndarray:
        if not isinstance(counts, pd.DataFrame) or counts.shape[1] < 2:
            raise DataValidationError(
                "NeedsMixture: counts must be a customer × category frame with >= 2 categories"
            )
        c = counts.to_numpy(dtype=float)
        bad = ~np.isfinite(c) | (c < 0) | (c != np.round(c))
        labels = counts.index.rename(counts.index.name or "customer_id")
        if bad.any():
            rows = format_rows(np.flatnonzero(bad.any(axis=1)), labels=labels)
            raise DataValidationError(
                f"NeedsMixture: counts must be whole numbers >= 0; not at rows {rows}"
            )
        if np.any(c.sum(axis=1) == 0):
            rows = format_rows(np.flatnonzero(c.sum(axis=1) == 0), labels=labels)
            raise DataValidationError(
                f"NeedsMixture: counts: expected at least one purchase per customer; none at "
                f"rows {rows}"
            )
        return c

    def fit(self, counts: pd.DataFrame) -> NeedsMixture:
        """Fit by maximum likelihood on the distinct count vectors.

        Parameters
        ----------
        counts : pandas.DataFrame
            One row per customer, indexed by customer_id, one column per product category
            (>= 2) holding whole transaction counts >= 0 (``category_counts``); every
            customer needs at least one transaction.

        Returns
        -------
        NeedsMixture
            ``self``, fitted.
        """
        if not 0 < self.threshold < 1:
            raise ParameterError(f"threshold must be in (0, 1), got {self.threshold!r}")
        c = self._counts(counts)
        self.categories_ = list(counts.columns)
        uniq, w = np.unique(c, axis=0, return_counts=True)
        w = w.astype(float)
        n = uniq.sum(axis=1)
        pooled = c.sum(axis=0) / c.sum()
        z0 = np.log(np.maximum(pooled, 1e-6))
        theta0 = np.concatenate(
            [[np.log(0.3 / 0.7), np.log(20.0), np.log(1.0)], (z0 - z0[-1])[:-1]]
        )
        with np.errstate(all="ignore"):
            res = optimize.minimize(
                self._objective,
                theta0,
                args=(uniq, n, w),
                jac=True,
                method="L-BFGS-B",
                options={"maxiter": self.max_iter, "gtol": 1e-9},
            )
        g = self._objective(res.x, uniq, n, w)[1]
        if not (
            np.all(np.isfinite(res.x))
            and np.max(np.abs(g)) < 1e-4
            and np.all(np.abs(res.x[:3]) < 15)
        ):
            raise ConvergenceError(
                "NeedsMixture fit did not converge (gradient "
                f"{np.max(np.abs(g)):.1e}); the purchase mixes may not separate into two groups — "
                "check that counts cover several categories and enough repeat purchases"
            )
        self.theta_ = res.x
        pi, cs, cd, m = self._unpack(res.x, c.shape[1])
        self.share_different_ = float(pi)
        self.concentration_similar_ = float(cs)
        self.concentration_different_ = float(cd)
        self.mix_ = pd.Series(m, index=self.categories_, name="mix")
        self.loglik_ = -float(res.fun) * w.sum()
        hess = hessian_from_gradient(lambda t: self._objective(t, uniq, n, w), res.x, step=1e-5)
        cov = np.linalg.inv(hess) / w.sum()
        d = np.sqrt(np.clip(np.diag(cov)[:3], 0, None))
        self.se_ = pd.Series(
            {
                "share_different": d[0] * pi * (1 - pi),
                "concentration_similar": d[1] * cs,
                "concentration_different": d[2] * cd,
            }
        )
        return self

    def predict_proba(self, counts: pd.DataFrame) -> pd.Series:
        """P(different needs | category counts) per customer.

        Parameters
        ----------
        counts : pandas.DataFrame
            Customer × category counts with the categories seen by ``fit``, in that order.

        Returns
        -------
        pandas.Series
            Probability in [0, 1] per customer, indexed like ``counts``, named p_different.
        """
        check_fitted(self, "theta_")
        if list(counts.columns) != self.categories_:
            raise DataValidationError(
                f"NeedsMixture: expected categories {self.categories_}, got {list(counts.columns)}"
            )
        c = self._counts(counts)
        n = c.sum(axis=1)
        pi, cs, cd, m = self._unpack(self.theta_, c.shape[1])
        ll_s, _ = _dm_loglik(c, n, cs * m)
        ll_d, _ = _dm_loglik(c, n, np.full(c.shape[1], cd))
        p = expit(np.log(pi) + ll_d - np.log1p(-pi) - ll_s)
        return pd.Series(p, index=counts.index, name="p_different")

    def predict(self, counts: pd.DataFrame) -> pd.Series:
        """'different' where P(different) >= ``threshold``, else 'similar'.

        Parameters
        ----------
        counts : pandas.DataFrame
            Customer × category counts with the categories seen by ``fit``, in that order.

        Returns
        -------
        pandas.Series
            'similar' / 'different' per customer, indexed like ``counts``, named needs.
        """
        p = self.predict_proba(counts)
        return pd.Series(
            np.where(p >= self.threshold, "different", "similar"), index=counts.index, name="needs"
        )

    def __repr__(self) -> str:
        head = f"NeedsMixture(threshold={self.threshold!r}, max_iter={self.max_iter!r}"
        if not hasattr(self, "theta_"):
            return head + "; not fitted)"
        return (
            f"{head}; fitted on {len(self.categories_)} categories: "
            f"share_different={self.share_different_:.3g}, "
            f"concentration_similar={self.concentration_similar_:.3g}, "
            f"concentration_different={self.concentration_different_:.3g})"
        )

    def _repr_html_(self) -> str:
        from crm_models.reporting.escaping import escape_html, escaped_table

        if not hasattr(self, "theta_"):
            return f"<pre>{escape_html(repr(self))}</pre>"
        table = escaped_table(self.summary(), precision=4).to_html()
        return f"<p>{escape_html(repr(self))}</p>{table}"

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Estimated scalars with standard errors and Wald intervals.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Rows share_different, concentration_similar, concentration_different; columns
            ``estimate, se, ci_low, ci_high``.
        """
        check_fitted(self, "theta_")
        est = pd.Series(
            {
                "share_different": self.share_different_,
                "concentration_similar": self.concentration_similar_,
                "concentration_different": self.concentration_different_,
            }
        )
        return estimate_table(est, self.se_[est.index], level=level)
