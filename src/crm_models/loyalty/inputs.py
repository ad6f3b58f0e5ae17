"""Inputs of the loyalty study: a survey, and (when available) each respondent's behaviour.

``load_inputs("synthetic", n_respondents, seed)`` simulates a CRM world whose survey has
``n_respondents`` answers and links them to the world's retention truth and transactions.
``load_inputs(path)`` reads a survey CSV (items on 1–10, optional ``customer_id``);
``load_inputs("warehouse:DATASET")`` reads the dataset's ``survey`` table and, when the
dataset has one, its ``transactions`` table. With transactions (``customer_id, timestamp,
amount``: a file or ``warehouse:DATASET``, read by :func:`crm_models.data.sources.read_source`,
customer ids as the user has them) respondents are linked to behaviour, a customer counting as
*retained* when they bought within the last ``active_weeks`` weeks of the transaction window
(a transparent proxy for P(alive) when no model is at hand). Relative file paths are relative
to the project root (:func:`crm_models.project.resolve_path`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crm_models.errors import DataValidationError, ParameterError
from crm_models.project import resolve_path

__all__ = ["StudyInputs", "load_inputs"]


@dataclass(frozen=True)
class StudyInputs:
    """The study's data (a frozen bundle of inputs, not an estimate).

    Attributes
    ----------
    survey : pandas.DataFrame
        One row per respondent: the item columns (1–10), plus ``customer_id`` when known.
    label : str
        Describes the source (shown on the page).
    transactions : pandas.DataFrame or None
        Linked transactions (``customer_id, timestamp, amount``), when available.
    retained : pandas.Series or None
        Whether each customer was retained (bool, indexed by ``customer_id``), when linked.
    customers : pandas.DataFrame or None
        Customers with their relationship levels, when available.
    observation_end : pandas.Timestamp or None
        End of the observation of the transactions.
    world : object or None
        The synthetic world (``data_source="synthetic"`` only).
    """

    survey: pd.DataFrame
    label: str
    transactions: pd.DataFrame | None = None
    retained: pd.Series | None = None
    customers: pd.DataFrame | None = None
    observation_end: pd.Timestamp | None = None
    world: object | None = None

    @property
    def has_behaviour(self) -> bool:
        """Whether the survey is linked to transactions and retention."""
        return (
            self.transactions is not None
            and self.retained is not None
            and "customer_id" in self.survey
        )


def load_inputs(
    data_source: str = "synthetic",
    n_respondents: int = 2000,
    seed: int = 1,
    transactions: str = "",
    active_weeks: float = 26.0,
) -> StudyInputs:
    """Survey and behaviour for the study (see the module docstring).

    Parameters
    ----------
    data_source : str, default "synthetic"
        ``synthetic`` (the simulated CRM world), the path of a survey CSV (items on 1–10) or
        ``warehouse:DATASET`` (its survey table).
    n_respondents : int, default 2000
        Synthetic world: survey respondents (the world has 1 / survey_share times as many
        customers).
    seed : int, default 1
        Seed of the synthetic world.
    transactions : str, default ""
        Optional transactions (``customer_id, timestamp, amount``): a file or
        ``warehouse:DATASET``; with a warehouse survey, empty means the same dataset's
        transactions when it has them.
    active_weeks : float, default 26
        Survey file with transactions: retained means bought in the last this-many weeks.

    Returns
    -------
    StudyInputs
        Survey, and behaviour when linked.
    """
    if data_source == "synthetic":
        from crm_models.data.synthetic import WorldParams, simulate_world

        if not isinstance(n_respondents, int) or n_respondents < 50:
            raise ParameterError(f"n_respondents must be an integer >= 50, got {n_respondents!r}")
        share = WorldParams().survey_share
        world = simulate_world(int(round(n_respondents / share)), seed=seed)
        alive = world.truth.purchase.set_index("customer_id")["alive_at_end"]
        return StudyInputs(
            world.survey,
            f"synthetic CRM world (seed {seed}, {len(world.customers):,} "
            f"customers, {len(world.survey):,} survey respondents)",
            world.transactions,
            alive,
            world.customers,
            world.observation_end,
            world,
        )
    from crm_models.data.sources import read_source, warehouse_dataset

    dataset = warehouse_dataset(data_source)
    if dataset is not None:
        survey, label = read_source(data_source, "survey")
        label = f"survey of {label} ({len(survey):,} respondents)"
        if not transactions and _has_table(dataset, "transactions"):
            transactions = data_source
    else:
        path = resolve_path(data_source)
        if not path.is_file():
            raise ParameterError(
                "data_source must be 'synthetic', 'warehouse:DATASET' or an existing survey CSV "
                f"file, got {data_source!r}"
            )
        survey = pd.read_csv(path)
        if survey.columns[0] in ("", "Unnamed: 0"):
            survey = survey.drop(columns=survey.columns[0])
        label = f"survey file {path.name} ({len(survey):,} respondents)"
    if not transactions:
        return StudyInputs(survey, label)
    if "customer_id" not in survey.columns:
        raise DataValidationError(f"{label}: a customer_id column is needed to link transactions")
    tx, tx_label = read_source(transactions, "transactions", parameter="transactions")
    end = tx["timestamp"].max()
    last = tx.groupby("customer_id")["timestamp"].max()
    retained = (end - last) <= pd.Timedelta(weeks=active_weeks)
    return StudyInputs(survey, label + f", linked to {tx_label}", tx, retained, None, end)


def _has_table(dataset: str, table: str) -> bool:
    """Whether the warehouse dataset has ``table``."""
    from crm_models.data.warehouse import Warehouse

    try:
        Warehouse().table(table, dataset=dataset)
    except DataValidationError:
        return False
    return True
