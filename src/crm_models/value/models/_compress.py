"""Unique-pattern compression of per-customer columns (the rows a likelihood is summed over).

Each column is coded by the rank of its value and the codes are combined into one int64 key:
patterns come out in lexicographic order whatever the row order of the input, so a full
summary and an engine's pattern counts give the same patterns in the same order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _rank_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct ``values`` and each value's position among them (int64 codes).

    Whole numbers in a range not much wider than the data are coded by counting (no sort);
    other values by hashing when they repeat a lot, else by sorting (``numpy.unique``).
    """
    n = len(values)
    if n and np.all(values == np.floor(values)):
        low, high = values.min(), values.max()
        if high - low <= 4 * n + 1024:
            offset = (values - low).astype(np.int64)
            present = np.bincount(offset) > 0
            uniques = np.flatnonzero(present) + low
            rank = np.cumsum(present) - 1
            return uniques.astype(float), rank[offset]
    sample = values[:: max(1, n // 10_000)]
    if len(pd.unique(sample)) < len(sample) // 10:  # few distinct values: hashing is fastest
        codes, uniques = pd.factorize(values, sort=True)
        return np.asarray(uniques, dtype=float), codes.astype(np.int64)
    uniques, codes = np.unique(values, return_inverse=True)
    return uniques, codes.astype(np.int64)


def compress(
    columns: dict[str, np.ndarray], weights: np.ndarray | None = None, *, inverse: bool = True
):
    """Distinct rows of ``columns`` with summed ``weights`` and the inverse index.

    Each column is coded by the rank of its value, the codes are combined into one int64 key
    and the keys sorted: patterns come out in lexicographic order of the columns, whatever the
    row order of the input (a full summary and its pattern counts give the same patterns in
    the same order, hence the same sums).

    Parameters
    ----------
    columns : dict of str to numpy.ndarray
        Equal-length columns of finite numbers.
    weights : numpy.ndarray, optional
        Weight per row (counts of 1 when omitted).
    inverse : bool, default True
        Also return the inverse index (False: ``None`` in its place, faster without weights).

    Returns
    -------
    tuple
        Internal helper: ``(patterns, counts, inverse)``: the distinct rows as a dict of
        column arrays, the summed weight of each, and (unless ``inverse=False``) the index
        such that ``patterns[name][inverse]`` reproduces each input column.
    """
    names = list(columns)
    coded = [_rank_codes(np.asarray(columns[name], dtype=float)) for name in names]
    sizes = [max(len(uniques), 1) for uniques, _ in coded]
    if float(np.prod(np.array(sizes, dtype=float))) >= 2.0**62:
        return _compress_groupby(columns, weights)
    key = coded[0][1]
    for (_, codes), size in zip(coded[1:], sizes[1:], strict=True):
        key = key * size + codes
    inv = None
    total = int(np.prod(np.array(sizes, dtype=np.int64)))
    if total <= 4 * len(key) + 1024:  # few possible keys: count them instead of sorting
        present = np.bincount(key, minlength=total) > 0
        keys = np.flatnonzero(present)
        inv = (np.cumsum(present) - 1)[key]
        counts = np.bincount(inv, weights=weights, minlength=len(keys)).astype(float)
    elif inverse or weights is not None:
        keys, inv = np.unique(key, return_inverse=True)
        counts = np.bincount(inv, weights=weights, minlength=len(keys))
        if weights is None:
            counts = counts.astype(float)
    else:
        keys, n_rows = np.unique(key, return_counts=True)
        counts = n_rows.astype(float)
    patterns = {}
    for name, (uniques, _), size in zip(names[::-1], coded[::-1], sizes[::-1], strict=True):
        keys, codes = np.divmod(keys, size)
        patterns[name] = uniques[codes]
    return {name: patterns[name] for name in names}, counts, (inv if inverse else None)


def _compress_groupby(columns: dict[str, np.ndarray], weights: np.ndarray | None):
    """:func:`compress` for columns whose combined codes would overflow int64 (same order)."""
    keys = pd.DataFrame(columns)
    inverse = keys.groupby(list(columns), sort=False, observed=True).ngroup().to_numpy()
    n_groups = int(inverse.max()) + 1 if len(inverse) else 0
    counts = np.bincount(inverse, weights=weights, minlength=n_groups).astype(float)
    first = np.full(n_groups, len(inverse), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(inverse)))
    patterns = {name: np.asarray(values, dtype=float)[first] for name, values in columns.items()}
    order = np.lexsort([patterns[name] for name in reversed(list(columns))])
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    return {name: v[order] for name, v in patterns.items()}, counts[order], position[inverse]
