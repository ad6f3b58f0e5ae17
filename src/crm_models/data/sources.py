"""One reading of a study's ``data_source`` when it names the user's own table.

Every study accepts, besides its simulated world and named public sets, the same two routes to
a canonical table (``transactions``, ``campaign``, ``survey``, ``products``):

- ``warehouse:DATASET``: the table of that dataset in the project's warehouse
  (``data/crm.duckdb`` in the project root);
- a file path (.csv, .parquet, .duckdb): read and validated by
  :func:`crm_models.data.loaders.load_table` (column aliases, dates, ids as the user has them);
  a relative path is relative to the project root.

``read_source`` returns the validated frame and a short label for the page. Customer ids stay
as given (int64 or text); nothing is re-numbered.
"""

from __future__ import annotations

import pandas as pd

from crm_models.errors import ParameterError
from crm_models.project import resolve_path

__all__ = ["WAREHOUSE_PREFIX", "read_source", "warehouse_dataset"]

WAREHOUSE_PREFIX = "warehouse:"


def warehouse_dataset(data_source: str) -> str | None:
    """Return DATASET of ``warehouse:DATASET``, or None for any other data source.

    Parameters
    ----------
    data_source : str
        A study's data_source.

    Returns
    -------
    str or None
        The dataset name (refused when empty).
    """
    if not data_source.startswith(WAREHOUSE_PREFIX):
        return None
    dataset = data_source[len(WAREHOUSE_PREFIX) :].strip()
    if not dataset:
        raise ParameterError(
            f"data_source {data_source!r}: name the dataset, e.g. 'warehouse:main'"
        )
    return dataset


def read_source(
    data_source: str, table: str, *, named: tuple[str, ...] = (), parameter: str = "data_source"
) -> tuple:
    """Read canonical ``table`` from a file or from ``warehouse:DATASET``.

    Parameters
    ----------
    data_source : str
        ``warehouse:DATASET`` or the path of a file holding ``table``.
    table : str
        The canonical table: ``transactions``, ``campaign``, ``survey`` or ``products``.
    named : tuple of str, optional
        The study's other accepted values (named sources), listed in the error for a path
        that does not exist.
    parameter : str, default "data_source"
        The parameter's name in that error.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The validated table and a label such as ``file sales.csv`` (the path as given) or
        ``warehouse dataset 'main'``.
    """
    dataset = warehouse_dataset(data_source)
    if dataset is not None:
        from crm_models.data.warehouse import Warehouse

        return Warehouse().table(table, dataset=dataset), f"warehouse dataset {dataset!r}"
    path = resolve_path(data_source)
    if not path.is_file():
        choices = ", ".join([*named, "warehouse:DATASET", f"a {table} file (.csv/.parquet)"])
        raise ParameterError(f"{parameter} must be one of {choices}; got {data_source!r}")
    from crm_models.data.loaders import load_table

    frame: pd.DataFrame = load_table(path, table)
    return frame, f"file {data_source}"
