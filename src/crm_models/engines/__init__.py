"""Engines that run the per-customer work: DuckDB (default, embedded) or Apache Spark.

One definition of each query (DuckDB's SQL dialect, in ``data.summary`` and
``value.patterns``) runs on either engine: the Spark engine transpiles it with sqlglot
(``engines.sql``). ``get_engine("duckdb")`` never needs Java or pyspark;
``get_engine("spark")`` checks both first and raises ``EngineUnavailableError`` (one line)
without them.

- ``base``: the ``Engine`` interface, ``TransactionsView``, the atomic output folder;
- ``duck``: the DuckDB engine; ``spark``: the Spark engine (local[*] or a standalone cluster);
- ``sql``: parameters inlined and DuckDB SQL transpiled to Spark SQL.
"""

from __future__ import annotations

from crm_models.engines.base import Engine, TransactionsView
from crm_models.errors import ParameterError

__all__ = ["ENGINE_NAMES", "Engine", "TransactionsView", "get_engine"]

ENGINE_NAMES = ("duckdb", "spark")
"""Names ``get_engine`` (and ``engine=`` of ``rfm_summary``) accept."""


def get_engine(name: str = "duckdb", *, spark_master: str | None = None) -> Engine:
    """Return a started engine by name.

    Parameters
    ----------
    name : {"duckdb", "spark"}, default "duckdb"
        DuckDB (embedded, in-memory) or Spark.
    spark_master : str, optional
        Spark only: ``None`` = a local cluster (``local[*]``) in this machine's JVM;
        ``"spark://host:7077"`` a standalone cluster; ``"local[2]"`` … as Spark accepts.

    Returns
    -------
    Engine
        Use it as a context manager or call ``stop()`` at the end. Raises
        ``ParameterError`` for an unknown name and ``EngineUnavailableError`` (one line) when
        Spark lacks Java 17+ or pyspark.
    """
    if name == "duckdb":
        if spark_master is not None:
            raise ParameterError(
                f"spark_master={spark_master!r} applies to engine='spark', not 'duckdb'"
            )
        from crm_models.engines.duck import DuckDBEngine

        return DuckDBEngine()
    if name == "spark":
        from crm_models.engines.spark import SparkEngine

        return SparkEngine(spark_master)
    raise ParameterError(f"engine must be one of {ENGINE_NAMES}, got {name!r}")
