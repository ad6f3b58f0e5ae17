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
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import special

from crm_models.customization.choice import ChoiceMarket
from crm_models.customization.costs import VarietyCosts
from crm_models.customization.faces import FACES, STANDARD, Face, FaceEconomics, label_table
from crm_models.errors import ParameterError

__all__ = ["VarietyOptimizer", "DEFAULT_TORNADO_INPUTS", "INPUT_LABELS"]

INPUT_LABELS = {
    "market_size": "customers in the market",
    "market.outside_utility": "appeal of competitors / no purchase",
    "market.base_price": "platform price",
    "market.base_cost": "platform unit cost",
    "market.fit_scale": "configuration noise (fit scale λ)",
    "market.firm_constant": "brand appeal",
    "costs.fixed_cost_per_module": "fixed cost per module",
    "costs.complexity_scale": "complexity cost",
    "costs.holding_cost": "inventory holding cost",
    "costs.assembly_cost": "late-assembly cost per unit",
    "economics.cost_product": "make-to-order set-up cost",
    "economics.imitation_rate": "speed of imitation",
    "economics.retention_gain": "retention gain from remembering",
    "economics.base_retention": "base retention",
    "economics.order_cost_product": "make-to-order cost per order",
}
"""Readable names of the tornado inputs (used in reports)."""

DEFAULT_TORNADO_INPUTS = (
    "market_size",
    "market.outside_utility",
    "market.base_price",
    "market.base_cost",
    "market.fit_scale",
    "costs.fixed_cost_per_module",
    "costs.complexity_scale",
    "costs.holding_cost",
    "costs.assembly_cost",
    "economics.cost_product",
    "economics.imitation_rate",
    "economics.retention_gain",
    "economics.base_retention",
    "economics.order_cost_product",
)
"""Inputs perturbed by ``VarietyOptimizer.tornado`` unless told otherwise."""


def _face(name: str) -> Face:
    if name == "standard":
        return STANDARD
    if name not in FACES:
        raise ParameterError(f"face: expected 'standard' or one of {list(FACES)}, got {name!r}")
    return FACES[name]


class VarietyOptimizer:
    """Search variety × customization type × premium for maximum profit (module docstring).

    Parameters
    ----------
    market
        ``ChoiceMarket`` (customers' preferences, prices, module costs).
    costs, economics
        ``VarietyCosts`` and ``FaceEconomics`` (defaults documented there).
    faces
        Faces to compare; ``"standard"`` is the non-customized baseline.
    premium_grid
        Candidate customization premiums (currency per unit); default 0..30 step 2.
    market_size
        Customers in the market the sample represents (default: the sample size).
    customer_weight
        (n,) units per period a buying customer takes (a value proxy; default 1).
    method
        ``"exhaustive"`` or ``"coordinate"``; ``"auto"`` = exhaustive when at most
        ``max_exhaustive`` variety candidates, else coordinate.
    chunk_elements
        Candidates × customers evaluated per NumPy block (memory bound).

    After ``fit()``: ``best_`` (dict), ``by_face_`` (frame, best per face), ``evaluations_``
    (every evaluated candidate).
    """

    def __init__(
        self,
        market: ChoiceMarket,
        costs: VarietyCosts | None = None,
        economics: FaceEconomics | None = None,
        faces: tuple[str, ...] = ("standard", *FACES),
        premium_grid=None,
        market_size: float | None = None,
        customer_weight=None,
        method: str = "auto",
        max_exhaustive: int = 5_000,
        chunk_elements: int = 4_000_000,
    ) -> None:
        self.market = market
        self.costs = costs or VarietyCosts()
        self.economics = economics or FaceEconomics()
        self.faces = tuple(faces)
        for f in self.faces:
            _face(f)
        grid = (
            np.arange(0.0, 31.0, 2.0) if premium_grid is None else np.asarray(premium_grid, float)
        )
        if grid.ndim != 1 or grid.size == 0 or np.any(~np.isfinite(grid)):
            raise ParameterError("premium_grid: expected a non-empty 1-D array of finite premiums")
        self.premium_grid = grid
        n = market.n_customers
        self.market_size = float(n if market_size is None else market_size)
        if self.market_size <= 0:
            raise ParameterError(f"market_size: expected > 0, got {market_size}")
        w = (
            np.ones(n)
            if customer_weight is None
            else np.asarray(customer_weight, float).reshape(-1)
        )
        if w.shape != (n,) or np.any(~np.isfinite(w)) or np.any(w < 0):
            raise ParameterError(f"customer_weight: expected {n} finite values >= 0")
        self.customer_weight = w
        if method not in ("auto", "exhaustive", "coordinate"):
            raise ParameterError(
                f"method: expected 'auto', 'exhaustive' or 'coordinate', got {method!r}"
            )
        self.method = method
        self.max_exhaustive = int(max_exhaustive)
        self.chunk_elements = int(chunk_elements)
        self._prepare()

    # ------------------------------------------------------------ evaluation
    def _prepare(self) -> None:
        ivs, margins = self.market.cumulative_tables()
        sizes = self.market._sizes
        n = self.market.n_customers
        kmax = int(sizes.max())
        self._iv = np.full((len(sizes), kmax, n), np.nan)
        self._mg = np.full((len(sizes), kmax, n), np.nan)
        for a, (t, m) in enumerate(zip(ivs, margins, strict=True)):
            self._iv[a, : t.shape[0]] = t
            self._mg[a, : m.shape[0]] = m
        self._iv1 = self._iv[:, 0].sum(axis=0)
        self._sizes = sizes

    def evaluate(self, k, premium, face: str) -> pd.DataFrame:
        """Profit and its parts for candidates ``k`` (B, A) and ``premium`` (B,) of one face.

        Columns: modules, configurations, premium, share, units, unit_cost, mode, contribution
        (PV), complexity_cost (PV), fixed_cost, implementation_cost, profit (currency).
        """
        k = np.atleast_2d(np.asarray(k, dtype=int))
        if k.shape[1] != len(self._sizes) or np.any(k < 1) or np.any(k > self._sizes):
            raise ParameterError(
                f"k: expected rows of {len(self._sizes)} counts within 1..{self._sizes.tolist()}"
            )
        prem = np.broadcast_to(np.asarray(premium, dtype=float), (k.shape[0],))
        out = [
            self._evaluate_block(k[s : s + self._block], prem[s : s + self._block], face)
            for s in range(0, k.shape[0], self._block)
        ]
        return pd.concat(out, ignore_index=True)

    @property
    def _block(self) -> int:
        return max(1, self.chunk_elements // max(1, self.market.n_customers))

    def _evaluate_block(self, k: np.ndarray, prem: np.ndarray, face_name: str) -> pd.DataFrame:
        face = _face(face_name)
        mk, e, c = self.market, self.economics, self.costs
        phi = e.fit_capture(face)
        a_f, e_f, d = e.lifetime_factors(face)
        order = e.order_cost(face)
        n_attr = k.shape[1]
        # variety-dependent parts once per distinct k; premiums only shift utility by α·π
        uk, inv = np.unique(k, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        iv = np.zeros((uk.shape[0], mk.n_customers))
        mg = np.zeros_like(iv)
        for a in range(n_attr):
            iv += self._iv[a, uk[:, a] - 1]
            mg += self._mg[a, uk[:, a] - 1]
        base_u = (
            mk.firm_constant
            - mk.outside_utility
            + mk.price_coef * mk.base_price
            + (1 - phi) * self._iv1
        )[None, :] + phi * iv
        u = base_u[inv]
        u += mk.price_coef[None, :] * prem[:, None]
        pw = special.expit(u, out=u)
        pw *= self.customer_weight[None, :]
        scale = self.market_size / mk.n_customers
        total = pw.sum(axis=1)
        units = scale * total
        module_margin = np.empty(k.shape[0])
        for j in range(uk.shape[0]):
            rows = np.flatnonzero(inv == j)
            module_margin[rows] = pw[rows] @ mg[j]
        base = mk.base_price - mk.base_cost - order
        margin_sum = scale * (base * total + module_margin)
        unit_cost, postponed = c.unit_cost(k, units)
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
                "share": total / self.customer_weight.sum(),
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

    # ---------------------------------------------------------------- search
    def _resolved_method(self) -> str:
        if self.method != "auto":
            return self.method
        return "exhaustive" if int(np.prod(self._sizes)) <= self.max_exhaustive else "coordinate"

    def _search_face(self, face: str) -> tuple[pd.Series, pd.DataFrame]:
        n_attr = len(self._sizes)
        if face == "standard":
            table = self.evaluate(np.ones((1, n_attr), int), [0.0], face)
            return table.iloc[0], table
        if self._resolved_method() == "exhaustive":
            ks = np.array(list(itertools.product(*[range(1, s + 1) for s in self._sizes])))
            grid_k = np.repeat(ks, len(self.premium_grid), axis=0)
            grid_p = np.tile(self.premium_grid, len(ks))
            table = self.evaluate(grid_k, grid_p, face)
            return table.loc[table["profit"].idxmax()], table
        return self._coordinate(face)

    def _coordinate(self, face: str, max_sweeps: int = 30) -> tuple[pd.Series, pd.DataFrame]:
        """Alternate one-attribute moves (at the current premium) and premium moves (at the
        current variety) until neither improves; then a joint (attribute × premium) polish
        step per attribute, repeating the search if it finds a better point."""
        names = list(self.market.space.attributes)
        n_attr = len(names)
        g = self.premium_grid
        starts = [np.ones(n_attr, int), self._sizes.copy()]
        tables, best = [], None

        def best_row(cand, prem):
            table = self.evaluate(cand, prem, face)
            tables.append(table)
            return table.loc[table["profit"].idxmax()]

        def k_of(row):
            return np.array([int(row[f"k_{n}"]) for n in names])

        for k0 in starts:
            cur = best_row(np.repeat(k0[None, :], len(g), axis=0), g)
            for _ in range(max_sweeps):
                k, prem = k_of(cur), float(cur["premium"])
                improved = False
                for a in range(n_attr):
                    cand = np.repeat(k[None, :], self._sizes[a], axis=0)
                    cand[:, a] = np.arange(1, self._sizes[a] + 1)
                    row = best_row(cand, np.full(len(cand), prem))
                    if row["profit"] > cur["profit"] * (1 + 1e-12) + 1e-9:
                        cur, improved, k = row, True, k_of(row)
                row = best_row(np.repeat(k[None, :], len(g), axis=0), g)
                if row["profit"] > cur["profit"] * (1 + 1e-12) + 1e-9:
                    cur, improved = row, True
                if improved:
                    continue
                # joint polish: each attribute together with the premium
                k = k_of(cur)
                for a in range(n_attr):
                    cand = np.repeat(k[None, :], self._sizes[a] * len(g), axis=0)
                    cand[:, a] = np.repeat(np.arange(1, self._sizes[a] + 1), len(g))
                    row = best_row(cand, np.tile(g, self._sizes[a]))
                    if row["profit"] > cur["profit"] * (1 + 1e-12) + 1e-9:
                        cur, improved = row, True
                        break
                if not improved:
                    break
            if best is None or cur["profit"] > best["profit"]:
                best = cur
        table = pd.concat(tables, ignore_index=True).drop_duplicates(
            subset=[f"k_{n}" for n in names] + ["premium"]
        )
        return best, table

    def fit(self) -> VarietyOptimizer:
        """Find the best variety and premium per face and the overall optimum."""
        rows, tables = [], []
        for f in self.faces:
            row, table = self._search_face(f)
            rows.append(row)
            tables.append(table)
        self.by_face_ = pd.DataFrame(rows).set_index("face")
        self.evaluations_ = pd.concat(tables, ignore_index=True)
        best_face = self.by_face_["profit"].idxmax()
        b = self.by_face_.loc[best_face]
        self.best_ = {
            "face": best_face,
            "modules_per_attribute": {
                name: int(b[f"k_{name}"]) for name in self.market.space.attributes
            },
            "modules": int(b["modules"]),
            "configurations": int(b["configurations"]),
            "premium": float(b["premium"]),
            "profit": float(b["profit"]),
            "share": float(b["share"]),
            "units": float(b["units"]),
            "mode": str(b["mode"]),
            "method": self._resolved_method(),
        }
        return self

    # ----------------------------------------------------------- sensitivity
    def profit_by_modules(self) -> pd.DataFrame:
        """Best profit per face for each total number of modules (from the evaluations)."""
        self._check_fitted()
        ev = self.evaluations_
        idx = ev.groupby(["face", "modules"])["profit"].idxmax()
        return ev.loc[idx].reset_index(drop=True)

    def profit_curve(self, face: str | None = None) -> pd.DataFrame:
        """Profit as each attribute's module count varies, others at the optimum and premium
        re-optimized on the grid: columns attribute, k, profit, premium."""
        self._check_fitted()
        face = face or self.best_["face"]
        row = self.by_face_.loc[face]
        names = list(self.market.space.attributes)
        k_opt = np.array([int(row[f"k_{n}"]) for n in names])
        g = self.premium_grid
        out = []
        for a, name in enumerate(names):
            cand = np.repeat(k_opt[None, :], self._sizes[a] * len(g), axis=0)
            cand[:, a] = np.repeat(np.arange(1, self._sizes[a] + 1), len(g))
            t = self.evaluate(cand, np.tile(g, self._sizes[a]), face)
            t["attribute"], t["k"] = name, cand[:, a]
            best = t.loc[t.groupby("k")["profit"].idxmax(), ["attribute", "k", "profit", "premium"]]
            out.append(best)
        return pd.concat(out, ignore_index=True)

    def _with_input(self, name: str, value: float) -> VarietyOptimizer:
        group, _, field = name.partition(".")
        market, costs, econ = self.market, self.costs, self.economics
        size = self.market_size
        if name == "market_size":
            size = value
        elif group == "market":
            market = market.with_(**{field: value})
        elif group == "costs":
            costs = replace(costs, **{field: value})
        elif group == "economics":
            econ = econ.with_(**{field: value})
        else:
            raise ParameterError(
                f"tornado input {name!r}: expected 'market.X', 'costs.X' or 'economics.X'"
            )
        return VarietyOptimizer(
            market,
            costs,
            econ,
            self.faces,
            self.premium_grid,
            size,
            self.customer_weight,
            self.method,
            self.max_exhaustive,
            self.chunk_elements,
        )

    def _input_value(self, name: str) -> float:
        if name == "market_size":
            return self.market_size
        group, _, field = name.partition(".")
        obj = {"market": self.market, "costs": self.costs, "economics": self.economics}.get(group)
        if obj is None or not hasattr(obj, field):
            raise ParameterError(f"tornado input {name!r} is unknown")
        value = getattr(obj, field)
        if value is None:
            raise ParameterError(f"tornado input {name!r} has no numeric value to perturb")
        return float(value)

    def tornado(
        self,
        inputs=DEFAULT_TORNADO_INPUTS,
        rel: float = 0.2,
        ranges: dict | None = None,
        n_sample: int | None = 2_000,
        seed: int = 0,
    ) -> pd.DataFrame:
        """Re-optimize with each input at ``(1 ± rel)`` × its value (``± rel`` in absolute
        terms for inputs equal to 0) or at ``ranges[name] = (low, high)``.

        To stay fast, re-optimizations use a random sample of ``n_sample`` customers (scaled
        to the same market; ``None`` = all). Returns one row per input, sorted by swing:
        low/high values, the base optimal profit on the sample (``base_profit``), optimal
        profit at each end, the decision (``face k…``) at each end and whether it differs from
        the base decision on the same sample.
        """
        self._check_fitted()
        ranges = dict(ranges or {})
        base = self._subsample(n_sample, seed)
        base_fit = base if base is self else base.fit()
        base_decision = self._decision(base_fit)
        rows = []
        for name in inputs:
            v = self._input_value(name)
            step = abs(v) * rel if v != 0 else rel
            low, high = ranges.get(name, (v - step, v + step))
            res = {}
            for tag, val in (("low", low), ("high", high)):
                opt = base._with_input(name, val).fit()
                res[tag] = (val, opt.best_["profit"], self._decision(opt))
            rows.append(
                {
                    "input": name,
                    "base_value": v,
                    "base_profit": base_fit.best_["profit"],
                    "low_value": res["low"][0],
                    "high_value": res["high"][0],
                    "profit_low": res["low"][1],
                    "profit_high": res["high"][1],
                    "decision_low": res["low"][2],
                    "decision_high": res["high"][2],
                    "decision_changes": res["low"][2] != base_decision
                    or res["high"][2] != base_decision,
                }
            )
        out = pd.DataFrame(rows)
        out.insert(1, "label", [INPUT_LABELS.get(n, n) for n in out["input"]])
        out["swing"] = (out["profit_high"] - out["profit_low"]).abs()
        return out.sort_values("swing", ascending=False, ignore_index=True)

    def _subsample(self, n_sample: int | None, seed: int) -> VarietyOptimizer:
        n = self.market.n_customers
        if n_sample is None or n_sample >= n:
            return self
        idx = np.random.default_rng(seed).choice(n, int(n_sample), replace=False)
        mk = self.market
        sub = ChoiceMarket(
            mk.space,
            mk.part_worths[idx],
            mk.price_coef[idx],
            mk.module_price,
            mk.module_cost,
            mk.base_price,
            mk.base_cost,
            mk.firm_constant,
            mk.outside_utility,
            mk.fit_scale,
        )
        return VarietyOptimizer(
            sub,
            self.costs,
            self.economics,
            self.faces,
            self.premium_grid,
            self.market_size,
            self.customer_weight[idx],
            self.method,
            self.max_exhaustive,
            self.chunk_elements,
        )

    @staticmethod
    def _decision(opt: VarietyOptimizer) -> str:
        k = "×".join(str(v) for v in opt.best_["modules_per_attribute"].values())
        return f"{opt.best_['face']} {k}"

    def profit_interval(
        self, face: str | None = None, n_boot: int = 500, alpha: float = 0.05, seed: int = 0
    ) -> dict:
        """Sampling interval of the optimal profit of ``face`` (default: the best) and of its
        gain over the standard product, at the chosen decision, by resampling customers
        (Poisson bootstrap weights; the decision is not re-optimized).

        Returns ``{"profit", "profit_ci", "gain", "gain_ci"}`` (currency).
        """
        self._check_fitted()
        face = face or self.best_["face"]
        names = list(self.market.space.attributes)
        rng = np.random.default_rng(seed)
        weights = rng.poisson(1.0, size=(int(n_boot), self.market.n_customers)).astype(float)

        def boot(face_name: str) -> tuple[float, np.ndarray]:
            row = self.by_face_.loc[face_name] if face_name in self.by_face_.index else None
            if face_name == "standard" or row is None:
                k = np.ones(len(names), int)
                prem = 0.0
            else:
                k = np.array([int(row[f"k_{n}"]) for n in names])
                prem = float(row["premium"])
            f = _face(face_name)
            c = self.costs
            a_f, e_f, d = self.economics.lifetime_factors(f)
            pw, margin = self._purchase_and_margin(k, prem, f)
            scale = self.market_size / self.market.n_customers
            fixed = c.complexity_cost(k) * d + c.fixed_cost(k) + self.economics.fixed_cost(f)

            def profit(units, margin_sum):
                unit_cost, _ = c.unit_cost(
                    np.broadcast_to(k, (len(np.atleast_1d(units)), len(k))), units
                )
                return (margin_sum - units * unit_cost) * a_f + prem * units * e_f - fixed

            point = profit(np.atleast_1d(scale * pw.sum()), np.atleast_1d(scale * pw @ margin))[0]
            draws = profit(scale * weights @ pw, scale * weights @ (pw * margin))
            return float(point), draws

        p_point, p_draws = boot(face)
        s_point, s_draws = boot("standard")
        q = [alpha / 2, 1 - alpha / 2]
        return {
            "profit": p_point,
            "profit_ci": tuple(np.quantile(p_draws, q)),
            "gain": p_point - s_point,
            "gain_ci": tuple(np.quantile(p_draws - s_draws, q)),
        }

    # ---------------------------------------------------- customer selection
    def customer_increment(self, face: str | None = None) -> np.ndarray:
        """(n,) per-customer PV contribution of the face's optimal offer minus the standard
        product's (currency per customer, before shared fixed and complexity costs)."""
        self._check_fitted()
        face = face or self.best_["face"]
        names = list(self.market.space.attributes)
        row = self.by_face_.loc[face]
        k = np.array([[int(row[f"k_{n}"]) for n in names]])
        custom = self._per_customer(k, float(row["premium"]), face, float(row["unit_cost"]))
        std_row = self.evaluate(np.ones_like(k), [0.0], "standard").iloc[0]
        standard = self._per_customer(np.ones_like(k), 0.0, "standard", float(std_row["unit_cost"]))
        return custom - standard

    def _purchase_and_margin(self, k: np.ndarray, premium: float, face) -> tuple[np.ndarray, np.ndarray]:
        """For one decision (``k``: modules per attribute, shape (attributes,)): each
        customer's weighted purchase probability and yearly margin before the module unit
        cost, both shape (n_customers,)."""
        mk, e = self.market, self.economics
        iv = sum(self._iv[a, k[a] - 1] for a in range(len(k)))
        mg = sum(self._mg[a, k[a] - 1] for a in range(len(k)))
        u = (
            mk.firm_constant
            - mk.outside_utility
            + self._iv1
            + e.fit_capture(face) * (iv - self._iv1)
            + mk.price_coef * (mk.base_price + premium)
        )
        pw = special.expit(u) * self.customer_weight
        margin = mk.base_price - mk.base_cost - e.order_cost(face) + mg
        return pw, margin

    def _per_customer(self, k, premium, face_name, unit_cost) -> np.ndarray:
        face = _face(face_name)
        a_f, e_f, _ = self.economics.lifetime_factors(face)
        pw, margin = self._purchase_and_margin(k[0], premium, face)
        return pw * ((margin - unit_cost) * a_f + premium * e_f)

    def fixed_cost_hurdle(self, face: str | None = None) -> float:
        """Extra fixed and complexity costs (PV) of the face's optimal offer over the standard
        product, per customer in the market (currency): what a customer must bring in to
        pay her share of the customization investment."""
        self._check_fitted()
        face = face or self.best_["face"]
        row = self.by_face_.loc[face]
        std = self.evaluate(np.ones((1, len(self._sizes)), int), [0.0], "standard").iloc[0]
        extra = (
            row["fixed_cost"]
            + row["complexity_cost"]
            + row["implementation_cost"]
            - std["fixed_cost"]
            - std["complexity_cost"]
        )
        return float(extra / self.market_size)

    def selection_table(self, cells, face: str | None = None) -> pd.DataFrame:
        """Mean incremental value of the customized offer per customer cell (e.g. value ×
        needs): customers, mean_increment (PV per customer, before fixed costs),
        share_positive, hurdle (``fixed_cost_hurdle``) and recommendation ('customized' when
        the mean increment exceeds the hurdle, else 'standard')."""
        cells = pd.Series(np.asarray(cells), name="cell")
        if len(cells) != self.market.n_customers:
            raise ParameterError(
                f"cells: expected {self.market.n_customers} labels (one per customer), "
                f"got {len(cells)}"
            )
        inc = self.customer_increment(face)
        frame = pd.DataFrame({"cell": cells, "increment": inc})
        out = frame.groupby("cell").agg(
            customers=("increment", "size"),
            mean_increment=("increment", "mean"),
            share_positive=("increment", lambda x: float((x > 0).mean())),
        )
        hurdle = self.fixed_cost_hurdle(face)
        out["hurdle"] = hurdle
        out["recommendation"] = np.where(out["mean_increment"] > hurdle, "customized", "standard")
        return out.reset_index()

    # ------------------------------------------------------------ four faces
    def faces_table(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The seed's comparison of the four faces from this market model at each face's
        optimum: ``(numbers, labels)``.

        numbers: implementation_cost (fixed + PV of per-order costs, currency),
        ease_of_imitation (per period), closeness (0..1), competitive_advantage (incremental
        contribution over the standard product still earned in the last horizon period, per
        market customer, currency), profit. labels: ``faces.label_table``.
        """
        self._check_fitted()
        e = self.economics
        last = int(e.horizon) - 1
        std = self.evaluate(np.ones((1, len(self._sizes)), int), [0.0], "standard").iloc[0]
        a_0, _, _ = e.lifetime_factors(STANDARD)
        std_per_period = std["contribution"] / a_0  # contribution per period, no erosion
        rows = []
        for name, face in FACES.items():
            if name not in self.by_face_.index:
                raise ParameterError(f"faces_table: fit with all four faces (missing {name!r})")
            r = self.by_face_.loc[name]
            a_f, e_f, _ = e.lifetime_factors(face)
            premium_part = r["premium"] * r["units"]
            base_part = (r["contribution"] - premium_part * e_f) / a_f
            psi, lam = e.protection(face), e.imitation(face)
            late = e.retention(face) ** last * (
                base_part + premium_part * (psi + (1 - psi) * np.exp(-lam * last))
            )
            advantage = (late - e.base_retention**last * std_per_period) / self.market_size
            rows.append(
                {
                    "face": name,
                    "implementation_cost": e.fixed_cost(face)
                    + e.order_cost(face) * r["units"] * a_f,
                    "ease_of_imitation": lam,
                    "closeness": e.closeness(face),
                    "competitive_advantage": advantage,
                    "profit": r["profit"],
                }
            )
        numbers = pd.DataFrame(rows).set_index("face")
        return numbers, label_table(numbers)

    def sweep(self, name: str, values, n_sample: int | None = 2_000, seed: int = 0) -> pd.DataFrame:
        """Best profit per face as one input varies (names as in ``tornado``), re-optimized
        on a customer sample; column ``best`` shows where the ranking flips."""
        self._check_fitted()
        base = self._subsample(n_sample, seed)
        rows = []
        for v in np.asarray(values, dtype=float):
            opt = base._with_input(name, float(v)).fit()
            profits = opt.by_face_["profit"]
            rows.append({name: v, **profits.to_dict(), "best": profits.idxmax()})
        return pd.DataFrame(rows).set_index(name)

    def _check_fitted(self) -> None:
        if not hasattr(self, "best_"):
            raise ParameterError("VarietyOptimizer: call fit() first")
