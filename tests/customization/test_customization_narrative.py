"""The report's sentences: built from results, one branch per case."""

import pandas as pd

from crm_models.customization import VarietyResult
from crm_models.customization.narrative import (
    executive_summary,
    faces_match_sentence,
    variety_text,
)


def _best(face="collaborative"):
    return VarietyResult(
        face=face,
        modules_per_attribute={"rate": 3, "fee": 2},
        modules=5,
        configurations=6,
        premium=10.0,
        profit=1_000_000.0,
        share=0.4,
        units=80_000.0,
        mode="make_to_stock",
        method="exhaustive",
    )


INTERVAL = pd.DataFrame(
    {
        "estimate": [1_000_000.0, 300_000.0],
        "se": [1.0, 1.0],
        "ci_low": [900_000.0, 250_000.0],
        "ci_high": [1_100_000.0, 350_000.0],
    },
    index=["profit", "gain"],
)
TORNADO = pd.DataFrame(
    {
        "label": ["customers in the market", "platform price"],
        "profit_low": [800_000.0, 0.9e6],
        "profit_high": [1_200_000.0, 1.1e6],
        "base_profit": [1e6, 1e6],
        "decision_changes": [False, True],
    }
)
KANO = pd.DataFrame(
    {"kano_class": ["must-be", "attractive", "indifferent"]},
    index=["fraud_protection", "design_photo", "rewards_miles"],
)
WTP = pd.DataFrame(
    {
        "attribute": ["rate", "fee"],
        "level": ["rate_low", "fee_none"],
        "estimate": [8.0, 12.0],
        "se": [1.0, 1.0],
        "ci_low": [6.0, 10.0],
        "ci_high": [10.0, 14.0],
    }
)
SELECTION = pd.DataFrame(
    {
        "cell": ["high value / different needs", "low value / similar needs"],
        "recommendation": ["customized", "standard"],
        "hurdle": [10.5, 10.5],
        "action": ["customized offer, one-to-one, with dedicated contact", "standard product"],
    }
)


def _summary(best, selection=SELECTION):
    return executive_summary(
        best,
        INTERVAL,
        TORNADO,
        KANO,
        WTP,
        selection,
        custom_face="collaborative",
        custom_profit=900_000.0,
        market_size=200_000,
        conjoint_source="simulated",
    )


def test_customize_headline_and_bullets():
    text = _summary(_best())
    lines = text.split("\n")
    assert len(lines) == 5
    assert lines[0].startswith("- **Offer collaborative customization with 3 × 2 modules")
    assert "(rate 3, fee 2)" in lines[0] and "make-to-stock production" in lines[0]
    assert "$1.00M [$0.90M – $1.10M] (95% interval)" in lines[0]
    assert "$300k [$250k – $350k] more than the standard" in lines[0]
    assert "(-$200k / +$200k when it is 20% lower" in lines[1]
    assert "customers in the market moves profit most" in lines[1]
    assert "changes when platform price move by 20%" in lines[1]
    assert "Fraud protection" in lines[2] and "Design photo" in lines[2]  # plain words
    assert "fraud_protection" not in text and "fee_none" not in text
    assert lines[3].index("Fee none") < lines[3].index("Rate low")  # highest WTP first
    assert (
        "high value / different needs: customized offer, one-to-one, with dedicated contact — "
        "their incremental" in lines[4]
    )
    assert "only as self-service" in lines[4]  # the let-go rule, as on segment value
    assert "standard offers for low value / similar needs." in lines[4]


def test_standard_headline_and_no_cell():
    sel = SELECTION.assign(recommendation="standard")
    text = _summary(_best("standard"), sel)
    assert text.startswith("- **Keep the standard product** (3 × 2)")
    assert "the best customization (collaborative) would earn $900k" in text
    assert "no cell clears the $10.50 per customer" in text


def test_small_builders():
    assert variety_text(_best()) == "3 × 2"
    assert faces_match_sentence(True) == (
        "The model's labels match the textbook comparison of the four types."
    )
    assert "seed" not in faces_match_sentence(False) and "differ from" in faces_match_sentence(
        False
    )
    stable = TORNADO.assign(decision_changes=False)
    text = executive_summary(
        _best(),
        INTERVAL,
        stable,
        KANO,
        WTP,
        SELECTION,
        custom_face="collaborative",
        custom_profit=0.0,
        market_size=1,
        conjoint_source="x",
    )
    assert "The recommendation holds for every input within ±20%." in text
