"""Data layer: canonical schemas, loaders, public data sets, the warehouse, the synthetic world.

- ``schemas``: the five canonical tables and ``validate``;
- ``loaders``: CSV / Parquet / DuckDB → validated frames (``load_table``);
- ``public``: CDNOW and donations (inside lifetimes), Hillstrom, ECSI mobi;
- ``summary``: per-customer RFM summaries in DuckDB (``rfm_summary``);
- ``warehouse``: the DuckDB warehouse file (``Warehouse``); ``build``: its default content;
- ``synthetic``: the simulated CRM world with ground truth (``simulate_world``).
"""

from crm_models.data.loaders import load_table
from crm_models.data.schemas import validate
from crm_models.data.summary import rfm_summary
from crm_models.data.synthetic import World, WorldParams, simulate_world
from crm_models.data.warehouse import Warehouse

__all__ = [
    "Warehouse",
    "World",
    "WorldParams",
    "load_table",
    "rfm_summary",
    "simulate_world",
    "validate",
]
