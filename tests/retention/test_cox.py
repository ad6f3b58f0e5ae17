"""Cox models: coefficients recovered from simulated worlds, equal to lifelines and to
statsmodels' PHReg, the proportional-hazards check, time-varying covariates, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from statsmodels.duration.hazard_regression import PHReg

from crm_models.errors import (
    ConvergenceError,
    DataValidationError,
    NotFittedError,
    ParameterError,
)
from crm_models.retention.cox import FIT_OPTIONS, CoxModel, TimeVaryingCoxModel

TRUE = pd.Series(
    {"satisfaction": -0.30, "consent": -0.25, "channel=store": 0.30, "channel=web": 0.60}
)


def weibull_ph_world(n: int, seed: int, tied: bool = False) -> pd.DataFrame:
    """Weibull proportional hazards, S(t|x) = exp(-(t/365)^1.5 · exp(x'β)), β = TRUE;
    independent uniform censoring on (0, 730) days."""
    rng = np.random.default_rng(seed)
    satisfaction = rng.normal(5.0, 1.2, n)
    consent = rng.integers(0, 2, n)
    channel = rng.choice(["app", "store", "web"], n, p=[0.3, 0.4, 0.3])
    eta = (
        TRUE["satisfaction"] * (satisfaction - 5)
        + TRUE["consent"] * consent
        + TRUE["channel=store"] * (channel == "store")
        + TRUE["channel=web"] * (channel == "web")
    )
    churn = 365.0 * (rng.exponential(1.0, n) * np.exp(-eta)) ** (1 / 1.5)
    censor = rng.uniform(0, 730, n)
    duration = np.minimum(churn, censor)
    return pd.DataFrame(
        {
            "duration": np.ceil(duration) if tied else duration,
            "churned": (churn <= censor).astype(int),
            "satisfaction": satisfaction,
            "consent": consent,
            "channel": channel,
        }
    )


@pytest.fixture(scope="module")
def world() -> pd.DataFrame:
    return weibull_ph_world(20_000, seed=7)


def test_cox_recovers_true_coefficients(world):
    model = CoxModel().fit(world)
    summary = model.summary()
    assert list(summary.index) == list(TRUE.index)
    assert list(summary.columns) == [
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "hazard_ratio",
        "p_value",
    ]
    z = (summary["estimate"] - TRUE) / summary["se"]
    assert (z.abs() < 3).all(), z
    assert ((summary["ci_low"] < TRUE) & (TRUE < summary["ci_high"])).all()
    assert (summary["se"] < 0.05).all()  # 20k customers: precise
    np.testing.assert_allclose(summary["hazard_ratio"], np.exp(summary["estimate"]))
    assert 0.55 < model.concordance_ < 0.75
    assert model.n_customers_ == 20_000 and model.n_churned_ == world["churned"].sum()
    wider = model.summary(0.99)
    assert (wider["ci_high"] - wider["ci_low"] > summary["ci_high"] - summary["ci_low"]).all()


def test_cox_equals_lifelines_and_statsmodels():
    frame = weibull_ph_world(3000, seed=11)
    model = CoxModel().fit(frame, covariates=["satisfaction", "consent", "channel"])
    design = pd.get_dummies(frame[["satisfaction", "consent", "channel"]], dtype=float)
    design = design.drop(columns="channel_app").rename(
        columns={"channel_store": "channel=store", "channel_web": "channel=web"}
    )
    direct = CoxPHFitter().fit(
        design.assign(duration=frame["duration"], churned=frame["churned"]),
        duration_col="duration",
        event_col="churned",
        fit_options=FIT_OPTIONS,
    )
    np.testing.assert_allclose(model.params_, direct.params_[model.params_.index], rtol=1e-10)
    np.testing.assert_allclose(model.se_, direct.standard_errors_[model.params_.index], rtol=1e-10)
    assert model.concordance_ == pytest.approx(direct.concordance_index_, rel=1e-12)
    # an independent implementation: no tied times here, so Breslow = Efron
    ph = PHReg(
        frame["duration"], design[model.params_.index], status=frame["churned"], ties="breslow"
    ).fit()
    np.testing.assert_allclose(model.params_, ph.params, atol=1e-8)
    np.testing.assert_allclose(model.se_, ph.bse, atol=1e-8)


def test_cox_tied_days_equal_statsmodels_efron():
    frame = weibull_ph_world(3000, seed=12, tied=True)
    assert frame["duration"].duplicated().sum() > 1000
    model = CoxModel().fit(frame)
    design = pd.DataFrame(
        {
            "satisfaction": frame["satisfaction"],
            "consent": frame["consent"].astype(float),
            "channel=store": (frame["channel"] == "store").astype(float),
            "channel=web": (frame["channel"] == "web").astype(float),
        }
    )
    ph = PHReg(frame["duration"], design, status=frame["churned"], ties="efron").fit()
    np.testing.assert_allclose(model.params_, ph.params, atol=1e-8)
    np.testing.assert_allclose(model.se_, ph.bse, atol=1e-8)


def test_categorical_dtype_keeps_category_order():
    frame = weibull_ph_world(2000, seed=3)
    frame["channel"] = pd.Categorical(frame["channel"], categories=["web", "store", "app"])
    model = CoxModel().fit(frame)
    assert list(model.params_.index) == ["satisfaction", "consent", "channel=store", "channel=app"]


def test_predictions(world):
    model = CoxModel().fit(world.iloc[:2000])
    new = world.iloc[:5].set_index(pd.Index([11, 12, 13, 14, 15], name="customer_id"))
    curves = model.predict_survival(new, [0, 30, 365])
    assert curves.shape == (5, 3) and list(curves.index) == [11, 12, 13, 14, 15]
    assert ((curves.diff(axis=1).iloc[:, 1:] <= 0).all()).all()
    risk = model.predict_risk(new)
    direct = model.fitter_.predict_partial_hazard(model.training_.iloc[:5])
    np.testing.assert_allclose(risk, direct)
    # lower survival ⇔ higher risk
    order = np.argsort(risk.to_numpy())
    assert (np.diff(curves[365].to_numpy()[order]) <= 1e-12).all()


def piecewise_world(n: int, seed: int) -> pd.DataFrame:
    """Constant baseline hazard 1/365 per day; ``promo`` (0/1) has log hazard ratio +1.0 in
    the first 120 days and -1.0 after (not proportional); ``satisfaction`` -0.3 (proportional)."""
    rng = np.random.default_rng(seed)
    promo = rng.integers(0, 2, n)
    satisfaction = rng.normal(0, 1, n)
    base = np.exp(-0.3 * satisfaction) / 365
    early, late = base * np.exp(1.0 * promo), base * np.exp(-1.0 * promo)
    e = rng.exponential(1.0, n)
    switch = 120.0
    churn = np.where(e < early * switch, e / early, switch + (e - early * switch) / late)
    censor = rng.uniform(0, 900, n)
    return pd.DataFrame(
        {
            "duration": np.minimum(churn, censor),
            "churned": (churn <= censor).astype(int),
            "promo": promo,
            "satisfaction": satisfaction,
        }
    )


def test_proportional_hazards_check_flags_a_changing_effect():
    model = CoxModel().fit(piecewise_world(3000, seed=5))
    check = model.check_proportional_hazards().set_index("covariate")
    assert list(check.columns) == ["statistic", "p_value"]
    assert check.loc["promo", "p_value"] < 0.001
    assert check.loc["satisfaction", "p_value"] > 0.05


def test_proportional_hazards_check_passes_a_ph_world():
    model = CoxModel().fit(weibull_ph_world(3000, seed=8))
    check = model.check_proportional_hazards()
    assert (check["p_value"] > 0.01).all(), check


def complaint_world(n: int, seed: int, beta: float = 0.7) -> pd.DataFrame:
    """Long format: a complaint switches on at an exponential time (mean 200 days) and multiplies
    the hazard by exp(beta) from then on; satisfaction (fixed) has -0.3; baseline 1/365 per day;
    observation ends at 730 days. Times are whole days (ceil), as in a CRM's data."""
    rng = np.random.default_rng(seed)
    satisfaction = rng.normal(0, 1, n)
    complaint_at = rng.exponential(200.0, n)
    before = np.exp(-0.3 * satisfaction) / 365
    after = before * np.exp(beta)
    e = rng.exponential(1.0, n)
    churn = np.where(
        e < before * complaint_at, e / before, complaint_at + (e - before * complaint_at) / after
    )
    complaint_at = np.ceil(complaint_at)
    end = np.minimum(np.ceil(churn), 730.0)
    churned = (churn <= 730.0).astype(int)
    split = complaint_at < end  # the complaint happened while observed: two rows
    ids = np.arange(n)
    first = pd.DataFrame(
        {
            "customer_id": ids,
            "start": 0.0,
            "stop": np.where(split, complaint_at, end),
            "churned": np.where(split, 0, churned),
            "complaint": 0,
            "satisfaction": satisfaction,
        }
    )
    second = pd.DataFrame(
        {
            "customer_id": ids[split],
            "start": complaint_at[split],
            "stop": end[split],
            "churned": churned[split],
            "complaint": 1,
            "satisfaction": satisfaction[split],
        }
    )
    return pd.concat([first, second], ignore_index=True).sort_values(["customer_id", "start"])


def test_time_varying_cox_recovers_complaint_effect():
    long = complaint_world(5000, seed=21)
    model = TimeVaryingCoxModel().fit(long)
    summary = model.summary()
    truth = pd.Series({"complaint": 0.7, "satisfaction": -0.3})
    z = (summary["estimate"] - truth[summary.index]) / summary["se"]
    assert (z.abs() < 3).all(), summary
    assert summary.loc["complaint", "p_value"] < 0.001
    assert model.n_customers_ == 5000
    assert model.n_churned_ == long["churned"].sum()
    # treating "ever complained" as fixed from day 0 gets it wrong (immortal-time bias)
    ever = long.groupby("customer_id").agg(
        duration=("stop", "max"),
        churned=("churned", "max"),
        complaint=("complaint", "max"),
        satisfaction=("satisfaction", "first"),
    )
    naive = CoxModel().fit(ever)
    assert naive.params_["complaint"] < summary.loc["complaint", "ci_low"]


# ---- bad inputs -------------------------------------------------------------------------

GOOD = pd.DataFrame(
    {
        "duration": [10.0, 20.0, 5.0, 40.0, 7.0, 30.0],
        "churned": [1, 0, 1, 1, 0, 1],
        "satisfaction": [3.0, 5.0, 2.0, 6.0, 4.0, 5.0],
        "channel": ["web", "app", "web", "store", "app", "store"],
    }
)


def _one_line(exc_info, *needles):
    message = str(exc_info.value)
    assert "\n" not in message, message
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize(
    ("frame", "kwargs", "needles"),
    [
        (GOOD.drop(columns="duration"), {}, ["missing duration column 'duration'"]),
        (GOOD, {"event": "left"}, ["missing event column 'left'"]),
        (GOOD.assign(duration=[1.0, -2, 3, 4, 5, 6]), {}, ["negative in 1 row(s) at rows 2"]),
        (GOOD.assign(churned=[1, 0, 3, 1, 0, 1]), {}, ["not 0/1 in 1 row(s) at rows 3"]),
        (
            GOOD.assign(satisfaction=[3.0, np.nan, 2, 6, np.nan, 5]),
            {},
            ["covariate column(s) ['satisfaction'] have missing values", "at rows 2, 5"],
        ),
        (GOOD.assign(satisfaction=4.0), {}, ["covariate 'satisfaction' is constant (4)"]),
        (GOOD.assign(channel="web"), {}, ["text covariate 'channel' has one level ('web')"]),
        (GOOD, {"covariates": ["tenure"]}, ["covariate column(s) ['tenure'] not in the frame"]),
        (
            GOOD.assign(satisfaction=[3.0, np.inf, 2, 6, 4, 5]),
            {},
            ["'satisfaction' is infinite in 1 row(s) at rows 2"],
        ),
    ],
)
def test_cox_bad_inputs(frame, kwargs, needles):
    with pytest.raises(DataValidationError) as info:
        CoxModel().fit(frame, **kwargs)
    _one_line(info, *needles)


def test_cox_id_like_text_column():
    frame = weibull_ph_world(200, seed=4).assign(customer_id=[f"C{i}" for i in range(200)])
    with pytest.raises(DataValidationError) as info:
        CoxModel().fit(frame)
    _one_line(info, "text covariate 'customer_id' has 200 levels (more than 50; an id")
    assert CoxModel().fit(frame.drop(columns="customer_id")).params_.size == 4


def test_cox_parameter_errors():
    with pytest.raises(ParameterError, match="cannot be a covariate"):
        CoxModel().fit(GOOD, covariates=["duration"])
    with pytest.raises(ParameterError, match="penalizer must be a number >= 0"):
        CoxModel(penalizer=-1).fit(GOOD)
    with pytest.raises(ParameterError, match="level must be in"):
        CoxModel(level=1.5).fit(GOOD)
    with pytest.raises(NotFittedError, match="CoxModel is not fitted yet"):
        CoxModel().summary()


def test_cox_prediction_inputs():
    model = CoxModel(penalizer=0.1).fit(GOOD)
    with pytest.raises(DataValidationError) as info:
        model.predict_risk(GOOD.assign(channel=["web", "phone", "web", "app", "app", "web"]))
    _one_line(info, "level(s) the model was not fitted with ('phone') at rows 2")
    with pytest.raises(DataValidationError) as info:
        model.predict_survival(GOOD.drop(columns="channel"), [10])
    _one_line(info, "covariate column(s) ['channel'] the model was fitted with")
    with pytest.raises(DataValidationError, match="times must be finite days >= 0"):
        model.predict_survival(GOOD, [-1])


def test_cox_collinear_covariates_named():
    frame = GOOD.assign(score=2 * GOOD["satisfaction"] + 1)
    with pytest.raises(DataValidationError) as info:
        CoxModel().fit(frame)
    _one_line(info, "covariate 'score' is a linear combination of ['satisfaction', ")
    plan = GOOD.assign(plan=GOOD["channel"].map({"web": "a", "app": "b", "store": "c"}))
    with pytest.raises(DataValidationError) as info:
        CoxModel().fit(plan)
    _one_line(info, "covariate 'plan=b' is a linear combination of")


def test_cox_non_convergence_is_one_line():
    # perfect separation: every churner has x = 1, every censored customer x = 0
    frame = pd.DataFrame(
        {
            "duration": np.arange(1.0, 41.0),
            "churned": np.tile([1, 0], 20),
            "x": np.tile([1.0, 0.0], 20),
        }
    )
    with pytest.raises(ConvergenceError) as info:
        CoxModel().fit(frame)
    _one_line(
        info,
        "CoxModel.fit: the Cox fit did not converge (lifelines: ",
        "['x'] separate churners from the others almost perfectly",
        "penalizer=0.1",
    )
    assert CoxModel(penalizer=0.1).fit(frame).params_["x"] > 1


def test_time_varying_bad_inputs():
    long = complaint_world(50, seed=1)
    bad = long.copy()
    bad.iloc[3, bad.columns.get_loc("stop")] = bad.iloc[3]["start"]
    with pytest.raises(DataValidationError) as info:
        TimeVaryingCoxModel().fit(bad)
    _one_line(info, "'stop' is not after 'start' in 1 row(s) at rows 4")
    with pytest.raises(DataValidationError) as info:
        TimeVaryingCoxModel().fit(long.drop(columns="customer_id"))
    _one_line(info, "missing id column 'customer_id'")
    with pytest.raises(DataValidationError) as info:
        TimeVaryingCoxModel().fit(long.assign(customer_id=np.r_[np.nan, long["customer_id"][1:]]))
    _one_line(info, "id column 'customer_id' is missing in 1 row(s) at rows 1")
    with pytest.raises(DataValidationError) as info:
        TimeVaryingCoxModel().fit(long.assign(start=-1.0))
    _one_line(info, "start column 'start' is negative")
