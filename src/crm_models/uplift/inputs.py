"""Inputs of the campaign-uplift study: the campaign, model features and the customer base.

``load_campaign_inputs("synthetic", n_customers, seed)`` simulates a CRM world and returns
its randomized campaign (one row per customer in the experiment, with consent, channel,
region, relationship level and four behavioural covariates), the model features of every
customer (:func:`~crm_models.uplift.customer_features`) and the customer base the next
campaign may target (customer_id, consent_status, …). ``load_campaign_inputs(path)`` reads a
Hillstrom-format CSV (:func:`crm_models.data.public.load_hillstrom`, recognised by its
``segment`` column); it has no consent data, so every customer counts as opted in. Any other
file, and ``warehouse:DATASET``, is a campaign table in the documented campaign schema
(:mod:`crm_models.uplift.campaign_table`). A relative path is relative to the project root
(:func:`crm_models.project.resolve_path`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crm_models.project import resolve_path
from crm_models.uplift.features import customer_features, hillstrom_features

__all__ = ["CampaignInputs", "load_campaign_inputs"]

SYNTHETIC_COVARIATES = (
    "days_since_last",
    "frequency",
    "total_spend",
    "tenure_days",
    "channel",
    "region",
    "relationship_level",
)
HILLSTROM_COVARIATES = ("recency", "history", "mens", "womens", "zip_code", "newbie", "channel")


@dataclass(frozen=True)
class CampaignInputs:
    """What the campaign-uplift study reads.

    Parameters
    ----------
    campaign : pandas.DataFrame
        One row per customer in the experiment: customer_id, arm (str), visit, conversion,
        spend and covariates.
    features : pandas.DataFrame
        Numeric model features indexed by customer_id (every customer of ``base``).
    base : pandas.DataFrame
        The customers the next campaign may target: customer_id, consent_status, ….
    covariates : tuple of str
        Columns of ``campaign`` whose balance between arms is checked.
    label : str
        The data source in words.
    world : object, optional
        The synthetic world (with its truth), None for a file.
    """

    campaign: pd.DataFrame
    features: pd.DataFrame
    base: pd.DataFrame
    covariates: tuple[str, ...]
    label: str
    world: object | None = None

    @property
    def arms(self) -> list:
        """Treated arms of the campaign, sorted."""
        return sorted(a for a in self.campaign["arm"].unique() if a != "control")


def load_campaign_inputs(
    data_source: str = "synthetic",
    n_customers: int = 20_000,
    seed: int = 1,
) -> CampaignInputs:
    """Campaign, features and customer base for the study (see the module docstring).

    Parameters
    ----------
    data_source : str, default "synthetic"
        'synthetic' (the simulated CRM world), the path of a Hillstrom-format CSV, a campaign
        file (customer_id, arm, sent_date, visit, conversion, spend, covariates) or
        ``warehouse:DATASET`` (its campaign table).
    n_customers : int, default 20000
        Customers in the synthetic world (ignored for a file).
    seed : int, default 1
        Seed of the synthetic world.

    Returns
    -------
    CampaignInputs
        The study's inputs.
    """
    if data_source == "synthetic":
        from crm_models.data.synthetic import simulate_world

        world = simulate_world(n_customers=n_customers, seed=seed)
        features = customer_features(world.customers, world.transactions, world.observation_end)
        base = world.customers[
            ["customer_id", "consent_status", "channel", "region", "relationship_level"]
        ].copy()
        campaign = world.campaign.merge(base, on="customer_id").merge(
            features[["days_since_last", "frequency", "total_spend", "tenure_days"]],
            left_on="customer_id",
            right_index=True,
        )
        campaign["arm"] = campaign["arm"].astype(str)
        return CampaignInputs(
            campaign,
            features,
            base,
            SYNTHETIC_COVARIATES,
            f"synthetic CRM world ({n_customers:,} customers, seed {seed})",
            world,
        )
    if not _is_hillstrom(data_source):
        from crm_models.uplift.campaign_table import campaign_table_inputs

        return campaign_table_inputs(data_source)
    path = resolve_path(data_source)
    from crm_models.data.public import load_hillstrom

    campaign = load_hillstrom(path)
    features = hillstrom_features(campaign).set_index(campaign["customer_id"])
    base = campaign[["customer_id"]].assign(consent_status="opt_in")  # no consent data
    return CampaignInputs(
        campaign,
        features,
        base,
        HILLSTROM_COVARIATES,
        f"Hillstrom e-mail experiment ({len(campaign):,} customers; no consent "
        "data, all treated as opted in)",
    )


def _is_hillstrom(data_source: str) -> bool:
    """Whether ``data_source`` is a CSV with Hillstrom's ``segment`` column and no ``arm``."""
    if data_source.startswith("warehouse:"):
        return False
    path = resolve_path(data_source)
    if not path.is_file() or path.suffix.lower() not in (".csv", ".txt"):
        return False
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8", skipinitialspace=True).columns
    except (ValueError, UnicodeDecodeError):
        return False  # the campaign-table reader reports what is wrong with the file
    names = {str(c).strip() for c in header}
    return "segment" in names and "arm" not in names
