"""The cost of variety: stated, parameterized forms (all money in currency units).

For a variety ``k = (k_1, …, k_A)`` modules per attribute, ``M = Σ k_a`` modules and
``N = Π k_a`` configurations, sold at ``Q`` units per period:

- **Fixed cost per module** (design, tooling, listing; one-off) for every module beyond the
  standard product's one per attribute: ``fixed_cost_per_module · (M − A)``.
- **Complexity cost** (managing parts, SKUs, planning; per period), growing faster than
  linearly with modules: ``complexity_scale · M ** complexity_exponent``.
- **Per-unit cost of serving variety**, two production modes:

  * *make-to-stock* (finished configurations stocked): Poisson demand split evenly over the
    ``N`` configurations needs safety stock ``z·sqrt(Q/N)`` per configuration, i.e.
    ``z·sqrt(N·Q)`` in total (square-root law); per unit sold
    ``holding_cost · z · sqrt(N / Q)``.
  * *postponed* (late-stage) assembly: modules are stocked and assembled to order at an
    extra ``assembly_cost`` per unit; stock per attribute is ``z·sqrt(k_a·Q)`` module units,
    so per unit sold ``assembly_cost + module_holding_cost · z · Σ_a sqrt(k_a / Q)``.

  Make-to-stock grows with the *product* of module counts, postponement with their *sum* of
  square roots plus a flat assembly premium: postponement wins once variety is large.

Everything is vectorized over rows of ``k`` (shape ``(..., A)``) and broadcast ``Q``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError

__all__ = ["VarietyCosts"]


@dataclass(frozen=True)
class VarietyCosts:
    """Parameters of the cost of variety (defaults: a consumer financial product, per year).

    Defaults: a module (a new rate, fee scheme, design or rewards scheme) costs 150,000 to
    design, approve and launch; complexity costs 5,000 · M^1.5 a year (≈ 40,000 for the
    4-module standard product, ≈ 180,000 for 11 modules).

    Attributes
    ----------
    fixed_cost_per_module
        One-off cost of designing and launching one module beyond the standard product
        (currency).
    complexity_scale, complexity_exponent
        Per-period complexity cost ``complexity_scale · M ** complexity_exponent`` (currency
        per period; exponent > 1 = complexity grows faster than the module count).
    holding_cost
        Cost of holding one finished unit in safety stock for a period (currency/unit/period).
    module_holding_cost
        Same for one module's worth of stock; ``None`` = ``holding_cost / A`` (a module is a
        fraction of the product's value).
    service_z
        Safety factor (1.645 ≈ 95% cycle service level).
    assembly_cost
        Extra cost per unit of late-stage (postponed) assembly to order (currency/unit).
    """

    fixed_cost_per_module: float = 150_000.0
    complexity_scale: float = 5_000.0
    complexity_exponent: float = 1.5
    holding_cost: float = 20.0
    module_holding_cost: float | None = None
    service_z: float = 1.645
    assembly_cost: float = 1.5

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is None:
                continue
            if not np.isfinite(value) or value < 0:
                raise ParameterError(
                    f"VarietyCosts.{name}: expected a finite number >= 0, got {value}"
                )

    # ------------------------------------------------------------------ pieces
    @staticmethod
    def _k(modules_per_attribute) -> np.ndarray:
        k = np.asarray(modules_per_attribute, dtype=float)
        if k.ndim == 0 or np.any(k < 1):
            raise ParameterError("modules_per_attribute: expected an array (..., A) of counts >= 1")
        return k

    def fixed_cost(self, modules_per_attribute) -> np.ndarray:
        """Return the one-off cost of the modules beyond the standard product.

        The cost is ``fixed_cost_per_module · (M − A)`` (M modules, A attributes).

        Parameters
        ----------
        modules_per_attribute : array-like of int
            Modules offered per attribute (each at least 1), shape (..., attributes): one
            candidate or one row per candidate.

        Returns
        -------
        numpy.ndarray
            Dollars, shape ``k.shape[:-1]`` (a 0-d array for one candidate).
        """
        k = self._k(modules_per_attribute)
        return self.fixed_cost_per_module * (k.sum(axis=-1) - k.shape[-1])

    def complexity_cost(self, modules_per_attribute) -> np.ndarray:
        """Return the yearly complexity cost ``complexity_scale · M ** complexity_exponent``.

        Parameters
        ----------
        modules_per_attribute : array-like of int
            Modules offered per attribute (each at least 1), shape (..., attributes): one
            candidate or one row per candidate.

        Returns
        -------
        numpy.ndarray
            Dollars per year, shape ``k.shape[:-1]``.
        """
        m = self._k(modules_per_attribute).sum(axis=-1)
        return self.complexity_scale * m**self.complexity_exponent

    def _k_q(self, modules_per_attribute, units_per_period) -> tuple[np.ndarray, np.ndarray]:
        """Return module counts and units per period floored at 1e-9 (both modes' inputs)."""
        return self._k(modules_per_attribute), np.maximum(
            np.asarray(units_per_period, dtype=float), 1e-9
        )

    def unit_cost_make_to_stock(self, modules_per_attribute, units_per_period) -> np.ndarray:
        """Return the per-unit safety-stock cost of stocking finished configurations.

        Parameters
        ----------
        modules_per_attribute : array-like of int
            Modules offered per attribute (each at least 1), shape (..., attributes): one
            candidate or one row per candidate.
        units_per_period : float or array-like
            Units sold per year (broadcast against the candidates).

        Returns
        -------
        numpy.ndarray
            Dollars per unit, one per candidate.
        """
        k, q = self._k_q(modules_per_attribute, units_per_period)
        n_conf = k.prod(axis=-1)
        return self.holding_cost * self.service_z * np.sqrt(n_conf / q)

    def unit_cost_postponed(self, modules_per_attribute, units_per_period) -> np.ndarray:
        """Return the per-unit cost of assembling to order from stocked modules.

        Parameters
        ----------
        modules_per_attribute : array-like of int
            Modules offered per attribute (each at least 1), shape (..., attributes): one
            candidate or one row per candidate.
        units_per_period : float or array-like
            Units sold per year (broadcast against the candidates).

        Returns
        -------
        numpy.ndarray
            Dollars per unit (assembly plus module safety stock), one per candidate.
        """
        k, q = self._k_q(modules_per_attribute, units_per_period)
        h_m = self.module_holding_cost
        if h_m is None:
            h_m = self.holding_cost / k.shape[-1]
        stock = np.sqrt(k).sum(axis=-1) / np.sqrt(q)
        return self.assembly_cost + h_m * self.service_z * stock

    def unit_cost(self, modules_per_attribute, units_per_period) -> np.ndarray:
        """Per-unit cost of the cheaper of the two modes (currency/unit).

        Parameters
        ----------
        modules_per_attribute : array-like of int
            Modules offered per attribute (rows: candidates).
        units_per_period : float or array-like
            Units sold per period.

        Returns
        -------
        numpy.ndarray
            ``min(make-to-stock, postponed)`` per candidate.
        """
        return np.minimum(*self._mode_costs(modules_per_attribute, units_per_period))

    def _mode_costs(self, k, q) -> tuple[np.ndarray, np.ndarray]:
        return self.unit_cost_make_to_stock(k, q), self.unit_cost_postponed(k, q)

    def postponed(self, modules_per_attribute, units_per_period) -> np.ndarray:
        """Whether postponed assembly is cheaper than make-to-stock.

        Parameters
        ----------
        modules_per_attribute : array-like of int
            Modules offered per attribute (rows: candidates).
        units_per_period : float or array-like
            Units sold per period.

        Returns
        -------
        numpy.ndarray
            Boolean per candidate (True = assemble to order).
        """
        mts, post = self._mode_costs(modules_per_attribute, units_per_period)
        return post < mts

    def breakdown(self, modules_per_attribute, units_per_period) -> pd.DataFrame:
        """Return a cost table for candidate module counts: modules, configurations, each piece.

        Parameters
        ----------
        modules_per_attribute : array-like of int
            2-D (candidates, attributes) module counts, each at least 1.
        units_per_period : float or array-like
            Units sold per year (broadcast against the candidates).

        Returns
        -------
        pandas.DataFrame
            One row per candidate: ``modules``, ``configurations``, ``units_per_period``,
            ``fixed_cost`` (dollars), ``complexity_cost_per_period`` (dollars per year),
            ``unit_cost_make_to_stock``, ``unit_cost_postponed``, ``unit_cost`` (dollars per
            unit) and ``mode`` (the cheaper one).
        """
        k = np.atleast_2d(self._k(modules_per_attribute))
        q = np.broadcast_to(np.asarray(units_per_period, dtype=float), k.shape[:-1])
        unit, postponed = self.unit_cost(k, q), self.postponed(k, q)
        return pd.DataFrame(
            {
                "modules": k.sum(axis=1).astype(int),
                "configurations": k.prod(axis=1).astype(np.int64),
                "units_per_period": q,
                "fixed_cost": self.fixed_cost(k),
                "complexity_cost_per_period": self.complexity_cost(k),
                "unit_cost_make_to_stock": self.unit_cost_make_to_stock(k, q),
                "unit_cost_postponed": self.unit_cost_postponed(k, q),
                "unit_cost": unit,
                "mode": np.where(postponed, "postponed", "make_to_stock"),
            }
        )

    def params(self) -> pd.DataFrame:
        """Return the parameters as a table (name, value) for reports.

        Returns
        -------
        pandas.DataFrame
            Columns ``parameter`` and ``value``, one row per constructor argument.
        """
        return pd.DataFrame({"parameter": list(asdict(self)), "value": list(asdict(self).values())})
