"""The synthetic world's retention side: subscriptions, service contacts, a retention experiment.

``simulate_retention_world(world)`` adds to a simulated ``World`` three tables and their ground
truth (``RetentionTruth``) so that survival, contractual and early-warning models can be tested
by recovering what was put in. Everything is vectorized. The chain (``RetentionParams``):

1. **Subscribers.** A random ``subscriber_share`` of the customers subscribe (plan ``basic`` /
   ``plus``, a monthly fee, monthly renewals), starting at midnight uniformly over the
   ``cohort_months`` months before ``observation_end`` but not before their signup (a cohort
   is a start month).
2. **Contacts.** As buyers, customers make questions and complaints (Poisson processes) while
   active (signup to the true BG/NBD dropout ``truth.purchase.dropout_time``, weeks after
   signup, or observation end); the complaint rate is ``complaint_lead_ratio`` times higher in
   the ``complaint_lead_weeks`` weeks before the dropout — a leading churn signal. Subscribers
   also complain and ask about the subscription while subscribed. Complaint rates scale with
   ``exp(complaint_satisfaction * satisfaction_z)``, ``satisfaction_z`` being the latent ECSI
   satisfaction ``truth.latents["CUSA"]`` (standard normal).
3. **Churn** (tenure t in days): ``h(t) = (k / s)(t / s)^(k-1) exp(b_sat·satisfaction_z +
   b_channel + b_optout + b_complaint·N(t))``, N(t) = the customer's complaints (of both
   kinds) before t — each multiplies the hazard by ``exp(b_complaint)`` from its date on. The
   churn time inverts the piecewise cumulative hazard at an Exp(1) draw; censoring at
   ``observation_end`` (``end_date`` NaT). ``truth.cox_coefficients`` holds the true log
   hazard ratios (``channel=<level>`` against the first channel).
4. **Experiment.** At ``observation_end - experiment_days_before_end`` the subscribers active
   then who have not opted out are randomized 50/50 to ``offer`` / ``control``. The offer
   keeps ``offer_effect`` of the treated who would leave within ``retention_window_days``:
   their churn is re-drawn beyond the window, so ``end_date`` reflects the offer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_models.data.synthetic import World
from crm_models.errors import ParameterError

__all__ = ["RetentionParams", "RetentionTruth", "RetentionWorld", "simulate_retention_world"]

YEAR_DAYS = 365.25


@dataclass(frozen=True)
class RetentionParams:
    """Parameters of the retention side of the synthetic world, with units and defaults.

    Parameters
    ----------
    subscriber_share : float, default 0.4
        Share of the world's customers who subscribe, in (0, 1].
    cohort_months : int, default 24
        Subscriptions start over the this-many months before observation end.
    plans, plan_shares, monthly_fees : tuple
        Plan names, their shares (sum 1) and monthly fee (currency per month).
    weibull_shape, weibull_scale_days : float, default 0.85, 800.0
        Baseline Weibull hazard: shape ``k`` (< 1: retention rises with tenure) and scale (days).
    satisfaction_coef, optout_coef, complaint_coef : float, default -0.4, 0.5, 0.4
        Log hazard ratios per SD of latent satisfaction, for opted-out customers, per complaint.
    channel_coefs : tuple, default (0.0, -0.2, 0.3)
        Log hazard ratio per channel of the world (``WorldParams.channels``; first is 0).
    complaint_rate, question_rate : float, default 0.6, 1.5
        Subscribers' complaints and questions per year (at satisfaction_z = 0).
    complaint_satisfaction : float, default -0.3
        Log rate ratio of complaints per SD of satisfaction (subscribers and buyers).
    offer_effect : float, default 0.3
        True share of would-be leavers (within the window) that the retention offer keeps.
    experiment_days_before_end, retention_window_days : int, default 182, 90
        The offer is sent this many days before observation end; ``retained`` is measured
        this many days after it (must be before observation end).
    buyer_complaint_rate, buyer_question_rate : float, default 0.3, 1.0
        Transaction customers' complaints and questions per year while active.
    complaint_lead_weeks, complaint_lead_ratio : float, default 8.0, 4.0
        Weeks before the true dropout with ``complaint_lead_ratio`` times the complaint rate.
    """

    subscriber_share: float = 0.4
    cohort_months: int = 24
    plans: tuple = ("basic", "plus")
    plan_shares: tuple = (0.7, 0.3)
    monthly_fees: tuple = (9.9, 19.9)
    weibull_shape: float = 0.85
    weibull_scale_days: float = 800.0
    satisfaction_coef: float = -0.4
    channel_coefs: tuple = (0.0, -0.2, 0.3)
    optout_coef: float = 0.5
    complaint_coef: float = 0.4
    complaint_rate: float = 0.6
    question_rate: float = 1.5
    complaint_satisfaction: float = -0.3
    offer_effect: float = 0.3
    experiment_days_before_end: int = 182
    retention_window_days: int = 90
    buyer_complaint_rate: float = 0.3
    buyer_question_rate: float = 1.0
    complaint_lead_weeks: float = 8.0
    complaint_lead_ratio: float = 4.0

    def validate(self, channels: tuple) -> None:
        """Raise ``ParameterError`` (one line) for an impossible value.

        Parameters
        ----------
        channels : tuple of str
            The world's channels (``channel_coefs`` needs one value per channel).
        """
        positive = ["weibull_shape", "weibull_scale_days", "cohort_months", "complaint_lead_weeks"]
        rates = ["complaint_rate", "question_rate", "buyer_complaint_rate", "buyer_question_rate"]
        rules = [
            (["subscriber_share", "offer_effect"], "in (0, 1]", lambda v: 0 < v <= 1),
            (positive + ["retention_window_days", "experiment_days_before_end"], "> 0", None),
            (rates, ">= 0", lambda v: v >= 0),
            (["complaint_lead_ratio"], ">= 1", lambda v: v >= 1),
        ]
        for names, expected, ok in rules:
            for name in names:
                value = getattr(self, name)
                if not isinstance(value, (int, float)) or not (ok or (lambda v: v > 0))(value):
                    raise ParameterError(
                        f"RetentionParams.{name} must be a number {expected}, got {value!r}"
                    )
        if self.retention_window_days >= self.experiment_days_before_end:
            raise ParameterError(
                "RetentionParams.retention_window_days must be smaller than "
                "experiment_days_before_end (retained is measured before observation end)"
            )
        if len(self.channel_coefs) != len(channels):
            raise ParameterError(
                f"RetentionParams.channel_coefs needs one value per channel {list(channels)}, "
                f"got {len(self.channel_coefs)}"
            )
        if not len(self.plans) == len(self.plan_shares) == len(self.monthly_fees):
            raise ParameterError(
                "RetentionParams.plans, plan_shares, monthly_fees differ in length"
            )
        if not np.isclose(sum(self.plan_shares), 1.0):
            raise ParameterError("RetentionParams.plan_shares must sum to 1")


@dataclass(frozen=True)
class RetentionTruth:
    """The ground truth behind a retention world.

    Attributes
    ----------
    params : RetentionParams
        Every parameter used.
    cox_coefficients : pandas.Series
        True log hazard ratios of the subscribers' churn, indexed ``satisfaction_z``,
        ``channel=<level>`` (each against the first channel), ``consent_status=opt_out``,
        ``complaint`` (time-varying, per complaint so far).
    weibull_shape, weibull_scale_days : float
        Baseline hazard ``(k / s) (t / s)^(k - 1)``, t in days of tenure.
    offer_effect : float
        True share of would-be leavers within the window that the offer keeps.
    subscribers : pandas.DataFrame
        One row per subscriber: customer_id, satisfaction_z, complaints (count while subscribed,
        until churn or observation end), churn_time_days (float; with the offer's effect; the
        censoring time when censored), censored (bool), churn_time_no_offer_days, saved (bool:
        kept by the offer).
    """

    params: RetentionParams
    cox_coefficients: pd.Series
    weibull_shape: float
    weibull_scale_days: float
    offer_effect: float
    subscribers: pd.DataFrame


@dataclass(frozen=True)
class RetentionWorld:
    """Subscriptions, service contacts and a retention experiment, with their truth.

    Attributes
    ----------
    subscriptions : pandas.DataFrame
        customer_id, plan (category), start_date (datetime64, midnight), end_date (datetime64,
        NaT = still active at ``observation_end``), monthly_fee (float, currency per month).
    service_contacts : pandas.DataFrame
        customer_id, contact_date (datetime64, to the second), kind (category ``question`` /
        ``complaint``), sorted by customer and date; subscribers' and buyers' contacts.
    retention_campaign : pandas.DataFrame
        customer_id, arm (category ``offer`` / ``control``), sent_date (datetime64), retained
        (int64 0/1: still subscribed ``retention_window_days`` after sent_date).
    observation_end : pandas.Timestamp
        The world's observation end; no date is later.
    truth : RetentionTruth
        The parameters and per-subscriber values behind the tables.
    seed : int
        The generator seed.
    """

    subscriptions: pd.DataFrame
    service_contacts: pd.DataFrame
    retention_campaign: pd.DataFrame
    observation_end: pd.Timestamp
    truth: RetentionTruth
    seed: int


class _PiecewiseHazard:
    """Weibull hazard times a per-segment multiplier; segments between complaint times.

    Subscriber ``i`` has segments ``[0, c_1), [c_1, c_2), ..., [c_K, inf)`` (tenure days) with
    multipliers ``exp(lp_i + b * j)``, j = complaints before the segment. All arrays are flat.
    """

    def __init__(self, lp, counts, times, params: RetentionParams):
        n = len(lp)
        self.n, self.shape, self.scale = n, params.weibull_shape, params.weibull_scale_days
        self.owner = np.repeat(np.arange(n), counts + 1)
        first = np.cumsum(counts + 1) - (counts + 1)
        rank = np.arange(len(self.owner)) - first[self.owner]
        later = rank > 0
        self.lo, self.hi = np.zeros(len(rank)), np.full(len(rank), np.inf)
        self.lo[later] = times
        self.hi[:-1][later[1:]] = times  # a segment ends where the next one begins
        self.mult = np.exp(lp[self.owner] + params.complaint_coef * rank)
        increments = np.nan_to_num(self.mult * (self.h0(self.hi) - self.h0(self.lo)), posinf=0.0)
        self.before = np.cumsum(increments) - increments
        self.before -= self.before[first][self.owner]  # restart per subscriber

    def h0(self, t):
        return (np.maximum(t, 0.0) / self.scale) ** self.shape

    def cumulative(self, t: np.ndarray) -> np.ndarray:
        """Cumulative hazard at tenure ``t[i]`` of each subscriber."""
        upto = np.minimum(t[self.owner], self.hi)
        part = self.mult * np.clip(self.h0(upto) - self.h0(self.lo), 0.0, None)
        return np.bincount(self.owner, weights=part, minlength=self.n)

    def invert(self, target: np.ndarray) -> np.ndarray:
        """Tenure at which each subscriber's cumulative hazard reaches ``target[i]``."""
        reached = self.before <= target[self.owner]
        segment = np.cumsum(np.bincount(self.owner, minlength=self.n)) - 1
        segment -= np.bincount(self.owner, weights=~reached, minlength=self.n).astype(np.int64)
        rest = (target - self.before[segment]) / self.mult[segment]
        return self.scale * (self.h0(self.lo[segment]) + rest) ** (1.0 / self.shape)


def _poisson_times(rng, rate, lo, hi):
    """Sorted event times of Poisson processes with ``rate[i]`` on ``[lo[i], hi[i]]``.

    Returns ``(times, owner)``: times concatenated per process, increasing within each.
    """
    length = np.clip(hi - lo, 0.0, None)
    counts = rng.poisson(rate * length)
    owner = np.repeat(np.arange(len(rate)), counts)
    times = lo[owner] + rng.random(len(owner)) * length[owner]
    return times[np.lexsort((times, owner))], owner


def _to_timestamps(origin: np.ndarray, days: np.ndarray) -> np.ndarray:
    """``origin`` (datetime64) plus ``days`` (float), rounded to the second, datetime64[ns]."""
    seconds = np.rint(days * 86400.0).astype("int64").astype("timedelta64[s]")
    return (origin.astype("datetime64[s]") + seconds).astype("datetime64[ns]")


def simulate_retention_world(
    world: World, *, seed: int | None = None, params: RetentionParams | None = None
) -> RetentionWorld:
    """Simulate subscriptions, service contacts and a retention experiment for ``world``.

    Parameters
    ----------
    world : World
        A simulated world (``crm_models.data.simulate_world``); its customer ids (int64 or
        text) are kept.
    seed : int, optional
        Generator seed (>= 0); None uses ``world.seed``. Deterministic per seed and world.
    params : RetentionParams, optional
        The parameters (default ``RetentionParams()``); see the module docstring.

    Returns
    -------
    RetentionWorld
        subscriptions, service_contacts, retention_campaign (dates never after
        ``world.observation_end``) and ``truth`` (true Cox coefficients, Weibull shape and
        scale in days, offer effect, per-subscriber frame).
    """
    params = params or RetentionParams()
    channels = tuple(world.truth.params.channels)
    params.validate(channels)
    seed = world.seed if seed is None else seed
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer or None, got {seed!r}")
    rng = np.random.default_rng(seed)
    end = pd.Timestamp(world.observation_end)
    end64 = end.to_datetime64()
    customers = world.customers
    ids = customers["customer_id"].to_numpy()
    n = len(ids)
    latents = world.truth.latents.set_index("customer_id")["CUSA"]
    sat_all = latents.reindex(customers["customer_id"]).to_numpy(dtype=float)
    purchase = world.truth.purchase.set_index("customer_id").reindex(customers["customer_id"])
    missing = np.isnan(sat_all) | purchase["lam"].isna().to_numpy()
    if missing.any():
        raise ParameterError(
            f"world.truth (latents, purchase) has no row for customer_id "
            f"{ids[missing][:3].tolist()} ({int(missing.sum())} of {n} customers); "
            "expected the truth of every customer"
        )
    signup = customers["signup_date"].to_numpy(dtype="datetime64[ns]")

    # 1. subscribers, plans and start dates (midnight, not before signup)
    n_sub = max(1, int(round(params.subscriber_share * n)))
    sub = np.sort(rng.choice(n, n_sub, replace=False))
    first_start = (end - pd.DateOffset(months=params.cohort_months)).normalize().to_datetime64()
    span = (end64 - first_start) // np.timedelta64(1, "D")  # whole days
    lo_days = np.ceil((signup[sub] - first_start) / np.timedelta64(1, "D"))
    lo_days = np.clip(lo_days, 0, span - 1)
    start_days = np.floor(lo_days + rng.random(n_sub) * (span - lo_days)).astype("int64")
    start = (first_start + start_days.astype("timedelta64[D]")).astype("datetime64[ns]")
    censor_days = (end64 - start) / np.timedelta64(1, "D")
    plan_code = rng.choice(len(params.plans), n_sub, p=params.plan_shares)

    # 2. contacts of every customer as a buyer, while active (days from the first signup);
    #    complaints rise before the true dropout
    origin = signup.min()
    signup_days = (signup - origin) / np.timedelta64(1, "D")
    end_days = (end64 - origin) / np.timedelta64(1, "D")
    dropout_days = signup_days + 7.0 * purchase["dropout_time"].to_numpy(dtype=float)
    active_to = np.minimum(dropout_days, end_days)  # dropout_days is inf when alive
    b_rate = (
        params.buyer_complaint_rate / YEAR_DAYS * np.exp(params.complaint_satisfaction * sat_all)
    )
    b_times, b_owner = _poisson_times(rng, b_rate, signup_days, active_to)
    lead_lo = np.maximum(dropout_days - 7.0 * params.complaint_lead_weeks, signup_days)
    extra = b_rate * (params.complaint_lead_ratio - 1.0) * np.isfinite(dropout_days)
    l_times, l_owner = _poisson_times(rng, extra, lead_lo, active_to)
    bq_rate = np.full(n, params.buyer_question_rate / YEAR_DAYS)
    bq_times, bq_owner = _poisson_times(rng, bq_rate, signup_days, active_to)

    # 3. subscribers' own complaints and questions over the whole possible tenure; the hazard
    #    counts every complaint of the customer (own and as a buyer) from its date on
    sat = sat_all[sub]
    channel_code = pd.Categorical(customers["channel"], categories=channels).codes[sub]
    optout = (customers["consent_status"].astype(str).to_numpy() == "opt_out")[sub]
    s_rate = params.complaint_rate / YEAR_DAYS * np.exp(params.complaint_satisfaction * sat)
    q_rate = np.full(n_sub, params.question_rate / YEAR_DAYS)
    s_times, s_owner = _poisson_times(rng, s_rate, np.zeros(n_sub), censor_days)
    q_times, q_owner = _poisson_times(rng, q_rate, np.zeros(n_sub), censor_days)
    sub_start_days = (start - origin) / np.timedelta64(1, "D")
    as_sub = np.full(n, -1)
    as_sub[sub] = np.arange(n_sub)
    as_sub = as_sub[np.concatenate([b_owner, l_owner])]
    tenure = np.concatenate([b_times, l_times]) - sub_start_days[np.maximum(as_sub, 0)]
    during = (as_sub >= 0) & (tenure > 0) & (tenure < censor_days[np.maximum(as_sub, 0)])
    c_owner = np.concatenate([s_owner, as_sub[during]])
    c_times = np.concatenate([s_times, tenure[during]])
    order = np.lexsort((c_times, c_owner))
    c_owner, c_times = c_owner[order], c_times[order]

    # 4. churn by inverting the piecewise cumulative hazard
    lp = (
        params.satisfaction_coef * sat
        + np.asarray(params.channel_coefs, dtype=float)[channel_code]
        + params.optout_coef * optout
    )
    hazard = _PiecewiseHazard(lp, np.bincount(c_owner, minlength=n_sub), c_times, params)
    churn_no_offer = hazard.invert(rng.standard_exponential(n_sub))

    # 5. the retention experiment
    sent = (end - pd.Timedelta(days=params.experiment_days_before_end)).normalize()
    sent_tenure = (sent.to_datetime64() - start) / np.timedelta64(1, "D")
    window_end = sent_tenure + params.retention_window_days
    eligible = np.flatnonzero((sent_tenure > 0) & (churn_no_offer > sent_tenure) & ~optout)
    offer = np.zeros(n_sub, dtype=bool)
    offer[rng.permutation(eligible)[: len(eligible) // 2]] = True
    would_leave = offer & (churn_no_offer <= window_end)  # the offer keeps offer_effect of them
    saved = would_leave & (rng.random(n_sub) < params.offer_effect)
    churn = churn_no_offer.copy()
    redraw = hazard.invert(hazard.cumulative(window_end) + rng.standard_exponential(n_sub))
    churn[saved] = redraw[saved]
    censored = churn > censor_days
    stop = np.minimum(churn, censor_days)

    subscriptions = pd.DataFrame(
        {
            "customer_id": ids[sub],
            "plan": pd.Categorical.from_codes(plan_code, categories=list(params.plans)),
            "start_date": start,
            "end_date": pd.Series(_to_timestamps(start, np.where(censored, 0, churn))),
            "monthly_fee": np.asarray(params.monthly_fees, dtype=float)[plan_code],
        }
    )
    subscriptions.loc[censored, "end_date"] = pd.NaT
    complaints = np.bincount(c_owner[c_times < stop[c_owner]], minlength=n_sub)
    campaign = pd.DataFrame(
        {
            "customer_id": ids[sub][eligible],
            "arm": pd.Categorical(
                np.where(offer[eligible], "offer", "control"), categories=["offer", "control"]
            ),
            "sent_date": np.full(len(eligible), sent.to_datetime64()).astype("datetime64[ns]"),
            "retained": (churn[eligible] > window_end[eligible]).astype("int64"),
        }
    )

    keep_c, keep_q = s_times < stop[s_owner], q_times < stop[q_owner]
    parts = [
        (sub[s_owner[keep_c]], sub_start_days[s_owner[keep_c]] + s_times[keep_c], 1),
        (sub[q_owner[keep_q]], sub_start_days[q_owner[keep_q]] + q_times[keep_q], 0),
        (b_owner, b_times, 1),
        (l_owner, l_times, 1),
        (bq_owner, bq_times, 0),
    ]
    who, when = (np.concatenate([p[k] for p in parts]) for k in (0, 1))
    kind = np.concatenate([np.full(len(p[0]), p[2], dtype="int8") for p in parts])
    dates = np.minimum(_to_timestamps(np.full(len(when), origin), when), end64)
    order = np.lexsort((dates, who))
    contacts = pd.DataFrame(
        {
            "customer_id": ids[who[order]],
            "contact_date": dates[order],
            "kind": pd.Categorical.from_codes(kind[order], categories=["question", "complaint"]),
        }
    )

    coefficients = {
        "satisfaction_z": params.satisfaction_coef,
        **{
            f"channel={level}": float(value) - float(params.channel_coefs[0])
            for level, value in zip(channels[1:], params.channel_coefs[1:], strict=True)
        },
        "consent_status=opt_out": params.optout_coef,
        "complaint": params.complaint_coef,
    }
    truth = RetentionTruth(
        params=params,
        cox_coefficients=pd.Series(coefficients, name="log_hazard_ratio"),
        weibull_shape=params.weibull_shape,
        weibull_scale_days=params.weibull_scale_days,
        offer_effect=params.offer_effect,
        subscribers=pd.DataFrame(
            {
                "customer_id": ids[sub],
                "satisfaction_z": sat,
                "complaints": complaints.astype("int64"),
                "churn_time_days": stop,
                "censored": censored,
                "churn_time_no_offer_days": churn_no_offer,
                "saved": saved,
            }
        ),
    )
    return RetentionWorld(subscriptions, contacts, campaign, end, truth, int(seed))
