"""Inputs of the segment-value study: transactions and the observation/calibration window.

``load_inputs(data_source, …)`` reads one of:

- ``synthetic``: a simulated CRM world of ``n_customers`` (seeded); ends at the world's end;
- ``cdnow``: the CDNOW master file (Q1-1997 cohort), observed to 1998-06-30 with the
  published calibration end 1997-09-30;
- ``warehouse:DATASET``: the ``transactions`` table of a dataset of the project's warehouse
  (``data/crm.duckdb`` in the project root, :func:`crm_models.project.project_root`);
- a path: a transactions file (.csv / .parquet) with customer_id, timestamp, amount; a
  relative path is relative to the project root.

Without an explicit ``observation_end`` the window ends at the source default (or the last
transaction); without ``calibration_end`` the holdout period is the last 26 weeks.
Also here: the model names of the study (``transaction_models``, ``transaction_model``) and
the parsing of comma-separated names (``split_names``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from crm_models.errors import ParameterError
from crm_models.project import resolve_path
from crm_models.value.models import BGNBD, MBGNBD, ParetoNBD
from crm_models.value.models._transaction import TransactionModel

__all__ = [
    "CDNOW_CALIBRATION_END",
    "CDNOW_OBSERVATION_END",
    "HOLDOUT_WEEKS",
    "TRANSACTION_MODELS",
    "ValueInputs",
    "load_inputs",
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
    """

    transactions: pd.DataFrame = field(repr=False)
    observation_end: pd.Timestamp
    calibration_end: pd.Timestamp
    label: str
    world: object | None = field(default=None, repr=False)


def load_inputs(
    data_source: str = "synthetic",
    n_customers: int = 20_000,
    seed: int = 1,
    observation_end: str = "",
    calibration_end: str = "",
) -> ValueInputs:
    """Transactions and the observation/calibration window of the study.

    Parameters
    ----------
    data_source : str, default "synthetic"
        ``synthetic``, ``cdnow``, ``warehouse:DATASET`` or a transactions file path.
    n_customers : int, default 20000
        Customers of the synthetic world (ignored for other sources).
    seed : int, default 1
        Seed of the synthetic world.
    observation_end : str, default ""
        YYYY-MM-DD; empty: the source default or the last transaction.
    calibration_end : str, default ""
        YYYY-MM-DD; empty: the source default or ``HOLDOUT_WEEKS`` before ``observation_end``.

    Returns
    -------
    ValueInputs
        Transactions up to the observation end, the two dates and a source label.
    """
    world = None
    default_calibration_end = None
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
    elif data_source.startswith("warehouse:"):
        from crm_models.data import Warehouse

        dataset = data_source.split(":", 1)[1]
        transactions = Warehouse().table("transactions", dataset=dataset)  # in the project root
        default_end = transactions["timestamp"].max()
        label = f"warehouse dataset {dataset!r}"
    else:
        from crm_models.data import load_table

        transactions = load_table(resolve_path(data_source), "transactions")
        default_end = transactions["timestamp"].max()
        label = f"file {data_source}"
    end = pd.Timestamp(observation_end) if observation_end else pd.Timestamp(default_end)
    if calibration_end:
        cal_end = pd.Timestamp(calibration_end)
    elif default_calibration_end is not None:
        cal_end = default_calibration_end
    else:
        cal_end = end - pd.Timedelta(weeks=HOLDOUT_WEEKS)
    transactions = transactions[transactions["timestamp"] <= end]
    return ValueInputs(transactions, end, cal_end, label, world)


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
