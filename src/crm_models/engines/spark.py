"""The Spark engine: a local cluster (``local[*]``) or a standalone one, same SQL as DuckDB.

Before the JVM starts, :func:`check_java` and :func:`check_pyspark` make sure a Java 17+
runtime and pyspark are there, each failing with one line (``EngineUnavailableError``).
Frames cross the same boundary as on DuckDB (``validated_transactions``) and become Spark
DataFrames through Arrow; Parquet files and folders are read with ``spark.read.parquet``
(Hive partition folders discovered). Queries are the DuckDB text transpiled by
``engines.sql.to_spark``. The session runs in UTC.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pandas as pd

from crm_models.data.transaction_input import validated_transactions
from crm_models.engines.base import (
    Engine,
    TransactionsView,
    check_column_types,
    check_output_schema,
    inherit_docs,
    replacing_folder,
)
from crm_models.engines.sql import to_spark
from crm_models.errors import DataValidationError, EngineUnavailableError, ParameterError

__all__ = ["SparkEngine", "check_java", "check_pyspark"]

JAVA_MIN = 17
"""Oldest Java major version pyspark 4 runs on."""
_INSTALL = "install one (apt-get install openjdk-17-jre-headless) or use engine='duckdb'"
_SPARK_TYPES = {
    "BIGINT": "BIGINT",
    "BOOLEAN": "BOOLEAN",
    "DOUBLE": "DOUBLE",
    "INTEGER": "INT",
    "VARCHAR": "STRING",
}
# Spark's simple type names in DuckDB's spelling, for check_column_types.
_AS_DUCKDB = {"timestamp_ntz": "TIMESTAMP", "int": "INTEGER", "string": "VARCHAR"}


def check_java() -> str:
    """Return the java executable Spark will use; raise one line if there is none or it is old.

    Returns
    -------
    str
        Path of ``$JAVA_HOME/bin/java`` (when JAVA_HOME is set) or of ``java`` on PATH;
        raises ``EngineUnavailableError`` when neither exists or ``java -version`` reports
        a major version below 17.
    """
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if home and not Path(java or "").is_file():
        raise EngineUnavailableError(
            f"engine 'spark' needs a Java {JAVA_MIN}+ runtime: JAVA_HOME={home} has no bin/java; "
            f"fix JAVA_HOME, {_INSTALL}"
        )
    if java is None:
        raise EngineUnavailableError(
            f"engine 'spark' needs a Java {JAVA_MIN}+ runtime: no 'java' on PATH and JAVA_HOME "
            f"is not set; {_INSTALL}"
        )
    try:
        shown = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise EngineUnavailableError(
            f"engine 'spark' needs a Java {JAVA_MIN}+ runtime: {java} -version failed "
            f"({type(error).__name__}); {_INSTALL}"
        ) from None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', shown.stderr + shown.stdout)
    major = 0 if found is None else int(found.group(1))
    if major == 1 and found is not None:  # "1.8.0_392" is Java 8
        major = int(found.group(2) or 0)
    if major < JAVA_MIN:
        raise EngineUnavailableError(
            f"engine 'spark' needs a Java {JAVA_MIN}+ runtime: {java} is Java "
            f"{major or 'of unknown version'}; {_INSTALL}"
        )
    return java


def check_pyspark() -> None:
    """Raise one line (``EngineUnavailableError``) when pyspark cannot be imported."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise EngineUnavailableError(
            "engine 'spark' needs the pyspark package: pip install pyspark, or use engine='duckdb'"
        ) from None


def _apply(func: Callable[[pd.DataFrame], pd.DataFrame], names: list[str]):
    """Return the mapInPandas function: ``func`` on each batch, output columns in schema order."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            result = func(batch)
            missing = [c for c in names if c not in result.columns]
            if missing:
                raise ParameterError(
                    f"map_batches: the function's output lacks column(s) {missing}; "
                    f"got {list(result.columns)}"
                )
            yield result[names]

    return run


@inherit_docs
class SparkEngine(Engine):
    """Spark SQL through a SparkSession (``local[*]`` or a standalone cluster).

    Parameters
    ----------
    master : str, optional
        None = ``local[*]``; ``"spark://host:7077"`` a standalone cluster.
    config : mapping, optional
        Extra Spark settings (``{"spark.driver.memory": "8g"}``), applied last.
    """

    name = "spark"

    def __init__(
        self, master: str | None = None, config: Mapping[str, object] | None = None
    ) -> None:
        check_pyspark()
        java = check_java()
        os.environ.setdefault("JAVA_HOME", str(Path(java).resolve().parent.parent))
        # Python workers run this interpreter (pyspark reads PYSPARK_PYTHON, not the config).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        self.master = master or "local[*]"
        local = self.master.startswith("local")
        log_config = Path(__file__).with_name("log4j2.properties")
        builder = (
            SparkSession.builder.master(self.master)
            .appName("crm-models")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.execution.arrow.pyspark.fallback.enabled", "false")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log_config}")
            .config("spark.pyspark.python", sys.executable)
            .config("spark.pyspark.driver.python", sys.executable)
        )
        if local or any(host in self.master for host in ("127.0.0.1", "localhost")):
            # everything on this machine: no network interface needed beyond loopback
            builder = builder.config("spark.driver.host", "127.0.0.1")
            builder = builder.config("spark.driver.bindAddress", "127.0.0.1")
        if local:  # a few cores: Spark's 200 default shuffle partitions are mostly overhead
            builder = builder.config("spark.sql.shuffle.partitions", "4")
        for key, value in (config or {}).items():
            builder = builder.config(key, str(value))
        if os.environ.get("PYTHONPATH"):
            builder = builder.config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
        self.spark = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("OFF")
        self._views: list[str] = []

    def _new_name(self) -> str:
        return f"_crm_tx_{uuid.uuid4().hex[:12]}"

    def read_transactions(
        self,
        source,
        *,
        column_map: dict | str | None = None,
        allow_returns: bool = False,
        date_format: str | None = None,
        dayfirst: bool = False,
        caller: str = "read_transactions",
    ) -> TransactionsView:
        """Make ``source`` readable in SQL (the docstring is ``Engine.read_transactions``')."""
        from pyspark.sql import DataFrame as SparkFrame

        if isinstance(source, pd.DataFrame):
            frame = validated_transactions(
                source,
                caller,
                column_map=column_map,
                allow_returns=allow_returns,
                date_format=date_format,
                dayfirst=dayfirst,
                copy=False,  # only scanned by the engine
            )
            return self._register(self.spark.createDataFrame(frame), "the frame", caller)
        if column_map is not None:
            raise ParameterError(
                f"{caller}: column_map applies to a DataFrame; Spark tables and Parquet files "
                "are read with the canonical names customer_id, timestamp, amount"
            )
        if isinstance(source, SparkFrame):
            return self._register(source, "the Spark DataFrame", caller)
        if isinstance(source, (str, os.PathLike)):
            from crm_models.engines.duck import parquet_glob

            _, target = parquet_glob(source, caller)
            try:
                data = self.spark.read.parquet(str(target))
            except Exception as error:  # noqa: BLE001  (py4j / analysis errors: one line)
                first = str(error).strip().splitlines()[0] if str(error).strip() else ""
                hint = ""
                if "NANOS" in first:
                    hint = (
                        "; Spark reads timestamps in microseconds at most: write them with "
                        "to_parquet(..., coerce_timestamps='us') or use engine='duckdb'"
                    )
                raise DataValidationError(
                    f"{caller}: cannot read Parquet {target} ({first}){hint}"
                ) from None
            return self._register(data, f"Parquet data {target}", caller)
        raise DataValidationError(
            f"{caller}: expected a pandas DataFrame of transactions, a Parquet file or folder, "
            f"or a pyspark DataFrame; got {type(source).__name__}"
        )

    def _register(self, data, what: str, caller: str) -> TransactionsView:
        """Check the column types of ``data`` and register its canonical columns as a view."""
        types = {
            field.name: _AS_DUCKDB.get(field.dataType.simpleString(), field.dataType.simpleString())
            for field in data.schema.fields
        }
        has_amount = check_column_types(types, what, caller)
        columns = ["customer_id", "CAST(timestamp AS TIMESTAMP) AS timestamp"]
        name = self._new_name()
        data.selectExpr(*columns, *(["amount"] if has_amount else [])).createOrReplaceTempView(name)
        self._views.append(name)
        return TransactionsView(name, has_amount)

    def fetch(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Run one query (transpiled from DuckDB's dialect) and return its rows."""
        return self.spark.sql(to_spark(sql, params)).toPandas()

    def create_view(
        self, name: str, sql: str, params: dict | None = None, *, materialize: bool = False
    ) -> None:
        """Define temporary view ``name`` (cached when ``materialize``)."""
        data = self.spark.sql(to_spark(sql, params))
        if materialize:
            data = data.cache()
        data.createOrReplaceTempView(name)
        self._views.append(name)

    def map_batches(
        self,
        relation: str,
        func: Callable[[pd.DataFrame], pd.DataFrame],
        schema: dict[str, str],
        out: str | os.PathLike | None = None,
    ) -> pd.DataFrame | None:
        """Apply ``func`` with ``mapInPandas`` (see ``Engine.map_batches``)."""
        clean = check_output_schema(schema)
        ddl = ", ".join(f"`{col}` {_SPARK_TYPES[kind]}" for col, kind in clean.items())
        mapped = self.spark.table(relation).mapInPandas(_apply(func, list(clean)), schema=ddl)
        if out is None:
            return mapped.toPandas()
        with replacing_folder(out) as temp:
            mapped.write.parquet(str(temp))
        return None

    def stop(self) -> None:
        """Stop the Spark session (and its local cluster or its application on a cluster)."""
        self.spark.stop()
