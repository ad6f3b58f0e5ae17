"""A specific indirect effect of a PLS path model (product of the paths along a chain).

``PLSResult.indirect_effect(chain)`` returns an :class:`IndirectEffect`: the estimate, its
bootstrap standard error and percentile interval, and the draws.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_models.loyalty.diagnostics import EstimationWarning, no_interval_message
from crm_models.loyalty.pls_algorithm import _percentile
from crm_models.results import Result, check_level, estimate_table

__all__ = ["IndirectEffect"]

_NO_JSON = {"json": False}


@dataclass(frozen=True, repr=False)
class IndirectEffect(Result):
    """A specific indirect effect: product of the paths along ``chain``, with bootstrap draws.

    Attributes
    ----------
    chain : str
        Constructs joined by ``" → "``, e.g. ``"CUSA → CUSCO → CUSL"``.
    estimate : float
        Product of the standardized paths along the chain.
    se : float
        Bootstrap standard error (NaN without bootstrap).
    ci_low, ci_high : float
        ``level`` percentile interval (NaN without bootstrap).
    level : float
        Confidence level of the interval.
    draws : numpy.ndarray or None
        Bootstrap draws of the product, shape (B,) (None without bootstrap).
    """

    chain: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    draws: np.ndarray | None = field(default=None, metadata=_NO_JSON)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return the effect with its bootstrap SE and ``level`` percentile interval.

        SE and interval are NaN without bootstrap.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the percentile interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row named by the chain.
        """
        check_level(level)
        if self.draws is None:
            warnings.warn(no_interval_message(), EstimationWarning, stacklevel=2)
            table = estimate_table([self.estimate], level=level, index=[self.chain])
            table.attrs["note"] = no_interval_message()
            return table
        low, high = _percentile(self.draws, level)
        return estimate_table(
            [self.estimate], [self.se], [low], [high], level=level, index=[self.chain]
        )
