"""Willingness to pay from conditional-logit part-worths: ``β_j / (−β_price)`` (currency).

``WTPResult`` holds the estimates with delta-method or respondent-bootstrap standard errors;
``wtp_gradient`` is the ratio's gradient the delta method uses.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from crm_models.results import Result, check_level, estimate_table

__all__ = ["WTPResult", "wtp_gradient"]


def wtp_gradient(params: pd.Series, levels: list[str]) -> np.ndarray:
    """Jacobian of ``w_j = β_j / (−β_price)`` with respect to all parameters.

    Parameters
    ----------
    params : pandas.Series
        Conditional-logit parameters (including ``price``).
    levels : list of str
        The levels whose WTP is differentiated.

    Returns
    -------
    numpy.ndarray
        (len(levels), len(params)); the delta-method variance is ``g Σ g'``.
    """
    bp = float(params["price"])
    grad = np.zeros((len(levels), len(params)))
    cols = {name: i for i, name in enumerate(params.index)}
    for r, lev in enumerate(levels):
        grad[r, cols[lev]] = -1 / bp  # d w / d β_j
        grad[r, cols["price"]] = float(params[lev]) / bp**2  # d w / d β_price
    return grad


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class WTPResult(Result):
    """Willingness to pay per non-reference level = ``β / (−β_price)`` (currency).

    Attributes
    ----------
    estimate : pandas.Series
        WTP per level (index: level names, vs. the attribute's reference level).
    se : pandas.Series
        Delta-method standard error, or the bootstrap draws' standard deviation.
    attribute : pandas.Series
        The attribute of each level (same index).
    method : str
        ``"delta"`` (Wald interval ``estimate ± z·se``) or ``"bootstrap"`` (percentile
        interval of the respondent-bootstrap draws).
    n_boot : int
        Bootstrap resamples (0 for the delta method).
    draws : pandas.DataFrame or None
        Bootstrap WTP draws (``n_boot`` × levels); left out of ``to_dict``.
    """

    estimate: pd.Series
    se: pd.Series
    attribute: pd.Series
    method: str
    n_boot: int = 0
    draws: pd.DataFrame | None = dataclasses.field(default=None, metadata={"json": False})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """WTP per level with its standard error and ``level`` interval.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Index ``level`` (the level names); columns ``estimate, se, ci_low, ci_high``.
        """
        check_level(level)
        if self.method == "bootstrap" and self.draws is not None:
            tail = (1 - level) / 2
            table = estimate_table(
                self.estimate,
                self.se,
                self.draws.quantile(tail).to_numpy(),
                self.draws.quantile(1 - tail).to_numpy(),
                level=level,
            )
        else:
            table = estimate_table(self.estimate, self.se, level=level)
        return table.rename_axis("level")

    def table(self, level: float = 0.95) -> pd.DataFrame:
        """Return the summary as a long table with the attribute of each level (for reports).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``attribute, level, estimate, se, ci_low, ci_high``.
        """
        out = self.summary(level).reset_index()
        out.insert(0, "attribute", self.attribute.reindex(out["level"]).to_numpy())
        return out
