"""The overview report's tables and sentences (``notebooks/00_overview.ipynb``).

The notebook only calls these: the per-arm campaign table, the paragraph that describes the
simulated window, and what to say about the warehouse file (described, missing, or not
asked for).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_models.data.synthetic import World
from crm_models.data.warehouse import Warehouse
from crm_models.project import resolve_path
from crm_models.reporting.display import fmt_int, fmt_pct
from crm_models.reporting.escaping import code, md

__all__ = ["campaign_arms", "warehouse_note", "warehouse_tables", "world_narrative"]


def campaign_arms(world: World) -> pd.DataFrame:
    """Summarise the campaign experiment per arm.

    Parameters
    ----------
    world : World
        The simulated CRM world.

    Returns
    -------
    pandas.DataFrame
        One row per arm: ``arm, customers, visit_rate, conversion_rate,
        spend_per_customer``.
    """
    return (
        world.campaign.groupby("arm", observed=True)
        .agg(
            customers=("customer_id", "size"),
            visit_rate=("visit", "mean"),
            conversion_rate=("conversion", "mean"),
            spend_per_customer=("spend", "mean"),
        )
        .reset_index()
    )


def world_narrative(world: World) -> str:
    """Describe the simulated window, the relationship levels and the campaign's reach.

    Parameters
    ----------
    world : World
        The simulated CRM world.

    Returns
    -------
    str
        A markdown paragraph: first and last day of the window, the shares of partners,
        friends and acquaintances, and the customers the campaign reached.
    """
    tx = world.transactions
    levels = world.customers["relationship_level"].value_counts(normalize=True)
    return (
        f"The window runs from **{tx['timestamp'].min():%d %b %Y}** to "
        f"**{world.observation_end:%d %b %Y}**. "
        f"{fmt_pct(levels.get('partner', 0))} of customers are partners, "
        f"{fmt_pct(levels.get('friend', 0))} friends and "
        f"{fmt_pct(levels.get('acquaintance', 0))} acquaintances. The campaign at the end of the "
        f"window reached {fmt_int(len(world.campaign))} customers who had not opted out."
    )


def warehouse_tables(path: str | Path) -> pd.DataFrame | None:
    """List the tables of the warehouse at ``path``, if there is one.

    Parameters
    ----------
    path : str or Path
        The warehouse file, relative to the project root (``crm_models.project``) unless
        absolute; empty means "no warehouse asked for".

    Returns
    -------
    pandas.DataFrame or None
        ``Warehouse.info()`` (dataset, table, rows), or None when ``path`` is empty or no
        file is there.
    """
    if not str(path) or not resolve_path(path).is_file():
        return None
    return Warehouse(resolve_path(path)).info()


def warehouse_note(path: str | Path, tables: pd.DataFrame | None) -> str:
    """Say what the warehouse section shows: the tables, how to build the file, or nothing.

    Parameters
    ----------
    path : str or Path
        The warehouse file the report was given (may be empty).
    tables : pandas.DataFrame or None
        ``warehouse_tables(path)``.

    Returns
    -------
    str
        A markdown sentence; the path is escaped (it is a parameter).
    """
    if tables is not None:
        return str(md("{path} holds {n} tables:", path=code(path), n=len(tables)))
    if str(path):
        return str(
            md("No warehouse at {path} yet: build it with `crm data build`.", path=code(path))
        )
    return "No warehouse given (parameter `warehouse` is empty)."
