"""Profit-maximizing variety (modules per attribute), customization type and premium.

For a face ``f`` (``faces.FACES`` or ``"standard"``), variety ``k`` (first ``k_a`` modules of
each attribute, ``ChoiceMarket`` order) and customization premium ``π`` (currency per unit):

- customer ``i`` buys with probability ``P_i = σ(U_i − outside_utility)``, with
  ``U_i = firm_constant + U_std,i + φ_f·(IV_i(k) − U_std,i) + α_i·(base_price + π)``
  (``φ_f`` = the face's fit capture, ``IV`` the configurator inclusive value);
- units per period ``Q = s·Σ_i w_i P_i`` (``w_i`` units a buying customer takes per period,
  default 1; ``s = market_size / n_customers`` scales the simulated sample to the market);
- per-period contribution ``s·Σ_i w_i P_i·(base_price − base_cost + m_i(k) − order_cost_f)
  − Q·unit_cost(k, Q)`` (``m_i`` expected module margin, ``unit_cost`` the cheaper of
  make-to-stock and postponed assembly, ``costs.VarietyCosts``), valued over the customer
  lifetime with the face's retention (factor ``A_f``); the premium ``π·Q`` with the face's
  imitation erosion and switching-cost protection (factor ``E_f``);
- minus complexity cost per period (plain annuity ``D``), fixed module cost and the face's
  fixed implementation cost (``faces.FaceEconomics``).

``profit = [s·Σ w P (margin) − Q·unit_cost]·A_f + π·Q·E_f − complexity·D − fixed − C_f``.

Everything is vectorized over candidates × customers (chunked); there is no per-customer
Python loop. Search: ``"exhaustive"`` (all ``k`` × premium grid; exact) or ``"coordinate"``
(coordinate ascent over one attribute × the premium grid at a time, from several starts;
checked against the exhaustive search in the tests). Standard = ``k = 1``, ``π = 0``, no
customization cost.

What the optimum is worth and how robust it is live in functions over a fitted optimizer:
``sensitivity`` (tornado, sweeps), ``profit_interval`` (bootstrap interval), ``selection``
(which customers get customized offers) and ``face_comparison`` (the four faces' table).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
from scipy import special

from crm_models.customization._display import optimizer_html, optimizer_repr
from crm_models.customization.choice import ChoiceMarket
from crm_models.customization.costs import VarietyCosts
from crm_models.customization.faces import FACES, Face, FaceEconomics, face_of
from crm_models.errors import ParameterError
from crm_models.results import Result, check_fitted

__all__ = ["VarietyOptimizer", "VarietyResult"]

_IMPROVES = 1e-12  # relative profit gain a coordinate move must bring


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class VarietyResult(Result):
    """The profit-maximizing decision: customization type, variety and premium.

    Attributes
    ----------
    face : str
        Best customization type (``"standard"`` = no customization).
    modules_per_attribute : dict
        Modules offered per attribute.
    modules, configurations : int
        Modules offered in total and configurations they make.
    premium : float
        Customization premium per unit and period (currency).
    profit : float
        Profit, PV over the horizon (currency).
    share : float
        Market share (weighted purchase probability).
    units : float
        Units per period.
    mode : str
        ``"make_to_stock"`` or ``"postponed"``.
    method : str
        Search used (``"exhaustive"`` or ``"coordinate"``).
    """

    face: str
    modules_per_attribute: dict
    modules: int
    configurations: int
    premium: float
    profit: float
    share: float
    units: float
    mode: str
    method: str

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the optimum's numbers (point values: a search has no standard error).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (intervals are NaN; see ``profit_interval`` for the profit's).

        Returns
        -------
        pandas.DataFrame
            Rows ``profit, premium, share, units, modules, configurations``; columns
            ``estimate, se, ci_low, ci_high``.
        """
        names = ["profit", "premium", "share", "units", "modules", "configurations"]
        return self._fields_table(names, level)


class VarietyOptimizer:
    """Search variety × customization type × premium for maximum profit (module docstring).

    Parameters
    ----------
    costs : VarietyCosts, optional
        Cost of variety (defaults documented there).
    economics : FaceEconomics, optional
        Face economics (defaults documented there).
    faces : tuple of str
        Faces to compare; ``"standard"`` is the non-customized baseline.
    premium_grid : array-like, optional
        Candidate customization premiums (currency per unit); default 0..30 step 2.
    market_size : float, optional
        Customers in the market the sample represents (default: the sample size).
    method : {"auto", "exhaustive", "coordinate"}
        ``"auto"`` = exhaustive when at most ``max_exhaustive`` variety candidates.
    max_exhaustive : int
        Largest number of variety candidates searched exhaustively by ``"auto"``.
    chunk_elements : int
        Candidates × customers evaluated per NumPy block (memory bound).

    Attributes
    ----------
    best_ : VarietyResult
        The overall optimum.
    by_face_ : pandas.DataFrame
        Best candidate per face (index ``face``; columns as :meth:`evaluate`).
    evaluations_ : pandas.DataFrame
        Every evaluated candidate.
    market_ : ChoiceMarket
        The market fitted to; ``customer_weight_`` its customers' weights and
        ``market_size_`` the market size used.
    method_ : str
        The search method used.
    """

    __repr__ = optimizer_repr
    _repr_html_ = optimizer_html

    def __init__(
        self,
        costs: VarietyCosts | None = None,
        economics: FaceEconomics | None = None,
        faces: tuple[str, ...] = ("standard", *FACES),
        premium_grid=None,
        market_size: float | None = None,
        method: str = "auto",
        max_exhaustive: int = 5_000,
        chunk_elements: int = 4_000_000,
    ) -> None:
        self.costs = costs
        self.economics = economics
        self.faces = faces
        self.premium_grid = premium_grid
        self.market_size = market_size
        self.method = method
        self.max_exhaustive = max_exhaustive
        self.chunk_elements = chunk_elements

    # ------------------------------------------------------------ set-up
    def _setup(self, market: ChoiceMarket, customer_weight) -> None:
        self.costs_ = self.costs or VarietyCosts()
        self.economics_ = self.economics or FaceEconomics()
        self.faces_ = tuple(self.faces)
        for f in self.faces_:
            face_of(f)
        grid = (
            np.arange(0.0, 31.0, 2.0)
            if self.premium_grid is None
            else np.asarray(self.premium_grid, float)
        )
        if grid.ndim != 1 or grid.size == 0 or np.any(~np.isfinite(grid)):
            raise ParameterError("premium_grid: expected a non-empty 1-D array of finite premiums")
        self.premium_grid_ = grid
        n = market.n_customers
        size = float(n if self.market_size is None else self.market_size)
        if size <= 0:
            raise ParameterError(f"market_size: expected > 0, got {self.market_size}")
        w = (
            np.ones(n)
            if customer_weight is None
            else np.asarray(customer_weight, float).reshape(-1)
        )
        if w.shape != (n,) or np.any(~np.isfinite(w)) or np.any(w < 0):
            raise ParameterError(f"customer_weight: expected {n} finite values >= 0")
        if self.method not in ("auto", "exhaustive", "coordinate"):
            raise ParameterError(
                f"method: expected 'auto', 'exhaustive' or 'coordinate', got {self.method!r}"
            )
        ivs, margins = market._cumulative_tables()
        sizes = market._sizes
        kmax = int(sizes.max())
        self._iv = np.full((len(sizes), kmax, n), np.nan)
        self._mg = np.full((len(sizes), kmax, n), np.nan)
        for a, (t, m) in enumerate(zip(ivs, margins, strict=True)):
            self._iv[a, : t.shape[0]] = t
            self._mg[a, : m.shape[0]] = m
        self._iv1 = self._iv[:, 0].sum(axis=0)
        self._sizes = sizes
        self.market_, self.customer_weight_, self.market_size_ = market, w, size
        self.method_ = self.method
        if self.method == "auto":
            small = int(np.prod(sizes)) <= int(self.max_exhaustive)
            self.method_ = "exhaustive" if small else "coordinate"

    # ------------------------------------------------------------ evaluation
    def evaluate(self, k, premium, face: str) -> pd.DataFrame:
        """Profit and its parts for candidates ``k`` (B, A) and ``premium`` (B,) of one face.

        Parameters
        ----------
        k : array-like of int
            Modules per attribute, one row per candidate.
        premium : float or array-like
            Customization premium per candidate (currency per unit).
        face : str
            Face name (``"standard"`` or one of ``FACES``).

        Returns
        -------
        pandas.DataFrame
            One row per candidate: face, k_<attribute>…, modules, configurations, premium,
            share, units, unit_cost, mode, contribution (PV), complexity_cost (PV),
            fixed_cost, implementation_cost, profit (currency).
        """
        check_fitted(self, "market_")
        k = np.atleast_2d(np.asarray(k, dtype=int))
        if k.shape[1] != len(self._sizes) or np.any(k < 1) or np.any(k > self._sizes):
            raise ParameterError(
                f"k: expected rows of {len(self._sizes)} counts within 1..{self._sizes.tolist()}"
            )
        prem = np.broadcast_to(np.asarray(premium, dtype=float), (k.shape[0],))
        block = max(1, int(self.chunk_elements) // max(1, self.market_.n_customers))
        out = [
            self._evaluate_block(k[s : s + block], prem[s : s + block], face)
            for s in range(0, k.shape[0], block)
        ]
        return pd.concat(out, ignore_index=True)

    def _utility(self, iv: np.ndarray, phi: float) -> np.ndarray:
        """Return the purchase utility at premium 0 (relative to the outside option).

        It is computed from the offer's inclusive value ``iv`` (…, n): the one place the
        utility formula is written.
        """
        mk = self.market_
        return (
            mk.firm_constant
            - mk.outside_utility
            + mk.price_coef * mk.base_price
            + (1 - phi) * self._iv1
        ) + phi * iv

    def _tables(self, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inclusive value and expected module margin (rows of ``k``, n) of each offer."""
        iv = np.zeros((k.shape[0], self.market_.n_customers))
        mg = np.zeros_like(iv)
        for a in range(k.shape[1]):
            iv += self._iv[a, k[:, a] - 1]
            mg += self._mg[a, k[:, a] - 1]
        return iv, mg

    def _evaluate_block(self, k: np.ndarray, prem: np.ndarray, face_name: str) -> pd.DataFrame:
        face = face_of(face_name)
        mk, e, c = self.market_, self.economics_, self.costs_
        a_f, e_f, d = e.lifetime_factors(face)
        # variety-dependent parts once per distinct k; premiums only shift utility by α·π
        uk, inv = np.unique(k, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        iv, mg = self._tables(uk)
        u = self._utility(iv, e.fit_capture(face))[inv]
        u += mk.price_coef[None, :] * prem[:, None]
        pw = special.expit(u, out=u)
        pw *= self.customer_weight_[None, :]
        scale = self.market_size_ / mk.n_customers
        total = pw.sum(axis=1)
        units = scale * total
        module_margin = np.empty(k.shape[0])
        for j in range(uk.shape[0]):
            rows = np.flatnonzero(inv == j)
            module_margin[rows] = pw[rows] @ mg[j]
        base = mk.base_price - mk.base_cost - e.order_cost(face)
        margin_sum = scale * (base * total + module_margin)
        unit_cost, postponed = c.unit_cost(k, units), c.postponed(k, units)
        contribution = (margin_sum - units * unit_cost) * a_f + prem * units * e_f
        complexity = c.complexity_cost(k) * d
        fixed = c.fixed_cost(k)
        impl = e.fixed_cost(face)
        return pd.DataFrame(
            {
                "face": face.name,
                **{f"k_{name}": k[:, j] for j, name in enumerate(mk.space.attributes)},
                "modules": k.sum(axis=1),
                "configurations": k.prod(axis=1),
                "premium": prem,
                "share": total / self.customer_weight_.sum(),
                "units": units,
                "unit_cost": unit_cost,
                "mode": np.where(postponed, "postponed", "make_to_stock"),
                "contribution": contribution,
                "complexity_cost": complexity,
                "fixed_cost": fixed,
                "implementation_cost": impl,
                "profit": contribution - complexity - fixed - impl,
            }
        )

    def _purchase_and_margin(
        self, face_name: str
    ) -> tuple[np.ndarray, float, Face, np.ndarray, np.ndarray]:
        """Return the details of ``face_name``'s optimum.

        Modules per attribute, premium, face, each customer's weighted purchase probability
        and margin per unit before the module unit cost.
        """
        k, premium = self._decision(face_name)
        face, mk, e = face_of(face_name), self.market_, self.economics_
        iv, mg = self._tables(k[None, :])
        u = self._utility(iv[0], e.fit_capture(face)) + mk.price_coef * premium
        pw = special.expit(u) * self.customer_weight_
        margin = mk.base_price - mk.base_cost - e.order_cost(face) + mg[0]
        return k, premium, face, pw, margin

    def _decision(self, face: str) -> tuple[np.ndarray, float]:
        """Modules per attribute and premium of ``face``'s optimum (standard: 1…1, 0)."""
        if face == "standard" or face not in self.by_face_.index:
            return np.ones(len(self._sizes), int), 0.0
        return self._k_of(self.by_face_.loc[face]), float(self.by_face_.loc[face, "premium"])

    def _k_of(self, row: pd.Series) -> np.ndarray:
        return np.array([int(row[f"k_{n}"]) for n in self.market_.space.attributes])

    def _standard(self) -> pd.Series:
        """Return the standard product's evaluation row."""
        return self.evaluate(np.ones((1, len(self._sizes)), int), [0.0], "standard").iloc[0]

    # ---------------------------------------------------------------- search
    def _search_face(self, face: str) -> tuple[pd.Series, pd.DataFrame]:
        if face == "standard":
            table = self.evaluate(np.ones((1, len(self._sizes)), int), [0.0], face)
            return table.iloc[0], table
        if self.method_ == "exhaustive":
            ks = np.array(list(itertools.product(*[range(1, s + 1) for s in self._sizes])))
            g = self.premium_grid_
            table = self.evaluate(np.repeat(ks, len(g), axis=0), np.tile(g, len(ks)), face)
            return table.loc[table["profit"].idxmax()], table
        return self._coordinate(face)

    def _coordinate(self, face: str, max_sweeps: int = 30) -> tuple[pd.Series, pd.DataFrame]:
        """Search the optimum of ``face`` by coordinate moves over attributes and premium.

        Alternate one-attribute moves (at the current premium) and premium moves (at the
        current variety) until neither improves; then a joint (attribute × premium) polish
        step per attribute, repeating the search if it finds a better point.
        """
        n_attr = len(self._sizes)
        g = self.premium_grid_
        starts = [np.ones(n_attr, int), self._sizes.copy()]
        tables, best = [], None

        def best_row(cand, prem):
            table = self.evaluate(cand, prem, face)
            tables.append(table)
            return table.loc[table["profit"].idxmax()]

        def better(row, cur):
            return row["profit"] > cur["profit"] * (1 + _IMPROVES) + 1e-9

        def one_attribute(k, a, prem):
            """Candidates varying attribute ``a`` over all its modules × premiums ``prem``."""
            cand = np.repeat(k[None, :], self._sizes[a] * len(prem), axis=0)
            cand[:, a] = np.repeat(np.arange(1, self._sizes[a] + 1), len(prem))
            return cand, np.tile(prem, self._sizes[a])

        for k0 in starts:
            cur = best_row(np.repeat(k0[None, :], len(g), axis=0), g)
            for _ in range(max_sweeps):
                k, prem = self._k_of(cur), float(cur["premium"])
                improved = False
                for a in range(n_attr):
                    row = best_row(*one_attribute(k, a, np.array([prem])))
                    if better(row, cur):
                        cur, improved, k = row, True, self._k_of(row)
                row = best_row(np.repeat(k[None, :], len(g), axis=0), g)
                if better(row, cur):
                    cur, improved = row, True
                if improved:
                    continue
                # joint polish: each attribute together with the premium
                k = self._k_of(cur)
                for a in range(n_attr):
                    row = best_row(*one_attribute(k, a, g))
                    if better(row, cur):
                        cur, improved = row, True
                        break
                if not improved:
                    break
            if best is None or cur["profit"] > best["profit"]:
                best = cur
        table = pd.concat(tables, ignore_index=True).drop_duplicates(
            subset=[f"k_{n}" for n in self.market_.space.attributes] + ["premium"]
        )
        return best, table

    def fit(self, market: ChoiceMarket, customer_weight=None) -> VarietyOptimizer:
        """Find the best variety and premium per face and the overall optimum.

        Parameters
        ----------
        market : ChoiceMarket
            Customers' preferences, prices and module costs.
        customer_weight : array-like, optional
            (n,) units per period a buying customer takes (a value proxy; default 1).

        Returns
        -------
        VarietyOptimizer
            ``self``, with ``best_``, ``by_face_`` and ``evaluations_`` set.
        """
        self._setup(market, customer_weight)
        rows, tables = [], []
        for f in self.faces_:
            row, table = self._search_face(f)
            rows.append(row)
            tables.append(table)
        self.by_face_ = pd.DataFrame(rows).set_index("face")
        self.evaluations_ = pd.concat(tables, ignore_index=True)
        best_face = self.by_face_["profit"].idxmax()
        b = self.by_face_.loc[best_face]
        self.best_ = VarietyResult(
            face=str(best_face),
            modules_per_attribute={n: int(b[f"k_{n}"]) for n in market.space.attributes},
            modules=int(b["modules"]),
            configurations=int(b["configurations"]),
            premium=float(b["premium"]),
            profit=float(b["profit"]),
            share=float(b["share"]),
            units=float(b["units"]),
            mode=str(b["mode"]),
            method=self.method_,
        )
        return self

    def profit_by_modules(self) -> pd.DataFrame:
        """Best profit per face for each total number of modules (from the evaluations).

        Returns
        -------
        pandas.DataFrame
            The best evaluated candidate per (face, modules), columns as :meth:`evaluate`.
        """
        check_fitted(self, "best_")
        ev = self.evaluations_
        idx = ev.groupby(["face", "modules"])["profit"].idxmax()
        return ev.loc[idx].reset_index(drop=True)
