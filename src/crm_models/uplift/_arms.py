"""Shared input handling of the targeting modules: uplift matrices and per-arm values."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError


def _uplift_matrix(uplift, arms, labels_required: bool = False) -> tuple[np.ndarray, list]:
    """(n, k) uplift and its k arm labels: from ``arms``, DataFrame columns or a Series name.

    ``labels_required``: a bare array without ``arms`` is refused instead of being labelled
    ``arm_0, …`` (a plan must name the data's real arms).
    """
    if isinstance(uplift, pd.Series) and uplift.name is not None:
        uplift = uplift.to_frame()
    if isinstance(uplift, pd.DataFrame):
        cols = list(uplift.columns)
        names = [c.removeprefix("uplift_") for c in cols]
        arms = list(arms) if arms is not None else names
        if len(arms) != len(cols):
            raise ParameterError(f"{len(arms)} arm names for {len(cols)} uplift columns {cols}")
        u = uplift.to_numpy(dtype=float)
    else:
        u = np.asarray(uplift, dtype=float)
        if u.ndim == 1:
            u = u[:, None]
        if arms is None and labels_required:
            raise ParameterError(
                f"uplift is an unlabelled array of shape {u.shape}: name its arm(s) with "
                "arms=learner.arms_ (e.g. arms=['email']), or pass learner.predict_frame(X) "
                "(columns uplift_<arm>)"
            )
        if arms is None:
            arms = [f"arm_{j}" for j in range(u.shape[1])]
        arms = list(arms)
        if len(arms) != u.shape[1]:
            raise ParameterError(f"{len(arms)} arm names for {u.shape[1]} uplift columns")
    if u.ndim != 2:
        raise DataValidationError(f"uplift must be (n,) or (n, n_arms), got shape {u.shape}")
    if not np.isfinite(u).all():
        raise DataValidationError(f"uplift has {int((~np.isfinite(u)).sum())} non-finite values")
    return u, arms


def _per_arm(value, arms: list, name: str, n: int | None = None) -> np.ndarray:
    """Scalar, per-arm mapping/sequence -> (k,), or per-customer (n,)/(n, k) -> (n, k)."""
    k = len(arms)
    if isinstance(value, Mapping):
        missing = [a for a in arms if a not in value]
        if missing:
            raise ParameterError(f"{name} has no value for arm(s) {missing}")
        out = np.array([value[a] for a in arms], dtype=float)
    else:
        out = np.asarray(value, dtype=float)
        if out.ndim == 0:
            out = np.full(k, float(out))
        elif n is not None and out.shape in ((n,), (n, k)) and not (out.ndim == 1 and n == k):
            out = out.reshape(n, -1) if out.ndim == 2 else np.repeat(out[:, None], k, axis=1)
        elif out.shape != (k,):
            raise ParameterError(
                f"{name} must be a number, one value per arm {arms}"
                + (" or one per customer" if n is not None else "")
                + f"; got shape {out.shape}"
            )
    if not np.isfinite(out).all():
        raise ParameterError(f"{name} must be finite, got {value!r}")
    return out
