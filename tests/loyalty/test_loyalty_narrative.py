"""The report's sentences (``loyalty.narrative``) from small hand-made results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.loyalty import (
    EstimationCheck,
    ModelSpec,
    RetentionContrast,
    check_estimation,
    clear_drivers,
    fit_stable,
    investment_levers,
)
from crm_models.loyalty import narrative as n
from crm_models.loyalty.retention import RetentionCurveResult


def _ipm(quadrants, below):
    return pd.DataFrame(
        {
            "construct": ["CUSA", "PERQ", "IMAG"],
            "label": ["Satisfaction", "Perceived quality", "Image"],
            "importance": [0.6, 0.4, 0.2],
            "importance_low": [0.5, 0.3, -0.1],
            "importance_high": [0.7, 0.5, 0.5],
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
    # one figure, written once (KPI card and sentence): points and the standardized interval
    assert "moves the loyalty index by about 0.43 points (standardized effect 0.40 " in summary
    assert n.driver_effect(levers.iloc[0]) in summary
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


class _Fit:
    """The two tables ``check_estimation`` reads from a ``PLSResult``."""

    def __init__(self, r2_high, se):
        self._r2 = pd.DataFrame({"construct": ["A", "B"], "ci_high": r2_high})
        self._paths = pd.DataFrame({"source": ["A", "B"], "se": se})

    def r2_table(self):
        return self._r2

    def path_table(self):
        return self._paths


class _Measurement:
    def __init__(self, alpha_ok, rho_c_ok):
        self.reliability = pd.DataFrame(
            {
                "label": ["Image", "Expectation", "Loyalty"],
                "alpha_ok": alpha_ok,
                "rho_c_ok": rho_c_ok,
            }
        )


def test_check_flags_unreliable_constructs_and_unstable_intervals():
    ok = _Measurement([True] * 3, [True] * 3)
    good = check_estimation(_Fit([0.5, 0.8], [0.03, 0.05]), ok)
    assert good.trustworthy and not good.unstable and good.unreliable == ()
    weak = _Measurement([True, False, True], [True, True, False])
    assert check_estimation(_Fit([0.5, 0.8], [0.03, 0.05]), weak).unreliable == (
        "Expectation",
        "Loyalty",
    )
    assert check_estimation(_Fit([0.5, 1.09], [0.03, 0.05]), ok).unstable  # R² bound > 1
    assert check_estimation(_Fit([0.5, 0.8], [0.03, 7.2]), ok).unstable  # huge path SE
    assert check_estimation(_Fit([0.5, np.nan], [0.03, 0.05]), ok).unstable


def test_drivers_whose_interval_spans_zero_are_not_ranked():
    levers = investment_levers(
        _ipm(["keep up the good work"] * 3, [False] * 3).assign(
            importance_low=[0.5, -1.76, 0.1], importance_high=[0.7, 5.56, 0.3]
        ),
        exclude="CUSA",
    )
    clear = clear_drivers(levers)
    assert list(clear["label"]) == ["Image"]  # Perceived quality spans zero: not named
    summary = n.executive_summary(levers, "Loyalty", "", 0.52, 0.20, clear=clear)
    assert "Where to invest:** Image" in summary and "Perceived quality" not in summary
    unstable = EstimationCheck(("Loyalty",), 1.17, 4.2, True)
    assert clear_drivers(levers, unstable).empty
    none = n.executive_summary(levers, "Loyalty", "", 0.52, 0.20, clear=levers.iloc[:0])
    assert "no driver is ranked" in none
    assert "Image" not in none and "Perceived quality" not in none


def test_caution_comes_first_and_states_the_estimation():
    ok = EstimationCheck((), 0.6, 0.05, False)
    assert n.caution_markdown(ok, "Estimation: consistent PLS, stable on these data.") == (
        "Estimation&#58; consistent PLS, stable on these data."
    )
    bad = EstimationCheck(("Expectation", "Loyalty"), 1.17, 4.22, True)
    text = n.caution_markdown(bad, "Estimation: standard PLS.")
    assert text.startswith(
        "**Read with care: the survey does not measure Expectation and Loyalty reliably**"
    )
    assert "R² upper bound of 1.17, above 1" in text and "standard error of 4.2" in text
    assert text.endswith("Estimation&#58; standard PLS.")
    assert "measure <b>" not in n.caution_markdown(EstimationCheck(("<b>x</b>",), 0, 0, False), "")


def test_unstable_consistent_pls_falls_back_to_standard_pls_on_mobi(mobi):
    """ECSI mobi (250 respondents, weak Expectation and Loyalty): PLSc intervals explode."""
    choice = fit_stable(ModelSpec.ecsi(), mobi, scheme="path", consistent=True, n_boot=100, seed=1)
    assert choice.fell_back and not choice.consistent
    assert choice.rejected.unstable and choice.rejected.max_r2_high > 1
    assert not choice.check.unstable and choice.check.max_path_se < 0.5
    assert set(choice.check.unreliable) == {"Expectation", "Loyalty"}
    assert choice.sentence.startswith("Estimation: standard PLS. Consistent PLS, the default,")
    kept = fit_stable(ModelSpec.ecsi(), mobi, scheme="path", consistent=False, n_boot=50, seed=1)
    assert not kept.fell_back and kept.sentence == "Estimation: standard PLS, stable on these data."
