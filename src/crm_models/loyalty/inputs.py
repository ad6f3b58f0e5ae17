"""Inputs of the loyalty study: a survey, and (when available) each respondent's behaviour.

``load_inputs("synthetic", n_respondents, seed)`` simulates a CRM world whose survey has
``n_respondents`` answers and links them to the world's retention truth and transactions.
``load_inputs(path)`` reads a survey CSV (items on 1–10, optional ``customer_id``); with a
transactions CSV (``customer_id, timestamp, amount``) respondents are linked to behaviour, a
customer counting as *retained* when they bought within the last ``active_weeks`` weeks of
the transaction window (a transparent proxy for P(alive) when no model is at hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crm_models.errors import DataValidationError, ParameterError


@dataclass
class StudyInputs:
    """``survey`` (respondents × items, plus customer_id when known), ``transactions`` and
    ``retained`` (bool Series by customer_id) when linked, ``customers`` (relationship levels)
    and ``observation_end``; ``label`` describes the source; ``world`` is the synthetic world."""

    survey: pd.DataFrame
    label: str
    transactions: pd.DataFrame | None = None
    retained: pd.Series | None = None
    customers: pd.DataFrame | None = None
    observation_end: pd.Timestamp | None = None
    world: object | None = None

    @property
    def has_behaviour(self) -> bool:
        return self.transactions is not None and self.retained is not None and "customer_id" in self.survey


def load_inputs(
    data: str = "synthetic",
    n_respondents: int = 2000,
    seed: int = 1,
    transactions: str = "",
    active_weeks: float = 26.0,
) -> StudyInputs:
    """Survey and behaviour for the study (see the module docstring)."""
    if data == "synthetic":
        from crm_models.data.synthetic import WorldParams, simulate_world

        if not isinstance(n_respondents, int) or n_respondents < 50:
            raise ParameterError(f"n_respondents must be an integer >= 50, got {n_respondents!r}")
        share = WorldParams().survey_share
        world = simulate_world(int(round(n_respondents / share)), seed=seed)
        alive = world.truth.purchase.set_index("customer_id")["alive_at_end"]
        return StudyInputs(world.survey, f"synthetic CRM world (seed {seed}, {len(world.customers):,} "
                           f"customers, {len(world.survey):,} survey respondents)",
                           world.transactions, alive, world.customers, world.observation_end, world)
    path = Path(data)
    if not path.is_file():
        raise ParameterError(f"data must be 'synthetic' or an existing survey CSV file, got {data!r}")
    survey = pd.read_csv(path)
    if survey.columns[0] in ("", "Unnamed: 0"):
        survey = survey.drop(columns=survey.columns[0])
    label = f"survey file {path.name} ({len(survey):,} respondents)"
    if not transactions:
        return StudyInputs(survey, label)
    tx_path = Path(transactions)
    if not tx_path.is_file():
        raise ParameterError(f"transactions file {transactions!r} does not exist")
    if "customer_id" not in survey.columns:
        raise DataValidationError(f"{path.name}: a customer_id column is needed to link transactions")
    tx = pd.read_csv(tx_path, parse_dates=["timestamp"])
    missing = {"customer_id", "timestamp", "amount"} - set(tx.columns)
    if missing:
        raise DataValidationError(f"{tx_path.name}: missing columns {sorted(missing)}")
    end = tx["timestamp"].max()
    last = tx.groupby("customer_id")["timestamp"].max()
    retained = (end - last) <= pd.Timedelta(weeks=active_weeks)
    return StudyInputs(survey, label + f", linked to {tx_path.name}", tx, retained, None, end)
