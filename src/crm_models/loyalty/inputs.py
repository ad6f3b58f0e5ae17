"""Inputs of the loyalty study: a survey, and (when available) each respondent's behaviour.

``load_inputs("synthetic", n_respondents, seed)`` simulates a CRM world whose survey has
``n_respondents`` answers and links them to the world's retention truth and transactions.
``load_inputs(path)`` reads a survey CSV (items on 1–10, optional ``customer_id``); with a
transactions CSV (``customer_id, timestamp, amount``) respondents are linked to behaviour, a
customer counting as *retained* when they bought within the last ``active_weeks`` weeks of
the transaction window (a transparent proxy for P(alive) when no model is at hand). Relative
file paths are relative to the project root (:func:`crm_models.project.resolve_path`).
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

    ``survey`` (respondents × items, plus customer_id when known), ``transactions`` and
    ``retained`` (bool Series by customer_id) when linked, ``customers`` (relationship levels)
    and ``observation_end``; ``label`` describes the source; ``world`` is the synthetic world.
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
        ``synthetic`` (the simulated CRM world) or the path of a survey CSV (items on 1–10).
    n_respondents : int, default 2000
        Synthetic world: survey respondents (the world has 1 / survey_share times as many
        customers).
    seed : int, default 1
        Seed of the synthetic world.
    transactions : str, default ""
        Survey file: optional transactions CSV (``customer_id, timestamp, amount``).
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
    path = resolve_path(data_source)
    if not path.is_file():
        raise ParameterError(
            f"data_source must be 'synthetic' or an existing survey CSV file, got {data_source!r}"
        )
    survey = pd.read_csv(path)
    if survey.columns[0] in ("", "Unnamed: 0"):
        survey = survey.drop(columns=survey.columns[0])
    label = f"survey file {path.name} ({len(survey):,} respondents)"
    if not transactions:
        return StudyInputs(survey, label)
    tx_path = resolve_path(transactions)
    if not tx_path.is_file():
        raise ParameterError(f"transactions file {transactions!r} does not exist")
    if "customer_id" not in survey.columns:
        raise DataValidationError(
            f"{path.name}: a customer_id column is needed to link transactions"
        )
    tx = pd.read_csv(tx_path, parse_dates=["timestamp"])
    missing = {"customer_id", "timestamp", "amount"} - set(tx.columns)
    if missing:
        raise DataValidationError(f"{tx_path.name}: missing columns {sorted(missing)}")
    end = tx["timestamp"].max()
    last = tx.groupby("customer_id")["timestamp"].max()
    retained = (end - last) <= pd.Timedelta(weeks=active_weeks)
    return StudyInputs(survey, label + f", linked to {tx_path.name}", tx, retained, None, end)
