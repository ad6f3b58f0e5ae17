"""Data layer: canonical schemas, loaders, public data sets, the warehouse, the synthetic world.

- ``schemas``: the canonical tables and ``validate``;
- ``columns``: the user's column names → canonical ones (``ColumnMapping``); ``dates``: dates
  you can trust; ``ids``: customer ids as the user has them;
- ``loaders``: CSV / Parquet / DuckDB → validated frames (``load_table``;
  ``loaders.read_mapped`` maps without validating);
- ``sources``: a study's ``data_source`` when it names a file or ``warehouse:DATASET``
  (``sources.read_source``);
- ``quality``: the data-quality profile of transactions and the two corrections;
  ``corrections``: what each correction does to a report's headline figure;
- ``public``: CDNOW and donations (inside lifetimes), Hillstrom, ECSI mobi;
- ``summary``: per-customer RFM summaries in DuckDB (``rfm_summary``);
- ``warehouse``: the DuckDB warehouse file (``Warehouse``); ``build``: its default content;
  ``locking``: the write lock and staged writes; ``integrity``: the load rules;
- ``synthetic``: the simulated CRM world with ground truth (``simulate_world``);
  ``synthetic_retention``: its subscriptions, service contacts and retention experiment
  (``simulate_retention_world``).
"""

from crm_models.data.columns import ColumnMapping
from crm_models.data.corrections import QualityCheck, check_quality
from crm_models.data.loaders import load_table
from crm_models.data.quality import DataQualityProfile, clean_transactions, profile_transactions
from crm_models.data.schemas import validate
from crm_models.data.summary import rfm_summary
from crm_models.data.synthetic import World, WorldParams, simulate_world
from crm_models.data.synthetic_retention import RetentionWorld, simulate_retention_world
from crm_models.data.warehouse import Warehouse

__all__ = [
    "ColumnMapping",
    "DataQualityProfile",
    "QualityCheck",
    "RetentionWorld",
    "Warehouse",
    "World",
    "WorldParams",
    "check_quality",
    "clean_transactions",
    "load_table",
    "profile_transactions",
    "rfm_summary",
    "simulate_retention_world",
    "simulate_world",
    "validate",
]
