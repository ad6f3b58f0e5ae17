"""The consent rule: who may be contacted. One rule for planning, export and the notebooks.

Consent is law. ``opt_out`` customers are never contacted; with ``require_double_opt_in``
only ``double_opt_in`` customers are; a missing or ``unknown`` consent status (the default
for customers loaded with an id only) counts as no consent.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, format_rows

__all__ = ["CONSENT_VALUES", "consent_eligible", "exclusion_reasons"]

CONSENT_VALUES = ("opt_in", "double_opt_in", "opt_out", "unknown")


def consent_eligible(consent: Any, require_double_opt_in: bool = False) -> np.ndarray:
    """Whether each customer may be contacted under the consent rule.

    Parameters
    ----------
    consent : array-like
        Consent status per customer: 'opt_in', 'double_opt_in', 'opt_out', 'unknown' or
        missing; only the two opt-ins allow contact.
    require_double_opt_in : bool, default False
        Only confirmed (double opt-in) customers may be contacted.

    Returns
    -------
    numpy.ndarray
        Boolean per customer.
    """
    allowed = ["double_opt_in"] if require_double_opt_in else ["opt_in", "double_opt_in"]
    return pd.Series(np.asarray(consent, dtype=object)).isin(allowed).to_numpy()


def exclusion_reasons(consent: Any, require_double_opt_in: bool = False) -> np.ndarray:
    """Why each customer may not be contacted ('' when eligible).

    Parameters
    ----------
    consent : array-like
        Consent status per customer (see :func:`consent_eligible`).
    require_double_opt_in : bool, default False
        Only confirmed (double opt-in) customers may be contacted.

    Returns
    -------
    numpy.ndarray
        Per customer '', 'opt_out', 'not_double_opt_in' or 'missing_consent'.
    """
    consent = np.asarray(consent, dtype=object)
    reason = np.full(len(consent), "", dtype=object)
    reason[~consent_eligible(consent, require_double_opt_in)] = "missing_consent"
    reason[consent == "opt_out"] = "opt_out"
    if require_double_opt_in:
        reason[consent == "opt_in"] = "not_double_opt_in"
    return reason


def _consent_array(consent, n: int) -> np.ndarray:
    """Consent statuses as an object array of length ``n``, unknown values refused.

    A scalar (a status, or True / False for 'opt_in' / 'opt_out') is given to every customer;
    booleans in an array map the same way.
    """
    if isinstance(consent, (bool, np.bool_, str)) or consent is None:
        scalar_bool = isinstance(consent, (bool, np.bool_))
        consent = np.full(n, consent, dtype=bool if scalar_bool else object)
    if np.asarray(consent).dtype == bool:
        consent = np.where(np.asarray(consent), "opt_in", "opt_out").astype(object)
    c = (
        pd.Series(np.asarray(consent, dtype=object))
        if not isinstance(consent, pd.Series)
        else consent.astype(object).reset_index(drop=True)
    )
    if len(c) != n:
        raise DataValidationError(
            f"consent has {len(c)} values for {n} customers (customer_id): pass one status "
            "per customer in customer_id order, one status for all, or consent=None (no "
            "consent information)"
        )
    known = c.isna() | c.isin(CONSENT_VALUES)
    if not known.all():
        first = np.flatnonzero(~known.to_numpy())
        bad = c.iloc[first[:5]].tolist()
        raise DataValidationError(
            f"consent_status must be one of {list(CONSENT_VALUES)} (or missing, True, False), "
            f"got {bad} in rows {format_rows(first)}"
        )
    return c.to_numpy()
