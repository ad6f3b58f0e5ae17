"""Simulated purchases with known BG/NBD and Gamma-Gamma parameters (tests of the own-data route).

Vectorized: customer i buys at rate λ ~ Gamma(r, α) (rate α) while alive, drops out after
each purchase with probability p ~ Beta(a, b); each amount is Gamma(p_gg, ν) with
ν ~ Gamma(q, γ). First purchases are spread over the first quarter; times are whole days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BGNBD_TRUTH = {"r": 0.8, "alpha": 40.0, "a": 0.6, "b": 2.5}
GG_TRUTH = {"p": 6.0, "q": 4.0, "v": 15.0}
START = pd.Timestamp("2024-01-01")
END = pd.Timestamp("2025-06-30")


def simulate(n: int = 3000, seed: int = 11, max_purchases: int = 80) -> pd.DataFrame:
    """customer_id (strings C000001 …), timestamp, amount up to ``END``."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(BGNBD_TRUTH["r"], 1 / BGNBD_TRUTH["alpha"], n)
    p = rng.beta(BGNBD_TRUTH["a"], BGNBD_TRUTH["b"], n)
    first = rng.integers(0, 90, n).astype(float)
    gaps = rng.exponential(1.0, (n, max_purchases)) / lam[:, None]
    times = first[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(gaps, axis=1)], axis=1)
    # alive for purchase k (k >= 1) when no drop-out after purchases 0 … k-1
    dropped = rng.random((n, max_purchases)) < p[:, None]
    alive = np.concatenate([np.ones((n, 1), bool), np.cumprod(~dropped, axis=1) == 1], axis=1)
    horizon = (END - START).days
    keep = alive & (times <= horizon)
    rows, cols = np.nonzero(keep)
    nu = rng.gamma(GG_TRUTH["q"], 1 / GG_TRUTH["v"], n)
    amount = rng.gamma(GG_TRUTH["p"], 1 / nu[rows])
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 6))
    return pd.DataFrame(
        {
            "customer_id": ids[rows],
            "timestamp": START + pd.to_timedelta(np.floor(times[rows, cols]), unit="D"),
            "amount": np.round(amount, 2),
        }
    ).sort_values(["timestamp", "customer_id"], ignore_index=True)


def lifetimes_fit(transactions: pd.DataFrame, end: pd.Timestamp) -> dict:
    """lifetimes' own summary and BG/NBD + Gamma-Gamma fit of ``transactions`` (days)."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    summary = summary_data_from_transaction_data(
        transactions,
        "customer_id",
        "timestamp",
        monetary_value_col="amount",
        observation_period_end=end,
        freq="D",
    )
    bg = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[summary["frequency"] > 0]
    gg = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    return {"summary": summary, "bgnbd": bg.params_.to_dict(), "gamma_gamma": gg.params_.to_dict()}
