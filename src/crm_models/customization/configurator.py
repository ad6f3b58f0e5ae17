"""The configurator nest of :class:`~crm_models.customization.choice.ChoiceMarket`.

The firm offers the first ``k_a`` modules of each attribute and the customer builds any
combination: a nested logit (buy from the firm or not, then which configuration) whose
inclusive value factorizes over attributes, so it costs O(customers × modules). See the
module docstring of :mod:`crm_models.customization.choice` for the formulas.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from crm_models.customization.choice_results import ConfiguratorEvaluation
from crm_models.customization.configurations import ProductSpace
from crm_models.errors import ParameterError

__all__ = ["ConfiguratorNest"]


class ConfiguratorNest:
    """Configurator methods shared by :class:`ChoiceMarket` (a mixin over its attributes)."""

    # Attributes and methods provided by ChoiceMarket (declared for the type checker).
    space: ProductSpace
    fit_scale: float
    module_price: np.ndarray
    module_cost: np.ndarray
    firm_constant: float
    price_coef: np.ndarray
    base_price: float
    base_cost: float
    outside_utility: float
    _starts: np.ndarray
    _sizes: np.ndarray

    def module_utilities(self) -> np.ndarray:  # pragma: no cover - defined by ChoiceMarket
        """Return the (n_customers, n_modules) module utilities (see ``ChoiceMarket``)."""
        raise NotImplementedError

    def standard_logsum(self) -> np.ndarray:  # pragma: no cover - defined by ChoiceMarket
        """Return the (n,) logsum of the standard product and the outside option."""
        raise NotImplementedError

    def _cumulative_tables(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Return per-attribute tables of nest inclusive value and expected module margin.

        Per attribute ``a``: (K_a, n) arrays of the nest inclusive value and of the expected
        module margin (price − cost) when offering the first k = 1..K_a modules.
        """
        lam = self.fit_scale
        v = self.module_utilities() / lam
        margin = self.module_price - self.module_cost
        ivs, margins = [], []
        for s, size in zip(self._starts, self._sizes, strict=True):
            va = v[:, s : s + size]
            iv = lam * np.logaddexp.accumulate(va, axis=1)
            w = np.exp(va - va.max(axis=1, keepdims=True))
            num = np.cumsum(w * margin[s : s + size], axis=1)
            den = np.maximum(np.cumsum(w, axis=1), 1e-300)
            ivs.append(np.ascontiguousarray(iv.T))
            margins.append(np.ascontiguousarray((num / den).T))
        return ivs, margins

    def _check_k(self, k) -> np.ndarray:
        k = np.asarray(k, dtype=int).reshape(-1)
        if k.shape[0] != len(self._sizes) or np.any(k < 1) or np.any(k > self._sizes):
            raise ParameterError(
                f"modules_per_attribute: expected {len(self._sizes)} counts in "
                f"1..{self._sizes.tolist()}, "
                f"got {k.tolist()}"
            )
        return k

    def configurator_utility(
        self, k, fit_capture: float = 1.0, extra_price: float = 0.0
    ) -> np.ndarray:
        """(n,) utility of buying from a configurator offering the first ``k_a`` modules.

        ``U_std + fit_capture · (IV(k) − IV(1)) + firm_constant + α·(base_price + extra)``;
        ``fit_capture`` ∈ [0, 1] is the share of the fit gain the customization type delivers.
        """
        k = self._check_k(k)
        ivs, _ = self._cumulative_tables()
        iv = sum(t[ki - 1] for t, ki in zip(ivs, k, strict=True))
        iv1 = sum(t[0] for t in ivs)
        return (
            self.firm_constant
            + iv1
            + fit_capture * (iv - iv1)
            + self.price_coef * (self.base_price + extra_price)
        )

    def evaluate_configurator(
        self, k, fit_capture: float = 1.0, extra_price: float = 0.0
    ) -> ConfiguratorEvaluation:
        """Share, revenue, margin (per customer, currency) and fit gain of a configurator.

        Parameters
        ----------
        k : array-like of int
            Modules offered per attribute (the first ``k_a`` of each).
        fit_capture : float, default 1
            Share of the fit gain the customization type delivers, 0..1.
        extra_price : float, default 0
            Price added to every configuration (currency).

        Returns
        -------
        ConfiguratorEvaluation
            Share, revenue, margin and fit gain (mean and per customer).
        """
        k = self._check_k(k)
        u = self.configurator_utility(k, fit_capture, extra_price)
        p = special.expit(u - self.outside_utility)
        _, margins = self._cumulative_tables()
        mod_margin = sum(t[ki - 1] for t, ki in zip(margins, k, strict=True))
        mod_price = sum(self._expected_module_price(a, ki) for a, ki in enumerate(k))
        logsum = np.logaddexp(u, self.outside_utility)
        gain = (logsum - self.standard_logsum()) / -self.price_coef
        return ConfiguratorEvaluation(
            share=float(p.mean()),
            revenue_per_customer=float((p * (self.base_price + extra_price + mod_price)).mean()),
            margin_per_customer=float(
                (p * (self.base_price + extra_price - self.base_cost + mod_margin)).mean()
            ),
            fit_gain=float(gain.mean()),
            fit_gain_per_customer=gain,
            probability=p,
        )

    def _expected_module_price(self, a: int, k: int) -> np.ndarray:
        s = self._starts[a]
        va = self.module_utilities()[:, s : s + k] / self.fit_scale
        return special.softmax(va, axis=1) @ self.module_price[s : s + k]

    def price_premium(self, k, fit_capture: float = 1.0, tol: float = 1e-6) -> float:
        """Return the price premium (currency) at which the configurator keeps the standard share.

        The premium is the uniform price increase at which the configurator's share equals the
        standard product's share at the standard price (bisection on a monotone function).
        """
        k = self._check_k(k)
        target = special.expit(
            self.configurator_utility(np.ones_like(k), 1.0) - self.outside_utility
        ).mean()
        base_u = self.configurator_utility(k, fit_capture) - self.outside_utility

        def share(extra: float) -> float:
            return float(special.expit(base_u + self.price_coef * extra).mean())

        lo, hi = 0.0, 1.0
        if share(lo) <= target:
            return 0.0
        while share(hi) > target:
            hi *= 2
            if hi > 1e9:
                raise ParameterError("price_premium: no finite premium restores the standard share")
        while hi - lo > tol * max(1.0, hi):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if share(mid) > target else (lo, mid)
        return 0.5 * (lo + hi)
