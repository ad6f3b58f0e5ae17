"""Parameters of the synthetic CRM world: ``WorldParams``, its defaults and ``param_table``.

The causal chain that these parameters drive is described in :mod:`crm_models.data.synthetic`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError

CONSTRUCT_ITEMS: dict[str, list[str]] = {
    "IMAG": [f"IMAG{i}" for i in range(1, 6)],
    "CUEX": [f"CUEX{i}" for i in range(1, 4)],
    "PERQ": [f"PERQ{i}" for i in range(1, 8)],
    "PERV": [f"PERV{i}" for i in range(1, 3)],
    "CUSA": [f"CUSA{i}" for i in range(1, 4)],
    "CUSCO": ["CUSCO"],
    "CUSL": [f"CUSL{i}" for i in range(1, 4)],
}
"""ECSI constructs in causal order and their survey items (names as in the ECSI mobi data)."""

ARMS = ("control", "offer_a", "offer_b")
LEVELS = ("acquaintance", "friend", "partner")
CONSENT_STATUSES = ("opt_in", "double_opt_in", "opt_out")


def _default_paths() -> dict[tuple[str, str], float]:
    # Standardized paths of the ECSI model, of the size seen in published applications.
    return {
        ("IMAG", "CUEX"): 0.50,
        ("IMAG", "CUSA"): 0.20,
        ("IMAG", "CUSL"): 0.20,
        ("CUEX", "PERQ"): 0.55,
        ("CUEX", "PERV"): 0.10,
        ("CUEX", "CUSA"): 0.05,
        ("PERQ", "PERV"): 0.55,
        ("PERQ", "CUSA"): 0.45,
        ("PERV", "CUSA"): 0.20,
        ("CUSA", "CUSCO"): 0.50,
        ("CUSA", "CUSL"): 0.50,
        ("CUSCO", "CUSL"): 0.10,
    }


def _default_loadings() -> dict[str, float]:
    # Standardized loadings between 0.70 and 0.90, varied so that recovery is informative.
    pattern = [0.85, 0.80, 0.75, 0.70, 0.90, 0.78, 0.82]
    out = {}
    for construct, items in CONSTRUCT_ITEMS.items():
        for k, item in enumerate(items):
            out[item] = 1.0 if construct == "CUSCO" else pattern[k % len(pattern)]
    return out


def _default_modules() -> pd.DataFrame:
    # A configurable credit-card-like product: the first level of each attribute is the
    # reference (part-worth 0, no extra cost or price).
    rows = [
        ("rate_standard", "rate", "standard", 0.0, 0.0, 0.0, 0.0),
        ("rate_low", "rate", "low", 0.60, 0.40, 6.0, 10.0),
        ("rate_intro_zero", "rate", "intro zero", 0.90, 0.50, 12.0, 18.0),
        ("fee_annual", "fee", "annual fee", 0.0, 0.0, 0.0, 0.0),
        ("fee_none", "fee", "no fee", 0.80, 0.40, 9.0, 12.0),
        ("design_classic", "design", "classic", 0.0, 0.0, 0.0, 0.0),
        ("design_premium", "design", "premium", 0.30, 0.30, 2.0, 5.0),
        ("design_photo", "design", "own photo", 0.50, 0.60, 3.0, 8.0),
        ("rewards_none", "rewards", "none", 0.0, 0.0, 0.0, 0.0),
        ("rewards_cashback", "rewards", "cashback", 0.70, 0.40, 10.0, 14.0),
        ("rewards_miles", "rewards", "miles", 0.50, 0.70, 8.0, 12.0),
    ]
    return pd.DataFrame(
        rows, columns=["module_id", "attribute", "level", "pw_mean", "pw_sd", "unit_cost", "price"]
    )


@dataclass(frozen=True)
class WorldParams:
    """Every parameter of the synthetic world, with its unit and default.

    Time: the window starts ``start_date`` and lasts ``window_weeks``; customers sign up
    uniformly over its first ``signup_weeks``. BG/NBD rates are per week.

    Parameters
    ----------
    start_date : str
        First day of the transaction window.
    window_weeks : float
        Length of the window (weeks); observation end = start + this.
    signup_weeks : float
        Customers sign up uniformly over the first this-many weeks.
    paths : dict
        (source, target) -> standardized coef.
    loadings : dict
        Item -> standardized loading.
    item_mean : float
        Survey item on the 1-10 scale = round(item_mean + item_sd * value).
    item_sd : float
        Spread of a survey item around item_mean (scale points).
    survey_share : float
        Share of customers who answer the survey.
    r : float
        Gamma shape of the purchase rate.
    alpha : float
        Gamma rate of the purchase rate (weeks); mean rate r/alpha per week.
    a : float
        Beta(a, b) dropout probability after each repeat purchase.
    b : float
        Second Beta parameter of the dropout probability.
    dropout_loyalty_corr : float
        Normal-score correlation of dropout p with loyalty.
    rate_loyalty_corr : float
        Normal-score correlation of purchase rate with loyalty.
    gg_p : float
        Gamma-Gamma shape p of spend per transaction.
    gg_q : float
        Gamma-Gamma shape q of the spend scale.
    gg_v : float
        Gamma-Gamma scale v (currency units).
    categories : tuple
        Product categories.
    category_mix : tuple
        Population purchase mix.
    different_needs_share : float
        Share of customers with idiosyncratic needs.
    similar_needs_concentration : float
        Dirichlet concentration around the mix.
    different_needs_concentration : float
        Symmetric Dirichlet for idiosyncratic needs.
    extra_quantity_mean : float
        Quantity per transaction = 1 + Poisson(this).
    channels : tuple
        Acquisition channels.
    channel_shares : tuple
        Share of customers per channel (sums to 1).
    regions : tuple
        Customer regions.
    consent_shares : tuple
        Opt_in, double_opt_in, opt_out.
    level_quantiles : tuple
        Acquaintance below the 1st, partner above the 2nd.
    campaign_arm_shares : tuple
        Control, offer_a, offer_b.
    base_logit : float
        Conversion log-odds of an average active customer, no offer.
    visit_logit_shift : float
        Visit log-odds = conversion log-odds + this.
    modules : pandas.DataFrame
        Product modules of the customization study (module_id, attribute, level, unit_cost, price).
    price_coef_median : float
        |price coefficient| median, utility per currency unit.
    price_coef_log_sd : float
        Log-normal spread of |price coefficient|.
    """

    start_date: str = "2024-01-01"  # first day of the transaction window
    window_weeks: float = 104.0  # length of the window (weeks); observation end = start + this
    signup_weeks: float = 52.0  # customers sign up uniformly over the first this-many weeks
    # ECSI structure and measurement
    paths: dict = field(default_factory=_default_paths)  # (source, target) -> standardized coef
    loadings: dict = field(default_factory=_default_loadings)  # item -> standardized loading
    item_mean: float = 6.0  # survey item on the 1-10 scale = round(item_mean + item_sd * value)
    item_sd: float = 1.5
    survey_share: float = 0.2  # share of customers who answer the survey
    # BG/NBD purchase process (weekly) and its link to loyalty
    r: float = 0.9  # Gamma shape of the purchase rate
    alpha: float = 8.0  # Gamma rate of the purchase rate (weeks); mean rate r/alpha per week
    a: float = 0.8  # Beta(a, b) dropout probability after each repeat purchase
    b: float = 2.4
    dropout_loyalty_corr: float = -0.5  # normal-score correlation of dropout p with loyalty
    rate_loyalty_corr: float = 0.0  # normal-score correlation of purchase rate with loyalty
    # Gamma-Gamma spend per transaction (currency units)
    gg_p: float = 6.25
    gg_q: float = 3.74
    gg_v: float = 15.44
    # product categories and needs
    categories: tuple = ("electronics", "books", "music", "home", "fashion", "sports")
    category_mix: tuple = (0.30, 0.25, 0.15, 0.12, 0.10, 0.08)  # population purchase mix
    different_needs_share: float = 0.30  # share of customers with idiosyncratic needs
    similar_needs_concentration: float = 40.0  # Dirichlet concentration around the mix
    different_needs_concentration: float = 0.5  # symmetric Dirichlet for idiosyncratic needs
    extra_quantity_mean: float = 0.3  # quantity per transaction = 1 + Poisson(this)
    # customers
    channels: tuple = ("web", "store", "phone")
    channel_shares: tuple = (0.5, 0.35, 0.15)
    regions: tuple = ("north", "south", "east", "west")
    consent_shares: tuple = (0.55, 0.30, 0.15)  # opt_in, double_opt_in, opt_out
    level_quantiles: tuple = (0.5, 0.85)  # acquaintance below the 1st, partner above the 2nd
    # campaign: sigmoid(base + effect); see _campaign_logits for the functional forms
    campaign_arm_shares: tuple = (1 / 3, 1 / 3, 1 / 3)  # control, offer_a, offer_b
    base_logit: float = -3.0  # conversion log-odds of an average active customer, no offer
    visit_logit_shift: float = 1.2  # visit log-odds = conversion log-odds + this
    # product modules for the customization study
    modules: pd.DataFrame = field(default_factory=_default_modules, compare=False)
    price_coef_median: float = 0.08  # |price coefficient| median, utility per currency unit
    price_coef_log_sd: float = 0.3  # log-normal spread of |price coefficient|

    def validate(self) -> None:
        """Raise ``ParameterError`` naming the first parameter out of range."""
        try:
            pd.Timestamp(self.start_date)
        except (TypeError, ValueError):
            raise ParameterError(
                "WorldParams.start_date must be a date such as '2024-01-01', "
                f"got {self.start_date!r}"
            ) from None
        quantiles = np.asarray(self.level_quantiles, dtype=float)
        if len(quantiles) != 2 or not 0 < quantiles[0] < quantiles[1] < 1:
            raise ParameterError(
                f"WorldParams.level_quantiles must be two increasing probabilities in (0, 1), "
                f"got {self.level_quantiles!r}"
            )
        positive = [
            "window_weeks",
            "signup_weeks",
            "item_sd",
            "r",
            "alpha",
            "a",
            "b",
            "gg_p",
            "gg_q",
            "gg_v",
            "similar_needs_concentration",
            "different_needs_concentration",
            "price_coef_median",
        ]
        for name in positive:
            if not getattr(self, name) > 0:
                raise ParameterError(f"WorldParams.{name} must be > 0, got {getattr(self, name)!r}")
        if self.signup_weeks >= self.window_weeks:
            raise ParameterError("WorldParams.signup_weeks must be smaller than window_weeks")
        for name in ["survey_share", "different_needs_share"]:
            if not 0 <= getattr(self, name) <= 1:
                raise ParameterError(
                    f"WorldParams.{name} must be in [0, 1], got {getattr(self, name)!r}"
                )
        for name in ["dropout_loyalty_corr", "rate_loyalty_corr"]:
            if not -1 < getattr(self, name) < 1:
                raise ParameterError(
                    f"WorldParams.{name} must be in (-1, 1), got {getattr(self, name)!r}"
                )
        for name, n in [
            ("category_mix", len(self.categories)),
            ("channel_shares", len(self.channels)),
            ("consent_shares", 3),
            ("campaign_arm_shares", 3),
        ]:
            shares = np.asarray(getattr(self, name), dtype=float)
            if len(shares) != n or np.any(shares < 0) or not np.isclose(shares.sum(), 1):
                raise ParameterError(
                    f"WorldParams.{name} must be {n} non-negative shares summing to 1"
                )
        unknown = set(self.loadings) - {i for items in CONSTRUCT_ITEMS.values() for i in items}
        if unknown:
            raise ParameterError(f"WorldParams.loadings has unknown items: {sorted(unknown)}")
        if any(not 0 < v <= 1 for v in self.loadings.values()):
            raise ParameterError("WorldParams.loadings must lie in (0, 1]")
        order = list(CONSTRUCT_ITEMS)
        for source, target in self.paths:
            if (
                source not in order
                or target not in order
                or order.index(source) >= order.index(target)
            ):
                raise ParameterError(
                    f"WorldParams.paths: {source}->{target} must join ECSI constructs "
                    f"in causal order {order}"
                )


PARAM_DESCRIPTIONS: dict[str, str] = {
    "start_date": "first day of the transaction window",
    "window_weeks": "length of the window (weeks); observation end = start_date + this",
    "signup_weeks": "customers sign up uniformly over the first this-many weeks",
    "paths": "ECSI structural model: (source, target) -> standardized path coefficient",
    "loadings": "survey item -> standardized loading on its construct",
    "item_mean": "survey item on the 1-10 scale = round(item_mean + item_sd * value)",
    "item_sd": "spread of a survey item on the 1-10 scale (see item_mean)",
    "survey_share": "share of customers who answer the survey",
    "r": "BG/NBD: Gamma shape of the weekly purchase rate",
    "alpha": "BG/NBD: Gamma rate of the purchase rate (weeks); mean rate r/alpha per week",
    "a": "BG/NBD: Beta(a, b) dropout probability after each repeat purchase",
    "b": "BG/NBD: second Beta parameter of the dropout probability",
    "dropout_loyalty_corr": "normal-score correlation of the dropout probability with loyalty",
    "rate_loyalty_corr": "normal-score correlation of the purchase rate with loyalty",
    "gg_p": "Gamma-Gamma: shape p of each transaction amount (mean spend p/nu)",
    "gg_q": "Gamma-Gamma: shape q of the customer's scale nu",
    "gg_v": "Gamma-Gamma: rate v of the customer's scale nu",
    "categories": "product categories bought",
    "category_mix": "population purchase mix over the categories",
    "different_needs_share": "share of customers with idiosyncratic needs",
    "similar_needs_concentration": "Dirichlet concentration of similar needs around the mix",
    "different_needs_concentration": "symmetric Dirichlet concentration of idiosyncratic needs",
    "extra_quantity_mean": "quantity per transaction = 1 + Poisson(this)",
    "channels": "acquisition channels",
    "channel_shares": "share of customers per channel",
    "regions": "regions (equally likely)",
    "consent_shares": "shares of opt_in, double_opt_in, opt_out",
    "level_quantiles": "relationship level: acquaintance below the 1st, partner above the 2nd",
    "campaign_arm_shares": "randomization shares of control, offer_a, offer_b",
    "base_logit": "conversion log-odds of an average active customer without offer",
    "visit_logit_shift": "visit log-odds = conversion log-odds + this",
    "modules": "product modules: module_id, attribute, level, part-worth mean/sd, cost, price",
    "price_coef_median": "median |price coefficient| (utility per currency unit)",
    "price_coef_log_sd": "log-normal spread of |price coefficient|",
}
"""One line per ``WorldParams`` field (``param_table`` shows them with values and defaults)."""


def _param_text(value) -> object:
    if isinstance(value, dict):
        return f"{len(value)} entries"
    if isinstance(value, pd.DataFrame):
        return f"{len(value)} rows"
    return value


def param_table(params: WorldParams | None = None) -> pd.DataFrame:
    """Every parameter of ``params``: name, value, default and description, for reports.

    Dict and table parameters (``paths``, ``loadings``, ``modules``) show their size; their
    content is in ``WorldTruth`` (``paths``, ``loadings``) and the ``products`` table.
    """
    params = params or WorldParams()
    defaults = WorldParams()
    rows = [
        (
            f.name,
            _param_text(getattr(params, f.name)),
            _param_text(getattr(defaults, f.name)),
            PARAM_DESCRIPTIONS.get(f.name, ""),
        )
        for f in fields(params)
    ]
    return pd.DataFrame(rows, columns=["parameter", "value", "default", "description"])
