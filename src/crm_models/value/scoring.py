"""Per-customer scoring as one pandas-batch function: the same code on DuckDB and on Spark.

:class:`CustomerScorer` holds only parameters (the two fitted models, which are a handful of
numbers, and the valuation settings), never data. Calling it on a batch of per-customer summary
rows returns each customer's CLV, P(alive), expected purchases over the horizon, value level and
action. Every number comes from the package's own functions
(:func:`~crm_models.value.valuation.customer_lifetime_value`, ``model.p_alive``,
``model.expected_purchases``), and each row depends only on that row, so scoring a summary in
any number of batches (DuckDB's Arrow record batches, Spark's ``mapInPandas`` partitions) and
concatenating gives exactly the scores of the whole summary.

Action per customer (value level × chance the customer is still active):

==========  ===============================  ==========================================
value       active (p_alive >= threshold)    lapsing (p_alive < threshold)
==========  ===============================  ==========================================
high        keep and grow                    win back
low         develop                          maintain at low cost
==========  ===============================  ==========================================
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError, format_rows
from crm_models.results import check_fitted
from crm_models.value.valuation import customer_lifetime_value
from crm_models.value.valuation_checks import (
    PERIODS_PER_MONTH,
    _check_clv_args,
    _check_models,
    model_time_unit,
)

if TYPE_CHECKING:
    from crm_models.value.models import GammaGamma
    from crm_models.value.models._transaction import TransactionModel

__all__ = ["SCORE_ACTIONS", "SCORE_COLUMNS", "CustomerScorer"]

SCORE_ACTIONS: dict[tuple[str, str], str] = {
    ("high", "active"): "keep and grow",
    ("high", "lapsing"): "win back",
    ("low", "active"): "develop",
    ("low", "lapsing"): "maintain at low cost",
}
"""Action per (value level, activity): the rule of :class:`CustomerScorer` (see its notes)."""

SCORE_COLUMNS = ("customer_id", "clv", "p_alive", "expected_purchases", "value_level", "action")
"""The columns of a scored batch, in order."""

_INPUT_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")
_ID_TYPES = {"VARCHAR": "VARCHAR", "TEXT": "VARCHAR", "BIGINT": "BIGINT", "INTEGER": "BIGINT"}
_SPARK_TYPES = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE"}
_SOURCE = "CustomerScorer"


def _number(name: str, value: object, low: float, high: float) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not (ok and np.isfinite(float(value)) and low <= float(value) <= high):  # type: ignore[arg-type]
        raise ParameterError(
            f"{_SOURCE}: {name} must be a number in [{low}, {high}], got {value!r}"
        )
    return float(value)  # type: ignore[arg-type]


class CustomerScorer:
    """Score customers batch by batch: CLV, P(alive), expected purchases, value level, action.

    One picklable callable (``pickle`` and Spark's cloudpickle) for DuckDB's Arrow batches,
    Spark's ``mapInPandas`` and plain pandas alike. It holds the fitted models and settings
    only; the numbers equal :func:`~crm_models.value.valuation.customer_lifetime_value`,
    ``model.p_alive`` and ``model.expected_purchases`` on the whole summary.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        Fitted transaction model (BG/BB values discrete periods and is refused, as
        ``customer_lifetime_value`` refuses it).
    spend : GammaGamma
        Fitted spend model.
    horizon_months : int, default 12
        Months ahead valued (CLV) and counted (expected purchases), >= 1.
    monthly_discount_rate : float, default 0.01
        Discount rate per month, in [0, 1).
    margin_rate : float, default 1.0
        Gross margin as a share of revenue, in (0, 1].
    time_unit : {"D", "W", "M", "H"}, optional
        Time unit of recency and T. None: the model's unit (``model.time_unit_``), days when
        it recorded none. A unit disagreeing with the model's is refused, as the valuations
        refuse it; so is a batch whose ``attrs["time_unit"]`` disagrees.
    high_value_threshold : float
        CLV (currency) at or above which a customer is ``high`` value. Required: take it from
        the CLV distribution, e.g. :meth:`threshold_for_share` (the CLV of the top
        ``high_value_share`` customers, as :func:`~crm_models.value.selection.value_level`).
    alive_threshold : float, default 0.5
        P(alive) at or above which a customer counts as active, in [0, 1].

    Attributes
    ----------
    time_unit : str
        The resolved time unit (``D``, ``W``, ``M`` or ``H``).
    id_type : str
        SQL type of ``customer_id`` in :attr:`output_schema`: ``VARCHAR`` (default) or
        ``BIGINT``; set with :meth:`with_id_type`.

    Notes
    -----
    The action (:data:`SCORE_ACTIONS`) crosses the value level with the chance the customer
    is still active, in the words of the value × fit matrix and the win-back study:

    - high value, active: ``keep and grow`` — the key customers of the value × fit matrix
      (``keep and grow (key customers)``);
    - high value, lapsing: ``win back`` — valuable but probably gone: the candidates of the
      win-back list, whose second lifetime value
      (:func:`~crm_models.value.valuation.second_lifetime_value`) says whether a contact pays;
    - low value, active: ``develop`` — still buying, worth growing at modest cost (the
      value × fit matrix's ``maintain at low cost, or develop``, for those still active);
    - low value, lapsing: ``maintain at low cost`` — no dedicated spend, mass channels only.

    ``lapsing`` (P(alive) below ``alive_threshold``, default 0.5) is a wider net than the
    win-back study's ``lapsed`` (below ``lapsed_below``, default 0.3).
    """

    def __init__(
        self,
        model: TransactionModel,
        spend: GammaGamma,
        *,
        horizon_months: int = 12,
        monthly_discount_rate: float = 0.01,
        margin_rate: float = 1.0,
        time_unit: str | None = None,
        high_value_threshold: float | None = None,
        alive_threshold: float = 0.5,
    ) -> None:
        _check_models(model, spend, _SOURCE)
        check_fitted(model, "params_")
        check_fitted(spend, "params_")
        unit = model_time_unit(model, None, time_unit, _SOURCE)
        _check_clv_args(horizon_months, monthly_discount_rate, unit, margin_rate)
        if high_value_threshold is None:
            raise ParameterError(
                f"{_SOURCE}: high_value_threshold is required (CLV in currency at or above which "
                "a customer is 'high' value); take it from the CLV of the whole base, e.g. "
                "CustomerScorer.threshold_for_share(customer_lifetime_value(model, spend, "
                "summary, ...), high_value_share=0.2) or clv.quantile(0.8)"
            )
        self.model = model
        self.spend = spend
        self.horizon_months = int(horizon_months)
        self.monthly_discount_rate = float(monthly_discount_rate)
        self.margin_rate = float(margin_rate)
        self.time_unit = unit
        self.high_value_threshold = _number(
            "high_value_threshold", high_value_threshold, -np.inf, np.inf
        )
        self.alive_threshold = _number("alive_threshold", alive_threshold, 0.0, 1.0)
        self.id_type = "VARCHAR"

    def __repr__(self) -> str:
        return (
            f"CustomerScorer({type(self.model).__name__}, horizon_months={self.horizon_months}, "
            f"time_unit={self.time_unit!r}, high_value_threshold={self.high_value_threshold!r}, "
            f"alive_threshold={self.alive_threshold!r}, id_type={self.id_type!r})"
        )

    @property
    def output_schema(self) -> dict[str, str]:
        """Column → SQL type of a scored batch (what ``Engine.map_batches`` takes as ``schema``).

        Returns
        -------
        dict of str to str
            ``customer_id`` → :attr:`id_type`; clv, p_alive, expected_purchases → ``DOUBLE``;
            value_level, action → ``VARCHAR``.
        """
        return {
            "customer_id": self.id_type,
            "clv": "DOUBLE",
            "p_alive": "DOUBLE",
            "expected_purchases": "DOUBLE",
            "value_level": "VARCHAR",
            "action": "VARCHAR",
        }

    def with_id_type(self, kind: str) -> CustomerScorer:
        """Return a copy whose :attr:`output_schema` gives ``customer_id`` the SQL type ``kind``.

        Parameters
        ----------
        kind : {"VARCHAR", "BIGINT"}
            SQL type of the summary's ``customer_id`` (``TEXT`` / ``INTEGER`` are accepted
            as their synonyms; case-insensitive).

        Returns
        -------
        CustomerScorer
            A new scorer with the same models and settings.
        """
        resolved = _ID_TYPES.get(str(kind).upper()) if isinstance(kind, str) else None
        if resolved is None:
            raise ParameterError(
                f"{_SOURCE}.with_id_type: kind must be 'VARCHAR' (text ids) or 'BIGINT' "
                f"(integer ids), got {kind!r}"
            )
        out = copy.copy(self)
        out.id_type = resolved
        return out

    def spark_ddl(self) -> str:
        """Return :attr:`output_schema` as a Spark DDL schema string (for ``mapInPandas``).

        Returns
        -------
        str
            E.g. ``"customer_id STRING, clv DOUBLE, …, action STRING"``.
        """
        return ", ".join(f"{c} {_SPARK_TYPES[t]}" for c, t in self.output_schema.items())

    @staticmethod
    def threshold_for_share(
        clv: Sequence[float] | pd.Series, high_value_share: float = 0.2
    ) -> float:
        """CLV of the last customer in the top ``high_value_share``: a ``high_value_threshold``.

        With it, ``clv >= threshold`` marks the same customers as
        :func:`~crm_models.value.selection.value_level` (ties at the threshold aside, which
        all count as high here).

        Parameters
        ----------
        clv : array-like of float
            CLV per customer of the whole base (currency), shape (n,).
        high_value_share : float, default 0.2
            Share of customers counted as high value, in (0, 1).

        Returns
        -------
        float
            The threshold (currency); +inf when the share rounds to no customer.
        """
        share = high_value_share
        if not (isinstance(share, (int, float)) and 0 < share < 1):
            raise ParameterError(f"high_value_share must be in (0, 1), got {share!r}")
        values = np.asarray(clv, dtype=float)
        if values.size == 0 or not np.all(np.isfinite(values)):
            raise DataValidationError(
                f"{_SOURCE}.threshold_for_share: clv must be one or more finite numbers"
            )
        n_high = int(round(share * values.size))
        return float(np.sort(values)[-n_high]) if n_high > 0 else float("inf")

    def _empty(self, batch: pd.DataFrame) -> pd.DataFrame:
        ids = batch["customer_id"]
        if self.id_type == "BIGINT" and ids.dtype == object:
            ids = ids.astype("int64")
        return pd.DataFrame(
            {
                "customer_id": ids.reset_index(drop=True),
                "clv": pd.Series(dtype=float),
                "p_alive": pd.Series(dtype=float),
                "expected_purchases": pd.Series(dtype=float),
                "value_level": pd.Series(dtype=object),
                "action": pd.Series(dtype=object),
            }
        )

    def clv(self, summary: pd.DataFrame) -> np.ndarray:
        """CLV of summary rows indexed by customer_id, with this scorer's models and settings.

        Parameters
        ----------
        summary : pandas.DataFrame
            frequency, recency, T, monetary_value; one row per customer.

        Returns
        -------
        numpy.ndarray
            Currency, one value per row (``customer_lifetime_value``).
        """
        return customer_lifetime_value(
            self.model,
            self.spend,
            summary,
            self.horizon_months,
            monthly_discount_rate=self.monthly_discount_rate,
            time_unit=self.time_unit,
            margin_rate=self.margin_rate,
        ).to_numpy(dtype=float)

    def __call__(
        self, batch: pd.DataFrame | Iterator[pd.DataFrame]
    ) -> pd.DataFrame | Iterator[pd.DataFrame]:
        """Score one batch of per-customer summary rows (or each batch of an iterator).

        Parameters
        ----------
        batch : pandas.DataFrame or iterable of pandas.DataFrame
            Summary rows, shape (n, ≥5): a ``customer_id`` column (text or integer, kept as
            given) and frequency, recency, T (in :attr:`time_unit`), monetary_value. May be
            empty (Spark sends empty batches). An iterator of such frames (what Spark's
            ``DataFrame.mapInPandas`` passes) is scored frame by frame.

        Returns
        -------
        pandas.DataFrame or iterator of pandas.DataFrame
            Per frame, shape (n, 6), fresh 0..n-1 index, columns :data:`SCORE_COLUMNS`:
            customer_id; clv (currency over ``horizon_months``); p_alive (probability);
            expected_purchases (repeat purchases over ``horizon_months``); value_level
            (``high`` / ``low``); action (:data:`SCORE_ACTIONS`).
        """
        if isinstance(batch, pd.DataFrame):
            return self._score(batch)
        if isinstance(batch, Iterable) and not isinstance(batch, (str, bytes, Mapping)):
            return map(self._score, batch)
        raise DataValidationError(
            f"{_SOURCE}: expected a pandas DataFrame of summary rows (or an iterator of them), "
            f"got {type(batch).__name__}"
        )

    def _score(self, batch: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(batch, pd.DataFrame):
            raise DataValidationError(
                f"{_SOURCE}: expected pandas DataFrames of summary rows, got {type(batch).__name__}"
            )
        missing = [c for c in _INPUT_COLUMNS if c not in batch.columns]
        if missing:
            hint = (
                " (it is the index: pass summary.reset_index())"
                if ("customer_id" in missing and batch.index.name == "customer_id")
                else ""
            )
            raise DataValidationError(
                f"{_SOURCE}: missing column(s) {missing}{hint} (have "
                f"{list(map(str, batch.columns))}); expected per-customer summary rows with "
                f"{', '.join(_INPUT_COLUMNS)}"
            )
        if len(batch) == 0:
            return self._empty(batch)
        no_id = batch["customer_id"].isna().to_numpy()
        if no_id.any():
            raise DataValidationError(
                f"{_SOURCE}: column 'customer_id' is empty at rows "
                f"{format_rows(np.flatnonzero(no_id))}; expected a customer key in every row"
            )
        ids = batch["customer_id"]
        summary = batch.set_index("customer_id")  # errors then name the customer ids
        summary.attrs = dict(batch.attrs)
        clv = self.clv(summary)
        p_alive = np.asarray(self.model.p_alive(summary), dtype=float)
        t = PERIODS_PER_MONTH[self.time_unit] * self.horizon_months
        purchases = np.asarray(self.model.expected_purchases(t, summary), dtype=float)
        level = np.where(clv >= self.high_value_threshold, "high", "low").astype(object)
        active = np.where(p_alive >= self.alive_threshold, "active", "lapsing")
        keys = pd.MultiIndex.from_arrays([level, active])
        action = pd.Series(SCORE_ACTIONS, dtype=object).reindex(keys).to_numpy(dtype=object)
        return pd.DataFrame(
            {
                "customer_id": ids.reset_index(drop=True),
                "clv": clv,
                "p_alive": p_alive,
                "expected_purchases": purchases,
                "value_level": level,
                "action": action,
            }
        )
