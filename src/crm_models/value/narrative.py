"""The sentences of the segment-value report, composed from results (markdown strings).

Each builder takes results of the package and returns markdown; the notebook only displays it.
"""

from __future__ import annotations

import math

import pandas as pd

from crm_models.reporting import fmt_int, fmt_money, fmt_pct
from crm_models.reporting.formatting import Estimate, fmt_money_range
from crm_models.value.diagnostics import HoldoutResult, IndependenceResult
from crm_models.value.selection import LET_GO_OFFER
from crm_models.value.valuation import CustomerEquity, WinbackTotals

__all__ = [
    "VALIDATED_WITHIN",
    "executive_summary",
    "forecast_caveat",
    "forecast_verdict",
    "independence_sentence",
    "needs_agreement_sentence",
    "winback_clause",
    "winback_estimate",
    "world_truth_sentence",
]

VALIDATED_WITHIN = 0.05
"""A holdout aggregate error within ±5% counts as a validated forecast."""


def forecast_verdict(aggregate_error: float) -> str:
    """Verdict on the holdout forecast (the bold lead of its bullet).

    Parameters
    ----------
    aggregate_error : float
        (predicted − actual) / actual holdout purchases.

    Returns
    -------
    str
        "The forecast is validated" within ±:data:`VALIDATED_WITHIN`, else "The forecast
        under-predicts" / "The forecast over-predicts".
    """
    if abs(aggregate_error) <= VALIDATED_WITHIN:
        return "The forecast is validated"
    return "The forecast under-predicts" if aggregate_error < 0 else "The forecast over-predicts"


def forecast_caveat(aggregate_error: float) -> str:
    """How to read customer equity given the holdout error (the end of the forecast bullet).

    Parameters
    ----------
    aggregate_error : float
        (predicted − actual) / actual holdout purchases.

    Returns
    -------
    str
        "." for a validated forecast, else "; read customer equity as conservative (or
        optimistic) — …".
    """
    if abs(aggregate_error) <= VALIDATED_WITHIN:
        return "."
    reading = "conservative" if aggregate_error < 0 else "optimistic"
    return (
        f"; read customer equity as {reading} — "
        "the model assumes stationary buying, which seasonality or a changing business breaks."
    )


def executive_summary(
    equity: CustomerEquity,
    top20: float,
    abc_table: pd.DataFrame,
    holdout: HoldoutResult,
    calibration_end: pd.Timestamp,
    horizon_months: int,
    needs_matrix: pd.DataFrame | None = None,
    winback: WinbackTotals | None = None,
    reactivation_rate: float = 0.0,
    cost_per_contact: float = 0.0,
    lapsed_below: float = 0.3,
) -> str:
    """Write the bullet points of the executive summary.

    Parameters
    ----------
    equity : CustomerEquity
        Customer equity with its interval.
    top20 : float
        Share of equity held by the top 20% of customers.
    abc_table : pandas.DataFrame
        ``abc_summary`` (class A row used).
    holdout : HoldoutResult
        Holdout check of the transaction model.
    calibration_end : pandas.Timestamp
        End of the calibration period.
    horizon_months : int
        CLV horizon.
    needs_matrix : pandas.DataFrame, optional
        ``value_needs_matrix``; its bullet is left out when None.
    winback : WinbackTotals, optional
        Win-back totals; their bullet is left out when None.
    reactivation_rate, cost_per_contact : float
        Win-back assumptions quoted in its bullet.
    lapsed_below : float, default 0.3
        The P(alive) threshold of "lapsed".

    Returns
    -------
    str
        Markdown bullet list.
    """
    err = holdout.aggregate_error
    verdict, caveat = forecast_verdict(err), forecast_caveat(err)
    a = abc_table.loc["A"]
    half_width = (equity.ci_high - equity.ci_low) / 2 / equity.estimate if equity.estimate else 0.0
    narrow = (
        f" The interval (±{fmt_pct(half_width, 1)}) covers the uncertainty of the model's "
        f"parameters only; the model missed the holdout purchases by {100 * err:+.1f}%, so "
        "read the equity as approximate to that degree."
        if abs(err) > half_width
        else ""
    )
    lines = [
        f"- **Value is concentrated:** the top 20% of customers hold {fmt_pct(top20, 0)} of the "
        f"{horizon_months}-month customer equity of "
        f"{fmt_money_range(equity.estimate, equity.ci_low, equity.ci_high)} "
        f"({fmt_pct(equity.level, 0)} interval); {fmt_int(a['customers'])} "
        f"A customers ({fmt_pct(a['customer_share'], 0)}) make 80% of it.",
        f"- **{verdict}:** fitted on data up to {calibration_end:%Y-%m-%d}, the model predicted "
        f"{fmt_int(holdout.predicted_total)} purchases in the holdout period against "
        f"{fmt_int(holdout.actual_total)} actual ({100 * err:+.1f}%){caveat}{narrow}",
    ]
    if needs_matrix is not None:
        cell = needs_matrix.set_index(["value_level", "needs"])
        hs, hd = cell.loc[("high", "similar")], cell.loc[("high", "different")]
        ld = cell.loc[("low", "different")]
        lines.append(
            "- **Serve high-value customers by their needs:** "
            f"{fmt_int(hs['customers'])} with common "
            f"needs ({fmt_pct(hs['value_share'], 0)} of equity) → frequency marketing (loyalty "
            f"programme); {fmt_int(hd['customers'])} with distinct needs "
            f"({fmt_pct(hd['value_share'], 0)}) "
            f"→ one-to-one customization. {fmt_int(ld['customers'])} low-value customers with "
            f"distinct needs hold only {fmt_pct(ld['value_share'], 0)} of equity. " + LET_GO_OFFER
        )
    if winback is not None:
        lines.append(
            f"- **Win-back:** {fmt_int(winback.lapsed)} customers are probably lapsed (chance "
            f"still active below {fmt_pct(lapsed_below, 0)}); "
            f"at a {fmt_pct(reactivation_rate, 0)} reactivation rate and "
            f"{fmt_money(cost_per_contact, digits=2)} per contact, contacting the "
            f"{fmt_int(winback.worth_contacting)} with positive expected gain "
            + winback_clause(winback)
        )
    return "\n".join(lines)


def winback_estimate(winback: WinbackTotals) -> Estimate:
    """Format the win-back value once (KPI card and sentence), with its interval when computed.

    Parameters
    ----------
    winback : WinbackTotals
        Win-back totals (``winback_value`` gives the interval).

    Returns
    -------
    Estimate
        Money; no interval when ``ci_low`` / ``ci_high`` are NaN.
    """
    bounds = (winback.ci_low, winback.ci_high)
    finite = all(math.isfinite(v) for v in bounds)
    return Estimate(winback.expected_gain, *(bounds if finite else (None, None)))


def winback_clause(winback: WinbackTotals) -> str:
    """Write the end of the win-back bullet: its worth, honest about the interval.

    Parameters
    ----------
    winback : WinbackTotals
        Win-back totals.

    Returns
    -------
    str
        "is worth about $7.59k [$6.1k – $9.0k]." — or, when the interval includes $0, that
        the campaign may not pay.
    """
    figure = winback_estimate(winback)
    if figure.has_interval and winback.ci_low <= 0:
        return (
            f"has an expected gain of {figure.full}: the interval includes $0, "
            "so the win-back may not pay."
        )
    return f"is worth about {figure.full}."


def independence_sentence(independence: IndependenceResult) -> str:
    """Describe the Gamma-Gamma frequency–spend check in one sentence.

    Parameters
    ----------
    independence : IndependenceResult
        ``GammaGamma.independence_``.

    Returns
    -------
    str
        Markdown sentence with both correlations and the verdict.
    """
    verdict = (
        "independence is plausible"
        if independence.independent
        else "check the Gamma-Gamma assumption"
    )
    return (
        f"Frequency–spend correlation among repeat buyers: Pearson {independence.pearson:.3f}, "
        f"Spearman {independence.spearman:.3f} → {verdict}."
    )


def world_truth_sentence(bgnbd: dict, gamma_gamma: dict) -> str:
    """Describe the simulated world's true parameters, for comparison with the fits.

    Parameters
    ----------
    bgnbd : dict
        True BG/NBD parameters (weekly time unit): r, alpha, a, b.
    gamma_gamma : dict
        True Gamma-Gamma parameters p, q, v.

    Returns
    -------
    str
        Markdown sentence.
    """
    return (
        "True world parameters (weekly): "
        + ", ".join(f"{k}={v}" for k, v in bgnbd.items())
        + f"; in days alpha = {7 * bgnbd['alpha']:.1f}. Gamma-Gamma: "
        + ", ".join(f"{k}={v}" for k, v in gamma_gamma.items())
        + ". The daily summary merges same-day purchases (lifetimes' convention), which biases "
        "alpha upward by a few percent."
    )


def needs_agreement_sentence(needs: pd.Series, truth: pd.Series) -> str:
    """How often the needs classification agrees with the true needs type.

    Parameters
    ----------
    needs : pandas.Series
        Predicted 'similar' / 'different' per customer.
    truth : pandas.Series
        True needs type, aligned with ``needs``.

    Returns
    -------
    str
        Markdown sentence with the agreement and the majority-rule baseline.
    """
    return (
        f"Classification agrees with the world's truth for {fmt_pct((needs == truth).mean(), 1)} "
        f"of customers (majority rule: {fmt_pct((truth == 'similar').mean(), 1)})."
    )
