"""The campaign target list on an engine equals plan_targeting (DuckDB here, Spark when marked).

A 20k-customer synthetic world with two offers, a T-learner, and consent statuses including
opt-outs, 'unknown' and missing. The reference is ``plan_targeting`` on the same customers in
customer_id order (its ties then fall by customer_id, as the engine's cut does).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, NotFittedError, ParameterError
from crm_models.uplift import (
    TLearner,
    base_estimator,
    load_campaign_inputs,
    make_learner,
    plan_targeting,
)
from crm_models.uplift.engine_targets import campaign_targets
from crm_models.uplift.export import TARGET_COLUMNS

# Spark's Python workers cannot import this test module: ship its classes by value.
try:
    import pyspark.cloudpickle as _cloudpickle

    _cloudpickle.register_pickle_by_value(sys.modules[__name__])
except ImportError:  # pragma: no cover  (DuckDB tests run without pyspark)
    pass

N_CUSTOMERS = 20_000
MARGIN = 10.0
COST = {"offer_a": 0.25, "offer_b": 0.5}
SENTINEL = 12_345.678  # a tenure_days value that makes _FailOn raise
SRC = str(Path(__file__).parents[2] / "src")
# contact rules tried on every engine: none, a contact limit, a budget, both, double opt-in
RULES = [
    {},
    {"max_contacts": 1234},
    {"budget": 300.0},
    {"max_contacts": 500, "budget": 1000.0, "min_profit": 0.05},
    {"require_double_opt_in": True, "max_contacts": 2000},
]


class _FailOn:
    """A fitted learner that raises on a batch holding a customer with tenure_days SENTINEL."""

    def __init__(self, learner) -> None:
        self.learner = learner
        self.arms_ = learner.arms_
        self.feature_names_in_ = learner.feature_names_in_

    def predict_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        if (X["tenure_days"] == SENTINEL).any():
            raise RuntimeError("planted failure mid-way")
        return self.learner.predict_frame(X)


@pytest.fixture(scope="module")
def data():
    inputs = load_campaign_inputs("synthetic", N_CUSTOMERS, seed=3)
    camp = inputs.campaign
    learner = make_learner("T", base_estimator("logistic")).fit(
        inputs.features.loc[camp["customer_id"]],
        camp["conversion"].to_numpy(),
        camp["arm"].to_numpy(),
    )
    consent = inputs.base.set_index("customer_id")["consent_status"].astype(object)
    consent.iloc[::97] = "unknown"
    consent.iloc[5::101] = None
    customers = inputs.features.join(consent).reset_index()
    named = customers.assign(customer_id="C" + customers["customer_id"].astype(str))
    return learner, {"int": customers, "str": named}


def reference(customers: pd.DataFrame, learner, **rules) -> pd.DataFrame:
    """plan_targeting's target list for the customers in customer_id order."""
    ordered = customers.sort_values("customer_id", kind="stable")
    uplift = learner.predict_frame(ordered[list(learner.feature_names_in_)])
    plan = plan_targeting(
        ordered["customer_id"].to_numpy(),
        uplift,
        MARGIN,
        COST,
        ordered["consent_status"].to_numpy(),
        **rules,
    )
    return plan.targets


def assert_same_list(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == TARGET_COLUMNS
    assert len(got) == len(expected)
    assert got["customer_id"].tolist() == expected["customer_id"].tolist()
    assert got["arm"].tolist() == [str(a) for a in expected["arm"]]
    for col in ("expected_uplift", "expected_profit"):
        np.testing.assert_allclose(got[col], expected[col], rtol=1e-9, atol=0, err_msg=col)


def _targets(customers, learner, **kwargs):
    return campaign_targets(
        customers, learner, margin_per_outcome=MARGIN, cost_per_contact=COST, **kwargs
    )


@pytest.mark.parametrize("ids", ["int", "str"])
@pytest.mark.parametrize("rules", RULES, ids=lambda r: ",".join(r) or "no limit")
def test_duckdb_list_equals_plan_targeting(data, ids, rules):
    learner, tables = data
    customers = tables[ids].sample(frac=1.0, random_state=1)  # row order must not matter
    expected = reference(tables[ids], learner, **rules)
    assert len(expected) > 100
    got = _targets(customers, learner, **rules)
    assert_same_list(got, expected)
    if "max_contacts" in rules and "budget" not in rules:
        assert len(got) == rules["max_contacts"]  # honoured exactly
    if "budget" in rules:
        assert got["arm"].map(COST).sum() <= rules["budget"]


def test_ties_at_the_cut_fall_by_customer_id(data):
    """Many customers share 40 feature rows: the cut splits a block of equal profits."""
    learner, tables = data
    customers = tables["str"].copy()
    features = list(learner.feature_names_in_)
    customers[features] = customers[features].iloc[np.arange(len(customers)) % 40].to_numpy()
    expected = reference(customers, learner, max_contacts=777)
    profit = expected["expected_profit"].to_numpy()
    assert profit[-1] == profit[-2]  # the cut falls inside a tie
    got = _targets(customers.sample(frac=1.0, random_state=2), learner, max_contacts=777)
    assert_same_list(got, expected)


def test_parquet_folder_out_and_in_without_opt_outs(data, tmp_path):
    learner, tables = data
    customers = tables["int"]
    opted_out = set(customers.loc[customers["consent_status"].eq("opt_out"), "customer_id"])
    assert len(opted_out) > 1000
    source = tmp_path / "customers"
    customers.assign(part=customers["customer_id"] % 3).to_parquet(
        source, partition_cols=["part"], index=False
    )
    out = tmp_path / "targets"
    assert _targets(str(source), learner, max_contacts=3000, out=out) == out
    written = pd.read_parquet(out)
    assert list(written.columns) == TARGET_COLUMNS
    assert not opted_out & set(written["customer_id"])
    consent = customers.set_index("customer_id")["consent_status"]
    assert written["customer_id"].map(consent).isin(["opt_in", "double_opt_in"]).all()
    written = written.sort_values(
        ["expected_profit", "customer_id"], ascending=[False, True]
    ).reset_index(drop=True)
    assert_same_list(written, reference(customers, learner, max_contacts=3000))


def test_an_index_of_customer_ids_is_accepted(data):
    learner, tables = data
    customers = tables["int"].iloc[:3000]
    got = _targets(customers.set_index("customer_id"), learner, max_contacts=100)
    assert_same_list(got, reference(customers, learner, max_contacts=100))


def _one_line(error: pytest.ExceptionInfo) -> str:
    text = str(error.value)
    assert "\n" not in text and text.startswith("campaign_targets: "), text
    return text


def test_bad_tables_and_parameters_get_one_clear_line(data):
    learner, tables = data
    customers = tables["int"].iloc[:2000]
    text = learner.feature_names_in_[-1]
    bad = {
        "lacks the learner's feature column(s) ['tenure_days']": customers.drop(
            columns="tenure_days"
        ),
        "lacks column(s) ['consent_status']": customers.drop(columns="consent_status"),
        "consent_status' holds ['yes']": customers.assign(
            consent_status=customers["consent_status"].where(customers.index != 7, "yes")
        ),
        "'customer_id' must hold one non-missing id": pd.concat([customers, customers.iloc[[3]]]),
        "feature column 'frequency' has missing or non-finite values": customers.assign(
            frequency=customers["frequency"].where(customers.index != 11, np.nan)
        ),
        f"feature column {text!r} is VARCHAR": customers.assign(**{text: "yes"}),
    }
    for message, table in bad.items():
        with pytest.raises(DataValidationError, match=re.escape(message)) as error:
            _targets(table, learner)
        _one_line(error)
    with pytest.raises(NotFittedError):
        _targets(customers, TLearner(base_estimator("logistic")))
    plain = make_learner("T", base_estimator("logistic")).fit(
        np.random.default_rng(0).normal(size=(200, 2)),
        np.tile([0, 1], 100),
        np.repeat(["control", "offer_a"], 100),
    )
    with pytest.raises(ParameterError, match="fitted without column names"):
        _targets(customers, plain)
    with pytest.raises(ParameterError, match="max_contacts must be a non-negative integer"):
        _targets(customers, learner, max_contacts=-1)
    with pytest.raises(ParameterError, match="engine must be"):
        _targets(customers, learner, engine=object())
    with pytest.raises(ParameterError, match="engine must be one of"):
        _targets(customers, learner, engine="polars")


def test_an_existing_out_folder_survives_an_error_mid_way(data, tmp_path):
    learner, tables = data
    customers = tables["int"].copy()
    out = tmp_path / "targets"
    _targets(customers, learner, out=out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    customers.loc[customers.index[-5], "tenure_days"] = SENTINEL
    for rules in ({}, {"max_contacts": 10}):
        with pytest.raises(RuntimeError, match="planted failure mid-way"):
            _targets(customers, _FailOn(learner), out=out, **rules)
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["targets"]


KILLED = """
import sys, time
from pathlib import Path
import pandas as pd
from crm_models.uplift.engine_targets import campaign_targets

class Slow:
    def __init__(self, learner, marker):
        self.learner, self.marker = learner, marker
        self.arms_, self.feature_names_in_ = learner.arms_, learner.feature_names_in_
    def predict_frame(self, X):
        Path(self.marker).write_text("scoring")
        time.sleep(120)
        return self.learner.predict_frame(X)

learner = pd.read_pickle(sys.argv[1])
customers = pd.read_parquet(sys.argv[2])
campaign_targets(customers, Slow(learner, sys.argv[4]), margin_per_outcome=10.0,
                 cost_per_contact=0.25, out=sys.argv[3])
"""


def test_an_existing_out_folder_survives_a_killed_process(data, tmp_path):
    learner, tables = data
    customers = tables["str"].iloc[:2000]
    out = tmp_path / "targets"
    _targets(customers, learner, out=out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    pd.to_pickle(learner, tmp_path / "learner.pkl")
    customers.to_parquet(tmp_path / "customers.parquet", index=False)
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    args = [tmp_path / "learner.pkl", tmp_path / "customers.parquet", out, marker]
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED, *map(str, args)], env=env, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the child never started scoring"
            time.sleep(0.1)
        assert any(p.name.startswith(".targets.tmp-") for p in tmp_path.iterdir())
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# -- Spark (local mode, one session for the module) -----------------------------------------


@pytest.fixture(scope="module")
def spark():
    from crm_models.engines import get_engine

    with get_engine("spark") as engine:
        yield engine


@pytest.mark.spark
@pytest.mark.parametrize(
    ("ids", "rules"), [("int", RULES[1]), ("str", RULES[3])], ids=["int-limit", "str-limits"]
)
def test_spark_list_equals_duckdb_and_plan_targeting(spark, data, ids, rules):
    learner, tables = data
    customers = tables[ids]
    expected = reference(customers, learner, **rules)
    on_spark = _targets(customers, learner, engine=spark, **rules)
    assert_same_list(on_spark, expected)
    assert_same_list(on_spark, _targets(customers, learner, **rules))


@pytest.mark.spark
def test_spark_writes_a_parquet_folder_atomically(spark, data, tmp_path):
    learner, tables = data
    customers = tables["str"]
    frame = spark.spark.createDataFrame(customers)  # type: ignore[attr-defined]
    out = tmp_path / "targets"
    _targets(frame, learner, engine=spark, out=out)
    written = pd.read_parquet(out)
    expected = reference(customers, learner)
    assert set(written["customer_id"]) == set(expected["customer_id"])
    assert (
        not written["customer_id"]
        .isin(customers.loc[customers["consent_status"].eq("opt_out"), "customer_id"])
        .any()
    )
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = customers.copy()
    broken.loc[broken.index[-3], "tenure_days"] = SENTINEL
    with pytest.raises(Exception, match="planted failure mid-way"):
        _targets(broken, _FailOn(learner), engine=spark, out=out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == files
    assert [p.name for p in tmp_path.iterdir()] == ["targets"]
    nan = customers.assign(frequency=customers["frequency"].where(customers.index != 9))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second copy of the message as a warning
        with pytest.raises(DataValidationError, match="'frequency' has missing") as error:
            _targets(nan, learner, engine=spark)
    _one_line(error)
