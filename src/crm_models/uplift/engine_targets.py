"""The campaign target list on an engine (DuckDB or Spark), written as a Parquet folder.

The fitted uplift learner (small) is shipped to the engine; every customer is scored batch by
batch there with the same arithmetic as :func:`~crm_models.uplift.plan_targeting` (best arm
and expected profit per customer, the consent rule of :mod:`crm_models.uplift.consent`), and
only the target list leaves the engine. A contact limit or budget is an exact global cut
(best expected profit first, ties by customer_id) computed without collecting every row:

1. one pass counts the eligible, profitable customers per profit bin and arm
   (:func:`crm_models.engines.topk.value_bins`, about 0.02% wide);
2. a second pass returns the rows of the one bin holding the cut (the driver sorts them);
3. the last pass keeps the customers above the cut and writes them (Parquet folder,
   replaced atomically) or returns them.

Without a limit or budget only the last pass runs.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_models.engines.topk import value_bins
from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import check_fitted
from crm_models.uplift._arms import _per_arm, _uplift_matrix
from crm_models.uplift.consent import CONSENT_VALUES, _consent_array, consent_eligible
from crm_models.uplift.export import TARGET_COLUMNS
from crm_models.uplift.targeting import _best_arm, _check_limits

__all__ = ["campaign_targets"]

_CALLER = "campaign_targets"
_INT_TYPES = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER")
_NUMBER_TYPES = (*_INT_TYPES, "DOUBLE", "FLOAT", "REAL", "DECIMAL", "BOOLEAN", "INT", "LONG")
_ERROR = re.compile(r"crm_models\.errors\.(DataValidationError|ParameterError): (.+)")


@dataclass(frozen=True)
class _Cut:
    """Keep expected profit > value, or == value with customer_id <= last_id (None: no ties)."""

    value: float = -np.inf
    last_id: Any = None


class _Scorer:
    """Batch of customers → best arm, uplift, expected profit and eligibility; picklable."""

    def __init__(self, learner, features, margin, cost, double_opt_in, min_profit) -> None:
        self.learner = learner
        self.features = list(features)
        self.arms = [str(a) for a in learner.arms_]
        self.margin, self.cost = margin, cost
        self.double_opt_in, self.min_profit = bool(double_opt_in), float(min_profit)

    def score(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Candidates of one batch: customer_id, best (arm index), uplift, profit."""
        X = batch[self.features].astype(float)
        bad = ~np.isfinite(X.to_numpy())
        if bad.any():
            col = self.features[int(np.flatnonzero(bad.any(axis=0))[0])]
            ids = batch["customer_id"][bad.any(axis=1)].head(3).tolist()
            raise DataValidationError(
                f"{_CALLER}: feature column {col!r} has missing or non-finite values "
                f"(e.g. customer_id {ids}); expected numbers for every customer"
            )
        u, _ = _uplift_matrix(self.learner.predict_frame(X), self.arms)
        best, value = _best_arm(u, self.margin, self.cost)
        consent = _consent_array(batch["consent_status"].astype(object), len(batch))
        keep = consent_eligible(consent, self.double_opt_in) & (value > self.min_profit)
        if not consent_eligible(consent[keep], self.double_opt_in).all():  # pragma: no cover
            raise RuntimeError("internal error: a customer without consent became a candidate")
        rows = np.flatnonzero(keep)
        return pd.DataFrame(
            {
                "customer_id": batch["customer_id"].to_numpy()[rows],
                "best": best[rows],
                "uplift": u[rows, best[rows]],
                "profit": value[rows],
            }
        )


class _Bins:
    """Batch → candidates per profit bin and arm (bin, arm, n)."""

    schema = {"bin": "BIGINT", "arm": "INTEGER", "n": "BIGINT"}

    def __init__(self, scorer: _Scorer) -> None:
        self.scorer = scorer

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        c = self.scorer.score(batch)
        frame = pd.DataFrame({"bin": value_bins(c["profit"].to_numpy()), "arm": c["best"]})
        counts = frame.groupby(["bin", "arm"]).size().rename("n").reset_index()
        return counts.astype({"bin": "int64", "arm": "int32", "n": "int64"})


class _InBin:
    """Batch → the candidates of one profit bin (customer_id, arm, profit)."""

    def __init__(self, scorer: _Scorer, bin_: int, id_type: str) -> None:
        self.scorer, self.bin = scorer, int(bin_)
        self.schema = {"customer_id": id_type, "arm": "INTEGER", "profit": "DOUBLE"}

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        c = self.scorer.score(batch)
        c = c[value_bins(c["profit"].to_numpy()) == self.bin]
        return pd.DataFrame(
            {
                "customer_id": c["customer_id"],
                "arm": c["best"].astype("int32"),
                "profit": c["profit"],
            }
        )


class _Targets:
    """Batch → the target rows above the cut (TARGET_COLUMNS)."""

    def __init__(self, scorer: _Scorer, cut: _Cut, id_type: str) -> None:
        self.scorer, self.cut = scorer, cut
        self.schema = dict(
            zip(TARGET_COLUMNS, [id_type, "VARCHAR", "DOUBLE", "DOUBLE"], strict=True)
        )

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        c = self.scorer.score(batch)
        keep = c["profit"] > self.cut.value
        if self.cut.last_id is not None:
            keep |= (c["profit"] == self.cut.value) & (c["customer_id"] <= self.cut.last_id)
        c = c[keep.to_numpy()]
        return pd.DataFrame(
            {
                "customer_id": c["customer_id"],
                "arm": np.asarray(self.scorer.arms, dtype=object)[c["best"].to_numpy()],
                "expected_uplift": c["uplift"],
                "expected_profit": c["profit"],
            }
        )


@contextmanager
def _one_line() -> Iterator[None]:
    """Re-raise a user-facing error raised inside a Spark worker as itself (one line)."""
    try:
        with warnings.catch_warnings():  # pyspark repeats the worker's traceback as a warning
            warnings.filterwarnings("ignore", message="toPandas attempted Arrow optimization")
            yield
    except (DataValidationError, ParameterError):
        raise
    except Exception as error:
        found = _ERROR.search(str(error))
        if found is None:
            raise
        kind = DataValidationError if found.group(1) == "DataValidationError" else ParameterError
        raise kind(found.group(2).strip()) from None


def _open(engine: Any, spark_master: str | None) -> tuple[Any, Callable[[], None]]:
    from crm_models.engines import Engine, get_engine

    if isinstance(engine, str):
        opened = get_engine(engine, spark_master=spark_master or None)
        return opened, opened.stop
    if not isinstance(engine, Engine):
        raise ParameterError(
            f"{_CALLER}: engine must be 'duckdb', 'spark' or an Engine from "
            f"crm_models.engines.get_engine, got {type(engine).__name__}"
        )
    return engine, lambda: None


def _register(eng: Any, customers: Any) -> tuple[str, dict[str, str], str]:
    """Register the customer table in the engine; return its view, column types and name."""
    if isinstance(customers, pd.DataFrame):
        if "customer_id" not in customers.columns and customers.index.name == "customer_id":
            customers = customers.reset_index()
        what = "the customers frame"
    elif isinstance(customers, (str, os.PathLike)):
        what = f"Parquet data {Path(customers)}"
    else:
        what = "the customers table"
    name = f"_crm_customers_{os.getpid()}_{id(customers) % 10**8}"
    if eng.name == "duckdb":
        if isinstance(customers, pd.DataFrame):
            eng.con.register(name, customers)
        elif isinstance(customers, (str, os.PathLike)):
            from crm_models.engines.duck import parquet_glob

            files, _ = parquet_glob(customers, _CALLER)
            quoted = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            eng.con.execute(
                f"CREATE OR REPLACE TEMP VIEW {name} AS "
                f"SELECT * FROM read_parquet([{quoted}], hive_partitioning=true)"
            )
        else:
            raise DataValidationError(
                f"{_CALLER}: customers must be a pandas DataFrame or a Parquet file or folder "
                f"on engine 'duckdb', got {type(customers).__name__}"
            )
        rel = eng.con.sql(f"SELECT * FROM {name} LIMIT 0")
        types = {c: str(t).upper() for c, t in zip(rel.columns, rel.types, strict=True)}
        return name, types, what
    from pyspark.sql import DataFrame as SparkFrame

    if isinstance(customers, pd.DataFrame):
        data = eng.spark.createDataFrame(customers)
    elif isinstance(customers, (str, os.PathLike)):
        from crm_models.engines.duck import parquet_glob

        _, target = parquet_glob(customers, _CALLER)
        data = eng.spark.read.parquet(str(target))
    elif isinstance(customers, SparkFrame):
        data = customers
    else:
        raise DataValidationError(
            f"{_CALLER}: customers must be a pandas DataFrame, a Parquet file or folder or a "
            f"pyspark DataFrame on engine 'spark', got {type(customers).__name__}"
        )
    data.createOrReplaceTempView(name)
    types = {f.name: f.dataType.simpleString().upper() for f in data.schema.fields}
    return name, types, what


def _check_table(eng: Any, name: str, types: dict[str, str], what: str, features) -> str:
    """Check columns, ids and consent statuses in the engine; return the id output type."""
    need = ["customer_id", "consent_status"]
    missing = [c for c in need if c not in types]
    if missing:
        raise DataValidationError(
            f"{_CALLER}: {what} lacks column(s) {missing}; every customer needs customer_id "
            "and consent_status (opt_in, double_opt_in, opt_out, unknown or missing: consent "
            "decides who may be contacted)"
        )
    lacking = [c for c in features if c not in types]
    if lacking:
        raise DataValidationError(
            f"{_CALLER}: {what} lacks the learner's feature column(s) {lacking[:5]}"
            + (f" and {len(lacking) - 5} more" if len(lacking) > 5 else "")
            + "; pass the columns the learner was fitted on (learner.feature_names_in_)"
        )
    text = [c for c in features if not types[c].startswith(_NUMBER_TYPES)]
    if text:
        raise DataValidationError(
            f"{_CALLER}: {what} feature column {text[0]!r} is {types[text[0]]}; expected a "
            "number type (DOUBLE, BIGINT …)"
        )
    dup = eng.fetch(
        f"SELECT customer_id, count(*) AS n FROM {name} GROUP BY customer_id "
        "HAVING count(*) > 1 OR customer_id IS NULL LIMIT 3"
    )
    if len(dup):
        raise DataValidationError(
            f"{_CALLER}: {what} column 'customer_id' must hold one non-missing id per customer; "
            f"found {dup['customer_id'].tolist()} more than once or missing"
        )
    statuses = eng.fetch(
        f"SELECT consent_status, min(customer_id) AS example FROM {name} GROUP BY consent_status"
    )
    values = statuses["consent_status"].astype(object)
    known = values.isna() | values.isin([*CONSENT_VALUES, True, False])
    if not known.all():
        bad = statuses[~known.to_numpy()].head(3)
        raise DataValidationError(
            f"{_CALLER}: {what} column 'consent_status' holds {bad['consent_status'].tolist()} "
            f"(e.g. customer_id {bad['example'].tolist()}); expected one of "
            f"{list(CONSENT_VALUES)} or missing"
        )
    return "BIGINT" if types["customer_id"].startswith(_INT_TYPES) else "VARCHAR"


def _cut(eng: Any, name: str, scorer: _Scorer, id_type: str, max_contacts, budget) -> _Cut:
    """Return the exact cut of the greedy plan (best profit first, ties by customer_id)."""
    with _one_line():
        bins = eng.map_batches(name, _Bins(scorer), _Bins.schema)
    cost = np.asarray(scorer.cost, dtype=float)
    bins = bins.assign(cost=bins["n"] * cost[bins["arm"].to_numpy()])
    per_bin = bins.groupby("bin")[["n", "cost"]].sum().sort_index(ascending=False)
    limit = np.inf if max_contacts is None else float(max_contacts)
    cap = np.inf if budget is None else float(budget)
    over = (per_bin["n"].cumsum() > limit) | (per_bin["cost"].cumsum() > cap)
    if not over.any():
        return _Cut()
    pos = int(np.argmax(over.to_numpy()))
    before_n = float(per_bin["n"].iloc[:pos].sum())
    before_cost = float(per_bin["cost"].iloc[:pos].sum())
    in_bin = _InBin(scorer, per_bin.index[pos], id_type)
    with _one_line():
        rows = eng.map_batches(name, in_bin, in_bin.schema)
    rows = rows.sort_values(["profit", "customer_id"], ascending=[False, True], kind="stable")
    taken = before_n + np.arange(1, len(rows) + 1)
    spent = before_cost + np.cumsum(cost[rows["arm"].to_numpy()])
    k = int(((taken <= limit) & (spent <= cap)).sum())
    if k == 0:
        return _Cut(float(rows["profit"].max()))
    last = rows.iloc[k - 1]
    return _Cut(float(last["profit"]), last["customer_id"])


def campaign_targets(
    customers: Any,
    learner: Any,
    *,
    margin_per_outcome: Any,
    cost_per_contact: Any,
    engine: Any = "duckdb",
    spark_master: str | None = None,
    require_double_opt_in: bool = False,
    min_profit: float = 0.0,
    max_contacts: int | None = None,
    budget: float | None = None,
    out: str | os.PathLike | None = None,
) -> pd.DataFrame | Path:
    """Score every customer on an engine and return or write the consent-checked target list.

    The same list as :func:`~crm_models.uplift.plan_targeting` on
    ``learner.predict_frame(features)`` with the customers in customer_id order, on DuckDB
    (embedded) or Spark (local or a cluster); the customers never come to the driver.

    Parameters
    ----------
    customers : pandas.DataFrame, str, os.PathLike or pyspark DataFrame
        One row per customer: customer_id (unique; also accepted as a frame's index),
        consent_status ('opt_in', 'double_opt_in', 'opt_out', 'unknown' or missing — a
        missing column is refused: consent decides who may be contacted) and the learner's
        feature columns (numbers). A frame, a Parquet file or folder (Hive partitions read),
        or a pyspark DataFrame on Spark.
    learner : fitted uplift learner
        A learner of :mod:`crm_models.uplift.learners` fitted on a DataFrame (its
        ``feature_names_in_`` name the columns used); pickled to the engine's workers.
    margin_per_outcome : float, mapping or sequence
        Profit of one incremental outcome (currency): a number or one per arm.
    cost_per_contact : float, mapping or sequence
        Cost of one contact (currency, >= 0): a number or one per arm.
    engine : {"duckdb", "spark"} or Engine, default "duckdb"
        An engine name (started here, stopped at the end) or an open engine (left open).
    spark_master : str, optional
        Spark master URL for ``engine="spark"`` (None or "": a local cluster).
    require_double_opt_in : bool, default False
        Only double opt-in customers may be contacted.
    min_profit : float, default 0
        Contact only above this expected profit per customer (currency).
    max_contacts : int, optional
        Contact limit (customers), applied exactly: best expected profit first, ties by
        customer_id.
    budget : float, optional
        Limit on the total contact cost (currency), greedy in the same order.
    out : str or os.PathLike, optional
        A folder to write the target list to as Parquet (columns ``TARGET_COLUMNS``, in no
        particular row order; an existing folder is replaced only after success). None:
        return the list.

    Returns
    -------
    pandas.DataFrame or pathlib.Path
        ``out`` None: customer_id, arm (text), expected_uplift (outcome units),
        expected_profit (currency), one row per target, best first (ties by customer_id);
        otherwise the folder written.
    """
    check_fitted(learner, "arms_")
    features = getattr(learner, "feature_names_in_", None)
    if features is None:
        raise ParameterError(
            f"{_CALLER}: the learner was fitted without column names; fit it on a DataFrame "
            "of features so its columns can be found in the customer table"
        )
    arms = [str(a) for a in learner.arms_]
    margin = _per_arm(margin_per_outcome, arms, "margin_per_outcome")
    cost = _per_arm(cost_per_contact, arms, "cost_per_contact")
    _check_limits(cost, cost_per_contact, max_contacts, budget)
    scorer = _Scorer(learner, features, margin, cost, require_double_opt_in, min_profit)
    eng, stop = _open(engine, spark_master)
    try:
        name, types, what = _register(eng, customers)
        id_type = _check_table(eng, name, types, what, scorer.features)
        limited = max_contacts is not None or budget is not None
        cut = _cut(eng, name, scorer, id_type, max_contacts, budget) if limited else _Cut()
        targets = _Targets(scorer, cut, id_type)
        with _one_line():
            result = eng.map_batches(name, targets, targets.schema, out=out)
    finally:
        stop()
    if out is not None:
        return Path(out)
    result = result.sort_values(
        ["expected_profit", "customer_id"], ascending=[False, True], kind="stable"
    )
    return result.reset_index(drop=True)
