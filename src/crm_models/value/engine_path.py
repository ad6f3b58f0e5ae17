"""The whole customer-value path on an engine (DuckDB or Spark), from transactions to scores.

Stages, each timed (``EngineValues.stage_seconds``):

1. ``read``: the transactions as a view in the engine (a frame, a Parquet file or a
   Hive-partitioned folder, a DuckDB connection or a Spark DataFrame); lazy on both engines
   for Parquet (schema only), so the scan is timed in the next stage;
2. ``summary``: the per-customer summary (frequency, recency, T, monetary_value) as a
   materialized relation in the engine (DuckDB temporary table, Spark cache, computed here),
   never pulled to the driver;
3. ``patterns``: the unique (frequency, recency, T) patterns with their customer counts and the
   unique (frequency, monetary_value) spend patterns of repeat buyers, pulled to the driver —
   they are all the fits need, so the fits stay small at any data size;
4. ``fit``: the transaction model and Gamma-Gamma, weighted by the pattern counts (the same
   parameters as fitting the full summary);
5. ``threshold``: the CLV of the last customer in the top ``high_value_share`` — exact and the
   same on every engine, without collecting every customer's CLV: one pass over the summary
   counts customers per CLV bin (the top 24 bits of the float, about 0.02% wide), a second
   pass returns the distinct CLV values of the one bin holding the threshold;
6. ``score``: :class:`~crm_models.value.scoring.CustomerScorer` on every customer, batch by
   batch in the engine, returned as a frame or written as a Parquet folder.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_models.engines.topk import order_keys as _order_keys  # noqa: F401  (tests use it)
from crm_models.engines.topk import value_bins
from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import Result, estimate_table
from crm_models.value.inputs import transaction_model
from crm_models.value.models import GammaGamma

__all__ = ["ENGINE_STAGES", "EngineValues", "customer_values"]

ENGINE_STAGES = ("read", "summary", "patterns", "fit", "threshold", "score")
"""The timed stages of :func:`customer_values`, in order."""


@dataclasses.dataclass(frozen=True, repr=False)
class EngineValues(Result):
    """What :func:`customer_values` computed, and how long each stage took.

    Attributes
    ----------
    engine : str
        ``duckdb`` or ``spark``.
    spark_master : str or None
        The Spark master URL (``local[*]`` for a local cluster); None on DuckDB.
    stage_seconds : dict of str to float
        Wall-clock seconds per stage of :data:`ENGINE_STAGES`.
    n_customers : int
        Customers scored.
    n_patterns : int
        Unique (frequency, recency, T) patterns the transaction model was fitted on.
    n_spend_patterns : int
        Unique (frequency, monetary_value) patterns of repeat buyers (Gamma-Gamma's input).
    model : TransactionModel
        The fitted transaction model.
    spend : GammaGamma
        The fitted spend model.
    high_value_threshold : float
        CLV (currency) at or above which a customer is ``high`` value.
    scores : pandas.DataFrame or None
        One row per customer (customer_id, clv, p_alive, expected_purchases, value_level,
        action) when ``out`` was None.
    out : str or None
        The Parquet folder the scores were written to.
    """

    engine: str
    spark_master: str | None
    stage_seconds: dict[str, float]
    n_customers: int
    n_patterns: int
    n_spend_patterns: int
    model: Any = dataclasses.field(metadata={"json": False})
    spend: Any = dataclasses.field(metadata={"json": False})
    high_value_threshold: float = float("nan")
    scores: pd.DataFrame | None = dataclasses.field(default=None, metadata={"json": False})
    out: str | None = None

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Seconds per stage, and the total.

        Parameters
        ----------
        level : float, default 0.95
            Kept for the results convention; timings have no interval.

        Returns
        -------
        pandas.DataFrame
            One row per stage of :data:`ENGINE_STAGES` plus ``total``; ``estimate`` in seconds
            (``se``, ``ci_low``, ``ci_high`` NaN).
        """
        seconds = {**self.stage_seconds, "total": sum(self.stage_seconds.values())}
        return estimate_table(pd.Series(seconds, name="seconds"), level=level)


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = time.perf_counter() - start


def _clv(scorer: Any, batch: pd.DataFrame) -> np.ndarray:
    """CLV of a batch of summary rows, computed exactly as the scorer computes it."""
    summary = batch.set_index("customer_id")
    summary.attrs = dict(batch.attrs)
    return scorer.clv(summary)


class _ClvBins:
    """Batch → customers per CLV bin (``bin``, ``n``); picklable for Spark."""

    schema = {"bin": "BIGINT", "n": "BIGINT"}

    def __init__(self, scorer: Any) -> None:
        self.scorer = scorer

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        if len(batch) == 0:
            return pd.DataFrame({"bin": pd.Series(dtype="int64"), "n": pd.Series(dtype="int64")})
        bins = value_bins(_clv(self.scorer, batch))
        values, counts = np.unique(bins, return_counts=True)
        return pd.DataFrame({"bin": values, "n": counts.astype(np.int64)})


class _ClvInBin:
    """Batch → the distinct CLV values in one bin with their counts (``clv``, ``n``)."""

    schema = {"clv": "DOUBLE", "n": "BIGINT"}

    def __init__(self, scorer: Any, bin_: int) -> None:
        self.scorer = scorer
        self.bin = int(bin_)

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        if len(batch) == 0:
            return pd.DataFrame({"clv": pd.Series(dtype=float), "n": pd.Series(dtype="int64")})
        clv = _clv(self.scorer, batch)
        clv = clv[value_bins(clv) == self.bin]
        values, counts = np.unique(clv, return_counts=True)
        return pd.DataFrame({"clv": values, "n": counts.astype(np.int64)})


def _kth_largest(engine: Any, summary: str, scorer: Any, k: int) -> float:
    """Return the k-th largest CLV over the summary (1-based), in two passes over the engine."""
    bins = engine.map_batches(summary, _ClvBins(scorer), _ClvBins.schema)
    counts = bins.groupby("bin")["n"].sum().sort_index(ascending=False)
    above = counts.cumsum()
    pos = int(np.searchsorted(above.to_numpy(), k))  # first bin reaching k customers
    target = int(counts.index[pos])
    before = int(above.iloc[pos - 1]) if pos > 0 else 0
    values = engine.map_batches(summary, _ClvInBin(scorer, target), _ClvInBin.schema)
    values = values.groupby("clv")["n"].sum().sort_index(ascending=False)
    at = int(np.searchsorted(values.cumsum().to_numpy(), k - before))
    return float(values.index[at])


def _open(
    engine: Any, spark_master: str | None, spark_config: Mapping[str, object] | None
) -> tuple[Any, Callable[[], None]]:
    from crm_models.engines import Engine, get_engine

    if isinstance(engine, str):
        opened = get_engine(engine, spark_master=spark_master, spark_config=spark_config)
        return opened, opened.stop
    if not isinstance(engine, Engine):
        raise ParameterError(
            f"customer_values: engine must be an engine name ('duckdb', 'spark') or an Engine "
            f"from crm_models.engines.get_engine, got {type(engine).__name__}"
        )
    return engine, lambda: None


def _fit(patterns: pd.DataFrame, spend_patterns: pd.DataFrame, model: str, time_unit: str):
    patterns = patterns.copy()
    patterns.attrs["time_unit"] = time_unit
    fitted = transaction_model(model).fit(patterns, weights=patterns["n_customers"].to_numpy())
    spend = GammaGamma(nonpositive="drop").fit(
        spend_patterns, weights=spend_patterns["n_customers"].to_numpy()
    )
    return fitted, spend


def customer_values(
    source: Any,
    *,
    engine: Any = "duckdb",
    spark_master: str | None = None,
    spark_config: Mapping[str, object] | None = None,
    observation_end: Any = None,
    time_unit: str = "D",
    model: str = "bgnbd",
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    margin_rate: float = 1.0,
    high_value_share: float = 0.2,
    out: str | Path | None = None,
) -> EngineValues:
    """Score every customer on an engine: summary, patterns, fits, threshold, scores.

    The transactions never leave the engine: only the unique patterns (for the fits) and a
    few hundred CLV bins (for the threshold) come to the driver; scoring runs batch by batch
    in the engine. The scores equal the pandas path (``rfm_summary`` → ``fit`` →
    ``customer_lifetime_value``, ``p_alive``, ``expected_purchases``) on every engine.

    Parameters
    ----------
    source : pandas.DataFrame, str, Path, DuckDB connection or Spark DataFrame
        Transactions (customer_id, timestamp, amount), as ``Engine.read_transactions``
        accepts them: a frame, a Parquet file or Hive-partitioned folder, a DuckDB connection
        holding a ``transactions`` table (duckdb) or a Spark DataFrame (spark).
    engine : {"duckdb", "spark"} or Engine, default "duckdb"
        An engine name (created here and stopped at the end) or an open engine (used as is,
        left open).
    spark_master : str, optional
        Spark master URL for ``engine="spark"`` (None: a local cluster).
    spark_config : mapping, optional
        Extra Spark settings for ``engine="spark"`` (``{"spark.driver.memory": "8g"}``).
    observation_end : date-like, optional
        End of the observation window (None: the summary's default).
    time_unit : {"D", "W", "M", "H"}, default "D"
        Time unit of recency and T.
    model : {"bgnbd", "mbgnbd", "paretonbd"}, default "bgnbd"
        Transaction model.
    horizon_months : int, default 12
        Months ahead valued.
    monthly_discount_rate : float, default 0.01
        Discount rate per month, in [0, 1).
    margin_rate : float, default 1.0
        Gross margin as a share of revenue, in (0, 1].
    high_value_share : float, default 0.2
        Share of customers counted as high value, in (0, 1); customers tied with the last
        one in the share all count as high.
    out : str or Path, optional
        A folder to write the scores to as Parquet (replaced only after success); None:
        return them as ``scores``.

    Returns
    -------
    EngineValues
        Fitted models, threshold, pattern counts, stage seconds, and the scores (``out``
        None) or the folder written.
    """
    from crm_models.data.summary import summary_view
    from crm_models.value.patterns import pattern_counts, spend_patterns
    from crm_models.value.scoring import CustomerScorer

    share = high_value_share
    if not (isinstance(share, (int, float)) and not isinstance(share, bool) and 0 < share < 1):
        raise ParameterError(f"high_value_share must be in (0, 1), got {share!r}")
    transaction_model(model)  # an unknown model name fails before any work
    timer = _Timer()
    eng, stop = _open(engine, spark_master, spark_config)
    try:
        with timer.stage("read"):
            view = eng.read_transactions(source)
        if not view.has_amount:
            raise DataValidationError(
                "customer_values: the transactions have no 'amount' column; CLV needs the "
                "amount of each purchase (map yours with column_map)"
            )
        with timer.stage("summary"):
            summary = summary_view(eng, view, observation_end, time_unit)
            # computed here on every engine (Spark caches lazily), so the stages time their work
            n_customers = int(eng.fetch(f"SELECT count(*) AS n FROM {summary}")["n"].iloc[0])
        with timer.stage("patterns"):
            patterns = pattern_counts(eng, summary)
            spends = spend_patterns(eng, summary)
        with timer.stage("fit"):
            fitted, spend = _fit(patterns, spends, model, time_unit)
        id_sample = eng.fetch(f"SELECT customer_id FROM {summary} LIMIT 1")["customer_id"]
        id_type = "BIGINT" if pd.api.types.is_integer_dtype(id_sample) else "VARCHAR"

        def scorer_for(threshold: float) -> CustomerScorer:
            return CustomerScorer(
                fitted,
                spend,
                horizon_months=horizon_months,
                monthly_discount_rate=monthly_discount_rate,
                margin_rate=margin_rate,
                time_unit=time_unit,
                high_value_threshold=threshold,
            )

        with timer.stage("threshold"):
            n_high = int(round(share * n_customers))
            probe = scorer_for(0.0)  # its value levels are not used, only its CLV
            threshold = _kth_largest(eng, summary, probe, n_high) if n_high else float("inf")
        scorer = scorer_for(threshold).with_id_type(id_type)
        with timer.stage("score"):
            target = None if out is None else str(out)
            scores = eng.map_batches(summary, scorer, scorer.output_schema, out=target)
    finally:
        stop()
    return EngineValues(
        engine=eng.name,
        spark_master=getattr(eng, "master", spark_master) if eng.name == "spark" else None,
        stage_seconds=timer.seconds,
        n_customers=n_customers,
        n_patterns=len(patterns),
        n_spend_patterns=len(spends),
        model=fitted,
        spend=spend,
        high_value_threshold=threshold,
        scores=scores if out is None else None,
        out=None if out is None else str(out),
    )
