"""RFM: recency, frequency and monetary value per customer, scores and cells.

``rfm_table`` aggregates transactions in DuckDB; ``rfm_scores`` turns the three measures into
scores 1..``bins`` (5 = best: most recent, most frequent, highest spend) by quantile or by
user-set edges; ``rfm_cells`` summarizes customers and value per cell.

Ties: with quantile bins a score is ``ceil(bins · average rank / n)``. Tied values share
their average rank, so they always get the same score, and bins are unequal when many
customers tie (e.g. the many one-time buyers all get the same F score).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd

from crm_models.data.summary import resolve_date
from crm_models.engines.duck import DuckDBEngine
from crm_models.errors import DataValidationError, ParameterError, format_rows

MEASURES = ("days_since_last", "n_purchases", "total_spend")
"""Columns scored by ``rfm_scores``: days since the last purchase (lower is better), number
of purchases (transactions), total spend (currency). Not the BTYD ``recency``/``frequency``
of ``rfm_summary``."""


def rfm_table(
    source: duckdb.DuckDBPyConnection | pd.DataFrame,
    observation_end=None,
    table: str = "transactions",
    *,
    column_map: dict | str | None = None,
    allow_returns: bool = False,
    date_format: str | None = None,
    dayfirst: bool = False,
) -> pd.DataFrame:
    """Per-customer RFM measures from transactions, computed in DuckDB.

    A frame crosses the same boundary as in ``rfm_summary`` (``summary.validated_transactions``):
    the user's column names are mapped (``date``, ``customer``, ``revenue`` … or
    ``column_map``), text dates are parsed, and missing or negative amounts, unparseable
    dates and empty ids are refused naming the column and the 1-based rows.

    Parameters
    ----------
    source : duckdb.DuckDBPyConnection or pandas.DataFrame
        A DuckDB connection with a ``table`` of transactions (validated when loaded; only its
        column types are checked), or a frame with one row per purchase: customer_id,
        timestamp, amount (currency), under these names or the aliases of ``load_table``.
    observation_end : date-like, optional
        Transactions after it are ignored (default: the last transaction).
    table : str, default "transactions"
        Table name in the connection.
    column_map : dict or str, optional
        The user's column names → canonical ones (``{"Datum": "timestamp"}`` or
        ``"Datum=timestamp"``), as ``rfm_summary(column_map=)``; a frame only.
    allow_returns : bool, default False
        Admit negative amounts (returns): they are netted in total_spend.
    date_format : str, optional
        strftime layout of text dates that are not ISO 8601 (``"%d/%m/%Y"``).
    dayfirst : bool, default False
        Accept day-first text dates.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: days_since_last (days from the last purchase to
        ``observation_end``), n_purchases (transactions), total_spend (total amount),
        first_purchase, last_purchase.
    """
    engine = DuckDBEngine(source if isinstance(source, duckdb.DuckDBPyConnection) else None)
    view = engine.read_transactions(
        source,
        column_map=column_map,
        allow_returns=allow_returns,
        date_format=date_format,
        dayfirst=dayfirst,
        table=table,
        caller="rfm_table",
    )
    con, relation, has_amount = engine.con, view.name, view.has_amount
    if not has_amount:
        raise DataValidationError(
            "rfm_table: transactions need an 'amount' column (spend per purchase, currency) "
            "for total_spend; for counts only use rfm_summary"
        )
    end = resolve_date(observation_end, con, relation)
    frame = con.execute(
        f"""
        SELECT customer_id,
               date_diff('second', max(timestamp), $end::TIMESTAMP) / 86400.0 AS days_since_last,
               count(*) AS n_purchases,
               sum(amount) AS total_spend,
               min(timestamp) AS first_purchase,
               max(timestamp) AS last_purchase
        FROM {relation}
        WHERE timestamp <= $end::TIMESTAMP
        GROUP BY customer_id
        ORDER BY customer_id
        """,
        {"end": end},
    ).df()
    return frame.set_index("customer_id")


def _quantile_scores(values: np.ndarray, bins: int, higher_is_better: bool) -> np.ndarray:
    ranks = pd.Series(values if higher_is_better else -values).rank(method="average").to_numpy()
    return np.clip(np.ceil(bins * ranks / len(values)), 1, bins).astype(np.int64)


def _edge_scores(values: np.ndarray, edges: Sequence[float], higher_is_better: bool) -> np.ndarray:
    cuts = np.asarray(edges, dtype=float)
    if cuts.ndim != 1 or len(cuts) < 1 or np.any(np.diff(cuts) <= 0):
        raise ParameterError(
            f"bin edges must be a strictly increasing list of numbers, got {list(cuts)}"
        )
    level = np.searchsorted(cuts, values, side="right") + 1  # 1 .. len(edges)+1
    return level if higher_is_better else len(cuts) + 2 - level


def rfm_scores(rfm: pd.DataFrame, bins: int | Mapping[str, Sequence[float]] = 5) -> pd.DataFrame:
    """R, F and M scores (1 = worst, ``bins`` = best) and the RFM cell per customer.

    ``bins`` is the number of quantile bins (ties share a score, see module docstring), or a
    mapping from each measure in ``MEASURES`` to increasing bin edges (a value equal to an
    edge falls in the upper bin; recency is reversed so that recent buyers score high).

    Parameters
    ----------
    rfm : pandas.DataFrame
        One row per customer (``rfm_table``) with columns days_since_last (days),
        n_purchases (transactions) and total_spend (currency); finite numbers.
    bins : int or mapping of str to sequence of float, default 5
        Number of quantile bins (2..10), or edges per measure of ``MEASURES``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``rfm``: R, F, M (int, 1 = worst), rfm_score (R + F + M) and cell
        (str, e.g. '545').
    """
    missing = [c for c in MEASURES if c not in rfm.columns]
    if missing:
        raise DataValidationError(
            f"rfm_scores: missing column(s) {missing}; use rfm_table(...) first"
        )
    if len(rfm) == 0:
        raise DataValidationError("rfm_scores: the RFM table is empty")
    values = {}
    for c in MEASURES:
        v = pd.to_numeric(rfm[c], errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(v)):
            rows = format_rows(np.flatnonzero(~np.isfinite(v)), labels=rfm.index)
            raise DataValidationError(
                f"rfm_scores: column '{c}': expected finite numbers; missing or not a number "
                f"at rows {rows}"
            )
        values[c] = v
    better = {"days_since_last": False, "n_purchases": True, "total_spend": True}
    out = pd.DataFrame(index=rfm.index)
    for letter, c in zip("RFM", MEASURES, strict=True):
        if isinstance(bins, Mapping):
            if c not in bins:
                raise ParameterError(
                    f"rfm_scores: bins has no edges for '{c}' (need all of {list(MEASURES)})"
                )
            out[letter] = _edge_scores(values[c], bins[c], better[c])
        else:
            if not (isinstance(bins, (int, np.integer)) and 2 <= bins <= 10):
                raise ParameterError(
                    f"bins must be an integer in 2..10 or a mapping of edges, got {bins!r}"
                )
            out[letter] = _quantile_scores(values[c], int(bins), better[c])
    out["rfm_score"] = out["R"] + out["F"] + out["M"]
    out["cell"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    return out


def rfm_cells(
    scores: pd.DataFrame, value: pd.Series | None = None, by: str = "cell"
) -> pd.DataFrame:
    """Summarize customers (count, share) and ``value`` (sum, share, mean) per RFM group.

    Sorted by value (or count), descending.

    Parameters
    ----------
    scores : pandas.DataFrame
        ``rfm_scores`` output, one row per customer.
    value : pandas.Series, optional
        Value per customer (e.g. CLV in dollars), indexed like ``scores``.
    by : str, default "cell"
        Grouping column: 'cell', 'rfm_score' or one of 'R', 'F', 'M'.

    Returns
    -------
    pandas.DataFrame
        One row per group, indexed by ``by``: customers, customer_share (in [0, 1]) and,
        with ``value``, value (sum), mean_value and value_share (in [0, 1]).
    """
    if by not in scores.columns:
        raise ParameterError(
            f"by must be a column of the scores ({list(scores.columns)}), got {by!r}"
        )
    frame = pd.DataFrame({by: scores[by]})
    frame["customers"] = 1
    if value is not None:
        frame["value"] = value.reindex(scores.index).to_numpy(dtype=float)
    agg = {"customers": ("customers", "sum")}
    if value is not None:
        agg.update(value=("value", "sum"), mean_value=("value", "mean"))
    out = frame.groupby(by, observed=True).agg(**agg)
    out["customer_share"] = out["customers"] / out["customers"].sum()
    if value is not None:
        out["value_share"] = out["value"] / out["value"].sum()
        return out.sort_values("value", ascending=False)
    return out.sort_values("customers", ascending=False)
