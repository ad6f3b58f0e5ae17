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
    "FaceProfitModel",
    "face_of",
    "label_table",
]


@dataclass(frozen=True)
class Face:
    """A customization type by what changes and how the firm learns (see module docstring)."""

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


_RANK4 = ("low", "fairly low", "fairly high", "high")


@dataclass(frozen=True)
class FaceEconomics:
    """Parameters of the face profit model (currency; one period = one year).

    Fixed costs are one-off (currency), order costs per order (currency/order), rates per
    period. Defaults describe a mid-size consumer business; see the module docstring.
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

    def with_(self, **changes) -> FaceEconomics:
        """Return a copy with some parameters changed (validated)."""
        unknown = set(changes) - set(asdict(self))
        if unknown:
            raise ParameterError(f"FaceEconomics: unknown parameter(s) {sorted(unknown)}")
        return replace(self, **changes)

    # --------------------------------------------------------- face primitives
    def fixed_cost(self, face: Face) -> float:
        """One-off implementation cost of the capabilities ``face`` needs (currency)."""
        cost = 0.0
        cost += self.cost_flexibility * face.user_adjusts
        cost += self.cost_representation * face.representation_changes
        cost += self.cost_product * face.product_changes
        cost += {"none": 0.0, "dialogue": self.cost_dialogue, "observation": self.cost_observation}[
            face.learns
        ]
        return cost

    def order_cost(self, face: Face) -> float:
        """Per-order customization cost (currency/order)."""
        cost = self.order_cost_representation * face.representation_changes
        cost += self.order_cost_product * face.product_changes
        cost += {
            "none": 0.0,
            "dialogue": self.order_cost_dialogue,
            "observation": self.order_cost_observation,
        }[face.learns]
        return cost

    def closeness(self, face: Face) -> float:
        """Accuracy of the remembered needs knowledge, 0..1 (0 = the firm does not remember)."""
        return {
            "none": 0.0,
            "dialogue": self.knowledge_dialogue,
            "observation": self.knowledge_observation,
        }[face.learns]

    def fit_capture(self, face: Face) -> float:
        """Share of the potential fit gain the face delivers, 0..1."""
        if face.product_changes:
            return self.closeness(face)
        if face.user_adjusts:
            return self.fit_self_adjust
        if face.representation_changes:
            return self.fit_representation
        return 0.0

    def imitation(self, face: Face) -> float:
        """Rate (per period) at which imitators erode the premium: ``rate · exp(−barrier)``."""
        barrier = (
            self.barrier_product * face.product_changes
            + self.barrier_representation * face.representation_changes
            + self.barrier_memory * (face.learns != "none")
        )
        return self.imitation_rate * float(np.exp(-barrier))

    def retention(self, face: Face) -> float:
        """Per-period retention probability."""
        return self.base_retention + self.retention_gain * self.closeness(face)

    def protection(self, face: Face) -> float:
        """Share of the premium protected from imitators by switching cost, 0..1."""
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


class FaceProfitModel:
    """The representative-customer profit model of the four faces (module docstring).

    Parameters
    ----------
    economics
        ``FaceEconomics`` parameters.
    fit_value
        Money value per period of a perfect fit to one customer (currency/customer/period);
        e.g. the mean fit gain from ``ChoiceMarket``.
    base_margin
        Contribution per customer per period of the standard product (currency).
    n_customers
        Customers served.
    premium_share
        Share of the delivered fit value the firm charges as price premium, 0..1.
    """

    def __init__(
        self,
        economics: FaceEconomics | None = None,
        fit_value: float = 30.0,
        base_margin: float = 40.0,
        n_customers: float = 20_000,
        premium_share: float = 0.5,
    ) -> None:
        self.economics = economics or FaceEconomics()
        for name, value in (
            ("fit_value", fit_value),
            ("base_margin", base_margin),
            ("n_customers", n_customers),
        ):
            if not np.isfinite(value) or value < 0:
                raise ParameterError(f"{name}: expected a finite number >= 0, got {value}")
        if not 0 <= premium_share <= 1:
            raise ParameterError(f"premium_share: expected a share in [0, 1], got {premium_share}")
        self.fit_value = float(fit_value)
        self.base_margin = float(base_margin)
        self.n_customers = float(n_customers)
        self.premium_share = float(premium_share)

    def _face_row(self, face: Face) -> dict:
        e = self.economics
        a_f, e_f, _ = e.lifetime_factors(face)
        a_0, _, _ = e.lifetime_factors(STANDARD)
        premium = self.premium_share * e.fit_capture(face) * self.fit_value
        order = e.order_cost(face)
        pv_customer = (self.base_margin - order) * a_f + premium * e_f
        implementation = e.fixed_cost(face) + self.n_customers * order * a_f
        last = int(e.horizon_years) - 1
        psi, lam = e.protection(face), e.imitation(face)
        late_premium = premium * (psi + (1 - psi) * np.exp(-lam * last))
        advantage = (
            e.retention(face) ** last * (self.base_margin + late_premium - order)
            - e.base_retention**last * self.base_margin
        )
        return {
            "face": face.name,
            "implementation_cost": implementation,
            "fixed_cost": e.fixed_cost(face),
            "order_cost": order,
            "ease_of_imitation": lam,
            "closeness": e.closeness(face),
            "fit_capture": e.fit_capture(face),
            "retention": e.retention(face),
            "premium": premium,
            "clv": pv_customer,
            "profit": self.n_customers * (pv_customer - self.base_margin * a_0)
            - e.fixed_cost(face),
            "competitive_advantage": advantage,
        }

    def evaluate(self) -> pd.DataFrame:
        """One row per face (seed order): the model's numbers (currency, rates per period)."""
        return pd.DataFrame([self._face_row(f) for f in FACES.values()]).set_index("face")

    def table(self) -> pd.DataFrame:
        """Return the seed's comparison table as model output (relative labels, see module)."""
        return label_table(self.evaluate())

    def ranking(self, column: str = "profit") -> pd.Index:
        """Faces ordered by ``column``, best (highest) first.

        Parameters
        ----------
        column : str, default "profit"
            A column of :meth:`evaluate`.

        Returns
        -------
        pandas.Index
            Face names, best first.
        """
        return self.evaluate()[column].sort_values(ascending=False, kind="stable").index

    def sweep(self, parameter: str, values, column: str = "profit") -> pd.DataFrame:
        """Return ``column`` per face as one input varies.

        ``parameter`` is a ``FaceEconomics`` field or one of ``fit_value``, ``base_margin``,
        ``n_customers``, ``premium_share``.

        Returns a frame indexed by the parameter value with one column per face plus
        ``best`` (the winning face) — where ``best`` changes, the ranking flips.
        """
        rows = []
        for v in np.asarray(values, dtype=float):
            model = self.with_(**{parameter: v})
            out = model.evaluate()[column]
            rows.append({parameter: v, **out.to_dict(), "best": out.idxmax()})
        return pd.DataFrame(rows).set_index(parameter)

    def with_(self, **changes) -> FaceProfitModel:
        """Return a copy with model inputs or ``FaceEconomics`` fields changed."""
        own = {
            k: changes.pop(k)
            for k in list(changes)
            if k in ("fit_value", "base_margin", "n_customers", "premium_share")
        }
        econ = self.economics.with_(**changes) if changes else self.economics
        kwargs = dict(
            fit_value=self.fit_value,
            base_margin=self.base_margin,
            n_customers=self.n_customers,
            premium_share=self.premium_share,
        )
        kwargs.update(own)
        return FaceProfitModel(econ, **kwargs)

    def flips(self, parameter: str, values, column: str = "profit") -> pd.DataFrame:
        """Where the best face changes along a sweep: rows (from, to, between values)."""
        sw = self.sweep(parameter, values, column)
        best = sw["best"].to_numpy()
        idx = sw.index.to_numpy()
        change = np.flatnonzero(best[1:] != best[:-1])
        return pd.DataFrame(
            {
                "parameter": parameter,
                "from_value": idx[change],
                "to_value": idx[change + 1],
                "best_before": best[change],
                "best_after": best[change + 1],
            }
        )


def label_table(numbers: pd.DataFrame) -> pd.DataFrame:
    """Relative labels for the seed's four columns from the model's numbers."""
    out = pd.DataFrame(index=numbers.index)
    for col in ("implementation_cost", "ease_of_imitation"):
        ranks = numbers[col].rank(method="first").astype(int) - 1
        scale = _RANK4 if len(numbers) == 4 else None
        if scale is None:
            raise ParameterError("label_table: the 4-level scale needs exactly four faces")
        out[col] = [scale[r] for r in ranks]
    for col in ("closeness", "competitive_advantage"):
        x = numbers[col]
        mid = 0.5 * (x.min() + x.max())
        out[col] = np.where(x > mid, "high", "low")
    return out
