"""Menus of explicit configurations in a :class:`~crm_models.customization.choice.ChoiceMarket`.

A menu offers a few fixed configurations; each customer picks one of them or the outside
option by multinomial logit (see the module docstring of
:mod:`crm_models.customization.choice`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from crm_models.customization.choice_results import MenuEvaluation
from crm_models.customization.configurator import ConfiguratorNest
from crm_models.errors import DataValidationError, ParameterError, format_rows

__all__ = ["MenuNest", "logit_probabilities"]


def logit_probabilities(
    utilities: np.ndarray, outside_utility: float | np.ndarray = 0.0
) -> np.ndarray:
    """Return multinomial logit probabilities over ``utilities`` plus an outside option.

    Parameters
    ----------
    utilities : numpy.ndarray
        (n, J) systematic utilities: one row per customer, one column per alternative.
    outside_utility : float or numpy.ndarray, default 0.0
        Utility of the outside (competitor / no-purchase) option: one value or one per row.

    Returns
    -------
    numpy.ndarray
        (n, J + 1) probabilities, rows summing to 1; the last column is the outside option.
    """
    u = np.asarray(utilities, dtype=float)
    if u.ndim != 2:
        raise ParameterError(
            f"utilities: expected a 2-D array (customers, alternatives), got {u.shape}"
        )
    u0 = np.broadcast_to(np.asarray(outside_utility, dtype=float), (u.shape[0],))[:, None]
    return special.softmax(np.concatenate([u, u0], axis=1), axis=1)


class MenuNest(ConfiguratorNest):
    """Menu methods shared by :class:`ChoiceMarket` (a mixin over its attributes)."""

    def _config_columns(self, configs) -> np.ndarray:
        """Return the module column indices (n_alt, A) of configurations.

        ``configs`` is a frame of module names or an int array of within-attribute positions.
        """
        names = list(self.space.attributes)
        if isinstance(configs, pd.DataFrame):
            missing = set(names) - set(configs.columns)
            if missing:
                raise DataValidationError(f"configs: missing attribute column(s) {sorted(missing)}")
            cols = np.empty((len(configs), len(names)), dtype=int)
            for j, a in enumerate(names):
                lookup = {m: i for i, m in enumerate(self.space.attributes[a])}
                bad = ~configs[a].isin(list(lookup))
                if bad.any():
                    raise DataValidationError(
                        f"configs: column {a!r} rows {format_rows(np.flatnonzero(bad))} hold "
                        "unknown "
                        f"modules {configs.loc[bad, a].unique()[:3].tolist()}"
                    )
                cols[:, j] = self._starts[j] + configs[a].map(lookup).to_numpy(int)
            return cols
        pos = np.atleast_2d(np.asarray(configs, dtype=int))
        if pos.shape[1] != len(names) or np.any(pos < 0) or np.any(pos >= self._sizes):
            raise ParameterError(
                f"configs: expected (n_alt, {len(names)}) positions within {self._sizes.tolist()}"
            )
        return self._starts[None, :] + pos

    def menu_utilities(self, configs, extra_price: float | np.ndarray = 0.0) -> np.ndarray:
        """Return each customer's systematic utility of each configuration of a menu.

        Parameters
        ----------
        configs : pandas.DataFrame or array-like of int
            Configurations: a frame of module names (one column per attribute) or an
            (n_alt, attributes) array of within-attribute module positions.
        extra_price : float or array-like, default 0
            Price added to each configuration (dollars).

        Returns
        -------
        numpy.ndarray
            (n_customers, n_alt) utilities.
        """
        cols = self._config_columns(configs)
        v = self.module_utilities()
        extra = np.broadcast_to(np.asarray(extra_price, float), (cols.shape[0],))
        price = self.base_price + extra
        return (
            self.firm_constant + v[:, cols].sum(axis=2) + self.price_coef[:, None] * price[None, :]
        )

    def menu_prices(self, configs, extra_price: float | np.ndarray = 0.0) -> np.ndarray:
        """Return the price of each configuration of a menu.

        Parameters
        ----------
        configs : pandas.DataFrame or array-like of int
            Configurations: a frame of module names (one column per attribute) or an
            (n_alt, attributes) array of within-attribute module positions.
        extra_price : float or array-like, default 0
            Price added to each configuration (currency).

        Returns
        -------
        numpy.ndarray
            (n_alt,) prices (currency): base price plus the module prices plus
            ``extra_price``.
        """
        cols = self._config_columns(configs)
        return (
            self.base_price
            + self.module_price[cols].sum(axis=1)
            + np.broadcast_to(np.asarray(extra_price, float), (cols.shape[0],))
        )

    def evaluate_menu(self, configs, extra_price: float | np.ndarray = 0.0) -> MenuEvaluation:
        """Shares, revenue, margin and fit gain of a menu of explicit configurations.

        Parameters
        ----------
        configs : array-like of int
            (n_alt, attributes) module positions of each configuration.
        extra_price : float or array-like, default 0
            Price added to each configuration (currency).

        Returns
        -------
        MenuEvaluation
            Shares, outside share, revenue, margin and fit gain per customer (currency).
        """
        cols = self._config_columns(configs)
        u = self.menu_utilities(configs, extra_price)
        p = logit_probabilities(u, self.outside_utility)
        price = self.menu_prices(configs, extra_price)
        cost = self.base_cost + self.module_cost[cols].sum(axis=1)
        logsum = special.logsumexp(
            np.concatenate([u, np.full((u.shape[0], 1), self.outside_utility)], axis=1), axis=1
        )
        return MenuEvaluation(
            shares=p[:, :-1].mean(axis=0),
            outside_share=float(p[:, -1].mean()),
            revenue_per_customer=float((p[:, :-1] @ price).mean()),
            margin_per_customer=float((p[:, :-1] @ (price - cost)).mean()),
            fit_gain=float(((logsum - self.standard_logsum()) / -self.price_coef).mean()),
            probabilities=p,
        )
