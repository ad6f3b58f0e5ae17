"""Exact top-k cuts over an engine without collecting every row: order keys and value bins.

A float's IEEE-754 bits, with the sign bit flipped (negative numbers: all bits flipped), sort
as the floats sort (:func:`order_keys`). The top 24 bits of that key (:func:`value_bins`: sign,
exponent and 12 mantissa bits, about 0.02% wide) make bins a first pass can count per batch;
a second pass then returns only the rows of the one bin holding the cut. Used by the CLV
threshold of ``value.engine_path`` and the contact cut of ``uplift.engine_targets``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BIN_SHIFT", "order_keys", "value_bins"]

_SIGN = np.uint64(1 << 63)
BIN_SHIFT = np.uint64(40)
"""Bits of the order key dropped by :func:`value_bins` (64 − 40 = 24 bits kept)."""


def order_keys(values: np.ndarray) -> np.ndarray:
    """Return unsigned keys whose order is the order of the float64 ``values``.

    Parameters
    ----------
    values : numpy.ndarray
        (n,) floats (no NaN).

    Returns
    -------
    numpy.ndarray
        (n,) ``uint64``; ``a < b`` exactly when ``keys[a] < keys[b]`` (−0.0 sorts before 0.0).
    """
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    return np.where(bits & _SIGN, ~bits, bits | _SIGN)


def value_bins(values: np.ndarray) -> np.ndarray:
    """Return the bin of each value: the top 24 bits of its order key, as int64.

    Parameters
    ----------
    values : numpy.ndarray
        (n,) floats (no NaN).

    Returns
    -------
    numpy.ndarray
        (n,) ``int64`` bin numbers, non-decreasing in the value; a bin spans about 0.02% of
        a value's magnitude.
    """
    return (order_keys(values) >> BIN_SHIFT).astype(np.int64)
