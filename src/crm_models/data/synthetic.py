"""The synthetic CRM world: a customer base simulated from explicit parameters, with its truth.

One seeded generator, ``simulate_world(n_customers, seed, params)``, returns the canonical tables
(customers, transactions, survey, campaign, products) and a ``WorldTruth`` holding every
parameter and latent quantity that produced them, so that each model can be tested by
recovering what was put in. Everything is vectorized: 1M customers / ~5M transactions take
a few seconds on two cores.

The causal chain (all parameters in ``WorldParams``, defaults below):

1. **Satisfaction structure (ECSI).** Standardized latent scores for image (IMAG),
   expectation (CUEX), perceived quality (PERQ), perceived value (PERV), satisfaction (CUSA),
   complaints (CUSCO) and loyalty (CUSL) follow a recursive linear structural model with
   standardized path coefficients ``paths``; disturbance variances are set so that every
   latent has unit variance. Survey items are ``loading * latent + sqrt(1 - loading²) * noise``
   (``loadings``), then put on the 1–10 scale as ``round(item_mean + item_sd * value)`` clipped
   to [1, 10]. CUSCO is a single item measured without error (loading 1).
2. **Purchases (BG/NBD).** Each customer's purchase rate ``lam`` (per week) is Gamma(r, alpha)
   and dropout probability ``p`` is Beta(a, b) — exactly, marginally. Loyalty enters through a
   Gaussian copula: the normal score of ``p`` correlates ``dropout_loyalty_corr`` with CUSL and
   that of ``lam`` correlates ``rate_loyalty_corr``. With ``rate_loyalty_corr = 0`` (default)
   ``lam`` and ``p`` are independent, as BG/NBD assumes. The first purchase happens at signup;
   repeat purchases follow a Poisson process; after each repeat purchase the customer drops
   out with probability ``p``.
3. **Spend (Gamma-Gamma).** Each customer's scale ``nu`` is Gamma(q, v) and each transaction's
   amount is Gamma(p, nu) — mean spend ``p / nu``; independent of purchase behaviour.
4. **Product mix / needs.** A share ``different_needs_share`` of customers have idiosyncratic
   needs (category shares ~ Dirichlet(``different_needs_concentration``)); the others buy close
   to the population mix (Dirichlet(``similar_needs_concentration`` × mix)).
5. **Relationship level and consent.** Level: acquaintance / friend / partner by thresholds on
   ``0.8·CUSL + 0.6·noise`` at the standard-normal quantiles ``level_quantiles``. Consent:
   opt-in, double opt-in (confirmed) or opt-out (dated between signup and observation end).
6. **Campaign.** At the end of the window, every customer who has not opted out is randomized
   to control / offer_a / offer_b (``campaign_arm_shares``). Conversion probability is
   ``sigmoid(base + effect_arm)`` where ``base`` depends on observable behaviour and
   ``effect_arm`` is the documented heterogeneous uplift (see ``_campaign_logits``). Visits
   happen with their own probability or when the customer converts. Spend on conversion is
   one transaction amount from the customer's Gamma-Gamma process.
7. **Preferences over product modules.** Each customer has part-worths for the modules of a
   configurable product (reference level of each attribute = 0) drawn from
   N(mean, sd²) and a negative price coefficient (log-normal magnitude).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from crm_models.data.world_params import (
    ARMS,
    CONSENT_STATUSES,
    CONSTRUCT_ITEMS,
    LEVELS,
    PARAM_DESCRIPTIONS,
    WorldParams,
    param_table,
)
from crm_models.defaults import DEFAULT_N_CUSTOMERS, DEFAULT_SEED
from crm_models.errors import ParameterError

__all__ = [
    "ARMS",
    "CONSENT_STATUSES",
    "CONSTRUCT_ITEMS",
    "DEFAULT_N_CUSTOMERS",
    "DEFAULT_SEED",
    "LEVELS",
    "PARAM_DESCRIPTIONS",
    "World",
    "WorldParams",
    "WorldTruth",
    "latent_covariance",
    "param_table",
    "simulate_world",
]


@dataclass(frozen=True)
class WorldTruth:
    """The ground truth behind a simulated world (see the module docstring for definitions)."""

    params: WorldParams
    paths: pd.DataFrame  # source, target, coefficient (standardized)
    loadings: pd.DataFrame  # item, construct, loading (standardized, before 1-10 rounding)
    latents: pd.DataFrame  # customer_id + one standardized score per construct
    purchase: pd.DataFrame  # customer_id, lam, p_dropout, nu, alive_at_end, dropout_time
    bgnbd: dict  # r, alpha, a, b (weekly)
    gamma_gamma: dict  # p, q, v
    uplift: pd.DataFrame  # customer_id, p_control, p_offer_a, p_offer_b, uplift_offer_*, ...
    needs_type: pd.Series  # customer_id -> 'similar' / 'different'
    category_shares: pd.DataFrame  # customer_id × category: the customer's true purchase mix
    part_worths: pd.DataFrame  # customer_id × module_id part-worths, plus price_coef
    part_worth_means: pd.Series  # module_id -> population mean part-worth
    price_coef_mean: float  # population mean of the price coefficient


@dataclass(frozen=True)
class World:
    """A simulated customer base: the canonical tables plus ``truth``.

    Attributes
    ----------
    customers, transactions, survey, campaign, products : pandas.DataFrame
        The canonical tables (see ``crm_models.data.schemas``).
    observation_end, truth, seed : pandas.Timestamp, WorldTruth, int
        End of the observation window; the true parameters and per-customer values behind
        the tables; the generator seed.
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    survey: pd.DataFrame
    campaign: pd.DataFrame
    products: pd.DataFrame
    observation_end: pd.Timestamp
    truth: WorldTruth
    seed: int

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the canonical tables by name, as the warehouse stores them.

        Returns
        -------
        dict of str to pandas.DataFrame
            customers, transactions, survey, campaign, products.
        """
        return {
            "customers": self.customers,
            "transactions": self.transactions,
            "survey": self.survey,
            "campaign": self.campaign,
            "products": self.products,
        }


def latent_covariance(paths: dict[tuple[str, str], float]) -> tuple[np.ndarray, np.ndarray]:
    """Implied correlation matrix of the ECSI latents and each latent's disturbance variance.

    Disturbance variances are chosen so every latent has unit variance. Returns
    ``(sigma, psi)`` with shapes (7, 7) and (7,), in ``CONSTRUCT_ITEMS`` order.
    """
    names = list(CONSTRUCT_ITEMS)
    k = len(names)
    coef = np.zeros((k, k))  # coef[target, source]
    for (source, target), value in paths.items():
        coef[names.index(target), names.index(source)] = value
    sigma = np.zeros((k, k))
    psi = np.zeros(k)
    for j in range(k):
        beta = coef[j, :j]
        explained = float(beta @ sigma[:j, :j] @ beta)
        psi[j] = 1.0 - explained
        if psi[j] <= 0:
            raise ParameterError(
                f"WorldParams.paths: the paths into {names[j]} explain {explained:.2f} > 1 of its "
                "variance; make them smaller"
            )
        sigma[j, :j] = sigma[:j, j] = beta @ sigma[:j, :j]
        sigma[j, j] = 1.0
    return sigma, psi


def _simulate_latents(n: int, params: WorldParams, rng: np.random.Generator) -> np.ndarray:
    names = list(CONSTRUCT_ITEMS)
    _, psi = latent_covariance(params.paths)
    eta = np.zeros((n, len(names)))
    for j, target in enumerate(names):
        systematic = sum(
            value * eta[:, names.index(source)]
            for (source, tgt), value in params.paths.items()
            if tgt == target
        )
        eta[:, j] = systematic + np.sqrt(psi[j]) * rng.standard_normal(n)
    return eta


def _simulate_items(eta: np.ndarray, params: WorldParams, rng: np.random.Generator) -> pd.DataFrame:
    names = list(CONSTRUCT_ITEMS)
    columns = {}
    for construct, items in CONSTRUCT_ITEMS.items():
        latent = eta[:, names.index(construct)]
        for item in items:
            lam = params.loadings[item]
            value = lam * latent + np.sqrt(1 - lam**2) * rng.standard_normal(len(latent))
            columns[item] = np.clip(
                np.rint(params.item_mean + params.item_sd * value), 1, 10
            ).astype("int64")
    return pd.DataFrame(columns)


def _copula_uniform(driver: np.ndarray, corr: float, rng: np.random.Generator) -> np.ndarray:
    """Uniforms whose normal scores correlate ``corr`` with the standard-normal ``driver``."""
    z = corr * driver + np.sqrt(1 - corr**2) * rng.standard_normal(len(driver))
    return special.ndtr(z)


def _group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sums that restart at each group; groups are consecutive runs of ``counts``."""
    total = np.cumsum(values)
    starts = np.cumsum(counts) - counts
    before = np.concatenate([[0.0], total])[starts]
    return total - np.repeat(before, counts)


def _simulate_purchases(lam, p, horizon, rng):
    """Repeat-purchase times (weeks after the first purchase) of a BG/NBD process.

    Returns ``(counts, times, alive, dropout_time)``: ``counts[i]`` repeat purchases in
    ``[0, horizon[i]]``, ``times`` concatenated per customer in increasing order.
    Exact method: with N ~ Poisson(lam·T) events on [0, T] and K ~ Geometric(p) purchases before
    dropout, the customer makes x = min(N, K) repeat purchases at the first x order statistics
    of N uniforms on [0, T], drawn as normalized exponential spacings.
    """
    n_events = rng.poisson(lam * horizon)
    k_before_dropout = rng.geometric(np.clip(p, 1e-12, 1.0))
    counts = np.minimum(n_events, k_before_dropout)
    spacings = rng.standard_exponential(int(counts.sum()))
    partial = _group_cumsum(spacings, counts)
    owner = np.repeat(np.arange(len(counts)), counts)
    group_sum = np.bincount(owner, weights=spacings, minlength=len(counts))
    remainder = rng.gamma(shape=n_events - counts + 1.0)
    normalizer = group_sum + remainder
    times = np.repeat(horizon / normalizer, counts) * partial
    alive = k_before_dropout > n_events
    dropout_time = np.where(alive, np.inf, _last_of_groups(times, counts))
    return counts, times, alive, dropout_time


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return special.expit(x)


def _campaign_logits(frequency, weeks_since_last, level, channel, alive, params):
    """Conversion log-odds without offer (``base``) and the true effect of each offer.

    - base = base_logit + 0.35·z(log1p frequency) − 0.25·z(weeks since last purchase)
      − 1.0·[dropped out]
    - offer_a (a discount): effect = 0.9 − 0.5·z(log1p frequency) — works best on infrequent
      buyers, barely on the frequent ones;
    - offer_b (a loyalty reward): effect = −0.3 + 0.5·[friend] + 0.9·[partner] + 0.3·[web] —
      negative for web-less acquaintances ("sleeping dogs"), strongest for partners.
    """
    z_freq = np.log1p(frequency)
    z_freq = (z_freq - z_freq.mean()) / (z_freq.std() or 1.0)
    z_rec = (weeks_since_last - weeks_since_last.mean()) / (weeks_since_last.std() or 1.0)
    base = params.base_logit + 0.35 * z_freq - 0.25 * z_rec - 1.0 * (~alive)
    effect_a = 0.9 - 0.5 * z_freq
    effect_b = (
        -0.3 + 0.5 * (level == "friend") + 0.9 * (level == "partner") + 0.3 * (channel == "web")
    )
    return base, effect_a, effect_b


def simulate_world(
    n_customers: int = 10_000, seed: int = 0, params: WorldParams | None = None
) -> World:
    """Simulate ``n_customers`` customers with generator seed ``seed``; deterministic per seed.

    Parameters
    ----------
    n_customers, seed : int, default 10000, 0
        Customers to simulate (>= 10) and generator seed (>= 0).
    params : WorldParams, optional
        The world's parameters (default: ``WorldParams()``).

    Returns
    -------
    World
        The canonical tables, the observation end and the ground truth.
    """
    params = params or WorldParams()
    if not isinstance(n_customers, (int, np.integer)) or n_customers < 10:
        raise ParameterError(f"n_customers must be an integer >= 10, got {n_customers!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    params.validate()
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    customer_id = np.arange(1, n + 1, dtype="int64")
    start = pd.Timestamp(params.start_date)
    observation_end = start + pd.Timedelta(weeks=params.window_weeks)
    names = list(CONSTRUCT_ITEMS)

    # 1. satisfaction structure
    eta = _simulate_latents(n, params, rng)
    loyalty = eta[:, names.index("CUSL")]

    # 2. purchases (weekly BG/NBD); first purchase at signup
    signup_week = rng.uniform(0, params.signup_weeks, n)
    horizon = params.window_weeks - signup_week
    lam = (
        special.gammaincinv(params.r, _copula_uniform(loyalty, params.rate_loyalty_corr, rng))
        / params.alpha
    )
    p = special.betaincinv(
        params.a, params.b, _copula_uniform(loyalty, params.dropout_loyalty_corr, rng)
    )
    counts, repeat_times, alive, dropout_time = _simulate_purchases(lam, p, horizon, rng)
    n_tx = counts + 1
    tx_customer = np.repeat(np.arange(n), n_tx)
    first_index = np.cumsum(n_tx) - n_tx
    tx_week = np.repeat(signup_week, n_tx)
    is_repeat = np.ones(len(tx_customer), dtype=bool)
    is_repeat[first_index] = False
    tx_week[is_repeat] += repeat_times

    # 3. spend
    nu = rng.gamma(params.gg_q, 1.0 / params.gg_v, n)
    amount = np.round(rng.gamma(params.gg_p, 1.0 / nu[tx_customer]), 2)
    amount = np.maximum(amount, 0.01)

    # 4. product mix and needs
    different = rng.random(n) < params.different_needs_share
    mix = np.asarray(params.category_mix)
    k = len(mix)
    concentration = np.where(
        different[:, None],
        params.different_needs_concentration,
        params.similar_needs_concentration * mix[None, :],
    )
    gamma_draws = rng.gamma(concentration)
    shares = gamma_draws / gamma_draws.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(shares, axis=1)
    u = rng.random(len(tx_customer))
    category_index = np.minimum((u[:, None] > cumulative[tx_customer]).sum(axis=1), k - 1)
    quantity = 1 + rng.poisson(params.extra_quantity_mean, len(tx_customer))

    # 5. customers: channel, region, level, consent
    channel_code = rng.choice(len(params.channels), n, p=params.channel_shares)
    channel = np.asarray(params.channels)[channel_code]
    region_code = rng.integers(0, len(params.regions), n)
    level_score = 0.8 * loyalty + 0.6 * rng.standard_normal(n)
    cuts = special.ndtri(np.asarray(params.level_quantiles))
    level_code = np.searchsorted(cuts, level_score)
    level = np.asarray(LEVELS)[level_code]
    consent_code = rng.choice(3, n, p=params.consent_shares)
    consent = np.asarray(CONSENT_STATUSES)[consent_code]
    signup_date = _weeks_to_timestamps(start, signup_week)
    optout_week = signup_week + rng.random(n) * (params.window_weeks - signup_week)
    consent_week = np.where(consent == "opt_out", optout_week, signup_week)
    consent_date = _weeks_to_timestamps(start, consent_week)

    customers = pd.DataFrame(
        {
            "customer_id": customer_id,
            "signup_date": signup_date,
            "channel": pd.Categorical.from_codes(channel_code, categories=list(params.channels)),
            "region": pd.Categorical.from_codes(region_code, categories=list(params.regions)),
            "consent_status": pd.Categorical.from_codes(
                consent_code, categories=list(CONSENT_STATUSES)
            ),
            "consent_date": consent_date,
            "relationship_level": pd.Categorical.from_codes(level_code, categories=list(LEVELS)),
        }
    )
    transactions = pd.DataFrame(
        {
            "customer_id": customer_id[tx_customer],
            "timestamp": _weeks_to_timestamps(start, tx_week),
            "amount": amount,
            "quantity": quantity.astype("int64"),
            "product": pd.Categorical.from_codes(
                category_index, categories=list(params.categories)
            ),
        }
    )

    # survey respondents
    items = _simulate_items(eta, params, rng)
    respondents = np.sort(rng.choice(n, int(round(params.survey_share * n)), replace=False))
    survey = pd.concat(
        [
            pd.DataFrame({"customer_id": customer_id[respondents]}),
            items.iloc[respondents].reset_index(drop=True),
        ],
        axis=1,
    )

    # 6. campaign: randomized among customers who did not opt out
    last_week = signup_week + np.where(counts > 0, _last_of_groups(repeat_times, counts), 0.0)
    weeks_since_last = params.window_weeks - last_week
    base, effect_a, effect_b = _campaign_logits(
        counts, weeks_since_last, level, channel, alive, params
    )
    p_control = _sigmoid(base)
    p_offer_a = _sigmoid(base + effect_a)
    p_offer_b = _sigmoid(base + effect_b)
    p_visit_only = [
        _sigmoid(base + params.visit_logit_shift + e) for e in (0.0, effect_a, effect_b)
    ]
    eligible = np.flatnonzero(consent != "opt_out")
    arm_index = rng.choice(3, len(eligible), p=params.campaign_arm_shares)
    p_conv = np.stack([p_control, p_offer_a, p_offer_b])[arm_index, eligible]
    p_vis = np.stack(p_visit_only)[arm_index, eligible]
    conversion = rng.random(len(eligible)) < p_conv
    visit = (rng.random(len(eligible)) < p_vis) | conversion
    spend = np.where(conversion, np.round(rng.gamma(params.gg_p, 1.0 / nu[eligible]), 2), 0.0)
    campaign = pd.DataFrame(
        {
            "customer_id": customer_id[eligible],
            "arm": pd.Categorical.from_codes(arm_index, categories=list(ARMS)),
            "sent_date": observation_end,
            "visit": visit.astype("int64"),
            "conversion": conversion.astype("int64"),
            "spend": spend,
        }
    )

    # 7. preferences over product modules
    modules = params.modules
    pw = modules["pw_mean"].to_numpy() + modules["pw_sd"].to_numpy() * rng.standard_normal(
        (n, len(modules))
    )
    price_coef = -params.price_coef_median * np.exp(
        params.price_coef_log_sd * rng.standard_normal(n)
    )
    part_worths = pd.DataFrame(pw, columns=modules["module_id"].to_list())
    part_worths.insert(0, "customer_id", customer_id)
    part_worths["price_coef"] = price_coef
    products = modules[["module_id", "attribute", "level", "unit_cost", "price"]].copy()

    truth = WorldTruth(
        params=params,
        paths=pd.DataFrame(
            [(s, t, c) for (s, t), c in params.paths.items()],
            columns=["source", "target", "coefficient"],
        ),
        loadings=pd.DataFrame(
            [
                (item, construct, params.loadings[item])
                for construct, its in CONSTRUCT_ITEMS.items()
                for item in its
            ],
            columns=["item", "construct", "loading"],
        ),
        latents=pd.concat(
            [pd.DataFrame({"customer_id": customer_id}), pd.DataFrame(eta, columns=names)], axis=1
        ),
        purchase=pd.DataFrame(
            {
                "customer_id": customer_id,
                "lam": lam,
                "p_dropout": p,
                "nu": nu,
                "alive_at_end": alive,
                "dropout_time": dropout_time,
            }
        ),
        bgnbd={"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b},
        gamma_gamma={"p": params.gg_p, "q": params.gg_q, "v": params.gg_v},
        uplift=pd.DataFrame(
            {
                "customer_id": customer_id,
                "p_control": p_control,
                "p_offer_a": p_offer_a,
                "p_offer_b": p_offer_b,
                "uplift_offer_a": p_offer_a - p_control,
                "uplift_offer_b": p_offer_b - p_control,
                "p_visit_control": 1 - (1 - p_visit_only[0]) * (1 - p_control),
                "p_visit_offer_a": 1 - (1 - p_visit_only[1]) * (1 - p_offer_a),
                "p_visit_offer_b": 1 - (1 - p_visit_only[2]) * (1 - p_offer_b),
                "expected_spend": params.gg_p / nu,
            }
        ),
        needs_type=pd.Series(
            np.where(different, "different", "similar"), index=customer_id, name="needs_type"
        ).rename_axis("customer_id"),
        category_shares=pd.DataFrame(
            shares, columns=list(params.categories), index=pd.Index(customer_id, name="customer_id")
        ),
        part_worths=part_worths,
        part_worth_means=modules.set_index("module_id")["pw_mean"],
        price_coef_mean=float(-params.price_coef_median * np.exp(params.price_coef_log_sd**2 / 2)),
    )
    return World(
        customers, transactions, survey, campaign, products, observation_end, truth, int(seed)
    )


def _weeks_to_timestamps(start: pd.Timestamp, weeks: np.ndarray) -> np.ndarray:
    """``start`` plus ``weeks`` (float), rounded to the second, as datetime64[ns]."""
    seconds = np.rint(weeks * 7 * 86400).astype("int64")
    return (
        start.to_datetime64().astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    ).astype("datetime64[ns]")


def _last_of_groups(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Last value of each consecutive group (0 for empty groups), shape (len(counts),)."""
    out = np.zeros(len(counts))
    ends = np.cumsum(counts) - 1
    has = counts > 0
    out[has] = values[ends[has]]
    return out
