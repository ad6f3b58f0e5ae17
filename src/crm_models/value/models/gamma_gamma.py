"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005b; lifetimes' naming p, q, v)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import check_fitted
from crm_models.value._likelihoods import GammaGammaData, gamma_gamma_objective
from crm_models.value.models._base import (
    WARM_START_ROWS,
    Model,
    Problem,
    check_weights,
    column,
    compress,
    fail_rows,
    warm_start,
)

_NEEDS = "frequency and monetary_value (rfm_summary of transactions with an amount column)"


class GammaGamma(Model):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005b; lifetimes' naming p, q, v).

    Fitted on repeat customers only (frequency > 0) with their mean repeat spend
    ``monetary_value``; rows with frequency 0 are ignored. Mean spend per transaction in the
    population is ``p v / (q − 1)``. ``independence_`` after fitting: the correlation between
    frequency and mean spend (an :class:`~crm_models.value.diagnostics.IndependenceResult`),
    which the model assumes to be ~0.

    ``fit(data)`` needs one row per customer with ``frequency`` (repeat purchase periods) and
    ``monetary_value`` (mean spend per repeat period, currency), as ``rfm_summary`` returns
    them for transactions with an amount column (or ``frequency_cal``,
    ``monetary_value_cal`` of a calibration summary).

    Parameters
    ----------
    penalizer_coef, gtol, max_iter, unique_patterns
        See :class:`~crm_models.value.models._base.Model`.
    nonpositive : {"raise", "drop"}, default "raise"
        What to do with repeat customers whose mean spend is <= 0 (e.g. free items): raise,
        or drop them from the fit (``n_dropped_`` counts them).
    """

    name = "Gamma-Gamma"
    param_names = ("p", "q", "v")

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        gtol: float = 1e-7,
        max_iter: int = 1000,
        unique_patterns: bool = True,
        nonpositive: str = "raise",
    ):
        super().__init__(penalizer_coef, gtol, max_iter, unique_patterns)
        self.nonpositive = nonpositive

    def _prepare(self, data, weights) -> Problem:
        from crm_models.value.diagnostics import frequency_spend_independence

        source = f"{self.name}.fit"
        if not isinstance(data, pd.DataFrame):
            raise DataValidationError(
                f"{source}: expected a pandas DataFrame, got {type(data).__name__}"
            )
        x = column(data, "frequency", source, _NEEDS)
        m = column(data, "monetary_value", source, _NEEDS)
        w = check_weights(weights, len(x))
        repeat = x > 0
        if self.nonpositive not in ("raise", "drop"):
            raise ParameterError(f"nonpositive must be 'raise' or 'drop', got {self.nonpositive!r}")
        bad = repeat & (m <= 0)
        if self.nonpositive == "raise":
            fail_rows(
                data,
                bad,
                source,
                "column 'monetary_value' is not positive for a repeat "
                "customer (frequency > 0); use GammaGamma(nonpositive='drop') to skip them",
            )
        self.n_dropped_ = int(bad.sum())
        repeat &= ~bad
        if repeat.sum() < 10:
            raise DataValidationError(
                f"{source}: need at least 10 repeat customers, got {int(repeat.sum())}"
            )
        x, m, w = x[repeat], m[repeat], w[repeat]
        self.independence_ = frequency_spend_independence(x, m)
        if self.unique_patterns:
            patterns, w, _ = compress(
                {"x": x, "m": m}, None if weights is None else w, inverse=False
            )
            x, m = patterns["x"], patterns["m"]
        pen = self.penalizer_coef

        def build(x_, m_, _unused, w_):
            gg = GammaGammaData.build(x_, m_, w_)
            return lambda theta: gamma_gamma_objective(theta, gg, pen)

        gg = GammaGammaData.build(x, m, w)

        def objective(theta):
            return gamma_gamma_objective(theta, gg, pen)

        def full(theta):
            return gamma_gamma_objective(theta, gg, pen, hessian=True)

        def hessian(theta):
            return full(theta)[2]

        x0, newton_first = np.full(3, 0.1), False
        if len(x) > WARM_START_ROWS:
            # warm_start thins rows given as (x, tx, T, w); here tx and T slots both carry m
            x0, newton_first = warm_start(build, x, m, m, w, x0)
        return Problem(
            objective,
            x0,
            float(w.sum()),
            len(x),
            hessian=hessian,
            newton_first=newton_first,
            value_grad_hess=full,
        )

    def expected_spend(self, data: pd.DataFrame) -> np.ndarray:
        """Conditional expected mean spend per future transaction (population mean if x = 0).

        Parameters
        ----------
        data : pandas.DataFrame
            frequency and monetary_value per customer.

        Returns
        -------
        numpy.ndarray
            One expectation per row (currency).
        """
        check_fitted(self, "params_")
        x = column(data, "frequency", f"{self.name}.expected_spend", _NEEDS)
        m = column(data, "monetary_value", f"{self.name}.expected_spend", _NEEDS)
        return self._expected_spend(x, m)

    def _expected_spend(self, x, m):
        p, q, v = self.params_.to_numpy()
        weight = p * x / (p * x + q - 1)
        return (1 - weight) * (v * p / (q - 1)) + weight * m

    @property
    def mean_spend_(self) -> float:
        """Population mean spend per transaction, p v / (q − 1) (infinite if q ≤ 1)."""
        check_fitted(self, "params_")
        p, q, v = self.params_.to_numpy()
        return float(p * v / (q - 1)) if q > 1 else float("inf")
