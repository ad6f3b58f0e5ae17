"""Sentences of the churn-retention report (management page and analyst page).

Each function takes plain numbers and tables (not the estimators), formats each figure once
(:class:`~crm_models.reporting.Estimate`) and returns Markdown built with
:func:`~crm_models.reporting.escaping.md`, so values from the data (channel names, file
names) are escaped. The notebook shows them with ``display(Markdown(str(...)))``.
"""

from __future__ import annotations

import math

import pandas as pd
from markupsafe import Markup

from crm_models.reporting.display import fmt_int, fmt_pct
from crm_models.reporting.escaping import md
from crm_models.reporting.formatting import Estimate

__all__ = [
    "SCORE_LABELS",
    "contract_sentence",
    "data_sentence",
    "leave_sentence",
    "plain_covariate",
    "ranking_sentence",
    "save_sentence",
    "top_leavers",
    "why_sentence",
]


SCORE_LABELS = {
    "early warning": "the early-warning model",
    "P(alive)": "the buy-till-you-die chance still active",
}
"""Plain words for the two churn scores on a manager's page (keys: the report's score names)."""

_PLAIN_LEVELS = {
    "consent_status=opt_out": "opted out of contact",
    "consent_status=opt_in": "opted in to contact",
    "consent_status=double_opt_in": "double opt-in to contact",
    "consent_status=unknown": "consent unknown",
}


def plain_covariate(name: str) -> str:
    """Return a Cox covariate name in plain words: ``channel=store`` -> ``store channel``.

    Parameters
    ----------
    name : str
        A covariate name, one-hot levels as ``column=level``.

    Returns
    -------
    str
        E.g. ``opted out of contact``, ``plus plan``, ``satisfaction``.
    """
    if name in _PLAIN_LEVELS:
        return _PLAIN_LEVELS[name]
    column, _, level = name.partition("=")
    words = column.replace("_status", "").replace("_", " ")
    return f"{level.replace('_', ' ')} {words}" if level else words


def data_sentence(
    label: str, cutoff: pd.Timestamp, inactivity_days: int, observation_end: pd.Timestamp
) -> Markup:
    """State the data, the churn definition and the time split.

    Parameters
    ----------
    label : str
        The data source in words.
    cutoff : pandas.Timestamp
        Test cut-off of the early-warning model.
    inactivity_days : int
        Churn window in days.
    observation_end : pandas.Timestamp
        Last day of data (the save list is scored there).

    Returns
    -------
    markupsafe.Markup
        One Markdown paragraph.
    """
    return md(
        "**Data:** {label}. A customer *leaves* when they make no purchase in the "
        "{days} days after a cut-off. The early-warning model learns from the "
        "{days} days before {cutoff} and is tested on the {days} days after it (no "
        "data after a cut-off enter its features); the save list scores every customer "
        "at {end}.",
        label=label,
        days=int(inactivity_days),
        cutoff=f"{cutoff:%Y-%m-%d}",
        end=f"{observation_end:%Y-%m-%d}",
    )


def leave_sentence(p_leave: pd.Series, inactivity_days: int, top_share: float = 0.10) -> Markup:
    """Say how concentrated the risk of leaving is (top share vs everyone).

    Parameters
    ----------
    p_leave : pandas.Series
        P(leave) per active customer (a purchase in the last ``inactivity_days`` days),
        shares 0–1, shape (n,).
    inactivity_days : int
        Churn window in days.
    top_share : float, default 0.10
        Share of customers ranked first.

    Returns
    -------
    markupsafe.Markup
        One sentence.
    """
    ranked = p_leave.sort_values(ascending=False)
    n_top = max(1, round(top_share * len(ranked)))
    return md(
        "**Who is about to leave:** of the {total} customers who bought in the last {days} "
        "days, the {share} most at risk ({n}) leave with probability {top} on average in the "
        "next {days} days, against {all} for all of them.",
        share=fmt_pct(top_share, 0),
        n=fmt_int(n_top),
        top=fmt_pct(float(ranked.iloc[:n_top].mean()), 0),
        days=int(inactivity_days),
        all=fmt_pct(float(ranked.mean()), 0),
        total=fmt_int(len(ranked)),
    )


def top_leavers(
    p_leave: pd.Series, value_at_risk: pd.Series, features: pd.DataFrame, n: int = 10
) -> pd.DataFrame:
    """List the customers most likely to leave, without their ids (for the management page).

    Parameters
    ----------
    p_leave : pandas.Series
        P(leave) indexed by customer_id.
    value_at_risk : pandas.Series
        CLV (money) indexed by customer_id.
    features : pandas.DataFrame
        Early-warning features indexed by customer_id (recency_days, frequency when known).
    n : int, default 10
        Rows.

    Returns
    -------
    pandas.DataFrame
        rank, chance of leaving %, value at risk ($, whole), days since last purchase,
        purchases; n rows. Customers equally likely to leave (customers with the same features
        get the same chance) are listed by value at risk, largest first.
    """
    ranked = pd.DataFrame(
        {"p_leave": p_leave, "value": value_at_risk.reindex(p_leave.index).fillna(0.0)}
    )
    top = ranked.sort_values(["p_leave", "value"], ascending=False, kind="stable").iloc[:n]
    table = pd.DataFrame(
        {
            "rank": range(1, len(top) + 1),
            "chance of leaving %": (100 * top["p_leave"]).round(1).to_numpy(),
            "value at risk $": top["value"].round(0).astype("Int64").to_numpy(),
        }
    )
    if "recency_days" in features:
        days = features["recency_days"].reindex(top.index)
        table["days since last purchase"] = days.astype("Int64").to_numpy()  # whole days
    if "frequency" in features:
        table["purchases"] = features["frequency"].reindex(top.index).astype("Int64").to_numpy()
    return table


def ranking_sentence(
    better: str, auc: dict[str, tuple[float, float, float]], difference: tuple[float, float, float]
) -> Markup:
    """Say which score ranks the leavers better on this data (AUC with intervals).

    Parameters
    ----------
    better : str
        "early warning", "P(alive)" or "tie" (the difference's interval includes 0).
    auc : dict of str to tuple of float
        Score name -> (AUC, ci_low, ci_high), shares 0–1.
    difference : tuple of float
        AUC of the early-warning model minus that of P(alive), with its interval.

    Returns
    -------
    markupsafe.Markup
        One sentence.
    """
    text = "; ".join(
        f"{SCORE_LABELS.get(name, name)} {Estimate(*v, kind='number', digits=3).full}"
        for name, v in auc.items()
    )
    verdict = (
        "neither score ranks clearly better"
        if better == "tie"
        else f"{SCORE_LABELS.get(better, better)} ranks the leavers better"
    )
    return md(
        "**Which ranks better on this data:** {verdict} (AUC {text}; difference {diff}).",
        verdict=verdict,
        text=text,
        diff=Estimate(*difference, kind="number", digits=3, signed=True).full,
    )


def why_sentence(
    hazard: pd.DataFrame | None, odds_ratio: tuple[float, float, float] | None
) -> Markup:
    """Say what drives leaving: significant hazard ratios and the satisfaction link.

    Parameters
    ----------
    hazard : pandas.DataFrame or None
        Cox summary indexed by covariate with estimate, ci_low, ci_high (log hazard ratios);
        None without subscriptions.
    odds_ratio : tuple of float or None
        Odds ratio of leaving per satisfaction point (estimate, ci_low, ci_high); None
        without survey answers.

    Returns
    -------
    markupsafe.Markup
        One paragraph.
    """
    parts = []
    if hazard is not None and len(hazard):
        clear = hazard[(hazard["ci_low"] > 0) | (hazard["ci_high"] < 0)]
        clear = clear.reindex(clear["estimate"].abs().sort_values(ascending=False).index)
        for name, row in clear.iloc[:3].iterrows():
            ratio = Estimate(
                math.exp(row["estimate"]),
                math.exp(row["ci_low"]),
                math.exp(row["ci_high"]),
                kind="number",
                digits=2,
            )
            label = plain_covariate(str(name))
            parts.append(str(md("{name} × {ratio}", name=label, ratio=ratio.full)))
        text = "; ".join(parts) if parts else "no covariate clearly changes it"
        parts = [str(md("subscribers' risk of leaving (hazard ratio, 95% interval): ")) + text]
    if odds_ratio is not None:
        ratio = Estimate(*odds_ratio, kind="number", digits=2)
        parts.append(
            str(
                md(
                    "each satisfaction point multiplies the odds of leaving by {r}",
                    r=ratio.full,
                )
            )
        )
    if not parts:
        return md("**Why:** the data have neither subscriptions nor survey answers.")
    return Markup("**Why:** " + "; ".join(parts) + ".")


def save_sentence(
    n_offers: int,
    profit: tuple[float, float, float],
    effect: tuple[float, float, float],
    assumed: bool,
    cost_per_contact: float,
    n_excluded: int,
) -> Markup:
    """Say who is worth saving, what it earns and on which offer effect it rests.

    Parameters
    ----------
    n_offers : int
        Customers on the save list.
    profit : tuple of float
        Expected incremental profit (estimate, ci_low, ci_high), money.
    effect : tuple of float
        Offer effect (share of would-be leavers kept): estimate and its range.
    assumed : bool
        True when the effect is a stated assumption (no experiment).
    cost_per_contact : float
        Cost of one offer, money.
    n_excluded : int
        Customers left out by the consent rules.

    Returns
    -------
    markupsafe.Markup
        One paragraph.
    """
    eff = Estimate(*effect, kind="pct", digits=0).full
    source = (
        "an **assumed** offer effect of {eff} (no retention experiment in the data; the "
        "interval is the sensitivity range)"
        if assumed
        else "the offer effect measured in the retention experiment, {eff}"
    )
    return md(
        "**Who is worth saving:** {n} customers, where chance of leaving × value at risk × offer "
        "effect exceeds the {cost} offer, for an expected incremental profit of {profit}; "
        "it rests on " + source + ". {excluded} customers without consent are never "
        "contacted.",
        n=fmt_int(n_offers),
        cost=f"${cost_per_contact:,.2f}",
        profit=Estimate(*profit, signed=True).full,
        eff=eff,
        excluded=fmt_int(n_excluded),
    )


def contract_sentence(
    retention: dict[str, float], lifetime: float, derl: float, horizon: int
) -> Markup:
    """Say what the contractual model projects for the subscription product.

    Parameters
    ----------
    retention : dict of str to float
        'after_12' and 'after_24': projected share still active after 12 / 24 periods.
    lifetime : float
        Expected lifetime within ``horizon`` periods.
    derl : float
        Discounted expected residual lifetime of a new subscriber, periods.
    horizon : int
        Periods of the truncated lifetime.

    Returns
    -------
    markupsafe.Markup
        One sentence.
    """
    return md(
        "**Subscriptions:** of a new cohort, {a} are projected to remain after 12 months and "
        "{b} after 24 (sBG). A new subscriber stays {life} months on average over the next "
        "{h}; discounted, a subscriber is worth {derl} monthly margins (DERL).",
        a=fmt_pct(retention["after_12"], 0),
        b=fmt_pct(retention["after_24"], 0),
        life=f"{lifetime:.1f}",
        h=horizon,
        derl=f"{derl:.1f}",
    )
