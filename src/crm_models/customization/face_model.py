"""The representative-customer profit model of the four faces, and the seed's table labels.

The model and its formulas are described in :mod:`crm_models.customization.faces`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.customization.faces import FACES, STANDARD, Face, FaceEconomics
from crm_models.errors import DataValidationError, ParameterError

__all__ = ["FaceProfitModel", "label_table"]

_RANK4 = ("low", "fairly low", "fairly high", "high")


class FaceProfitModel:
    """The representative-customer profit model of the four faces (module docstring).

    Parameters
    ----------
    economics : FaceEconomics, optional
        Cost, fit, imitation and retention parameters (default: ``FaceEconomics()``).
    fit_value : float, default 30.0
        Money value per year of a perfect fit to one customer (dollars per customer per
        year); e.g. the mean fit gain from ``ChoiceMarket``.
    base_margin : float, default 40.0
        Contribution per customer per year of the standard product (dollars).
    n_customers : float, default 20,000
        Customers served.
    premium_share : float, default 0.5
        Share in [0, 1] of the delivered fit value the firm charges as price premium.
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

    def __repr__(self) -> str:
        best = self.ranking()[0]
        return (
            f"FaceProfitModel(fit_value={self.fit_value:g}, base_margin={self.base_margin:g}, "
            f"n_customers={self.n_customers:,.0f}, premium_share={self.premium_share:g}; "
            f"best: {best})"
        )

    def _repr_html_(self) -> str:
        from crm_models.reporting.escaping import escape_html, escaped_table

        columns = ["implementation_cost", "premium", "clv", "profit"]
        table = escaped_table(self.evaluate()[columns].round(2).reset_index()).to_html()
        return f"<p>{escape_html(repr(self))}</p>" + table

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
        """Return the model's numbers for each face (seed order).

        Returns
        -------
        pandas.DataFrame
            One row per face, indexed by ``face``; columns implementation_cost, fixed_cost
            (dollars), order_cost (dollars per order), ease_of_imitation (rate per year),
            closeness, fit_capture, retention (shares), premium (dollars per year), clv
            (dollars per customer, PV), profit (dollars vs. the standard product, PV) and
            competitive_advantage (dollars per customer in the last year).
        """
        return pd.DataFrame([self._face_row(f) for f in FACES.values()]).set_index("face")

    def table(self) -> pd.DataFrame:
        """Return the seed's comparison table as model output (relative labels, see module).

        Returns
        -------
        pandas.DataFrame
            One row per face; columns implementation_cost, ease_of_imitation, closeness,
            competitive_advantage holding labels ("low" ... "high"), as :data:`SEED_TABLE`.
        """
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

        Parameters
        ----------
        parameter : str
            A ``FaceEconomics`` field or one of ``fit_value``, ``base_margin``,
            ``n_customers``, ``premium_share``.
        values : array-like of float
            Values of ``parameter`` to try, in order.
        column : str, default "profit"
            The column of :meth:`evaluate` compared across faces.

        Returns
        -------
        pandas.DataFrame
            Indexed by the parameter value, one column per face plus ``best`` (the winning
            face); where ``best`` changes, the ranking flips.
        """
        rows = []
        for v in np.asarray(values, dtype=float):
            model = self.with_(**{parameter: v})
            out = model.evaluate()[column]
            rows.append({parameter: v, **out.to_dict(), "best": out.idxmax()})
        return pd.DataFrame(rows).set_index(parameter)

    def with_(self, **changes) -> FaceProfitModel:
        """Return a copy with model inputs or ``FaceEconomics`` fields changed.

        Parameters
        ----------
        **changes
            New values of ``fit_value``, ``base_margin``, ``n_customers``, ``premium_share``
            or any ``FaceEconomics`` field.

        Returns
        -------
        FaceProfitModel
            The changed copy.
        """
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
        """Return where the best face changes along a sweep.

        Parameters
        ----------
        parameter : str
            A ``FaceEconomics`` field or one of ``fit_value``, ``base_margin``,
            ``n_customers``, ``premium_share``.
        values : array-like of float
            Values of ``parameter`` to try, in order.
        column : str, default "profit"
            The column of :meth:`evaluate` compared across faces.

        Returns
        -------
        pandas.DataFrame
            One row per flip: ``parameter``, ``from_value``, ``to_value`` (the values it lies
            between), ``best_before``, ``best_after``; empty when one face wins throughout.
        """
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
    """Return relative labels for the seed's four columns from the model's numbers.

    Parameters
    ----------
    numbers : pandas.DataFrame
        One row per face (exactly four), with numeric columns ``implementation_cost``,
        ``ease_of_imitation``, ``closeness`` and ``competitive_advantage`` (as
        :meth:`FaceProfitModel.evaluate` or :func:`faces_numbers` return).

    Returns
    -------
    pandas.DataFrame
        Same index; the four columns as labels: the first two ranked "low", "fairly low",
        "fairly high", "high", the last two "low" / "high" around the mid-range.
    """
    need = ["implementation_cost", "ease_of_imitation", "closeness", "competitive_advantage"]
    missing = [c for c in need if c not in numbers.columns]
    if missing:
        raise DataValidationError(
            f"label_table: numbers lack column(s) {missing}; expected {need} "
            "(FaceProfitModel.evaluate() or faces_numbers() output)"
        )
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
