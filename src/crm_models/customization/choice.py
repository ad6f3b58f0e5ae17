"""Heterogeneous customers choosing among offered configurations by a logit rule.

Customer ``i`` values module ``j`` at part-worth ``β_ij`` (utility units) and money at
``α_i < 0`` (utility per currency unit). A configuration ``c`` (one module per attribute) sold
at ``base_price + Σ_j price_j + extra`` has utility

    U_ic = firm_constant + Σ_{j∈c} (β_ij + α_i·price_j) + α_i·(base_price + extra) + ε_ic

and the competitor / no-purchase option has utility ``outside_utility + ε_i0`` (ε Gumbel).

Two ways to offer variety:

- **Explicit menu** (``evaluate_menu``): a few configurations side by side, multinomial logit
  over menu ∪ {outside}.
- **Configurator** (``configurator_utility``, used by the optimizer): the firm offers the first
  ``k_a`` modules of each attribute and the customer builds any combination. Choice is a
  nested logit — buy from the firm or not, then which configuration — with within-firm scale
  ``fit_scale`` (λ ∈ (0, 1]; λ → 0: the customer finds her best fit exactly). Because
  utilities are additive over attributes, the inclusive value factorizes and costs
  O(customers × modules), never O(customers × configurations):

      IV_i(k) = Σ_a λ · log Σ_{j ≤ k_a} exp(v_ij / λ),   v_ij = β_ij + α_i·price_j

  and within the firm the module choices are independent across attributes.

Fit gain (money) = consumer-surplus gain of an offer over the standard product,
``(logsum_offer − logsum_standard) / (−α_i)`` (Small & Rosen). Price premium = the uniform
price increase at which the customized offer's share falls back to the standard product's.
All functions are vectorized over customers × alternatives.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_models.customization._display import market_repr
from crm_models.customization._rows import numeric_column
from crm_models.customization.choice_menus import MenuNest, logit_probabilities
from crm_models.customization.configurations import ProductSpace, from_products
from crm_models.errors import DataValidationError, ParameterError

__all__ = ["ChoiceMarket", "logit_probabilities"]


class ChoiceMarket(MenuNest):
    """Customers' preferences over the modules of a ``ProductSpace`` (see module docstring).

    Parameters
    ----------
    space
        The modular product; its module order within each attribute is the offering order
        (``k_a`` = first ``k_a`` modules). The first module of each attribute is the
        standard product.
    part_worths
        (n_customers, n_modules) utilities, columns in ``space`` order (attribute blocks).
    price_coef
        (n_customers,) utility per currency unit, negative.
    module_price, module_cost
        (n_modules,) add-on price and unit cost of each module (currency).
    base_price, base_cost
        Price and unit cost of the product platform (currency).
    firm_constant, outside_utility
        Utility constant of buying from the firm and of the outside option.
    fit_scale
        λ of the configurator nest, in (0, 1].
    """

    __repr__ = market_repr

    def __init__(
        self,
        space: ProductSpace,
        part_worths: np.ndarray,
        price_coef: np.ndarray,
        module_price: np.ndarray | None = None,
        module_cost: np.ndarray | None = None,
        base_price: float = 60.0,
        base_cost: float = 35.0,
        firm_constant: float = 4.0,
        outside_utility: float = 0.0,
        fit_scale: float = 0.3,
    ) -> None:
        self.space = space
        n_mod = space.n_modules
        b = np.asarray(part_worths, dtype=float)
        if b.ndim != 2 or b.shape[1] != n_mod:
            raise ParameterError(
                f"part_worths: expected shape (n_customers, {n_mod}), got {b.shape}"
            )
        a = np.asarray(price_coef, dtype=float).reshape(-1)
        if a.shape[0] != b.shape[0]:
            raise ParameterError(
                f"price_coef: expected {b.shape[0]} values (one per customer), got {a.shape[0]}"
            )
        if not np.all(np.isfinite(b)) or not np.all(np.isfinite(a)):
            raise ParameterError("part_worths / price_coef: contain NaN or infinite values")
        if np.any(a >= 0):
            raise ParameterError(
                f"price_coef: must be negative (utility per currency unit); "
                f"{int(np.sum(a >= 0))} customers have price_coef >= 0"
            )
        if not 0 < fit_scale <= 1:
            raise ParameterError(f"fit_scale: expected 0 < λ <= 1, got {fit_scale}")
        self.part_worths = b
        self.price_coef = a
        self.module_price = (
            np.zeros(n_mod) if module_price is None else np.asarray(module_price, float)
        )
        self.module_cost = (
            np.zeros(n_mod) if module_cost is None else np.asarray(module_cost, float)
        )
        for name, arr in (("module_price", self.module_price), ("module_cost", self.module_cost)):
            if arr.shape != (n_mod,):
                raise ParameterError(f"{name}: expected {n_mod} values, got shape {arr.shape}")
        self.base_price = float(base_price)
        self.base_cost = float(base_cost)
        self.firm_constant = float(firm_constant)
        self.outside_utility = float(outside_utility)
        self.fit_scale = float(fit_scale)
        sizes = [len(m) for m in space.attributes.values()]
        self._starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
        self._sizes = np.asarray(sizes, dtype=int)

    # ---------------------------------------------------------------- builders
    @property
    def n_customers(self) -> int:
        """Number of customers (rows of ``part_worths``)."""
        return self.part_worths.shape[0]

    @property
    def module_ids(self) -> list[str]:
        """Module ids of all attributes, in attribute order and module order within each."""
        return [m for mods in self.space.attributes.values() for m in mods]

    @classmethod
    def from_world(cls, world, order: str = "given", **kwargs) -> ChoiceMarket:
        """Build a market from the synthetic world's ``products`` and ``truth.part_worths``.

        Parameters
        ----------
        world : crm_models.data.synthetic.World
            The world of :func:`~crm_models.data.synthetic.simulate_world`; uses ``world.products``
            (columns module_id, attribute, price, unit_cost) and ``world.truth.part_worths``
            (one row per customer: one column per module_id plus ``price_coef``).
        order : {"given", "popularity"}, default "given"
            ``"given"`` keeps the products table order (reference module first = standard
            product); ``"popularity"`` sorts each attribute by mean module utility (descending).
        **kwargs
            Scalar inputs of :class:`ChoiceMarket` (``base_price``, ``base_cost`` in dollars,
            ``firm_constant``, ``outside_utility``, ``fit_scale``).

        Returns
        -------
        ChoiceMarket
            One customer per row of the part-worth table.
        """
        return cls.from_frames(world.products, world.truth.part_worths, order=order, **kwargs)

    @classmethod
    def from_frames(
        cls, products: pd.DataFrame, part_worths: pd.DataFrame, order: str = "given", **kwargs
    ) -> ChoiceMarket:
        """Build a market from a products table and a part-worth table.

        Parameters
        ----------
        products : pandas.DataFrame
            One row per module; columns ``module_id``, ``attribute``, ``price`` and ``unit_cost``
            (add-on price and unit cost per year, dollars). The first module of each attribute
            is the reference (standard) module.
        part_worths : pandas.DataFrame
            One row per customer; one numeric column per ``module_id`` (utility) plus
            ``price_coef`` (utility per dollar, negative).
        order : {"given", "popularity"}, default "given"
            Module order within each attribute: as given, or by mean utility (descending).
        **kwargs
            Scalar inputs of :class:`ChoiceMarket` (``base_price``, ``base_cost``, ...).

        Returns
        -------
        ChoiceMarket
            The market, modules in ``space`` order.

        Raises
        ------
        DataValidationError
            A column is missing, or a module_id / part-worth value is not usable.
        """
        need = {"module_id", "attribute", "price", "unit_cost"}
        missing = need - set(products.columns)
        if missing:
            raise DataValidationError(f"products: missing column(s) {sorted(missing)}")
        wanted = set(products["module_id"].astype(str)) | {"price_coef"}
        missing = wanted - {str(c) for c in part_worths.columns}
        if missing:
            raise DataValidationError(
                f"part_worths: missing column(s) {sorted(missing)[:5]}"
                + (f" ({len(missing)} in all)" if len(missing) > 5 else "")
                + "; expected one column per products.module_id plus 'price_coef'"
            )
        space = from_products(products)
        prod = products.assign(
            price=numeric_column(products, "price", "products"),
            unit_cost=numeric_column(products, "unit_cost", "products"),
        ).set_index(products["module_id"].astype(str))
        ids = [m for mods in space.attributes.values() for m in mods]
        by_id = {str(c): c for c in part_worths.columns}
        pw = np.column_stack([numeric_column(part_worths, by_id[m], "part_worths") for m in ids])
        market = cls(
            space,
            pw,
            numeric_column(part_worths, "price_coef", "part_worths"),
            prod.loc[ids, "price"].to_numpy(float),
            prod.loc[ids, "unit_cost"].to_numpy(float),
            **kwargs,
        )
        if order == "popularity":
            return market.reordered()
        if order != "given":
            raise ParameterError(f"order: expected 'given' or 'popularity', got {order!r}")
        return market

    @classmethod
    def simulate(
        cls,
        modules_per_attribute: Sequence[int],
        n_customers: int,
        seed: int = 0,
        pw_mean_scale: float = 0.6,
        pw_sd: float = 0.8,
        price_coef_median: float = 0.08,
        price_coef_log_sd: float = 0.3,
        price_scale: float = 8.0,
        margin_share: float = 0.4,
        **kwargs,
    ) -> ChoiceMarket:
        """Draw a random market for benchmarks and tests (reference module of each attribute = 0).

        Non-reference modules have mean part-worth ~ U(0, ``pw_mean_scale``·2), customer
        spread ``pw_sd``; module price = ``price_scale`` × mean / (2·``pw_mean_scale``) ×
        U(0.8, 1.6) (dollars), unit cost = (1 − ``margin_share``) × price; price coefficient
        −``price_coef_median`` × exp(``price_coef_log_sd`` · N(0, 1)).

        Parameters
        ----------
        modules_per_attribute : sequence of int
            Number of modules of each attribute (attributes are named ``attr1``, ``attr2``, ...).
        n_customers : int
            Customers drawn (at least 1).
        seed : int, default 0
            Seed of the random draws.
        pw_mean_scale : float, default 0.6
            Half the upper bound of the module mean part-worths (utility).
        pw_sd : float, default 0.8
            Standard deviation of part-worths across customers (utility).
        price_coef_median : float, default 0.08
            Median of −price coefficient (utility per dollar).
        price_coef_log_sd : float, default 0.3
            Spread of the log price coefficient across customers.
        price_scale : float, default 8.0
            Module price scale (dollars per year).
        margin_share : float, default 0.4
            Margin as a share of module price, in [0, 1].
        **kwargs
            Scalar inputs of :class:`ChoiceMarket`.

        Returns
        -------
        ChoiceMarket
            The simulated market.
        """
        if n_customers < 1:
            raise ParameterError(f"n_customers: expected >= 1, got {n_customers}")
        rng = np.random.default_rng(seed)
        space = ProductSpace({f"attr{a + 1}": int(k) for a, k in enumerate(modules_per_attribute)})
        n_mod = space.n_modules
        mean = rng.uniform(0, 2 * pw_mean_scale, n_mod)
        sd = np.full(n_mod, pw_sd)
        ref = np.concatenate([[0], np.cumsum(modules_per_attribute)[:-1]]).astype(int)
        mean[ref] = 0.0
        sd[ref] = 0.0
        pw = mean + sd * rng.standard_normal((n_customers, n_mod))
        alpha = -price_coef_median * np.exp(price_coef_log_sd * rng.standard_normal(n_customers))
        price = price_scale * mean / (pw_mean_scale * 2) * rng.uniform(0.8, 1.6, n_mod)
        price[ref] = 0.0
        cost = (1 - margin_share) * price
        return cls(space, pw, alpha, price, cost, **kwargs)

    def reordered(self) -> ChoiceMarket:
        """Return the market with each attribute's modules sorted by mean module utility (desc.).

        Returns
        -------
        ChoiceMarket
            Same customers; the most valued module of each attribute comes first.
        """
        v = self.module_utilities().mean(axis=0)
        order: list[int] = []
        new_attrs = {}
        for (name, mods), s in zip(self.space.attributes.items(), self._starts, strict=True):
            idx = s + np.argsort(-v[s : s + len(mods)], kind="stable")
            order.extend(int(i) for i in idx)
            new_attrs[name] = [mods[i - s] for i in idx]
        perm = np.asarray(order)
        return self._copy(
            space=ProductSpace(new_attrs, self.space.forbidden),
            part_worths=self.part_worths[:, perm],
            module_price=self.module_price[perm],
            module_cost=self.module_cost[perm],
        )

    def _copy(self, **changes) -> ChoiceMarket:
        """Return a new market with some constructor arguments changed (validated)."""
        names: tuple[str, ...] = ("space", "part_worths", "price_coef", "module_price")
        names += ("module_cost",)
        names += ("base_price", "base_cost", "firm_constant", "outside_utility", "fit_scale")
        return ChoiceMarket(**{**{n: getattr(self, n) for n in names}, **changes})

    def customers(self, idx: np.ndarray) -> ChoiceMarket:
        """Return the same market restricted to the customers at positions ``idx``.

        Parameters
        ----------
        idx : array-like of int
            Customer positions (repeats allowed).

        Returns
        -------
        ChoiceMarket
            A new market with those customers' part-worths and price coefficients.
        """
        return self._copy(part_worths=self.part_worths[idx], price_coef=self.price_coef[idx])

    def with_(self, **changes) -> ChoiceMarket:
        """Return a copy with scalar inputs changed.

        Parameters
        ----------
        **changes
            New values of ``base_price``, ``base_cost`` (dollars), ``firm_constant``,
            ``outside_utility`` or ``fit_scale``; any other name is refused.

        Returns
        -------
        ChoiceMarket
            The changed copy (validated as a new market).
        """
        scalars = ("base_price", "base_cost", "firm_constant", "outside_utility", "fit_scale")
        unknown = set(changes) - set(scalars)
        if unknown:
            raise ParameterError(
                f"ChoiceMarket.with_: unknown input(s) {sorted(unknown)}; use {scalars}"
            )
        return self._copy(**changes)

    def sample(self, n: int, seed: int = 0) -> ChoiceMarket:
        """Return a random subset of ``n`` customers (without replacement when possible).

        Parameters
        ----------
        n : int
            Customers to draw (with replacement only when ``n`` exceeds the market).
        seed : int, default 0
            Seed of the draw.

        Returns
        -------
        ChoiceMarket
            The sampled market.
        """
        rng = np.random.default_rng(seed)
        return self.customers(rng.choice(self.n_customers, n, replace=n > self.n_customers))

    # --------------------------------------------------------------- utilities
    def module_utilities(self) -> np.ndarray:
        """Return each customer's utility of each module, ``v_ij = β_ij + α_i · price_j``.

        Returns
        -------
        numpy.ndarray
            (n_customers, n_modules) utilities, columns in ``space`` order.
        """
        return self.part_worths + self.price_coef[:, None] * self.module_price[None, :]

    # ------------------------------------------------------------ configurator
    def standard_utility(self) -> np.ndarray:
        """Return each customer's utility of the standard product (first module of each attribute).

        Returns
        -------
        numpy.ndarray
            (n_customers,) utilities.
        """
        return self.menu_utilities(np.zeros((1, len(self._sizes)), dtype=int))[:, 0]

    def standard_logsum(self) -> np.ndarray:
        """Return each customer's logsum of the standard product and the outside option.

        Returns
        -------
        numpy.ndarray
            (n,) ``log(exp(standard utility) + exp(outside_utility))``.
        """
        return np.logaddexp(self.standard_utility(), self.outside_utility)
