"""The four faces of customization (Gilmore & Pine 1997) as parameter sets of one profit model.

A face is defined by *what changes* and *how the firm learns the customer's needs*:

| face          | product changes | representation changes | learns needs by          |
|---------------|-----------------|------------------------|--------------------------|
| adaptive      | no (user adjusts a standard product) | no        | — (does not remember)    |
| cosmetic      | no              | yes (packaging, naming) | — (does not remember)   |
| collaborative | yes             | yes                    | dialogue (asks)          |
| transparent   | yes             | no                     | observation (no asking)  |

Every number of the comparison table is derived from these primitives and the parameters of
``FaceEconomics`` (documented defaults, one period = one year):

- **Implementation cost** = fixed cost of each capability the face needs (adjustability,
  per-customer representation, make-to-order production, dialogue, observation) + the present
  value of its per-order costs over the customer lifetime (currency, for ``n_customers``).
- **Ease of imitation** = the rate at which competitors copy the offer and erode its price
  premium, ``imitation_rate · exp(−barrier)``; the barrier adds ``barrier_product`` when the
  product changes, ``barrier_representation`` when the representation changes and
  ``barrier_memory`` when the firm remembers the customer (per period).
- **Closeness** = accuracy of the needs knowledge the firm keeps about the customer (0 for a
  face that does not remember; ``knowledge_dialogue`` / ``knowledge_observation``).
- Closeness raises **retention** (``base_retention + retention_gain · closeness``) and
  protects a share ``switching_protection · closeness`` of the premium from imitators
  (switching cost: a competitor copying the offer does not know this customer).
- Fit delivered (``fit_capture``): the share of the potential fit gain the face realizes —
  ``knowledge_*`` when the product changes, ``fit_self_adjust`` for adaptive,
  ``fit_representation`` for cosmetic.

Per customer the premium in period ``t`` is ``π·(ψ + (1 − ψ)·exp(−λ t))`` with
``π = premium_share · fit_capture · fit_value``; margin ``m + premium − order cost``; the
customer survives to ``t`` with probability ``r**t``; cash flows are discounted at
``annual_discount_rate`` over ``horizon_years`` periods. **Profit** = ``n_customers`` × PV −
fixed cost,
relative to the standard (non-customized) product. **Competitive advantage** = the
incremental contribution per customer acquired that is still earned in the last period of
the horizon, after imitators have caught up (sustained advantage, currency).

Table labels are relative among the four faces: the 4-level columns (implementation cost,
ease of imitation) are labelled by rank (low < fairly low < fairly high < high), the 2-level
columns (closeness, competitive advantage) low/high by the midpoint of the four values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError

__all__ = [
    "FACES",
    "SEED_TABLE",
    "STANDARD",
    "Face",
    "FaceEconomics",
    "face_of",
]


@dataclass(frozen=True)
class Face:
    """A customization type by what changes and how the firm learns (see module docstring).

    Parameters
    ----------
    name : str
        Name of the face ("adaptive", "cosmetic", "collaborative", "transparent", "standard").
    product_changes : bool
        The product itself is changed per customer.
    representation_changes : bool
        Its presentation (packaging, name, terms shown) is changed per customer.
    learns : {"none", "dialogue", "observation"}
        How the firm learns the customer's needs.
    user_adjusts : bool, default False
        Users adjust the standard product themselves (adaptive).
    """

    name: str
    product_changes: bool
    representation_changes: bool
    learns: str  # 'none' | 'dialogue' | 'observation'
    user_adjusts: bool = False


FACES: dict[str, Face] = {
    "adaptive": Face("adaptive", False, False, "none", user_adjusts=True),
    "cosmetic": Face("cosmetic", False, True, "none"),
    "collaborative": Face("collaborative", True, True, "dialogue"),
    "transparent": Face("transparent", True, False, "observation"),
}
"""The four faces in the seed's order (adaptive, cosmetic, collaborative, transparent)."""

STANDARD = Face("standard", False, False, "none")
"""The non-customized standard product (the baseline every face is compared with)."""

SEED_TABLE = pd.DataFrame(
    {
        "implementation_cost": ["low", "fairly low", "high", "fairly high"],
        "ease_of_imitation": ["high", "fairly high", "low", "fairly low"],
        "closeness": ["low", "low", "high", "high"],
        "competitive_advantage": ["low", "low", "high", "high"],
    },
    index=pd.Index(list(FACES), name="face"),
)
"""Seed 002's comparison table (不同定制类型间的比较), for checking the model's output."""


def face_of(name: str) -> Face:
    """Return the face called ``name`` (``"standard"`` or one of ``FACES``).

    Parameters
    ----------
    name : str
        Face name.

    Returns
    -------
    Face
        The face's definition.
    """
    if name == "standard":
        return STANDARD
    if name not in FACES:
        raise ParameterError(f"face: expected 'standard' or one of {list(FACES)}, got {name!r}")
    return FACES[name]


@dataclass(frozen=True, repr=False)
class FaceEconomics:
    """Parameters of the face profit model (dollars; one period = one year).

    Fixed costs are one-off (dollars), order costs per order (dollars/order), rates per
    period. Defaults describe a mid-size consumer business; see the module docstring. The
    repr shows only the parameters changed from these defaults.

    Parameters
    ----------
    cost_flexibility : float, default 40,000
        One-off cost of building user adjustability into the standard product (dollars).
    cost_representation : float, default 60,000
        One-off cost of a per-customer packaging / presentation system (dollars).
    cost_product : float, default 250,000
        One-off cost of modular make-to-order production (dollars).
    cost_dialogue : float, default 150,000
        One-off cost of a design dialogue: configurator, trained staff (dollars).
    cost_observation : float, default 120,000
        One-off cost of tracking and analytics to infer needs unasked (dollars).
    order_cost_representation, order_cost_product : float
        Cost per order of a changed presentation / product (dollars; defaults 0.5, 2).
    order_cost_dialogue, order_cost_observation : float
        Cost per order of the dialogue / of observation (dollars; defaults 3, 0.5).
    fit_self_adjust : float, default 0.6
        Share in [0, 1] of the potential fit gain users reach by adjusting themselves.
    fit_representation : float, default 0.25
        Share in [0, 1] of the fit gain perceived from presentation only.
    knowledge_dialogue : float, default 1.0
        Accuracy in [0, 1] of needs learnt by asking.
    knowledge_observation : float, default 0.85
        Accuracy in [0, 1] of needs inferred from behaviour.
    imitation_rate : float, default 1.0
        Rate per year at which competitors copy an offer with no barrier at all.
    barrier_product, barrier_representation, barrier_memory : float
        Imitation barriers of a changed product, a changed presentation and remembered
        needs (the rate is multiplied by ``exp(-barrier)``; defaults 1, 0.3, 1).
    base_retention : float, default 0.70
        Yearly retention probability of the standard product.
    retention_gain : float, default 0.15
        Retention added at closeness 1 (``base_retention + retention_gain < 1``).
    switching_protection : float, default 0.5
        Share in [0, 1] of the premium imitators cannot take, at closeness 1.
    horizon_years : int, default 5
        Planning horizon in years.
    annual_discount_rate : float, default 0.10
        Yearly discount rate.
    """

    # one-off capability costs
    cost_flexibility: float = 40_000.0  # build user adjustability into the standard product
    cost_representation: float = 60_000.0  # per-customer packaging / presentation system
    cost_product: float = 250_000.0  # modular make-to-order production
    cost_dialogue: float = 150_000.0  # design dialogue: configurator, trained staff
    cost_observation: float = 120_000.0  # tracking and analytics to infer needs unasked
    # per-order costs
    order_cost_representation: float = 0.5
    order_cost_product: float = 2.0
    order_cost_dialogue: float = 3.0
    order_cost_observation: float = 0.5
    # fit delivered (share of the potential fit gain)
    fit_self_adjust: float = 0.6  # adaptive: users adjust the product themselves
    fit_representation: float = 0.25  # cosmetic: perceived fit from presentation only
    knowledge_dialogue: float = 1.0  # accuracy of needs learnt by asking
    knowledge_observation: float = 0.85  # accuracy of needs inferred from behaviour
    # imitation
    imitation_rate: float = 1.0  # per period, for an offer with no barrier at all
    barrier_product: float = 1.0
    barrier_representation: float = 0.3
    barrier_memory: float = 1.0
    # closeness -> retention, switching cost
    base_retention: float = 0.70  # per period, standard product
    retention_gain: float = 0.15  # added retention at closeness 1
    switching_protection: float = 0.5  # share of the premium imitators cannot take, closeness 1
    # time
    horizon_years: int = 5  # periods (years)
    annual_discount_rate: float = 0.10  # per period (year)

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not np.isfinite(value) or value < 0:
                raise ParameterError(
                    f"FaceEconomics.{name}: expected a finite number >= 0, got {value}"
                )
        for name in (
            "fit_self_adjust",
            "fit_representation",
            "knowledge_dialogue",
            "knowledge_observation",
            "switching_protection",
        ):
            if getattr(self, name) > 1:
                raise ParameterError(
                    f"FaceEconomics.{name}: expected a share in [0, 1], got {getattr(self, name)}"
                )
        if self.base_retention + self.retention_gain >= 1:
            raise ParameterError(
                "FaceEconomics: base_retention + retention_gain must be < 1, got "
                f"{self.base_retention} + {self.retention_gain}"
            )
        if self.horizon_years < 1 or int(self.horizon_years) != self.horizon_years:
            raise ParameterError(
                f"FaceEconomics.horizon_years: expected an integer >= 1, got {self.horizon_years}"
            )

    def __repr__(self) -> str:
        defaults = FaceEconomics.__dataclass_fields__
        changed = [
            f"{name}={value!r}"
            for name, value in asdict(self).items()
            if value != defaults[name].default
        ]
        return f"FaceEconomics({', '.join(changed) or 'defaults'})"

    def with_(self, **changes) -> FaceEconomics:
        """Return a copy with some parameters changed (validated).

        Parameters
        ----------
        **changes
            New values of any constructor parameter; unknown names are refused.

        Returns
        -------
        FaceEconomics
            The changed copy.
        """
        unknown = set(changes) - set(asdict(self))
        if unknown:
            raise ParameterError(f"FaceEconomics: unknown parameter(s) {sorted(unknown)}")
        return replace(self, **changes)

    # --------------------------------------------------------- face primitives
    def fixed_cost(self, face: Face) -> float:
        """Return the one-off implementation cost of the capabilities ``face`` needs.

        Parameters
        ----------
        face : Face
            The customization type (one of :data:`FACES`, or ``face_of("standard")``).

        Returns
        -------
        float
            Dollars.
        """
        cost = 0.0
        cost += self.cost_flexibility * face.user_adjusts
        cost += self.cost_representation * face.representation_changes
        cost += self.cost_product * face.product_changes
        cost += {"none": 0.0, "dialogue": self.cost_dialogue, "observation": self.cost_observation}[
            face.learns
        ]
        return cost

    def order_cost(self, face: Face) -> float:
        """Return the per-order customization cost of ``face``.

        Parameters
        ----------
        face : Face
            The customization type (one of :data:`FACES`, or ``face_of("standard")``).

        Returns
        -------
        float
            Dollars per order.
        """
        cost = self.order_cost_representation * face.representation_changes
        cost += self.order_cost_product * face.product_changes
        cost += {
            "none": 0.0,
            "dialogue": self.order_cost_dialogue,
            "observation": self.order_cost_observation,
        }[face.learns]
        return cost

    def closeness(self, face: Face) -> float:
        """Return the accuracy of the remembered needs knowledge (0 = the firm does not remember).

        Parameters
        ----------
        face : Face
            The customization type (one of :data:`FACES`, or ``face_of("standard")``).

        Returns
        -------
        float
            Share in [0, 1].
        """
        return {
            "none": 0.0,
            "dialogue": self.knowledge_dialogue,
            "observation": self.knowledge_observation,
        }[face.learns]

    def fit_capture(self, face: Face) -> float:
        """Return the share of the potential fit gain the face delivers.

        Parameters
        ----------
        face : Face
            The customization type (one of :data:`FACES`, or ``face_of("standard")``).

        Returns
        -------
        float
            Share in [0, 1].
        """
        if face.product_changes:
            return self.closeness(face)
        if face.user_adjusts:
            return self.fit_self_adjust
        if face.representation_changes:
            return self.fit_representation
        return 0.0

    def imitation(self, face: Face) -> float:
        """Return the rate at which imitators erode the premium: ``rate · exp(−barrier)``.

        Parameters
        ----------
        face : Face
            The customization type (one of :data:`FACES`, or ``face_of("standard")``).

        Returns
        -------
        float
            Rate per year.
        """
        barrier = (
            self.barrier_product * face.product_changes
            + self.barrier_representation * face.representation_changes
            + self.barrier_memory * (face.learns != "none")
        )
        return self.imitation_rate * float(np.exp(-barrier))

    def retention(self, face: Face) -> float:
        """Return the yearly retention probability under ``face``.

        Parameters
        ----------
        face : Face
            The customization type (one of :data:`FACES`, or ``face_of("standard")``).

        Returns
        -------
        float
            Probability in [0, 1).
        """
        return self.base_retention + self.retention_gain * self.closeness(face)

    def protection(self, face: Face) -> float:
        """Return the share of the premium protected from imitators by switching cost.

        Parameters
        ----------
        face : Face
            The customization type (one of :data:`FACES`, or ``face_of("standard")``).

        Returns
        -------
        float
            Share in [0, 1].
        """
        return self.switching_protection * self.closeness(face)

    def lifetime_factors(self, face: Face) -> pd.Series:
        """Present-value factors of one acquired customer over the horizon.

        Parameters
        ----------
        face : Face
            The customization type.

        Returns
        -------
        pandas.Series
            ``customer`` (A: PV of 1 per period with retention), ``premium`` (E: PV of the
            eroded premium per unit of initial premium) and ``annuity`` (D: plain annuity, no
            retention), in that order (so ``a, e, d = lifetime_factors(face)`` unpacks them).
        """
        t = np.arange(int(self.horizon_years))
        disc = (1 + self.annual_discount_rate) ** -t
        surv = self.retention(face) ** t
        psi, lam = self.protection(face), self.imitation(face)
        erosion = psi + (1 - psi) * np.exp(-lam * t)
        return pd.Series(
            [float((surv * disc).sum()), float((surv * disc * erosion).sum()), float(disc.sum())],
            index=["customer", "premium", "annuity"],
        )


def __getattr__(name: str):
    """Keep ``faces.FaceProfitModel`` / ``faces.label_table`` importable (moved to face_model)."""
    if name in ("FaceProfitModel", "label_table"):
        from crm_models.customization import face_model

        return getattr(face_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
