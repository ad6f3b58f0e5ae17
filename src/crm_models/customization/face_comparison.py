"""The seed's comparison of the four faces, computed from the market model at each optimum."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.customization.faces import FACES, STANDARD
from crm_models.customization.optimize import VarietyOptimizer
from crm_models.errors import ParameterError
from crm_models.results import check_fitted

__all__ = ["faces_numbers"]


def faces_numbers(optimizer: VarietyOptimizer) -> pd.DataFrame:
    """Return the numbers behind the seed's four-faces table, at each face's optimum.

    Label them with :func:`~crm_models.customization.label_table`.

    Parameters
    ----------
    optimizer : VarietyOptimizer
        An optimizer fitted with all four faces.

    Returns
    -------
    pandas.DataFrame
        Index ``face``; columns implementation_cost (fixed + PV of per-order costs,
        currency), ease_of_imitation (per period), closeness (0..1),
        competitive_advantage (incremental contribution over the standard product still
        earned in the last horizon period, per market customer, currency), profit.
    """
    check_fitted(optimizer, "best_")
    e = optimizer.economics_
    last = int(e.horizon_years) - 1
    std = optimizer._standard()
    a_0, _, _ = e.lifetime_factors(STANDARD)
    std_per_period = std["contribution"] / a_0  # contribution per period, no erosion
    rows = []
    for name, face in FACES.items():
        if name not in optimizer.by_face_.index:
            raise ParameterError(f"faces_numbers: fit with all four faces (missing {name!r})")
        r = optimizer.by_face_.loc[name]
        a_f, e_f, _ = e.lifetime_factors(face)
        premium_part = r["premium"] * r["units"]
        base_part = (r["contribution"] - premium_part * e_f) / a_f
        psi, lam = e.protection(face), e.imitation(face)
        late = e.retention(face) ** last * (
            base_part + premium_part * (psi + (1 - psi) * np.exp(-lam * last))
        )
        advantage = (late - e.base_retention**last * std_per_period) / optimizer.market_size_
        rows.append(
            {
                "face": name,
                "implementation_cost": e.fixed_cost(face) + e.order_cost(face) * r["units"] * a_f,
                "ease_of_imitation": lam,
                "closeness": e.closeness(face),
                "competitive_advantage": advantage,
                "profit": r["profit"],
            }
        )
    return pd.DataFrame(rows).set_index("face")
