"""Data-quality profile of a transactions table, and the two documented corrections.

``profile_transactions`` counts what silently moves figures computed from transactions:

- exact duplicate rows (every column equal to an earlier row);
- same-day repeats: the same customer on the same calendar day as an earlier row (exact
  duplicates excluded); per-customer summaries add them into one purchase period;
- returns: negative amounts;
- extreme amounts, by a robust rule on the logarithm of the positive amounts: above
  ``exp(median + 5 × 1.4826 × MAD)`` (5 scaled median absolute deviations; when the MAD is 0,
  1.2533 × the mean absolute deviation from the median; when that is 0 too, nothing is
  extreme);
- one-purchase whales: customers with an extreme purchase that is at least half of their total
  spend, with the share of revenue they hold;
- the share of revenue held by the top 0.1% of customers by total spend (at least 1 customer).

``clean_transactions`` applies the corrections, both off by default (the profile says what
each would change): ``drop_duplicates=True`` keeps the first of exact duplicate rows,
``cap_amounts=True`` caps extreme amounts at the threshold of the rule (winsorizing).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError

__all__ = [
    "EXTREME_MADS",
    "TOP_SHARE",
    "WHALE_SHARE",
    "DataQualityProfile",
    "clean_transactions",
    "extreme_threshold",
    "profile_transactions",
]

EXTREME_MADS = 5.0
MAD_SCALE = 1.4826  # MAD → standard deviation of a normal
MEAN_AD_SCALE = 1.2533  # mean absolute deviation → standard deviation of a normal
WHALE_SHARE = 0.5
TOP_SHARE = 0.001
REQUIRED = ("customer_id", "timestamp", "amount")


def extreme_threshold(amounts: pd.Series) -> float:
    """Return the amount above which a purchase is extreme (``inf`` when none can be).

    Parameters
    ----------
    amounts : pandas.Series
        Purchase amounts; only the positive ones enter the rule.

    Returns
    -------
    float
        ``exp(median + 5 × scale)`` of the log positive amounts, where scale is
        1.4826 × MAD, or 1.2533 × the mean absolute deviation when the MAD is 0.
    """
    values = amounts.to_numpy(dtype="float64")
    logs = np.log(values[values > 0])
    if logs.size == 0:
        return math.inf
    center = float(np.median(logs))
    deviation = np.abs(logs - center)
    scale = MAD_SCALE * float(np.median(deviation))
    if scale == 0:
        scale = MEAN_AD_SCALE * float(np.mean(deviation))
    if scale == 0:
        return math.inf
    return float(np.exp(center + EXTREME_MADS * scale))


def _rule(threshold: float) -> str:
    shown = "none (all amounts alike)" if math.isinf(threshold) else f"{threshold:,.2f}"
    return (
        f"amount above exp(median + {EXTREME_MADS:g} × 1.4826 × MAD) of log positive amounts "
        f"= {shown}"
    )


@dataclass(frozen=True)
class DataQualityProfile:
    """What a transactions table holds that can move a figure (see the module docstring).

    Counts are rows or customers; shares are of all rows, or of total revenue (the sum of the
    positive amounts) for ``*_revenue_share``. ``capped_revenue_share`` is the share of revenue
    that ``cap_amounts=True`` would remove.

    Attributes
    ----------
    n_rows, n_customers : int
        Transaction rows and distinct customers profiled.
    revenue : float
        Sum of the positive amounts (currency).
    duplicate_rows, duplicate_customers : int
        Rows that repeat an earlier row exactly, and the customers who have them.
    same_day_rows, same_day_customers : int
        Further purchases of a customer on a day with an earlier one, and those customers.
    return_rows, return_customers : int
        Rows with a negative amount (returns), and their customers.
    extreme_threshold : float
        Amount above which a row is extreme (log amount more than 5 scaled MADs above the
        median; currency; inf when it cannot be computed).
    extreme_rows, extreme_customers : int
        Rows above ``extreme_threshold`` and their customers.
    capped_revenue_share : float
        Share of revenue in [0, 1] that ``cap_amounts=True`` removes.
    whale_customers : int
        One-purchase customers whose single purchase is extreme.
    whale_revenue_share : float
        Their share of revenue, in [0, 1].
    top_customers : int
        Customers in the top 0.1% by total spend (at least 1).
    top_revenue_share : float
        Their share of revenue, in [0, 1].
    """

    n_rows: int
    n_customers: int
    revenue: float
    duplicate_rows: int
    duplicate_customers: int
    same_day_rows: int
    same_day_customers: int
    return_rows: int
    return_customers: int
    extreme_threshold: float
    extreme_rows: int
    extreme_customers: int
    capped_revenue_share: float
    whale_customers: int
    whale_revenue_share: float
    top_customers: int
    top_revenue_share: float

    def to_dict(self) -> dict:
        """Return the fields as plain Python numbers (for a report JSON).

        Returns
        -------
        dict
            Field name → int or float; an infinite threshold becomes None.
        """
        return {
            k: (None if isinstance(v, float) and math.isinf(v) else v)
            for k, v in asdict(self).items()
        }

    def table(self) -> pd.DataFrame:
        """Return one row per check.

        Returns
        -------
        pandas.DataFrame
            Columns ``check, rows, customers, share, share_of, rule`` (share in [0, 1]).
        """
        n = max(self.n_rows, 1)
        top_rule = (
            f"the {self.top_customers:,} customer(s) with the highest total spend "
            f"({TOP_SHARE:.1%} of {self.n_customers:,}, at least 1)"
        )
        rows = [
            (
                "exact duplicate rows",
                self.duplicate_rows,
                self.duplicate_customers,
                self.duplicate_rows / n,
                "rows",
                "every column equal to an earlier row",
            ),
            (
                "same-day repeats",
                self.same_day_rows,
                self.same_day_customers,
                self.same_day_rows / n,
                "rows",
                "same customer and calendar day as an earlier row (exact duplicates excluded)",
            ),
            (
                "returns",
                self.return_rows,
                self.return_customers,
                self.return_rows / n,
                "rows",
                "amount < 0",
            ),
            (
                "extreme amounts",
                self.extreme_rows,
                self.extreme_customers,
                self.extreme_rows / n,
                "rows",
                _rule(self.extreme_threshold),
            ),
            (
                "one-purchase whales",
                self.whale_customers,
                self.whale_customers,
                self.whale_revenue_share,
                "revenue",
                f"an extreme purchase that is at least {WHALE_SHARE:.0%} of the customer's spend",
            ),
            (
                "top 0.1% of customers",
                self.top_customers,
                self.top_customers,
                self.top_revenue_share,
                "revenue",
                top_rule,
            ),
        ]
        return pd.DataFrame(
            rows, columns=["check", "rows", "customers", "share", "share_of", "rule"]
        )

    def lines(self) -> list[str]:
        """Return plain one-line sentences, one per check (what ``crm data check`` prints).

        Returns
        -------
        list of str
            One sentence per check.
        """

        def rows(count: int) -> str:
            return f"{count:,} of {self.n_rows:,} rows ({count / max(self.n_rows, 1):.2%})"

        threshold = (
            "no amount can be extreme (all alike)"
            if math.isinf(self.extreme_threshold)
            else f"{rows(self.extreme_rows)} above {self.extreme_threshold:,.2f} (log amount more "
            f"than {EXTREME_MADS:g} scaled MADs above its median), from "
            f"{self.extreme_customers:,} customers; cap_amounts=True would cap them, removing "
            f"{self.capped_revenue_share:.2%} of revenue"
        )
        return [
            f"Exact duplicate rows: {rows(self.duplicate_rows)} from "
            f"{self.duplicate_customers:,} customers; drop_duplicates=True would drop them.",
            f"Same-day repeats: {rows(self.same_day_rows)} from {self.same_day_customers:,} "
            "customers share a customer and a day with an earlier purchase.",
            f"Returns (negative amounts): {rows(self.return_rows)} from "
            f"{self.return_customers:,} customers.",
            f"Extreme amounts: {threshold}.",
            f"One-purchase whales: {self.whale_customers:,} customers whose extreme purchase is "
            f"at least {WHALE_SHARE:.0%} of their spend hold {self.whale_revenue_share:.2%} of "
            "revenue.",
            f"Top 0.1% of customers ({self.top_customers:,} of {self.n_customers:,}) hold "
            f"{self.top_revenue_share:.2%} of revenue.",
        ]


def _check_columns(transactions: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED if c not in transactions.columns]
    if missing:
        raise ParameterError(
            f"transactions for the data-quality profile lack column(s) {', '.join(missing)}"
        )


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def profile_transactions(
    transactions: pd.DataFrame, *, as_of: pd.Timestamp | None = None
) -> DataQualityProfile:
    """Profile a canonical transactions table (see the module docstring for every rule).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (``customer_id``, ``timestamp``, ``amount``, …).
    as_of : pandas.Timestamp, optional
        Profile only the rows up to this time (what a study observes).

    Returns
    -------
    DataQualityProfile
        Counts and shares; ``table()`` and ``lines()`` present them.
    """
    _check_columns(transactions)
    tx = transactions
    if as_of is not None:
        tx = tx[tx["timestamp"] <= pd.Timestamp(as_of)]
    ids = tx["customer_id"]
    amount = tx["amount"].astype("float64")
    positive = amount.clip(lower=0)
    revenue = float(positive.sum())

    duplicate = tx.duplicated(keep="first")
    day = tx["timestamp"].dt.normalize()
    same_day = pd.DataFrame({"c": ids, "d": day})[~duplicate].duplicated(keep="first")
    same_day = same_day.reindex(tx.index, fill_value=False)
    returns = amount < 0
    threshold = extreme_threshold(amount)
    extreme = amount > threshold

    spend = positive.groupby(ids, sort=False).sum()
    largest = amount.where(extreme).groupby(ids, sort=False).max()
    whale = largest.notna() & (largest >= WHALE_SHARE * spend)
    n_customers = int(spend.size)
    n_top = max(1, math.ceil(TOP_SHARE * n_customers)) if n_customers else 0
    top = spend.nlargest(n_top).sum()

    return DataQualityProfile(
        n_rows=len(tx),
        n_customers=n_customers,
        revenue=revenue,
        duplicate_rows=int(duplicate.sum()),
        duplicate_customers=int(ids[duplicate].nunique()),
        same_day_rows=int(same_day.sum()),
        same_day_customers=int(ids[same_day].nunique()),
        return_rows=int(returns.sum()),
        return_customers=int(ids[returns].nunique()),
        extreme_threshold=threshold,
        extreme_rows=int(extreme.sum()),
        extreme_customers=int(ids[extreme].nunique()),
        capped_revenue_share=_share(float((amount[extreme] - threshold).sum()), revenue),
        whale_customers=int(whale.sum()),
        whale_revenue_share=_share(float(spend[whale].sum()), revenue),
        top_customers=n_top,
        top_revenue_share=_share(float(top), revenue),
    )


def clean_transactions(
    transactions: pd.DataFrame, *, drop_duplicates: bool = False, cap_amounts: bool = False
) -> pd.DataFrame:
    """Apply the documented corrections; both are off by default.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    drop_duplicates : bool, default False
        Keep only the first of exact duplicate rows.
    cap_amounts : bool, default False
        Cap amounts above ``extreme_threshold`` (computed after dropping duplicates, when
        asked) at that threshold.

    Returns
    -------
    pandas.DataFrame
        A new frame with a fresh 0-based index; the input is not changed.
    """
    _check_columns(transactions)
    out = transactions
    if drop_duplicates:
        out = out[~out.duplicated(keep="first")]
    out = out.reset_index(drop=True)
    if cap_amounts:
        threshold = extreme_threshold(out["amount"])
        out = out.assign(amount=out["amount"].astype("float64").clip(upper=threshold))
    return out
