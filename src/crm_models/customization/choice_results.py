"""What an offer earns in a ``ChoiceMarket``: frozen results of a menu and of a configurator."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np
import pandas as pd

from crm_models.results import Result

__all__ = ["ConfiguratorEvaluation", "MenuEvaluation"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class _ModelNumbers(Result):
    """Numbers computed from the model (no sampling error); ``_rows`` name the summary rows."""

    _rows: ClassVar[tuple[str, ...]] = ("revenue_per_customer", "margin_per_customer", "fit_gain")

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the offer's numbers (computed from the model: ``se`` and intervals are NaN).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (intervals are NaN).

        Returns
        -------
        pandas.DataFrame
            One row per number; columns ``estimate, se, ci_low, ci_high``.
        """
        return self._fields_table(self._rows, level)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class MenuEvaluation(_ModelNumbers):
    """Shares, revenue, margin and fit gain of a menu of explicit configurations.

    Attributes
    ----------
    shares : numpy.ndarray
        (n_alt,) mean choice share of each configuration.
    outside_share : float
        Share of the outside option.
    revenue_per_customer, margin_per_customer : float
        Expected revenue and margin per customer (currency).
    fit_gain : float
        Mean money gain over the standard product (currency per customer).
    probabilities : numpy.ndarray
        (n, n_alt + 1) choice probabilities, outside option last (left out of ``to_dict``).
    """

    shares: np.ndarray
    outside_share: float
    revenue_per_customer: float
    margin_per_customer: float
    fit_gain: float
    probabilities: np.ndarray = dataclasses.field(metadata={"json": False}, repr=False)
    _rows = ("outside_share", *_ModelNumbers._rows)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ConfiguratorEvaluation(_ModelNumbers):
    """Share, revenue, margin (per customer, currency) and fit gain of a configurator.

    Attributes
    ----------
    share : float
        Mean purchase probability.
    revenue_per_customer, margin_per_customer : float
        Expected revenue and margin per customer (currency).
    fit_gain : float
        Mean money gain over the standard product (currency per customer).
    fit_gain_per_customer, probability : numpy.ndarray
        (n,) per-customer fit gain and purchase probability (left out of ``to_dict``).
    """

    share: float
    revenue_per_customer: float
    margin_per_customer: float
    fit_gain: float
    fit_gain_per_customer: np.ndarray = dataclasses.field(metadata={"json": False}, repr=False)
    probability: np.ndarray = dataclasses.field(metadata={"json": False}, repr=False)
    _rows = ("share", *_ModelNumbers._rows)
