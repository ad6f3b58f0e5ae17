"""campaign_uplift on the user's own campaign table (documented campaign schema).

A file or ``warehouse:DATASET`` with customer_id, arm, sent_date, visit, conversion, spend and
any covariates: the latest campaign is analysed, covariates become features, consent comes
from the table (or the warehouse's customers) and missing consent is never permission.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.uplift import consent_eligible
from crm_models.uplift.inputs import load_campaign_inputs

ROOT = Path(__file__).resolve().parents[2]


def campaign_frame(n: int = 900, seed: int = 4, sent_date: str = "2025-03-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.choice(["control", "offer_a", "offer_b"], n)
    tenure = rng.integers(1, 1000, n)
    channel = rng.choice(["web", "store"], n)
    p = 0.05 + 0.04 * (arm != "control") + 0.03 * ((arm == "offer_b") & (channel == "web"))
    conversion = (rng.random(n) < p).astype(int)
    visit = np.maximum(conversion, (rng.random(n) < 0.2).astype(int))
    return pd.DataFrame(
        {
            "customer_id": np.arange(10_001, 10_001 + n),
            "arm": arm,
            "sent_date": sent_date,
            "visit": visit,
            "conversion": conversion,
            "spend": np.round(conversion * rng.gamma(3.0, 20.0, n), 2),
            "tenure_days": tenure,
            "channel": channel,
        }
    )


def test_a_campaign_file_is_read_with_its_covariates_as_features(tmp_path):
    path = tmp_path / "campaign.csv"
    campaign_frame().to_csv(path, index=False)
    inputs = load_campaign_inputs(str(path))
    assert inputs.covariates == ("tenure_days", "channel")
    assert list(inputs.features.columns) == ["tenure_days", "channel_store", "channel_web"]
    assert inputs.features.index.tolist() == inputs.campaign["customer_id"].tolist()
    assert inputs.campaign["customer_id"].iloc[0] == 10_001  # ids as given, not re-numbered
    assert inputs.arms == ["offer_a", "offer_b"]
    # no consent data: nobody may be contacted, and the label says so
    assert not consent_eligible(inputs.base["consent_status"]).any()
    assert "no consent data" in inputs.label and inputs.world is None


def test_consent_from_the_table_and_the_latest_campaign_only(tmp_path):
    old = campaign_frame(300, seed=1, sent_date="2024-11-01")
    new = campaign_frame(600, seed=2, sent_date="2025-03-01").assign(
        consent_status=lambda t: np.where(t.index % 3 == 0, "opt_out", "opt_in")
    )
    old["consent_status"] = "opt_in"
    path = tmp_path / "campaigns.parquet"
    pd.concat([old, new]).to_parquet(path)
    inputs = load_campaign_inputs(str(path))
    assert len(inputs.campaign) == 600 and "1 earlier campaign(s) left out" in inputs.label
    assert "consent_status" not in inputs.covariates
    eligible = consent_eligible(inputs.base["consent_status"])
    assert eligible.sum() == (new["consent_status"] == "opt_in").sum()


def test_bad_campaign_tables_get_one_clear_error(tmp_path):
    path = tmp_path / "c.csv"
    campaign_frame().assign(arm="offer_a").to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="'control' arm"):
        load_campaign_inputs(str(path))
    frame = campaign_frame()
    frame.loc[[4, 9], "tenure_days"] = np.nan
    frame.to_csv(path, index=False)
    with pytest.raises(DataValidationError, match=r"'tenure_days'.*rows 5, 10"):
        load_campaign_inputs(str(path))
    with pytest.raises(ParameterError, match="warehouse:DATASET"):
        load_campaign_inputs(str(tmp_path / "missing.csv"))


def test_the_warehouse_campaign_table(tmp_path, monkeypatch):
    """warehouse:DATASET reads the dataset's campaign table and its customers' consent."""
    from crm_models.data.build import world_datasets
    from crm_models.data.synthetic import simulate_world
    from crm_models.data.warehouse import Warehouse

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "crm-models"\n')
    monkeypatch.setenv("CRM_PROJECT", str(tmp_path))
    world = simulate_world(n_customers=600, seed=3)
    Warehouse(tmp_path / "data" / "crm.duckdb").build(world_datasets(world), source="test")
    inputs = load_campaign_inputs("warehouse:world")
    campaign = world.campaign
    assert len(inputs.campaign) == (campaign["sent_date"] == campaign["sent_date"].max()).sum()
    consent = world.customers.set_index("customer_id")["consent_status"]
    expected = consent.loc[inputs.campaign["customer_id"]].to_numpy()
    assert (inputs.base["consent_status"].to_numpy() == expected).all()


def test_crm_run_on_a_campaign_file(tmp_path):
    """The real notebook on a campaign file without a segment column: it runs, says why the
    segment lift is skipped, and contacts no one (consent unknown)."""
    path = tmp_path / "campaign.csv"
    campaign_frame(1500).drop(columns=["channel"]).to_csv(path, index=False)
    out = tmp_path / "reports"
    command = [str(Path(sys.executable).parent / "crm"), "run", "campaign_uplift"]
    command += ["--set", f"data_source={path}", "--set", "n_boot=20", "--output", str(out)]
    command += ["--notebooks", str(ROOT / "notebooks"), "--force"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads((out / "campaign_uplift.json").read_text())["figures"]
    assert figures["n_eligible"] == 0 and figures["recommended_contacts"] == 0
    assert "campaign.csv" in figures["data_source"]
    assert (
        "no column channel: segment lift is not shown"
        in (out / "campaign_uplift.analyst.html").read_text()
    )
