"""Assemble the default warehouse: the synthetic world (with its truth) and CDNOW.

``build_default_warehouse`` is what ``crm data build`` runs. Optional extra sources (the
Hillstrom experiment, the ECSI survey) are added when their paths are given. Only the datasets
built here (world, world_truth, cdnow, and hillstrom / ecsi when given) are replaced: the
user's ``main`` and every other dataset are kept unchanged, with their ledger rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_models.data.public import load_cdnow_transactions, load_hillstrom, load_mobi
from crm_models.data.schemas import validate
from crm_models.data.synthetic import DEFAULT_N_CUSTOMERS, DEFAULT_SEED, World, simulate_world
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
    datasets = world_datasets(world)
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
