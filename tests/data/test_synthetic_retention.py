"""The retention side of the synthetic world: tables, consistency and recovery of its truth."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxTimeVaryingFitter

from crm_models.data import RetentionWorld, simulate_retention_world
from crm_models.data.synthetic import simulate_world
from crm_models.data.synthetic_retention import RetentionParams
from crm_models.errors import ParameterError

COLUMNS = {
    "subscriptions": {
        "customer_id": "int64",
        "plan": "category",
        "start_date": "datetime64[ns]",
        "end_date": "datetime64[ns]",
        "monthly_fee": "float64",
    },
    "service_contacts": {
        "customer_id": "int64",
        "contact_date": "datetime64[ns]",
        "kind": "category",
    },
    "retention_campaign": {
        "customer_id": "int64",
        "arm": "category",
        "sent_date": "datetime64[ns]",
        "retained": "int64",
    },
}


def tables(rw: RetentionWorld) -> dict[str, pd.DataFrame]:
    return {name: getattr(rw, name) for name in COLUMNS}


@pytest.fixture(scope="module")
def world():
    return simulate_world(10_000, seed=3)


@pytest.fixture(scope="module")
def retention(world) -> RetentionWorld:
    return simulate_retention_world(world)


@pytest.fixture(scope="module")
def big():
    """A larger world for the experiment: enough would-be leavers to measure the effect."""
    world = simulate_world(40_000, seed=5)
    return world, simulate_retention_world(world)


def long_frame(rw: RetentionWorld, world) -> pd.DataFrame:
    """Subscriber episodes split at each complaint, as the analyst builds them from the tables.

    The offer arm is censored at the sent date (randomized, so the censoring is independent):
    after it their hazard is changed by the offer, which the Cox model does not include.
    """
    subs = rw.subscriptions.merge(
        world.customers[["customer_id", "channel", "consent_status"]], on="customer_id"
    ).merge(rw.truth.subscribers[["customer_id", "satisfaction_z"]], on="customer_id")
    campaign = rw.retention_campaign
    treated = subs["customer_id"].isin(campaign.loc[campaign["arm"] == "offer", "customer_id"])
    stop_date = subs["end_date"].fillna(rw.observation_end)
    stop_date = stop_date.where(~treated, campaign["sent_date"].iloc[0])
    subs["churned"] = (subs["end_date"].notna() & ~treated).astype(int)
    subs["stop"] = (stop_date - subs["start_date"]).dt.total_seconds() / 86400
    c = rw.service_contacts[rw.service_contacts["kind"] == "complaint"]
    c = c.merge(subs[["customer_id", "start_date", "stop"]], on="customer_id")
    c = c.assign(t=(c["contact_date"] - c["start_date"]).dt.total_seconds() / 86400)
    c = c[(c["t"] > 0) & (c["t"] < c["stop"])].sort_values(["customer_id", "t"])
    c["complaint"] = c.groupby("customer_id").cumcount() + 1
    first = subs[["customer_id"]].assign(t=0.0, complaint=0)
    seg = pd.concat([first, c[["customer_id", "t", "complaint"]]])
    seg = seg.sort_values(["customer_id", "t"], kind="stable")
    seg["next"] = seg.groupby("customer_id")["t"].shift(-1)
    seg = seg.merge(subs, on="customer_id")
    last = seg["next"].isna()
    out = pd.DataFrame(
        {
            "id": seg["customer_id"],
            "start": seg["t"],
            "stop": seg["next"].fillna(seg["stop"]),
            "event": (last & (seg["churned"] == 1)).astype(int),
            "satisfaction_z": seg["satisfaction_z"],
            "channel=store": (seg["channel"] == "store").astype(float),
            "channel=phone": (seg["channel"] == "phone").astype(float),
            "consent_status=opt_out": (seg["consent_status"] == "opt_out").astype(float),
            "complaint": seg["complaint"].astype(float),
        }
    )
    return out[out["stop"] > out["start"]]


def test_same_seed_same_tables_other_seed_other_tables(world, retention):
    again = simulate_retention_world(world, seed=world.seed)
    for name, frame in tables(retention).items():
        pd.testing.assert_frame_equal(frame, tables(again)[name])
    other = simulate_retention_world(world, seed=world.seed + 1)
    assert not other.subscriptions.equals(retention.subscriptions)
    assert not other.service_contacts.equals(retention.service_contacts)
    assert retention.seed == world.seed and other.seed == world.seed + 1


def test_time_varying_cox_recovers_the_true_coefficients(world, retention):
    frame = long_frame(retention, world)
    fitter = CoxTimeVaryingFitter().fit(
        frame, id_col="id", start_col="start", stop_col="stop", event_col="event"
    )
    truth = retention.truth.cox_coefficients
    estimate = fitter.params_.reindex(truth.index)
    se = fitter.standard_errors_.reindex(truth.index)
    z = (estimate - truth) / se
    assert (z.abs() < 3).all(), pd.DataFrame({"estimate": estimate, "truth": truth, "z": z})
    assert set(truth.index) == set(fitter.params_.index)


def test_experiment_effect_is_offer_effect_within_sampling_error(big):
    _, rw = big
    campaign = rw.retention_campaign
    churn = 1 - campaign.groupby("arm", observed=True)["retained"].mean()
    size = campaign.groupby("arm", observed=True).size()
    c, o = churn["control"], churn["offer"]
    effect = (c - o) / c
    # delta method for 1 - o / c with independent arms
    se = np.sqrt(o * (1 - o) / size["offer"] / c**2 + o**2 * c * (1 - c) / size["control"] / c**4)
    assert abs(effect - rw.truth.offer_effect) < 3 * se, (effect, se)
    assert 3 * se < rw.truth.offer_effect  # the test can tell an offer that does nothing


def test_end_date_reflects_the_offer(big):
    _, rw = big
    campaign = rw.retention_campaign.merge(rw.subscriptions, on="customer_id")
    window_end = campaign["sent_date"] + pd.Timedelta(days=rw.truth.params.retention_window_days)
    still = campaign["end_date"].isna() | (campaign["end_date"] > window_end)
    assert (campaign["retained"] == still.astype(int)).all()
    assert (campaign["start_date"] < campaign["sent_date"]).all()
    assert (campaign["end_date"].isna() | (campaign["end_date"] > campaign["sent_date"])).all()
    saved = rw.truth.subscribers.set_index("customer_id")["saved"]
    arm = campaign.set_index("customer_id")["arm"]
    assert (arm[saved[saved].index] == "offer").all() and saved.sum() > 0


def test_complaints_rise_before_a_buyers_dropout(big):
    world, rw = big
    purchase = world.truth.purchase.set_index("customer_id")
    customers = world.customers.set_index("customer_id")
    buyers = customers.index.difference(rw.subscriptions["customer_id"])  # no subscription
    dropout = customers.loc[buyers, "signup_date"] + pd.to_timedelta(
        purchase.loc[buyers, "dropout_time"].where(lambda s: np.isfinite(s)) * 7, unit="D"
    )
    lead = pd.Timedelta(weeks=8)
    dropped = dropout[(dropout - customers.loc[buyers, "signup_date"]) > 2 * lead].dropna()
    c = rw.service_contacts[rw.service_contacts["kind"] == "complaint"]
    c = c[c["customer_id"].isin(dropped.index)]
    at = c["contact_date"].to_numpy()
    drop_at = dropped.reindex(c["customer_id"]).to_numpy()
    before = (at > drop_at - lead) & (at <= drop_at)
    days_lead = len(dropped) * lead.days
    days_other = ((dropped - lead - customers.loc[dropped.index, "signup_date"]).dt.days).sum()
    rate_lead = before.sum() / days_lead
    rate_other = (at <= drop_at - lead).sum() / days_other
    assert rate_lead > 2 * rate_other, (rate_lead, rate_other)
    assert not (at > drop_at + pd.Timedelta(seconds=1)).any()  # no contacts after dropout


def test_tables_have_the_documented_columns_and_no_future_dates(world, retention):
    for name, columns in COLUMNS.items():
        frame = tables(retention)[name]
        assert dict(frame.dtypes.astype(str)) == columns, name
    end = retention.observation_end
    subs = retention.subscriptions
    assert subs["start_date"].max() < end and subs["end_date"].max() <= end
    assert (subs["start_date"] == subs["start_date"].dt.normalize()).all()
    assert (subs["end_date"].dropna() > subs.loc[subs["end_date"].notna(), "start_date"]).all()
    assert retention.service_contacts["contact_date"].max() <= end
    assert retention.retention_campaign["sent_date"].max() < end
    signup = world.customers.set_index("customer_id")["signup_date"]
    assert (subs["start_date"].to_numpy() >= signup[subs["customer_id"]].to_numpy()).all()
    contacts = retention.service_contacts
    assert (contacts["contact_date"].to_numpy() >= signup[contacts["customer_id"]].to_numpy()).all()
    assert set(contacts["kind"].cat.categories) == {"question", "complaint"}
    assert set(subs["plan"].cat.categories) == {"basic", "plus"}
    assert subs["customer_id"].is_unique
    assert len(subs) == round(0.4 * len(world.customers))
    months = subs["start_date"].dt.to_period("M").nunique()
    assert 12 <= months <= 25  # monthly cohorts over the 24 months before the end
    truth = retention.truth.subscribers
    assert list(truth["customer_id"]) == list(subs["customer_id"])
    assert (truth["censored"] == subs["end_date"].isna()).all()


def test_text_ids_are_kept(world):
    def text(frame):
        return frame.assign(customer_id="C" + frame["customer_id"].astype(str).str.zfill(6))

    truth = dataclasses.replace(
        world.truth, latents=text(world.truth.latents), purchase=text(world.truth.purchase)
    )
    textual = dataclasses.replace(world, customers=text(world.customers), truth=truth)
    rw = simulate_retention_world(textual)
    base = simulate_retention_world(world)
    for name, frame in tables(rw).items():
        assert pd.api.types.is_string_dtype(frame["customer_id"]), name
        expected = "C" + tables(base)[name]["customer_id"].astype(str).str.zfill(6)
        assert list(frame["customer_id"]) == list(expected), name


def test_bad_inputs_get_one_line(world):
    with pytest.raises(ParameterError, match="seed"):
        simulate_retention_world(world, seed=-1)
    with pytest.raises(ParameterError, match="offer_effect"):
        simulate_retention_world(world, params=RetentionParams(offer_effect=1.5))
    with pytest.raises(ParameterError, match="channel_coefs"):
        simulate_retention_world(world, params=RetentionParams(channel_coefs=(0.0, 1.0)))
    truth = dataclasses.replace(world.truth, latents=world.truth.latents.iloc[5:])
    with pytest.raises(ParameterError, match=r"no row for customer_id \[1, 2, 3\]") as err:
        simulate_retention_world(dataclasses.replace(world, truth=truth))
    assert "\n" not in str(err.value)
