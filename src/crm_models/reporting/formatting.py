"""Numbers and column names as a manager reads them: one formatting layer for every report.

- ``fmt_money_short`` rounds money to meaningful digits with k/M/B (``$7.63M``);
  ``fmt_money_range`` writes an estimate with its interval in one unit
  (``$7.63M [$7.40M – $7.88M]``); ``signed=True`` writes a difference (``+$1.49M``).
- ``fmt_points`` writes a difference of two rates in percentage points (``+4.3 pts``); a
  rate itself stays a percentage (``fmt_pct``: ``4.3%``).
- ``fmt_count_range`` writes a count with its interval in counts (``12,569 [4,400 – 12,400]``).
- :class:`Estimate` is a figure formatted once: the same text goes into the KPI card, the
  sentence and the chart title (``.text``, ``.interval``, ``.full``, ``.kpi``).
- ``COLUMN_LABELS`` / ``plain_label`` / ``plain_columns`` turn internal column names
  (``kano_class``, ``value_level``, ``mean_increment``) into plain words for tables.
- ``interactive_tables`` loads the table library (itables, offline: its JavaScript is
  embedded in the page, no external URL); ``readable_table`` in ``display`` then makes
  tables sortable (long ones also filterable).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "COLUMN_LABELS",
    "KPI",
    "KPI_BASES",
    "Estimate",
    "arm_label",
    "fmt_count_range",
    "fmt_money_range",
    "fmt_money_short",
    "fmt_points",
    "plain_columns",
    "plain_label",
]

_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "k"))

# Internal column name -> what a manager reads. Unknown snake_case names fall back to
# words ("mean_increment" -> "Mean increment"); names from the data are left alone.
COLUMN_LABELS: dict[str, str] = {
    "abs_lift": "Lift (pts)",
    "action": "Action",
    "arm": "Offer",
    "attribute": "Feature",
    "cell": "Customer group",
    "ci_high": "95% upper",
    "ci_low": "95% lower",
    "closeness": "Closeness",
    "clv": "Customer value ($)",
    "construct": "Driver",
    "customer_share": "Share of customers",
    "customers": "Customers",
    "decision": "Decision",
    "estimate": "Estimate",
    "expected_profit": "Expected profit ($)",
    "face": "Customization type",
    "feature": "Feature",
    "fit": "Fit with strengths",
    "hurdle": "Cost to clear per customer ($)",
    "importance": "Effect on loyalty",
    "importance_high": "Effect, upper",
    "importance_low": "Effect, lower",
    "importance_points": "Effect (index points)",
    "kano_class": "Customer reaction (Kano)",
    "label": "Name",
    "mean_increment": "Average gain per customer ($)",
    "mean_value": "Average customer value ($)",
    "n": "Customers",
    "needs": "Needs",
    "p_adjusted": "p (adjusted)",
    "p_alive": "Chance still active",
    "performance": "Performance (0–100)",
    "profit": "Profit ($)",
    "quadrant": "Priority",
    "reason": "Reason",
    "recommendation": "Recommendation",
    "rel_lift": "Lift (relative)",
    "seed_action": "Marketing mode (textbook)",
    "segment": "Segment",
    "share": "Share",
    "share_positive": "Share who gain",
    "value": "Customer value ($)",
    "value_level": "Value",
    "value_share": "Share of value",
}

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def arm_label(name: object) -> str:
    """Plain name of a campaign arm for a reader: ``offer_a`` → "Offer A".

    Parameters
    ----------
    name : object
        The arm as the data name it (the synthetic world's ``control``, ``offer_a`` …, or a
        name from the user's file).

    Returns
    -------
    str
        "No offer (control)" for ``control``, "Offer X" for ``offer_x``, any other name
        unchanged (it is the user's own word, e.g. "Mens E-Mail").
    """
    text = str(name)
    if text == "control":
        return "No offer (control)"
    match = re.fullmatch(r"offer_([a-z0-9])", text)
    return f"Offer {match.group(1).upper()}" if match else text


def plain_label(name: object, labels: Mapping[str, str] | None = None) -> object:
    """Plain-language label of one column name.

    Parameters
    ----------
    name : object
        The column label; only internal ``snake_case`` names are changed.
    labels : Mapping[str, str], optional
        Labels that take precedence over :data:`COLUMN_LABELS`.

    Returns
    -------
    object
        The label from the mapping, else ``"Words like this"`` for a snake_case name, else
        ``name`` unchanged (a product name or a number from the data).
    """
    if not isinstance(name, str):
        return name
    table = {**COLUMN_LABELS, **(labels or {})}
    if name in table:
        return table[name]
    if _IDENTIFIER.match(name) and "_" in name:
        words = name.replace("_", " ")
        return words[0].upper() + words[1:]
    return name


def plain_columns(frame: pd.DataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Rename a frame's columns with :func:`plain_label` (the data are not touched).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    labels : Mapping[str, str], optional
        Extra labels for this table.

    Returns
    -------
    pandas.DataFrame
        A copy with plain column labels.
    """
    return frame.rename(columns=lambda c: plain_label(c, labels))


def _unit(magnitude: float) -> tuple[float, str]:
    for size, suffix in _UNITS:
        if magnitude >= size * 0.9995:
            return size, suffix
    return 1.0, ""


def _decimals(magnitude: float, sig: int) -> int:
    """Decimals that give ``sig`` significant digits to ``magnitude`` (in its unit)."""
    if magnitude <= 0 or not math.isfinite(magnitude):
        return 0
    decimals = max(0, sig - 1 - math.floor(math.log10(magnitude)))
    rounded = round(magnitude, decimals)  # 0.9997 rounds to 1.00, not 1.000
    return max(0, sig - 1 - math.floor(math.log10(rounded))) if rounded else decimals


def _money(x: float, currency: str, size: float, suffix: str, decimals: int, signed: bool) -> str:
    if not math.isfinite(x):
        return "n/a"
    scaled = round(x / size, decimals)
    sign = "-" if scaled < 0 else ("+" if signed and scaled > 0 else "")
    return f"{sign}{currency}{abs(scaled):,.{decimals}f}{suffix}"


def fmt_money_short(x: float, currency: str = "$", sig: int = 3, signed: bool = False) -> str:
    """Money to ``sig`` significant digits with k/M/B: 7629684 -> '$7.63M'.

    Parameters
    ----------
    x : float
        Amount.
    currency : str, default "$"
        Currency sign, written before the number.
    sig : int, default 3
        Significant digits (amounts under 1,000 keep at least whole units).
    signed : bool, default False
        Write ``+`` before a positive amount (for a difference: '+$1.49M').

    Returns
    -------
    str
        E.g. '$7.63M', '$23.7k', '$950', '-$1.20k', '+$1.49M'.
    """
    size, suffix = _unit(abs(x))
    scaled = abs(x) / size
    decimals = _decimals(scaled, sig) if suffix else 0
    return _money(x, currency, size, suffix, decimals, signed)


def fmt_money_range(
    value: float,
    low: float,
    high: float,
    currency: str = "$",
    sig: int = 3,
    signed: bool = False,
) -> str:
    """Write an estimate and its interval in one unit: '$7.63M [$7.40M – $7.88M]'.

    The unit (k/M/B) and the decimals come from the largest of the three amounts, so the
    bounds are comparable digit by digit.

    Parameters
    ----------
    value, low, high : float
        Estimate and interval bounds.
    currency : str, default "$"
        Currency sign.
    sig : int, default 3
        Significant digits of the largest amount.
    signed : bool, default False
        Write ``+`` before positive amounts (a difference).

    Returns
    -------
    str
        The estimate, then the bracketed interval.
    """
    finite = [abs(v) for v in (value, low, high) if math.isfinite(v)]
    top = max(finite, default=0.0)
    size, suffix = _unit(top)
    decimals = _decimals(top / size, sig) if suffix else 0
    parts = [_money(v, currency, size, suffix, decimals, signed) for v in (value, low, high)]
    return f"{parts[0]} [{parts[1]} – {parts[2]}]"


def fmt_points(diff: float, digits: int = 1, signed: bool = True) -> str:
    """Write a difference of two rates in percentage points: 0.0426 -> '+4.3 pts'.

    Parameters
    ----------
    diff : float
        Difference of two shares (0.0426 = 4.26 percentage points).
    digits : int, default 1
        Decimals.
    signed : bool, default True
        Write ``+`` before a positive difference.

    Returns
    -------
    str
        E.g. '+4.3 pts', '-0.8 pts'.
    """
    if not math.isfinite(diff):
        return "n/a"
    return f"{100 * diff:{'+' if signed else ''}.{digits}f} pts"


def fmt_count_range(value: float, low: float, high: float) -> str:
    """Write a count with its interval in counts: '12,569 [4,400 – 12,400]'.

    Parameters
    ----------
    value, low, high : float
        Count and interval bounds (rounded to whole units).

    Returns
    -------
    str
        The count, then the bracketed interval.
    """
    return f"{value:,.0f} [{low:,.0f} – {high:,.0f}]"


@dataclass(frozen=True)
class KPI:
    """One headline figure: ``label``, formatted ``value``, optional ``interval`` and ``note``.

    ``basis`` says where a figure without an interval comes from, and the card says it in
    words: ``estimate`` (from data: it should carry an interval), ``observed`` (a plain total
    of the data), ``scenario`` (computed from the stated assumptions) or ``decision`` (a value
    the analysis chose).

    Parameters
    ----------
    label : str
        What the figure is (the card's heading).
    value : str
        The figure, already formatted (``fmt_money``, ``fmt_pct`` …).
    interval : str, optional
        Its formatted interval (``fmt_interval``), shown under the figure.
    note : str, optional
        A short note under the figure.
    basis : {"estimate", "observed", "scenario", "decision"}, default "estimate"
        Where a figure without an interval comes from.
    """

    label: str
    value: str
    interval: str | None = None
    note: str | None = None
    basis: str = "estimate"

    def __post_init__(self) -> None:
        if self.basis not in KPI_BASES:
            raise ValueError(f"KPI basis must be one of {sorted(KPI_BASES)}, got {self.basis!r}")


# What a card without an interval says under its figure, by basis.
KPI_BASES = {
    "estimate": "",
    "observed": "observed total, no interval",
    "scenario": "scenario from the stated assumptions, no interval",
    "decision": "chosen by the analysis",
}


@dataclass(frozen=True)
class Estimate:
    """A figure formatted once, for the KPI card, the sentence and the chart alike.

    Parameters
    ----------
    value : float
        The estimate.
    low, high : float, optional
        The 95% interval (None: an observed figure without interval).
    kind : str, default "money"
        ``money`` (k/M, '+' when ``signed``), ``cents`` (small amounts per customer,
        ``digits`` decimals: '$0.77'), ``points`` (a difference of rates), ``pct`` (a rate),
        ``count`` or ``number``.
    signed : bool, default False
        A difference: positive values carry '+'.
    digits : int, default 1
        Decimals for ``points``, ``pct`` and ``number``.
    """

    value: float
    low: float | None = None
    high: float | None = None
    kind: str = "money"
    signed: bool = False
    digits: int = 1

    def _one(self) -> Callable[[float], str]:
        d, s = self.digits, self.signed
        return {
            "money": lambda v: fmt_money_short(v, signed=s),
            "cents": lambda v: ("-" if v < 0 else "+" if s and v > 0 else "") + f"${abs(v):,.{d}f}",
            "points": lambda v: fmt_points(v, d, signed=s),
            "pct": lambda v: f"{100 * v:{'+' if s else ''}.{d}f}%",
            "count": lambda v: f"{v:,.0f}",
            "number": lambda v: f"{v:{'+' if s else ''},.{d}f}",
        }[self.kind]

    @property
    def has_interval(self) -> bool:
        """Whether both interval bounds are known."""
        return self.low is not None and self.high is not None

    @property
    def text(self) -> str:
        """The value alone ('$7.63M', '+4.3 pts')."""
        if self.kind == "money" and self.has_interval:
            return self.full.split(" [", 1)[0]
        return self._one()(self.value)

    @property
    def interval(self) -> str | None:
        """The bracketed interval ('[$7.40M – $7.88M]'), or None."""
        if not self.has_interval:
            return None
        return "[" + self.full.split(" [", 1)[1]

    @property
    def full(self) -> str:
        """Value and interval ('$7.63M [$7.40M – $7.88M]'); the value alone without one."""
        if not self.has_interval:
            return self._one()(self.value)
        assert self.low is not None and self.high is not None  # has_interval
        if self.kind == "money":
            return fmt_money_range(self.value, self.low, self.high, signed=self.signed)
        one = self._one()
        return f"{one(self.value)} [{one(self.low)} – {one(self.high)}]"

    def kpi(self, label: str, note: str | None = None, basis: str = "estimate") -> KPI:
        """Make the KPI card of this figure (``crm_models.reporting.display.KPI``).

        Parameters
        ----------
        label : str
            Card label.
        note : str, optional
            Small print under the figure.
        basis : str, default "estimate"
            :class:`KPI` basis (``observed``, ``scenario`` or ``decision`` for a figure
            without interval).

        Returns
        -------
        KPI
            Value and interval exactly as in :attr:`full` (``display.KPI`` is this class).
        """
        return KPI(label, self.text, self.interval, note, basis)
