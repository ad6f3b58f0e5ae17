"""The exercises of each study: compute, interpret, decide (and one published replication).

``STUDIES[name] = (context names, exercises)``. Each reference is computed from the notebook's
objects (the context), so it follows the notebook's data and parameters; choices accept every
answer the data cannot tell apart from the best one (overlapping intervals).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from crm_models.teaching.sheets import Exercise

Context = Mapping[str, Any]

PROGRAMME_COST = 20.0
"""segment_value exercise 3: cost of one loyalty-programme member ($ over the CLV horizon)."""
PROGRAMME_LIFT = 0.10
"""segment_value exercise 3: relative CLV increase of a member."""
CAMPAIGN_MARGIN, CAMPAIGN_COST = 10.0, 0.25
"""00_overview exercise 3: margin of one conversion and cost of one contact ($)."""


def _overlapping_best(table: pd.DataFrame, key: str, value: str, low: str, high: str) -> set:
    """Rows whose interval reaches the best row's lower bound (cannot be told apart)."""
    best = table.loc[table[value].idxmax()]
    return set(table.loc[table[high] >= best[low], key].astype(str))


# --- 00_overview -----------------------------------------------------------------------------


def _arms(c: Context) -> pd.DataFrame:
    table = c["campaign"]
    return table if "arm" in table.columns else table.reset_index(names="arm")


def _best_offer(c: Context) -> set:
    arms = _arms(c).set_index("arm")["conversion_rate"]
    control = arms.get("control", 0.0)
    profit = CAMPAIGN_MARGIN * (arms.drop("control", errors="ignore") - control) - CAMPAIGN_COST
    return {"none"} if profit.max() <= 0 else {str(profit.idxmax())}


OVERVIEW = (
    ("summary", "campaign"),
    [
        Exercise(
            1,
            "compute",
            "share of customers with three or more repeat purchases",
            "number",
            lambda c: float((c["summary"]["frequency"] >= 3).mean()),
            hint="frequency counts repeat weeks, so four weeks of purchases is frequency 3",
        ),
        Exercise(
            2,
            "interpret",
            "the arm with the highest conversion rate",
            "choice",
            lambda c: {str(_arms(c).set_index("arm")["conversion_rate"].idxmax())},
            options=lambda c: list(_arms(c)["arm"].astype(str)),
            hint="compare the conversion_rate column of the campaign table",
        ),
        Exercise(
            3,
            "decide",
            "the offer to send to everyone next time",
            "choice",
            _best_offer,
            options=lambda c: [
                *_arms(c)["arm"].astype(str).drop_duplicates().loc[lambda s: s != "control"],
                "none",
            ],
            hint="profit per contact = margin × (conversion rate − control's) − cost per contact",
        ),
    ],
)

# --- segment_value ---------------------------------------------------------------------------


def _value_driver(c: Context) -> set:
    frame = c["per_customer"].assign(clv=c["clv"])
    by_frequency = frame["clv"].corr(frame["frequency"])
    by_spend = frame["clv"].corr(frame["monetary_value"])
    if abs(by_frequency - by_spend) < 0.02:  # too close to tell apart
        return {"frequency", "spend"}
    return {"frequency" if by_frequency > by_spend else "spend"}


def _top_tenth(c: Context) -> float:
    from crm_models.value import top_share

    return float(top_share(c["clv"], 0.10))


def _cdnow_published(c: Context) -> dict[str, float]:
    from crm_models.data.public import CDNOW_SAMPLE_PUBLISHED

    return dict(CDNOW_SAMPLE_PUBLISHED["bgnbd"])


SEGMENT_VALUE = (
    ("clv", "per_customer"),
    [
        Exercise(
            1,
            "compute",
            "top-10% share of customer equity",
            "number",
            _top_tenth,
            hint="sort the CLV values, add up the largest tenth and divide by the total",
        ),
        Exercise(
            2,
            "interpret",
            "what drives CLV here: frequency or spend",
            "choice",
            _value_driver,
            options=lambda c: ["frequency", "spend"],
            hint="correlate clv with per_customer's frequency and with its monetary_value",
        ),
        Exercise(
            3,
            "decide",
            "share of customers to enrol in the loyalty programme",
            "number",
            lambda c: float((PROGRAMME_LIFT * c["clv"] > PROGRAMME_COST).mean()),
            rtol=0.02,
            hint="enrol a customer when the extra CLV is larger than the cost of membership",
        ),
        Exercise(
            4,
            "compute",
            "BG/NBD on the CDNOW sample (Fader, Hardie & Lee 2005)",
            "numbers",
            _cdnow_published,
            hint="fit in weeks on the 39-week calibration period (load_inputs('cdnow_sample'))",
        ),
    ],
)

# --- campaign_uplift -------------------------------------------------------------------------


def _lift_row(c: Context, outcome: str) -> pd.Series:
    from crm_models.uplift import lift_table

    table = lift_table(c["campaign"], outcomes=[outcome]).table
    return table.set_index("arm").loc[c["arms"][0]]


CAMPAIGN_UPLIFT = (
    ("campaign", "arms", "decision"),
    [
        Exercise(
            1,
            "compute",
            "visit lift of the first offer",
            "number",
            lambda c: float(_lift_row(c, "visit")["abs_lift"]),
            hint="the absolute lift is a difference of rates (a share, not a percentage)",
        ),
        Exercise(
            2,
            "interpret",
            "is the first offer's conversion lift distinguishable from zero",
            "choice",
            lambda c: {
                "yes"
                if _lift_row(c, "conversion")[["abs_ci_low", "abs_ci_high"]].prod() > 0
                else "no"
            },
            options=lambda c: ["yes", "no"],
            hint="look at whether the 95% interval of the lift contains zero",
        ),
        Exercise(
            3,
            "decide",
            "who gets the next campaign",
            "choice",
            lambda c: {c["decision"].policy},
            options=lambda c: ["model", "everyone", "nobody"],
            hint="compare the hold-out profit of each policy, not the uplift models' Qini",
        ),
    ],
)

# --- churn_retention -------------------------------------------------------------------------


def _top_precision(c: Context) -> float:
    scores = c["scores"]
    return float(scores.nlargest(round(0.1 * len(scores)), "p_leave")["churned"].mean())


def _fader_hardie_published(c: Context) -> dict[str, float]:
    from crm_models.retention.reference import PUBLISHED_SBG

    return {
        f"{segment}_{name}": value
        for segment, pair in PUBLISHED_SBG.items()
        for name, value in zip(("alpha", "beta"), pair, strict=True)
    }


CHURN_RETENTION = (
    ("scores", "warning", "plan"),
    [
        Exercise(
            1,
            "compute",
            "precision among the top 10% by P(leave)",
            "number",
            _top_precision,
            hint="sort by p_leave, keep the first tenth, take the mean of churned",
        ),
        Exercise(
            2,
            "interpret",
            "which score ranks the leavers better",
            "choice",
            lambda c: {c["warning"].better},
            options=lambda c: ["early warning", "P(alive)", "tie"],
            hint="a difference whose interval includes 0 cannot be told apart from none",
        ),
        Exercise(
            3,
            "decide",
            "how many customers get a retention offer",
            "number",
            lambda c: float(len(c["plan"].save_list)),
            hint="an offer pays when P(leave) × value at risk × effect exceeds its cost, "
            "and only customers with consent may get one",
        ),
        Exercise(
            4,
            "compute",
            "sBG on the two data sets of Fader & Hardie (2007)",
            "numbers",
            _fader_hardie_published,
            hint="fit each segment's survivors of years 0-7 (1000 customers at year 0)",
        ),
    ],
)

# --- satisfaction_loyalty_profit -------------------------------------------------------------


def _profit_effect(c: Context) -> float:
    from crm_models.loyalty import RetentionEconomics

    economics = RetentionEconomics(
        annual_margin=c["annual_margin"], annual_discount_rate=c["annual_discount_rate"]
    )
    return float(economics.profit_effect(c["retention_rate"]))


SATISFACTION_LOYALTY_PROFIT = (
    ("annual_margin", "annual_discount_rate", "retention_rate", "ipm", "lift"),
    [
        Exercise(
            1,
            "compute",
            "profit effect of +5 points (constant margin)",
            "number",
            _profit_effect,
            hint="NPV = m (1 + d) / (1 + d − r) for a constant margin m",
        ),
        Exercise(
            2,
            "interpret",
            "the strongest lever on loyalty",
            "choice",
            lambda c: _overlapping_best(
                c["ipm"], "construct", "importance", "importance_low", "importance_high"
            ),
            options=lambda c: list(c["ipm"]["construct"].astype(str)),
            hint="a driver counts only when its interval is not below the others'",
        ),
        Exercise(
            3,
            "decide",
            "most worth paying once per customer for +5 points",
            "number",
            lambda c: float(c["lift"].clv_net_after - c["lift"].clv_net),
            hint="the break-even price is the gain in net CLV per customer",
        ),
    ],
)

# --- customization_tradeoffs -----------------------------------------------------------------


def _windows(c: Context) -> float:
    from crm_models.customization import ProductSpace, window_example

    excluded = [{"frame": "frame_1", "glass": "glass_1"}, {"frame": "frame_1", "glass": "glass_2"}]
    return float(ProductSpace(window_example().attributes, excluded).n_configurations)


CUSTOMIZATION_TRADEOFFS = (
    ("wtp", "best"),
    [
        Exercise(
            1,
            "compute",
            "windows with the constraint",
            "number",
            _windows,
            rtol=0.0,
            hint="count the frame-glass pairs left, then multiply by the other attributes",
        ),
        Exercise(
            2,
            "interpret",
            "the module customers value most",
            "choice",
            lambda c: _overlapping_best(c["wtp"], "level", "estimate", "ci_low", "ci_high"),
            options=lambda c: list(c["wtp"]["level"].astype(str)),
            hint="willingness to pay is the part-worth divided by minus the price coefficient",
        ),
        Exercise(
            3,
            "decide",
            "the customization type to offer",
            "choice",
            lambda c: {c["best"].face},
            options=lambda c: ["standard", "adaptive", "cosmetic", "collaborative", "transparent"],
            hint="compare each type's best profit over modules and premium, not its revenue",
        ),
    ],
)

STUDIES = {
    "00_overview": OVERVIEW,
    "campaign_uplift": CAMPAIGN_UPLIFT,
    "churn_retention": CHURN_RETENTION,
    "customization_tradeoffs": CUSTOMIZATION_TRADEOFFS,
    "satisfaction_loyalty_profit": SATISFACTION_LOYALTY_PROFIT,
    "segment_value": SEGMENT_VALUE,
}
"""Each study's context names and exercises, in the order of the notebook."""
