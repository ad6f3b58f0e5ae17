"""The churn-retention study's inputs: the synthetic world, a user's files, bad files (one
clear line each), the cut-off, and the cohort / survival frames built from subscriptions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, ParameterError
from crm_models.retention.inputs import (
    RetentionInputs,
    complaint_episodes,
    load_retention_inputs,
    subscriber_frame,
    subscription_cohorts,
)


def _one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.fixture()
def user_files(tmp_path):
    """A 3-column transactions file (``date``, text ids) and matching customers/survey files."""
    rng = np.random.default_rng(3)
    ids = [f"C{i:03d}" for i in rng.integers(1, 60, 600)]
    days = rng.integers(0, 500, 600)
    tx = pd.DataFrame(
        {
            "customer_id": ids,
            "date": (pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "amount": rng.gamma(2.0, 20.0, 600).round(2),
        }
    )
    known = sorted(set(ids))
    customers = pd.DataFrame(
        {
            "customer_id": known,
            "channel": ["web", "store"] * (len(known) // 2) + ["web"] * (len(known) % 2),
            "consent_status": ["opt_in", "opt_out", "double_opt_in"] * (len(known) // 3)
            + ["opt_in"] * (len(known) % 3),
        }
    )
    customers["consent_date"] = "2024-01-01"  # required for an opt-out
    survey = pd.DataFrame({"customer_id": known[:20], "CUSA1": rng.integers(1, 11, 20), "CUSA2": 7})
    paths = {}
    for name, frame in (("tx", tx), ("customers", customers), ("survey", survey)):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return paths


def test_synthetic_world_has_every_table_and_the_default_cutoff():
    inputs = load_retention_inputs("synthetic", n_customers=500, seed=2)
    tx = inputs.transactions
    assert list(tx.columns) == ["customer_id", "timestamp", "amount"]
    last = tx["timestamp"].max()
    assert inputs.cutoff == (last - pd.Timedelta(days=90)).normalize()
    assert inputs.has_subscriptions and inputs.has_experiment and inputs.has_consent
    assert inputs.service is not None and inputs.survey is not None
    assert inputs.notes == ()  # nothing is missing
    assert inputs.retention_world is not None and "synthetic" in inputs.label
    consent = inputs.consent_of(inputs.customers["customer_id"])
    assert set(consent) <= {"opt_in", "double_opt_in", "opt_out", "unknown"}


def test_users_three_column_file_with_date_and_text_ids(user_files):
    inputs = load_retention_inputs(str(user_files["tx"]), inactivity_days=60)
    assert inputs.transactions["customer_id"].str.startswith("C").all()
    assert inputs.observation_end == inputs.transactions["timestamp"].max()
    assert not inputs.has_subscriptions and not inputs.has_experiment and not inputs.has_consent
    text = " ".join(inputs.notes)
    assert "no subscriptions" in text and "no retention experiment" in text
    assert "nobody may be contacted" in text
    assert set(inputs.consent_of(["C001", "C002"])) == {"unknown"}


def test_customers_and_survey_files_add_consent_and_answers(user_files):
    inputs = load_retention_inputs(
        str(user_files["tx"]),
        customers_file=str(user_files["customers"]),
        survey_file=str(user_files["survey"]),
    )
    assert inputs.has_consent and "nobody may be contacted" not in " ".join(inputs.notes)
    first = inputs.customers.iloc[:3]
    assert list(inputs.consent_of(first["customer_id"])) == list(first["consent_status"])
    assert list(inputs.consent_of(["nobody"])) == ["unknown"]  # not in the customers file
    assert len(inputs.survey) == 20


def test_customers_file_without_consent_says_nobody_is_contactable(user_files, tmp_path):
    path = tmp_path / "no_consent.csv"
    pd.read_csv(user_files["customers"]).drop(columns="consent_status").to_csv(path, index=False)
    inputs = load_retention_inputs(str(user_files["tx"]), customers_file=str(path))
    assert not inputs.has_consent
    assert "nobody may be contacted" in " ".join(inputs.notes)


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        ("customer_id,date,amount\nC1,2024-01-05,ten\n", DataValidationError, ["amount", "row"]),
        ("customer_id,date,amount\nC1,05/01/2024x,10\n", DataValidationError, ["timestamp"]),
        ("client,amount\nC1,10\n", DataValidationError, ["bad.csv"]),
    ],
)
def test_bad_transactions_file_is_one_clear_line(tmp_path, content, error, words):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(error) as caught:
        load_retention_inputs(str(path))
    message = _one_line(caught)
    assert "bad.csv" in message and all(w in message for w in words), message


def test_missing_file_and_unmatched_ids_are_one_clear_line(user_files, tmp_path):
    with pytest.raises(ParameterError) as caught:
        load_retention_inputs(str(tmp_path / "nope.csv"))
    assert "data_source" in _one_line(caught)
    other = tmp_path / "other_customers.csv"
    pd.DataFrame({"customer_id": ["X1", "X2"], "consent_status": "opt_in"}).to_csv(
        other, index=False
    )
    with pytest.raises(ParameterError) as caught:
        load_retention_inputs(str(user_files["tx"]), customers_file=str(other))
    message = _one_line(caught)
    assert "customers_file" in message and "'X1'" in message and "same customer ids" in message
    bad_survey = tmp_path / "bad_survey.csv"
    bad_survey.write_text("customer_id,CUSA1\nC001,11\n")
    with pytest.raises(DataValidationError) as caught:
        load_retention_inputs(str(user_files["tx"]), survey_file=str(bad_survey))
    assert "CUSA1" in _one_line(caught)


def test_cutoff_is_checked_against_the_data(user_files):
    source = str(user_files["tx"])
    last = load_retention_inputs(source).transactions["timestamp"].max()
    given = load_retention_inputs(source, cutoff="2024-09-01", inactivity_days=30)
    assert given.cutoff == pd.Timestamp("2024-09-01")
    late = f"{last - pd.Timedelta(days=10):%Y-%m-%d}"
    with pytest.raises(ParameterError) as caught:
        load_retention_inputs(source, cutoff=late, inactivity_days=30)
    assert "on or before" in _one_line(caught)
    with pytest.raises(ParameterError) as caught:
        load_retention_inputs(source, cutoff="next week")
    assert "YYYY-MM-DD" in _one_line(caught)
    with pytest.raises(ParameterError) as caught:
        load_retention_inputs(source, inactivity_days=300)  # 2 x 300 days > 500 days of data
    assert "600 days of transactions" in _one_line(caught)


def _subscriptions() -> RetentionInputs:
    """Three January subscribers (ends after 1 and 3 renewals, one active), one in March."""
    subs = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "plan": "basic",
            "start_date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-05", "2024-03-03"]),
            "end_date": pd.to_datetime(["2024-02-15", "2024-04-20", None, "2024-05-04"]),
            "monthly_fee": 10.0,
        }
    )
    service = pd.DataFrame(
        {
            "customer_id": [2, 2, 3, 1],
            "contact_date": pd.to_datetime(
                ["2024-02-01", "2024-03-01", "2024-03-05", "2024-03-01"]
            ),
            "kind": ["complaint", "complaint", "question", "complaint"],  # 1's is after its end
        }
    )
    end = pd.Timestamp("2024-07-01")
    tx = pd.DataFrame({"customer_id": [1], "timestamp": [end], "amount": [1.0]})
    return RetentionInputs(tx, end, 90, end, "test", subscriptions=subs, service=service)


def test_subscription_cohorts_count_survivors_per_renewal():
    inputs = _subscriptions()
    cohorts = subscription_cohorts(inputs.subscriptions, inputs.observation_end)
    january = cohorts[cohorts["cohort"] == "2024-01"].set_index("period")["n_active"]
    # the latest January start (10th) is observed 5 whole months: periods 0..5
    assert list(january) == [3, 3, 2, 2, 1, 1]
    march = cohorts[cohorts["cohort"] == "2024-03"].set_index("period")["n_active"]
    assert list(march) == [1, 1, 1, 0]  # ended on 2024-05-04 after two renewals


def test_subscriber_frame_and_complaint_episodes():
    inputs = _subscriptions()
    frame = subscriber_frame(inputs).set_index("customer_id")
    assert list(frame["churned"]) == [1, 1, 0, 1]
    assert (
        frame.loc[3, "duration"] == (pd.Timestamp("2024-07-01") - pd.Timestamp("2024-01-05")).days
    )
    assert list(frame["complaints"]) == [0, 2, 0, 0]  # a question is not a complaint
    episodes = complaint_episodes(inputs)
    two = episodes[episodes["customer_id"] == 2]
    assert list(two["complaints"]) == [0, 1, 2] and list(two["churned"]) == [0, 0, 1]
    assert two["start"].iloc[0] == 0 and two["stop"].iloc[-1] == frame.loc[2, "duration"]
    lengths = (episodes["stop"] - episodes["start"]).groupby(episodes["customer_id"]).sum()
    assert (lengths == frame["duration"]).all()
    assert episodes.groupby("customer_id")["churned"].sum().equals(frame["churned"])
