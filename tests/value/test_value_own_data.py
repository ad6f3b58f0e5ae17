"""segment_value on the user's own data and on the CDNOW sample as people cite it.

- ``cdnow_sample``: the 2,357-customer sample shipped with lifetimes, in weeks, reproduces the
  published BG/NBD, Pareto/NBD and Gamma-Gamma tables within 0.5% (package API and a real
  ``crm run``);
- customer ids as the user has them: string ids (``C000123``) give the same BG/NBD and
  Gamma-Gamma fits as lifetimes' own summary + fit of the same data, to 1e-4;
- optional columns truly optional: a transactions file of customer_id, timestamp, amount runs
  the real notebook; the product-mix parts are skipped with one sentence;
- ``time_unit``: weeks rescale only the time-scale parameter (α / 7).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm_models.data import loaders
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


@pytest.mark.skipif(
    not hasattr(loaders, "read_mapped"),
    reason="needs the loaders' column aliases (date -> timestamp) and text ids (helper ingest)",
)
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
