"""The report's sentences (``loyalty.narrative``) from small hand-made results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.loyalty import ModelSpec, RetentionContrast, investment_levers
from crm_models.loyalty import narrative as n
from crm_models.loyalty.retention import RetentionCurveResult


def _ipm(quadrants, below):
    return pd.DataFrame(
        {
            "construct": ["CUSA", "PERQ", "IMAG"],
            "label": ["Satisfaction", "Perceived quality", "Image"],
            "importance": [0.6, 0.4, 0.2],
            "importance_points": [0.61, 0.43, 0.25],
            "quadrant": quadrants,
            "below_average": below,
        }
    )


def _curve(nonlinear: bool) -> RetentionCurveResult:
    return RetentionCurveResult(
        72.4,
        65.0,
        80.0,
        0.01,
        0.08,
        1.1,
        2.2,
        30.0,
        1e-5 if nonlinear else 0.31,
        nonlinear,
        0.95,
        500,
        pd.DataFrame({"tau": [1.0], "loglik": [0.0]}),
        np.zeros(3),
        np.eye(3),
    )


def test_levers_exclude_satisfaction_and_flag_investment():
    ipm = _ipm(["keep up the good work", "concentrate here", "low priority"], [False, True, True])
    levers = investment_levers(ipm, exclude="CUSA")
    assert list(levers["construct"]) == ["PERQ", "IMAG"] and list(levers["invest"]) == [True, False]
    assert n.lever_text(levers) == (
        "Perceived quality — important for loyalty and clearly below-average performance"
    )
    assert (
        n.importance_title(levers, "Loyalty")
        == "Importance–performance for loyalty: invest in Perceived quality"
    )
    # satisfaction as the only driver: kept, never an investment
    only = investment_levers(ipm.iloc[:1], exclude="CUSA")
    assert list(only["construct"]) == ["CUSA"] and not only["invest"].any()


def test_no_clear_lever_says_invest_where_importance_is_highest():
    levers = investment_levers(_ipm(["keep up the good work"] * 3, [False] * 3), exclude="CUSA")
    assert n.lever_text(levers).startswith(
        "Perceived quality — the largest total effect on loyalty; no important"
    )
    assert n.importance_title(levers, "Loyalty").endswith(
        "Perceived quality is the strongest lever; performance differs little"
    )


def test_executive_summary_and_retention_text():
    levers = investment_levers(_ipm(["keep up the good work"] * 3, [False] * 3), exclude="CUSA")
    contrast = RetentionContrast(0.40, 0.35, 0.45, 100, 0.70, 0.65, 0.75, 100, 0.30, 0.22, 0.38)
    text = n.retention_text(contrast, _curve(True))
    assert text == (
        "- **Does satisfaction show in behaviour?** The most satisfied quarter of respondents is "
        "retained at 70%, the least satisfied quarter at 40% "
        "(+30 points, 95% interval +22 to +38); "
        "the curve takes off above an index of about 72.\n"
    )
    assert "no threshold is detectable (non-linearity p = 0.31)" in n.retention_text(
        contrast, _curve(False)
    )
    assert n.retention_text(None, None) == ""
    summary = n.executive_summary(levers, "Loyalty", text, 0.52, 0.20)
    assert summary.startswith("- **Where to invest:** Perceived quality — the largest total effect")
    assert "moves the loyalty index by about 0.43 points.\n- **Does satisfaction" in summary
    assert "by 52% with the stated margins" in summary and "only 20%" in summary
    assert summary.endswith("This is inside Reichheld & Sasser's 25–85%.")
    assert "outside Reichheld & Sasser's 25–85%" in n.executive_summary(
        levers, "Loyalty", "", 0.20, 0.20
    )


def test_short_sentences():
    spec = ModelSpec.ecsi()
    assert n.method_line("survey.csv", spec, True, "path", 1000) == (
        "Data: survey.csv. Model: 7 constructs, 24 items, 12 paths; consistent PLS, path scheme, "
        "1,000 bootstrap draws (95% percentile intervals)."
    )
    assert "; PLS, centroid scheme" in n.method_line("x", spec, False, "centroid", 50)
    assert n.issues_markdown([]) == "**Issues found:**\n- none"
    assert n.issues_markdown(("a", "b")) == "**Issues found:**\n- a\n- b"
    assert (
        n.bootstrap_note(0.4613, 998, 1000)
        == "GoF (Tenenhaus) = 0.461; bootstrap draws used 998 of 1000."
    )
    assert "margin = 30% of observed spend" in n.ladder_note(0.3)
    assert n.sem_warning(("x", "y")) == "**Warning — SEM coefficients not interpretable:** x; y"
    assert n.economics_title(0.2, 0.52) == (
        "+5 points of retention: +20% with constant margins, +52% with "
        "acquisition cost and growing margins"
    )
    assert (
        n.retention_curve_title(_curve(True))
        == "Retention takes off above a satisfaction index of ~72"
    )
    assert n.retention_curve_title(_curve(False)).startswith("Retention rises steadily")


@pytest.mark.parametrize("effect", [float("nan"), 0.0])
def test_summary_handles_a_non_positive_clv(effect):
    levers = investment_levers(_ipm(["keep up the good work"] * 3, [False] * 3), exclude="CUSA")
    assert "outside Reichheld" in n.executive_summary(levers, "Loyalty", "", effect, effect)
