"""Cox proportional-hazards models of customer churn (lifelines, checked and encoded inputs).

The hazard of churning ``t`` days after the start of the relationship is
``h(t | x) = h0(t) · exp(x'β)``; ``β`` (``params_``) are log hazard ratios per unit of each
covariate. Fits are lifelines' own (:class:`lifelines.CoxPHFitter`, Efron ties;
:class:`lifelines.CoxTimeVaryingFitter` for covariates that change over time; the Schoenfeld
residual test :func:`lifelines.statistics.proportional_hazard_test`). This module adds the
project's input checks (one clear error line), the one-hot encoding of text covariates with
readable names (``"channel=web"``, the first level the baseline) and the results convention.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crm_models.errors import ConvergenceError, DataValidationError, ParameterError, format_rows
from crm_models.results import check_fitted, check_level, estimate_table
from crm_models.retention._survival_inputs import (
    Encoding,
    apply_encoding,
    check_frame,
    covariate_columns,
    durations,
    events,
    fit_encoding,
)

__all__ = ["CoxModel", "TimeVaryingCoxModel"]

_DURATION, _EVENT, _START, _STOP, _ID = "__duration", "__event", "__start", "__stop", "__id"


def _penalizer(value: Any) -> float:
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"penalizer must be a number >= 0, got {value!r}") from None
    if not np.isfinite(p) or p < 0:
        raise ParameterError(f"penalizer must be a number >= 0, got {value!r} (0 = no penalty)")
    return p


def _fit_lifelines(fitter: Any, source: str, **kwargs: Any) -> Any:
    """Run a lifelines fit; its convergence failure becomes one ConvergenceError line."""
    from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return fitter.fit(**kwargs)
    except (LifelinesConvergenceError, np.linalg.LinAlgError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConvergenceError(
            f"{source}: the Cox fit did not converge ({first}); look for covariates that are "
            "collinear or that separate churners perfectly, or pass penalizer=0.1"
        ) from None


def _summary(params: pd.Series, se: pd.Series, p: pd.Series, level: float) -> pd.DataFrame:
    table = estimate_table(params, se, level=check_level(level))
    table["hazard_ratio"] = np.exp(table["estimate"])
    table["p_value"] = p.to_numpy(dtype=float)
    table.index.name = "covariate"
    return table


class CoxModel:
    """Cox proportional-hazards model of time to churn (days) with checked, encoded covariates.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the coefficients (lifelines' ``penalizer``); 0 = plain partial
        likelihood.
    level : float, default 0.95
        Default confidence level of :meth:`summary`.

    Attributes
    ----------
    params_ : pandas.Series
        Coefficient (log hazard ratio per unit) per encoded covariate, length p.
    se_ : pandas.Series
        Standard errors of ``params_``.
    p_values_ : pandas.Series
        Wald test p-values of ``params_``.
    concordance_ : float
        Harrell's concordance index on the training data (0.5 = random, 1 = perfect order).
    n_customers_, n_churned_ : int
        Rows fitted and observed churn events.
    fitter_ : lifelines.CoxPHFitter
        The fitted lifelines model (for its plots and extra diagnostics).
    """

    def __init__(self, penalizer: float = 0.0, level: float = 0.95) -> None:
        self.penalizer = penalizer
        self.level = level
        self.params_: pd.Series | None = None

    def fit(
        self,
        frame: pd.DataFrame,
        *,
        duration: str = "duration",
        event: str = "churned",
        covariates: Sequence[str] | str | None = None,
    ) -> CoxModel:
        """Fit the model to one row per customer.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per customer, n rows.
        duration : str, default "duration"
            Column of lifetimes in days (>= 0): to churn, or to the end of observation.
        event : str, default "churned"
            Column of 0/1: 1 = churned at ``duration``, 0 = still active (censored).
        covariates : list of str, optional
            Covariate columns. Numeric and bool columns enter as they are; text and
            categorical columns are one-hot encoded (first level dropped, columns named
            ``"channel=web"``). Default: every column except ``duration`` and ``event``.

        Returns
        -------
        CoxModel
            ``self``, fitted.
        """
        from lifelines import CoxPHFitter

        source = "CoxModel.fit"
        check_level(self.level)
        penalizer = _penalizer(self.penalizer)
        check_frame(frame, source)
        d = durations(frame, duration, source)
        e = events(frame, event, source)
        cols = covariate_columns(frame, covariates, [duration, event], source)
        self.encoding_: Encoding = fit_encoding(frame, cols, source)
        data = apply_encoding(frame, self.encoding_, source).reset_index(drop=True)
        data[_DURATION], data[_EVENT] = d, e
        self.training_ = data
        fitter = CoxPHFitter(penalizer=penalizer)
        _fit_lifelines(fitter, source, df=data, duration_col=_DURATION, event_col=_EVENT)
        self.fitter_ = fitter
        names = list(self.encoding_.names)
        self.params_ = fitter.params_.reindex(names).rename("estimate")
        self.se_ = fitter.standard_errors_.reindex(names).rename("se")
        self.p_values_ = fitter.summary["p"].reindex(names).rename("p_value")
        self.concordance_ = float(fitter.concordance_index_)
        self.n_customers_, self.n_churned_ = len(frame), int(e.sum())
        return self

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """Coefficients with standard errors, ``level`` intervals, hazard ratios and p-values.

        Parameters
        ----------
        level : float, optional
            Confidence level of the Wald intervals; default the model's ``level``.

        Returns
        -------
        pandas.DataFrame
            Index ``covariate`` (encoded names, e.g. ``"channel=web"``); columns ``estimate,
            se, ci_low, ci_high`` (log hazard ratio per unit), ``hazard_ratio``
            (``exp(estimate)``) and ``p_value`` (Wald test of 0).
        """
        check_fitted(self, "params_")
        assert self.params_ is not None
        return _summary(self.params_, self.se_, self.p_values_, level or self.level)

    def check_proportional_hazards(self, time_transform: str = "rank") -> pd.DataFrame:
        """Test each covariate's proportional-hazards assumption (scaled Schoenfeld residuals).

        Parameters
        ----------
        time_transform : {"rank", "km", "identity", "log"}, default "rank"
            Function of time the residuals are regressed on (lifelines'
            ``proportional_hazard_test``).

        Returns
        -------
        pandas.DataFrame
            Columns ``covariate, statistic, p_value`` (chi-squared, 1 degree of freedom);
            a small p-value says the covariate's effect changes over time.
        """
        from lifelines.statistics import proportional_hazard_test

        check_fitted(self, "params_")
        test = proportional_hazard_test(
            self.fitter_, self.training_, time_transform=time_transform
        ).summary
        return pd.DataFrame(
            {
                "covariate": [str(c) for c in test.index],
                "statistic": test["test_statistic"].to_numpy(dtype=float),
                "p_value": test["p"].to_numpy(dtype=float),
            }
        )

    def predict_survival(self, frame: pd.DataFrame, times: Any) -> pd.DataFrame:
        """Each customer's probability of still being active after each of ``times`` days.

        Parameters
        ----------
        frame : pandas.DataFrame
            m customers with the covariate columns the model was fitted with.
        times : array-like of float
            k times in days (>= 0).

        Returns
        -------
        pandas.DataFrame
            Shape (m, k): rows = customers (``frame``'s index), columns = ``times``.
        """
        check_fitted(self, "params_")
        source = "CoxModel.predict_survival"
        check_frame(frame, source)
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            raise DataValidationError(f"{source}: times must be finite days >= 0, got {times!r}")
        x = apply_encoding(frame, self.encoding_, source)
        curves = self.fitter_.predict_survival_function(x, times=t)
        out = pd.DataFrame(curves.to_numpy(dtype=float).T, index=frame.index, columns=t)
        out.columns.name = "days"
        return out

    def predict_risk(self, frame: pd.DataFrame) -> pd.Series:
        """Each customer's partial hazard ``exp((x - mean)'β)`` (relative risk of churning).

        Parameters
        ----------
        frame : pandas.DataFrame
            m customers with the covariate columns the model was fitted with.

        Returns
        -------
        pandas.Series
            Length m, indexed like ``frame``; 1 = the risk of an average training customer.
        """
        check_fitted(self, "params_")
        x = apply_encoding(frame, self.encoding_, "CoxModel.predict_risk")
        risk = self.fitter_.predict_partial_hazard(x)
        return pd.Series(np.asarray(risk, dtype=float), index=frame.index, name="risk")


class TimeVaryingCoxModel:
    """Cox model with covariates that change over a customer's life (long format).

    Each customer contributes rows ``(start, stop]`` (days) over which the covariates are
    constant; ``event`` is 1 on the row that ends in churn.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the coefficients.
    level : float, default 0.95
        Default confidence level of :meth:`summary`.

    Attributes
    ----------
    params_ : pandas.Series
        Coefficient (log hazard ratio per unit) per encoded covariate, length p.
    se_, p_values_ : pandas.Series
        Standard errors and Wald p-values of ``params_``.
    n_customers_, n_churned_ : int
        Customers and churn events.
    fitter_ : lifelines.CoxTimeVaryingFitter
        The fitted lifelines model.
    """

    def __init__(self, penalizer: float = 0.0, level: float = 0.95) -> None:
        self.penalizer = penalizer
        self.level = level
        self.params_: pd.Series | None = None

    def fit(
        self,
        long_frame: pd.DataFrame,
        id_col: str = "customer_id",
        start: str = "start",
        stop: str = "stop",
        event: str = "churned",
        covariates: Sequence[str] | str | None = None,
    ) -> TimeVaryingCoxModel:
        """Fit the model to customer-period rows.

        Parameters
        ----------
        long_frame : pandas.DataFrame
            One row per customer and interval, n rows.
        id_col : str, default "customer_id"
            Customer key (no missing values).
        start, stop : str, default "start", "stop"
            Interval bounds in days since the start of the relationship; ``stop > start >= 0``.
        event : str, default "churned"
            Column of 0/1: 1 = the customer churned at ``stop``.
        covariates : list of str, optional
            Covariate columns (text one-hot encoded as in :class:`CoxModel`); default every
            other column.

        Returns
        -------
        TimeVaryingCoxModel
            ``self``, fitted.
        """
        from lifelines import CoxTimeVaryingFitter

        source = "TimeVaryingCoxModel.fit"
        check_level(self.level)
        penalizer = _penalizer(self.penalizer)
        check_frame(long_frame, source)
        if id_col not in long_frame.columns:
            raise DataValidationError(
                f"{source}: missing id column {id_col!r} (have "
                f"{list(map(str, long_frame.columns))}); pass id_col='<column>'"
            )
        no_id = long_frame[id_col].isna().to_numpy()
        if no_id.any():
            raise DataValidationError(
                f"{source}: id column {id_col!r} is missing in {int(no_id.sum())} row(s) at rows "
                f"{_rows(long_frame, no_id)}; expected a customer key in every row"
            )
        t0 = durations(long_frame, start, source, what="start")
        t1 = durations(long_frame, stop, source, what="stop")
        empty = t1 <= t0
        if empty.any():
            raise DataValidationError(
                f"{source}: {stop!r} is not after {start!r} in {int(empty.sum())} row(s) at rows "
                f"{_rows(long_frame, empty)}; expected intervals with stop > start"
            )
        e = events(long_frame, event, source)
        cols = covariate_columns(long_frame, covariates, [id_col, start, stop, event], source)
        self.encoding_: Encoding = fit_encoding(long_frame, cols, source)
        data = apply_encoding(long_frame, self.encoding_, source).reset_index(drop=True)
        data[_ID], data[_START], data[_STOP], data[_EVENT] = (
            long_frame[id_col].to_numpy(),
            t0,
            t1,
            e,
        )
        fitter = CoxTimeVaryingFitter(penalizer=penalizer)
        _fit_lifelines(
            fitter,
            source,
            df=data,
            event_col=_EVENT,
            start_col=_START,
            stop_col=_STOP,
            id_col=_ID,
        )
        self.fitter_ = fitter
        names = list(self.encoding_.names)
        self.params_ = fitter.params_.reindex(names).rename("estimate")
        self.se_ = fitter.standard_errors_.reindex(names).rename("se")
        self.p_values_ = pd.Series(
            2 * stats.norm.sf(np.abs(self.params_ / self.se_)), index=names, name="p_value"
        )
        self.n_customers_ = int(long_frame[id_col].nunique())
        self.n_churned_ = int(e.sum())
        return self

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """Coefficients with standard errors, ``level`` intervals, hazard ratios and p-values.

        Parameters
        ----------
        level : float, optional
            Confidence level of the Wald intervals; default the model's ``level``.

        Returns
        -------
        pandas.DataFrame
            Index ``covariate``; columns ``estimate, se, ci_low, ci_high`` (log hazard ratio
            per unit), ``hazard_ratio`` and ``p_value``.
        """
        check_fitted(self, "params_")
        assert self.params_ is not None
        return _summary(self.params_, self.se_, self.p_values_, level or self.level)


def _rows(frame: pd.DataFrame, mask: np.ndarray) -> str:
    return format_rows(np.flatnonzero(mask), labels=frame.index)
