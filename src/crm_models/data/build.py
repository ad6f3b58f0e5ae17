"""Assemble the default warehouse: the synthetic world (with its truth) and CDNOW.

``build_default_warehouse`` is what ``crm data build`` runs. Optional extra sources (the
Hillstrom experiment, the ECSI survey) are added when their paths are given. Only the datasets
built here (world, world_truth, world_retention, world_retention_truth, cdnow, and hillstrom /
ecsi when given) are replaced: the user's ``main`` and every other dataset are kept unchanged,
with their ledger rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_models.data.public import load_cdnow_transactions, load_hillstrom, load_mobi
from crm_models.data.schemas import validate
from crm_models.data.synthetic import DEFAULT_N_CUSTOMERS, DEFAULT_SEED, World, simulate_world
from crm_models.data.synthetic_retention import simulate_retention_world
from crm_models.data.warehouse import DEFAULT_PATH, Warehouse


def world_datasets(world: World) -> dict[str, dict[str, pd.DataFrame]]:
    """Return the world's canonical tables (validated) and its per-customer truth tables."""
    canonical = {
        name: validate(frame, name, source=f"synthetic world (seed {world.seed})")
        for name, frame in world.tables().items()
    }
    truth = world.truth
    truth_tables = {
        "latents": truth.latents,
        "purchase": truth.purchase.assign(
            dropout_time=truth.purchase["dropout_time"].where(truth.purchase["alive_at_end"])
        ),
        "uplift": truth.uplift,
        "needs": truth.needs_type.reset_index(),
        "part_worths": truth.part_worths,
        "paths": truth.paths,
        "loadings": truth.loadings,
    }
    return {"world": canonical, "world_truth": truth_tables}


def world_retention_datasets(world: World) -> dict[str, dict[str, pd.DataFrame]]:
    """Return the world's retention tables and their truth (``simulate_retention_world``).

    Parameters
    ----------
    world : World
        The simulated world; the retention side uses its seed.

    Returns
    -------
    dict
        ``world_retention``: subscriptions, service_contacts, retention_campaign (stored as
        given: they are not canonical tables); ``world_retention_truth``: subscribers (one row
        per subscriber), cox_coefficients (covariate, log_hazard_ratio) and parameters (name,
        value as text; Weibull scale in days).
    """
    retention = simulate_retention_world(world)
    truth = retention.truth
    parameters = {
        name: str(value) for name, value in vars(truth.params).items() if not name.startswith("_")
    }
    return {
        "world_retention": {
            "subscriptions": retention.subscriptions,
            "service_contacts": retention.service_contacts,
            "retention_campaign": retention.retention_campaign,
        },
        "world_retention_truth": {
            "subscribers": truth.subscribers,
            "cox_coefficients": truth.cox_coefficients.rename_axis("covariate").reset_index(),
            "parameters": pd.DataFrame(
                {"name": list(parameters), "value": list(parameters.values())}
            ),
        },
    }


def build_default_warehouse(
    path: str | Path = DEFAULT_PATH,
    n_customers: int = DEFAULT_N_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    hillstrom: str | Path | None = None,
    survey: str | Path | None = None,
    wait: bool = True,
) -> Warehouse:
    """Build the default datasets into the warehouse at ``path`` (atomically).

    Parameters
    ----------
    path : str or Path, default data/crm.duckdb
        The warehouse file (created if absent).
    n_customers, seed : int, default DEFAULT_N_CUSTOMERS, DEFAULT_SEED
        Size and seed of the synthetic world; the defaults are the world every default report
        describes (``crm_models.defaults``).
    hillstrom, survey : str or Path, optional
        Paths of the Hillstrom experiment CSV and an ECSI survey CSV to include.
    wait : bool, default True
        Wait for another writer; ``False`` fails at once with one line.

    Returns
    -------
    Warehouse
        The warehouse; ``kept`` lists one note per dataset kept unchanged.
    """
    world = simulate_world(n_customers=n_customers, seed=seed)
    datasets = world_datasets(world) | world_retention_datasets(world)
    datasets["cdnow"] = {"transactions": load_cdnow_transactions()}
    if hillstrom:
        datasets["hillstrom"] = {"campaign": load_hillstrom(hillstrom)}
    if survey:
        datasets["ecsi"] = {"survey": load_mobi(survey)}
    warehouse = Warehouse(path)
    warehouse.build(
        datasets, source=f"crm data build (world n={n_customers}, seed={seed})", wait=wait
    )
    return warehouse
