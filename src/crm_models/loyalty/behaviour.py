"""Survey respondents linked to behaviour: retained, purchases, annual spend, tenure, level.

``customer_behaviour`` summarizes the transactions per customer (one vectorized group-by);
``link_survey_to_behaviour`` joins the respondents' satisfaction scores to it.
"""

from __future__ import annotations

import pandas as pd

from crm_models.errors import DataValidationError

__all__ = ["customer_behaviour", "link_survey_to_behaviour"]


def customer_behaviour(
    transactions: pd.DataFrame,
    observation_end: pd.Timestamp,
    retained: pd.Series,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per customer with transactions: retained, purchases, spend, tenure, relationship level.

    ``retained`` is a boolean Series by customer_id (e.g. the synthetic world's
    ``truth.purchase.alive_at_end`` or a model's P(alive) > 0.5). Annual spend is the total
    transaction amount divided by the years between first purchase and ``observation_end``
    (at least one week). One vectorized group-by; no per-customer loop.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Columns ``customer_id, timestamp, amount``.
    observation_end : pandas.Timestamp
        End of the observation window.
    retained : pandas.Series
        Boolean by customer_id.
    customers : pandas.DataFrame, optional
        With ``customer_id`` and ``relationship_level`` to carry the level over.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: ``retained, purchases, annual_spend, tenure_years`` and
        ``relationship_level`` when known.
    """
    for col in ("customer_id", "timestamp", "amount"):
        if col not in transactions.columns:
            raise DataValidationError(f"transactions: column {col!r} is missing")
    agg = transactions.groupby("customer_id").agg(
        total=("amount", "sum"), first=("timestamp", "min"), purchases=("amount", "size")
    )
    weeks = ((pd.Timestamp(observation_end) - agg["first"]).dt.total_seconds() / (7 * 86400)).clip(
        lower=1
    )
    out = pd.DataFrame(
        {
            "retained": retained.reindex(agg.index).fillna(False).astype(bool),
            "purchases": agg["purchases"].astype(int),
            "annual_spend": agg["total"] / (weeks / 52.0),
            "tenure_years": weeks / 52.0,
        },
        index=agg.index,
    )
    if customers is not None and "relationship_level" in customers.columns:
        out["relationship_level"] = customers.set_index("customer_id")[
            "relationship_level"
        ].reindex(out.index)
    out.index.name = "customer_id"
    return out


def link_survey_to_behaviour(
    scores: pd.Series,
    transactions: pd.DataFrame,
    observation_end: pd.Timestamp,
    retained: pd.Series,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Join survey scores (a Series indexed by customer_id) to ``customer_behaviour``.

    Respondents without transactions get 0 purchases and 0 spend.

    Parameters
    ----------
    scores : pandas.Series
        Satisfaction score by customer_id.
    transactions : pandas.DataFrame
        Columns ``customer_id, timestamp, amount``.
    observation_end : pandas.Timestamp
        End of the observation window.
    retained : pandas.Series
        Boolean by customer_id.
    customers : pandas.DataFrame, optional
        With ``customer_id`` and ``relationship_level``.

    Returns
    -------
    pandas.DataFrame
        One row per respondent: ``customer_id, satisfaction_index`` and the behaviour columns.
    """
    tx = transactions[transactions["customer_id"].isin(scores.index)]
    behaviour = customer_behaviour(tx, observation_end, retained, customers)
    out = pd.DataFrame({"satisfaction_index": scores})
    out.index.name = "customer_id"
    out = out.join(behaviour, how="left")
    out["retained"] = retained.reindex(out.index).fillna(False).astype(bool)
    out["purchases"] = out["purchases"].fillna(0).astype(int)
    out["annual_spend"] = out["annual_spend"].fillna(0.0)
    return out.reset_index()
