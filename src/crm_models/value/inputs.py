"""Inputs of the segment-value study: transactions and the observation/calibration window.

``load_inputs(data_source, …)`` reads one of:

- ``synthetic``: a simulated CRM world of ``n_customers`` (seeded); ends at the world's end;
- ``cdnow``: the CDNOW master file (Q1-1997 cohort), observed to 1998-06-30 with the
  published calibration end 1997-09-30;
- ``cdnow_sample``: the 2,357-customer 1/10th CDNOW sample that ships with lifetimes, observed
  over the published 39-week calibration period (to 1997-09-30), so the fitted BG/NBD,
  Pareto/NBD and Gamma-Gamma reproduce the published tables (in weeks, the default time unit
  of this source; ``ValueInputs.published`` holds them);
- ``warehouse:DATASET`` or a path: the user's transactions table (only customer_id, timestamp
  and amount are needed; see :func:`crm_models.data.sources.read_source`);
- a folder of Parquet files (a data lake's table, Hive partitions such as ``month=2024-01/``
  allowed; see :func:`crm_models.data.lake.read_parquet_folder`). For a Parquet file or folder
  with the canonical column names, ``ValueInputs.parquet`` keeps the path, so an engine can
  read it directly.

Without an explicit ``observation_end`` the window ends at the source default (or the last
transaction); without ``calibration_end`` the holdout period is the last 26 weeks, except for
``cdnow_sample`` with its defaults: the models are fitted on the 39-week calibration period and
checked on the published holdout, weeks 40–78 (``ValueInputs.holdout_transactions``).
``equity_headline`` gives the study's headline (customer equity at the fitted parameters) as a
function of the transactions, so the data-quality corrections can be measured on it
(:func:`crm_models.data.corrections.check_quality`). Also here: the model names of the study
(``transaction_models``, ``transaction_model``) and the parsing of comma-separated names
(``split_names``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crm_models.errors import ParameterError
from crm_models.value.models import BGNBD, MBGNBD, ParetoNBD
from crm_models.value.models._transaction import TransactionModel
from crm_models.value.units import resolve_time_unit

__all__ = [
    "CDNOW_CALIBRATION_END",
    "CDNOW_OBSERVATION_END",
    "HOLDOUT_WEEKS",
    "TRANSACTION_MODELS",
    "ValueInputs",
    "equity_headline",
    "load_inputs",
    "published_models",
    "split_names",
    "transaction_model",
    "transaction_models",
]

CDNOW_OBSERVATION_END = pd.Timestamp("1998-06-30")
CDNOW_CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_WEEKS = 26
"""Default holdout period (weeks before the observation end) when no calibration end is given."""

TRANSACTION_MODELS = {"bgnbd": BGNBD, "mbgnbd": MBGNBD, "paretonbd": ParetoNBD}
"""Transaction models of the study by their parameter name."""


@dataclass(frozen=True)
class ValueInputs:
    """What the segment-value study reads.

    Attributes
    ----------
    transactions : pandas.DataFrame
        customer_id, timestamp, amount (and product when known), up to ``observation_end``.
    observation_end : pandas.Timestamp
        End of the observation window.
    calibration_end : pandas.Timestamp
        End of the calibration period of the holdout check.
    label : str
        Describes the source (shown in the report).
    world : object, optional
        The simulated world (``synthetic`` only), for comparisons with the truth.
    time_unit : str, default "D"
        ``D`` (days) or ``W`` (weeks): the unit of the summaries and fitted parameters.
    published : dict, optional
        Published parameters {model: {parameter: value}} that this window and time unit
        reproduce (``cdnow_sample`` with its defaults), else None.
    holdout_end : pandas.Timestamp, optional
        End of the holdout period when it lies beyond ``observation_end`` (``cdnow_sample``
        with its defaults: the published weeks 40–78, to 1998-06-30); None: the holdout period
        ends at ``observation_end``.
    later : pandas.DataFrame, optional
        The source's transactions after ``observation_end`` up to ``holdout_end``.
    parquet : pathlib.Path, optional
        The Parquet file or folder the transactions were read from when an engine can read it
        as it is (canonical column names, see :func:`crm_models.data.lake.engine_readable`),
        else None.
    """

    transactions: pd.DataFrame = field(repr=False)
    observation_end: pd.Timestamp
    calibration_end: pd.Timestamp
    label: str
    world: object | None = field(default=None, repr=False)
    time_unit: str = "D"
    published: dict | None = None
    holdout_end: pd.Timestamp | None = None
    later: pd.DataFrame | None = field(default=None, repr=False)
    parquet: Path | None = None

    @property
    def holdout_period_end(self) -> pd.Timestamp:
        """End of the holdout period: ``holdout_end`` when set, else ``observation_end``."""
        return self.observation_end if self.holdout_end is None else self.holdout_end

    def holdout_transactions(self, transactions: pd.DataFrame) -> pd.DataFrame:
        """Transactions of the calibration/holdout check, up to ``holdout_period_end``.

        Parameters
        ----------
        transactions : pandas.DataFrame
            The transactions the study uses up to ``observation_end`` (possibly corrected).

        Returns
        -------
        pandas.DataFrame
            ``transactions``, followed by ``later`` when the holdout period ends later.
        """
        if self.holdout_end is None or self.later is None:
            return transactions
        later = self.later[[c for c in transactions.columns if c in self.later.columns]]
        return pd.concat([transactions, later], ignore_index=True)

    @property
    def optional_columns(self) -> set[str]:
        """The optional transaction columns present with at least one value (e.g. product)."""
        optional = set(self.transactions.columns) - {"customer_id", "timestamp", "amount"}
        return {c for c in optional if self.transactions[c].notna().any()}


def load_inputs(
    data_source: str = "synthetic",
    n_customers: int = 20_000,
    seed: int = 1,
    observation_end: str = "",
    calibration_end: str = "",
    time_unit: str = "auto",
) -> ValueInputs:
    """Transactions and the observation/calibration window of the study.

    Parameters
    ----------
    data_source : str, default "synthetic"
        ``synthetic``, ``cdnow``, ``cdnow_sample``, ``warehouse:DATASET``, a transactions
        file path or a folder of Parquet files.
    n_customers : int, default 20000
        Customers of the synthetic world (ignored for other sources).
    seed : int, default 1
        Seed of the synthetic world.
    observation_end : str, default ""
        YYYY-MM-DD; empty: the source default or the last transaction.
    calibration_end : str, default ""
        YYYY-MM-DD; empty: the source default or ``HOLDOUT_WEEKS`` before ``observation_end``.
    time_unit : str, default "auto"
        ``D`` days, ``W`` weeks (days / 7, see :mod:`crm_models.value.units`) or ``auto``
        (weeks for ``cdnow_sample``, days otherwise).

    Returns
    -------
    ValueInputs
        Transactions up to the observation end, the two dates and a source label.
    """
    unit = resolve_time_unit(time_unit, data_source)
    world = parquet = None
    default_calibration_end = None
    published = holdout_end = None
    if data_source == "synthetic":
        from crm_models.data.synthetic import simulate_world

        world = simulate_world(n_customers=n_customers, seed=seed)
        transactions = world.transactions
        default_end = world.observation_end
        label = f"synthetic CRM world ({n_customers:,} customers, seed {seed})"
    elif data_source == "cdnow":
        from crm_models.data.public import load_cdnow_transactions

        transactions = load_cdnow_transactions()
        default_end, default_calibration_end = CDNOW_OBSERVATION_END, CDNOW_CALIBRATION_END
        label = "CDNOW (23,570 customers of the Q1-1997 cohort)"
    elif data_source == "cdnow_sample":
        from crm_models.data import public

        transactions = public.load_cdnow_sample_transactions()
        default_end = public.CDNOW_SAMPLE_CALIBRATION_END
        label = "CDNOW 1/10th sample (2,357 customers of the Q1-1997 cohort)"
        published_window = not observation_end or (
            pd.Timestamp(observation_end) == public.CDNOW_SAMPLE_CALIBRATION_END
        )
        if published_window and unit == "W":
            published = public.CDNOW_SAMPLE_PUBLISHED
        if published_window and not calibration_end:  # the published holdout: weeks 40-78
            holdout_end = public.CDNOW_SAMPLE_OBSERVATION_END
    else:
        transactions, label, parquet = _read_user_source(data_source)
        if transactions.empty:
            raise ParameterError(f"data_source {data_source!r}: the transactions table is empty")
        default_end = transactions["timestamp"].max()
    end = pd.Timestamp(observation_end) if observation_end else pd.Timestamp(default_end)
    if calibration_end:
        cal_end = pd.Timestamp(calibration_end)
    elif default_calibration_end is not None:
        cal_end = default_calibration_end
    else:
        cal_end = end - pd.Timedelta(weeks=HOLDOUT_WEEKS)
    if holdout_end is not None:
        cal_end = end
        stamps = transactions["timestamp"]
        later = transactions[(stamps > end) & (stamps <= holdout_end)].reset_index(drop=True)
    else:
        later = None
    transactions = transactions[transactions["timestamp"] <= end]
    return ValueInputs(
        transactions, end, cal_end, label, world, unit, published, holdout_end, later, parquet
    )


def _read_user_source(data_source: str) -> tuple[pd.DataFrame, str, Path | None]:
    """Read the user's transactions (file, Parquet folder, warehouse), label, Parquet path."""
    from crm_models.data.lake import (
        engine_readable,
        is_parquet_source,
        parquet_files,
        read_parquet_folder,
    )
    from crm_models.data.sources import read_source, warehouse_dataset
    from crm_models.project import resolve_path

    path = None if warehouse_dataset(data_source) is not None else resolve_path(data_source)
    if path is not None and path.is_dir():
        label = f"Parquet folder {data_source} ({len(parquet_files(path)):,} files)"
        direct = path if engine_readable(path) else None
        return read_parquet_folder(path, "transactions"), label, direct
    named = ("synthetic", "cdnow", "cdnow_sample", "a folder of Parquet files")
    transactions, label = read_source(data_source, "transactions", named=named)
    readable = path is not None and is_parquet_source(path) and engine_readable(path)
    parquet = path if readable else None
    return transactions, label, parquet


def equity_headline(
    end: pd.Timestamp, model: str, **clv_args: Any
) -> Callable[[pd.DataFrame], float]:
    """Return the study's headline as a function of the transactions: equity at the estimates.

    Parameters
    ----------
    end : pandas.Timestamp
        Observation end of the per-customer summary.
    model : str
        The transaction model used for CLV (a key of :data:`TRANSACTION_MODELS`).
    **clv_args : Any
        ``horizon_months``, ``monthly_discount_rate``, ``time_unit`` (``D`` or ``W``, also the
        unit of the summary; default ``D``), ``margin_rate`` of
        :func:`crm_models.value.valuation.customer_lifetime_value`.

    Returns
    -------
    callable
        ``transactions -> float``: refits ``model`` and Gamma-Gamma on the summary of the
        transactions and sums every customer's CLV (one fit of each model per call).
    """
    from crm_models.value.models import GammaGamma
    from crm_models.value.units import customer_summary
    from crm_models.value.valuation import customer_lifetime_value

    unit = str(clv_args.get("time_unit", "D"))

    def headline(transactions: pd.DataFrame) -> float:
        summary = customer_summary(transactions, end, unit)
        fitted = transaction_model(model).fit(summary)
        spend = GammaGamma(nonpositive="drop").fit(summary)
        clv = customer_lifetime_value(fitted, spend, summary, **clv_args)
        return float(clv.sum())

    return headline


def published_models(names: list[str], published: dict | None) -> list[str]:
    """``names`` followed by the transaction models of ``published`` that are not among them.

    Parameters
    ----------
    names : list of str
        Transaction models to fit (keys of :data:`TRANSACTION_MODELS`).
    published : dict or None
        ``ValueInputs.published``.

    Returns
    -------
    list of str
        The models to fit, so every published transaction model is fitted and compared.
    """
    extra = [m for m in (published or {}) if m in TRANSACTION_MODELS and m not in names]
    return [*names, *extra]


def split_names(text: str) -> list[str]:
    """Return the non-empty, stripped names of a comma-separated list.

    Parameters
    ----------
    text : str
        E.g. ``"bgnbd, mbgnbd"``.

    Returns
    -------
    list of str
        E.g. ``["bgnbd", "mbgnbd"]``.
    """
    return [name.strip() for name in text.split(",") if name.strip()]


def transaction_models(model: str, compare_models: str) -> list[str]:
    """List the transaction models to fit: ``compare_models``, ``model`` prepended if missing.

    Parameters
    ----------
    model : str
        The model used for CLV, a key of :data:`TRANSACTION_MODELS`.
    compare_models : str
        Comma-separated models to fit and compare.

    Returns
    -------
    list of str
        Model names, each a key of :data:`TRANSACTION_MODELS`.
    """
    names = split_names(compare_models)
    for name in [model, *names]:
        if name not in TRANSACTION_MODELS:
            raise ParameterError(
                f"model names must be among {list(TRANSACTION_MODELS)}, got {name!r}"
            )
    return names if model in names else [model, *names]


def transaction_model(name: str) -> TransactionModel:
    """Create a new, unfitted transaction model by its parameter name.

    Parameters
    ----------
    name : str
        ``bgnbd``, ``mbgnbd`` or ``paretonbd``.

    Returns
    -------
    TransactionModel
        ``BGNBD()``, ``MBGNBD()`` or ``ParetoNBD()``.
    """
    if name not in TRANSACTION_MODELS:
        raise ParameterError(f"model must be one of {list(TRANSACTION_MODELS)}, got {name!r}")
    return TRANSACTION_MODELS[name]()
