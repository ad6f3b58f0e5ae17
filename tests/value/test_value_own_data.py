"""segment_value on the user's own data and on the CDNOW sample as people cite it.

- ``cdnow_sample``: the 2,357-customer sample shipped with lifetimes, in weeks, reproduces the
  published BG/NBD, Pareto/NBD and Gamma-Gamma tables within 0.5% (package API and a real
  ``crm run``);
- customer ids as the user has them: string ids (``C000123``) give the same BG/NBD and
  Gamma-Gamma fits as lifetimes' own summary + fit of the same data, to 1e-4;
- optional columns truly optional: a transactions file of customer_id, timestamp, amount runs
  the real notebook; the product-mix parts are skipped with one sentence;
- ``time_unit``: weeks rescale only the time-scale parameter (α / 7);
- data quality: planted exact duplicates and five 1e6 whales show in the analyst page's
  profile, the management page says what capping would do to customer equity, and
  ``cap_amounts=true`` lowers the equity.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from crm_models.data.public import CDNOW_SAMPLE_PUBLISHED, load_cdnow_summary
from crm_models.errors import ParameterError
from crm_models.value import BGNBD, GammaGamma, ParetoNBD
from crm_models.value.inputs import load_inputs, published_models
from crm_models.value.units import customer_summary

sys.path.insert(0, str(Path(__file__).parent))
from _btyd_sim import lifetimes_fit, simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RTOL_PUBLISHED = 0.005
RTOL_LIFETIMES = 1e-4


def crm_run(out: Path, **params) -> dict:
    """Run segment_value with ``params`` in a real ``crm`` process; return its JSON figures."""
    sets = [arg for k, v in params.items() for arg in ("--set", f"{k}={v}")]
    command = [str(Path(sys.executable).parent / "crm"), "run", "segment_value", *sets]
    command += ["--notebooks", str(ROOT / "notebooks"), "--output", str(out), "--force"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((out / "segment_value.json").read_text())["figures"]


def check_published(parameters: dict) -> None:
    for model, values in CDNOW_SAMPLE_PUBLISHED.items():
        for name, value in values.items():
            fitted = parameters[model][name]
            assert fitted == pytest.approx(value, rel=RTOL_PUBLISHED), (model, name, fitted)


# -- cdnow_sample -------------------------------------------------------------------------------


def test_cdnow_sample_summary_is_the_published_one():
    inputs = load_inputs("cdnow_sample")
    assert inputs.time_unit == "W" and len(inputs.transactions["customer_id"].unique()) == 2357
    ours = customer_summary(inputs.transactions, inputs.observation_end, inputs.time_unit)
    published = load_cdnow_summary(with_monetary=True)
    for column in ("frequency", "recency", "T", "monetary_value"):
        # the published file rounds to two decimals
        assert (ours[column] - published[column]).abs().max() <= 0.005 + 1e-9, column


def test_cdnow_sample_reproduces_the_published_fits_via_the_package():
    inputs = load_inputs("cdnow_sample")
    summary = customer_summary(inputs.transactions, inputs.observation_end, inputs.time_unit)
    fitted = {
        "bgnbd": BGNBD().fit(summary).params_.to_dict(),
        "paretonbd": ParetoNBD().fit(summary).params_.to_dict(),
        "gamma_gamma": GammaGamma(nonpositive="drop").fit(summary).params_.to_dict(),
    }
    check_published(fitted)
    assert inputs.published == CDNOW_SAMPLE_PUBLISHED
    assert published_models(["bgnbd", "mbgnbd"], inputs.published) == [
        "bgnbd",
        "mbgnbd",
        "paretonbd",
    ]


def test_cdnow_sample_in_days_or_another_window_claims_no_published_values():
    assert load_inputs("cdnow_sample", time_unit="D").published is None
    assert load_inputs("cdnow_sample", observation_end="1998-06-30").published is None


def test_cdnow_sample_holdout_is_the_published_weeks_40_to_78():
    inputs = load_inputs("cdnow_sample")
    assert inputs.calibration_end == inputs.observation_end == pd.Timestamp("1997-09-30")
    assert inputs.holdout_end == pd.Timestamp("1998-06-30")
    transactions = inputs.holdout_transactions(inputs.transactions)
    end = inputs.holdout_period_end
    assert end == inputs.holdout_end and transactions["timestamp"].max() == end
    assert len(transactions) == len(inputs.transactions) + len(inputs.later)
    cal = customer_summary(transactions, end, "W", calibration_end=inputs.calibration_end)
    assert (cal["duration_holdout"] == 39).all()  # weeks 40-78
    fit_window = customer_summary(inputs.transactions, inputs.observation_end, "W")
    assert (cal["frequency_cal"] == fit_window["frequency"]).all()
    other = load_inputs("cdnow_sample", calibration_end="1997-06-30")
    assert other.holdout_end is None
    assert other.holdout_period_end == other.observation_end
    assert other.holdout_transactions(other.transactions) is other.transactions


def test_weeks_rescale_only_the_time_scale_parameter():
    inputs = load_inputs("cdnow_sample", time_unit="D")
    end = inputs.observation_end
    days = BGNBD().fit(customer_summary(inputs.transactions, end, "D")).params_
    weeks = BGNBD().fit(customer_summary(inputs.transactions, end, "W")).params_
    assert weeks["alpha"] == pytest.approx(days["alpha"] / 7, rel=1e-4)
    for name in ("r", "a", "b"):
        assert weeks[name] == pytest.approx(days[name], rel=1e-4)


def test_time_unit_is_checked():
    with pytest.raises(ParameterError, match="time_unit"):
        load_inputs("cdnow_sample", time_unit="M")


def test_crm_run_cdnow_sample_reports_the_published_tables(tmp_path):
    figures = crm_run(tmp_path / "reports", data_source="cdnow_sample")
    assert figures["time_unit"] == "W" and figures["published_parameters"] is not None
    check_published(figures["parameters"])
    assert figures["loglik"]["bgnbd"] == pytest.approx(-9582.4, abs=0.1)
    analyst = (tmp_path / "reports" / "segment_value.analyst.html").read_text()
    assert "Published parameters reproduced" in analyst
    assert figures["calibration_end"].startswith("1997-09-30")
    assert figures["holdout"]["n_customers"] == 2357
    assert figures["holdout"]["actual_total"] == 1882  # purchase days in weeks 40-78


# -- the user's own transactions ------------------------------------------------------------------


@pytest.fixture(scope="module")
def string_id_transactions():
    transactions = simulate()
    return transactions, lifetimes_fit(transactions, transactions["timestamp"].max())


def _check_lifetimes(parameters: dict, reference: dict) -> None:
    for model in ("bgnbd", "gamma_gamma"):
        for name, value in reference[model].items():
            assert parameters[model][name] == pytest.approx(value, rel=RTOL_LIFETIMES), (
                model,
                name,
            )


def test_string_ids_fit_as_lifetimes_does_via_the_package(string_id_transactions):
    transactions, reference = string_id_transactions
    end = transactions["timestamp"].max()
    summary = customer_summary(transactions, end, "D")
    assert summary.index.tolist() == sorted(transactions["customer_id"].unique())  # kept as given
    assert summary.index[0] == "C000001"
    parameters = {
        "bgnbd": BGNBD().fit(summary).params_.to_dict(),
        "gamma_gamma": GammaGamma(nonpositive="drop").fit(summary).params_.to_dict(),
    }
    _check_lifetimes(parameters, reference)


def test_crm_run_on_a_customer_date_amount_csv_with_string_ids(tmp_path, string_id_transactions):
    """The shape most shops export, with no flags: fits equal lifetimes' fit to 1e-4."""
    transactions, reference = string_id_transactions
    path = tmp_path / "orders.csv"
    transactions.rename(columns={"timestamp": "date"}).assign(
        date=lambda t: t["date"].dt.strftime("%Y-%m-%d")
    ).to_csv(path, index=False)
    figures = crm_run(tmp_path / "reports", data_source=path, n_draws=20)
    _check_lifetimes(figures["parameters"], reference)
    assert figures["value_needs_cells"] is None


def test_crm_run_on_three_columns_skips_the_product_mix_with_a_sentence(tmp_path):
    """customer_id, timestamp, amount only (int ids): the report runs; needs are skipped."""
    transactions = simulate(n=800, seed=3)
    transactions["customer_id"] = transactions["customer_id"].str[1:].astype(int)
    path = tmp_path / "tx.csv"
    transactions.to_csv(path, index=False)
    figures = crm_run(tmp_path / "reports", data_source=path, n_draws=20)
    assert figures["value_needs_cells"] is None and figures["value_fit_cells"] is None
    assert figures["customer_equity"]["n_customers"] == transactions["customer_id"].nunique()
    page = (tmp_path / "reports" / "segment_value.html").read_text()
    assert "no product column" in page
    assert figures["source"] == f"file {path}"


# -- data quality on the pages --------------------------------------------------------------------


def _messy_csv(path: Path) -> Path:
    """customer_id,date,amount with string ids, 30 exact duplicate rows and five 1e6 whales."""
    transactions = simulate(n=800, seed=3)
    duplicates = transactions.sample(30, random_state=1)
    counts = transactions["customer_id"].value_counts()
    repeat = counts[counts >= 3].index[:5]  # whales: repeat buyers with one purchase of 1e6
    last = transactions.groupby("customer_id")["timestamp"].max()
    end = transactions["timestamp"].max()
    whales = pd.DataFrame(
        {
            "customer_id": repeat,
            "timestamp": (last[repeat] + pd.Timedelta(days=1)).clip(upper=end).to_numpy(),
            "amount": 1e6,
        }
    )
    messy = pd.concat([transactions, duplicates, whales], ignore_index=True)
    messy = messy.rename(columns={"timestamp": "date"})
    messy["date"] = messy["date"].dt.strftime("%Y-%m-%d")
    messy.to_csv(path, index=False)
    return path


def _text(page: Path) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.read_text())))


def test_crm_run_shows_the_profile_and_what_capping_does_to_equity(tmp_path):
    path = _messy_csv(tmp_path / "orders.csv")
    plain = crm_run(tmp_path / "plain", data_source=path, n_draws=20)
    quality = plain["data_quality"]
    assert quality["profile"]["duplicate_rows"] == 30
    assert quality["profile"]["whale_customers"] == 5 and quality["applied"] == []
    analyst = _text(tmp_path / "plain" / "segment_value.analyst.html")
    assert "Data quality of the transactions" in analyst
    assert re.search(r"exact duplicate rows 30 29 ", analyst), "duplicate row count"
    assert re.search(r"one-purchase whales 5 5 ", analyst), "whale count"
    management = _text(tmp_path / "plain" / "segment_value.html")
    cap = {e["correction"]: e for e in quality["effects"]}["cap_amounts"]
    assert cap["change"] < -0.01 and cap["without"] == pytest.approx(
        plain["customer_equity"]["estimate"]
    )
    sentence = f"Capping the 5 extreme amounts at {quality['profile']['extreme_threshold']:,.2f}"
    assert sentence in management
    assert f"would change customer equity by {cap['change']:+.1%}" in management
    assert "Corrections applied: none" in management

    capped = crm_run(tmp_path / "capped", data_source=path, n_draws=20, cap_amounts="true")
    assert capped["data_quality"]["applied"] == ["cap_amounts"]
    equity = capped["customer_equity"]["estimate"]
    assert equity < plain["customer_equity"]["estimate"] * 0.9
    assert equity == pytest.approx(cap["with"], rel=1e-9)  # the sentence's figure is the report's
    management = _text(tmp_path / "capped" / "segment_value.html")
    assert "Corrections applied: extreme amounts capped (5 rows at" in management
    assert "(cap_amounts=true) changed customer equity by" in management
