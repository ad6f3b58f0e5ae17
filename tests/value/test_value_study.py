"""The segment-value study outside the notebook: inputs, model names, narrative text, and one
headline figure of the report recomputed with the package API on the same simulated world."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_models.cli import main
from crm_models.data.summary import rfm_summary
from crm_models.errors import ParameterError
from crm_models.value import (
    BGNBD,
    MBGNBD,
    GammaGamma,
    HoldoutResult,
    customer_equity,
    load_inputs,
    monthly_rate,
    transaction_model,
    transaction_models,
)
from crm_models.value.inputs import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, split_names
from crm_models.value.narrative import (
    executive_summary,
    forecast_caveat,
    forecast_verdict,
    independence_sentence,
)
from crm_models.value.valuation import CustomerEquity, WinbackTotals

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_model_names_and_label_parsing():
    assert split_names(" bgnbd, ,mbgnbd ") == ["bgnbd", "mbgnbd"]
    assert transaction_models("bgnbd", "bgnbd,mbgnbd") == ["bgnbd", "mbgnbd"]
    assert transaction_models("mbgnbd", "bgnbd") == ["mbgnbd", "bgnbd"]
    assert transaction_models("paretonbd", "") == ["paretonbd"]
    with pytest.raises(ParameterError, match="among"):
        transaction_models("bgnbd", "bgnbd,lifetimes")
    assert isinstance(transaction_model("bgnbd"), BGNBD)
    assert isinstance(transaction_model("mbgnbd"), MBGNBD)
    with pytest.raises(ParameterError, match="model must be one of"):
        transaction_model("bg")


def test_load_inputs_file_and_cdnow(tmp_path):
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3],
            "amount": [10.0, 5.0, 7.0, 3.0],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10", "2024-06-30"]),
        }
    )
    path = tmp_path / "tx.csv"
    tx.to_csv(path, index=False)
    default = load_inputs(str(path))
    assert default.observation_end == pd.Timestamp("2024-06-30")
    assert default.calibration_end == pd.Timestamp("2024-06-30") - pd.Timedelta(weeks=26)
    assert (
        default.label == f"file {path}" and default.world is None and len(default.transactions) == 4
    )
    cut = load_inputs(str(path), observation_end="2024-03-01", calibration_end="2024-02-01")
    assert cut.observation_end == pd.Timestamp("2024-03-01")
    assert cut.calibration_end == pd.Timestamp("2024-02-01")
    assert cut.transactions["timestamp"].max() <= cut.observation_end and len(cut.transactions) == 3
    cdnow = load_inputs("cdnow")
    assert (cdnow.observation_end, cdnow.calibration_end) == (
        CDNOW_OBSERVATION_END,
        CDNOW_CALIBRATION_END,
    )
    assert cdnow.transactions["customer_id"].nunique() == 23_570


def test_narrative_sentences():
    assert forecast_verdict(0.05) == "The forecast is validated" and forecast_caveat(-0.05) == "."
    assert forecast_verdict(-0.1) == "The forecast under-predicts"
    assert forecast_verdict(0.1) == "The forecast over-predicts"
    assert "conservative" in forecast_caveat(-0.1) and "optimistic" in forecast_caveat(0.1)
    equity = CustomerEquity(12_345.0, 11_000.0, 13_000.0, 0.95, 100, 3, np.array([1.0, 2.0, 3.0]))
    holdout = HoldoutResult(100, 200.0, 180.0, -0.1, 0.5, 0.7, 0.6)
    abc = pd.DataFrame({"customers": [20], "customer_share": [0.2]}, index=["A"])
    text = executive_summary(
        equity,
        0.7,
        abc,
        holdout,
        pd.Timestamp("2025-06-30"),
        12,
        winback=WinbackTotals(40, 10, 123.4),
        reactivation_rate=0.15,
        cost_per_contact=3.0,
    )
    lines = text.split("\n")
    assert len(lines) == 3
    assert lines[0] == (
        "- **Value is concentrated:** the top 20% of customers hold 70% of the 12-month "
        "customer equity of $12.3k [$11.0k – $13.0k] (95% interval); 20 A customers "
        "(20%) make 80% of it."
    )
    assert lines[1].startswith(
        "- **The forecast under-predicts:** fitted on data up to 2025-06-30, "
        "the model predicted 180 purchases in the holdout period against 200 "
        "actual (-10.0%); read customer equity as conservative"
    )
    assert lines[2] == (
        "- **Win-back:** 40 customers are probably lapsed (chance still active below 30%); at "
        "a 15% reactivation rate and $3.00 per contact, contacting the 10 with positive "
        "expected gain is worth about $123."
    )
    # the interval (±8.1%) is narrower than the holdout miss (-10%): the page says so
    assert "The interval (±8.1%) covers the uncertainty of the model's parameters only" in text
    assert "missed the holdout purchases by -10.0%" in lines[1]


def test_independence_sentence():
    from crm_models.value import IndependenceResult

    ok = IndependenceResult(0.1, 0.01, 0.12, 0.02, 500, True)
    assert independence_sentence(ok) == (
        "Frequency–spend correlation among repeat buyers: Pearson "
        "0.100, Spearman 0.120 → independence is plausible."
    )
    assert independence_sentence(IndependenceResult(0.5, 0.0, 0.4, 0.0, 500, False)).endswith(
        "check the Gamma-Gamma assumption."
    )
    table = ok.summary(0.9)
    assert (
        list(table.index) == ["pearson", "spearman"] and table["ci_low"].lt(table["estimate"]).all()
    )


def test_report_headline_recomputed_with_the_package(tmp_path):
    """Run the notebook small (real pipeline), then recompute the BG/NBD and Gamma-Gamma
    parameters and customer equity on the same simulated world with the package API."""
    out = tmp_path / "reports"
    code = main(
        [
            "run",
            "segment_value",
            "--force",
            "--notebooks",
            str(NOTEBOOKS),
            "--output",
            str(out),
            "--set",
            "n_customers=2000",
            "--set",
            "n_draws=30",
            "--set",
            "compare_models=bgnbd",
        ]
    )
    assert code == 0
    figures = json.loads((out / "segment_value.json").read_text())["figures"]

    inputs = load_inputs("synthetic", n_customers=2000, seed=1)
    data = rfm_summary(inputs.transactions, observation_end=inputs.observation_end, time_unit="D")
    bg = BGNBD().fit(data)
    gg = GammaGamma(nonpositive="drop").fit(data)
    ce = customer_equity(
        bg,
        gg,
        data,
        horizon_months=12,
        monthly_discount_rate=monthly_rate(0.10),
        time_unit="D",
        margin_rate=0.30,
        n_draws=30,
        seed=1,
    )

    def close(a, b):
        return a == pytest.approx(b, rel=1e-9, abs=0)

    assert all(close(figures["parameters"]["bgnbd"][k], v) for k, v in bg.params_.items())
    assert all(close(figures["parameters"]["gamma_gamma"][k], v) for k, v in gg.params_.items())
    published = figures["customer_equity"]
    assert close(published["estimate"], ce.estimate)
    assert close(published["ci_low"], ce.ci_low) and close(published["ci_high"], ce.ci_high)
    assert published["n_draws"] == 30 and published["n_customers"] == 2000
    assert figures["margin_rate"] == 0.30
