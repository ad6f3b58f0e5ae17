"""What the data-quality corrections do to a report's headline figure, in sentences and tables.

A study that reads transactions profiles them
(:func:`crm_models.data.quality.profile_transactions`), applies the corrections its parameters
ask for (``drop_duplicates``, ``cap_amounts``, both off by default, through
:func:`crm_models.data.quality.clean_transactions`) and then measures, for each correction that
has rows to act on, how much it moves the headline (e.g. customer equity):

- a correction that was applied: the headline with it versus without it (the other correction
  as asked);
- a correction that was not applied: the headline as reported versus with it applied too.

Each effect costs one recomputation of the headline (a refit for model-based figures); a
correction with no rows to act on costs nothing. The management page shows one sentence when a
correction was applied or when one would move the headline by more than ``MATERIAL_CHANGE``
(1%); the analyst page shows the profile and the effects as tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from crm_models.data.quality import DataQualityProfile, clean_transactions, profile_transactions

__all__ = [
    "CORRECTIONS",
    "MATERIAL_CHANGE",
    "CorrectionEffect",
    "QualityCheck",
    "check_quality",
    "prepare_transactions",
]

MATERIAL_CHANGE = 0.01
"""A correction that moves the headline by more than this share is named on the management page."""

CORRECTIONS = ("drop_duplicates", "cap_amounts")
"""The corrections, by their parameter name."""


@dataclass(frozen=True)
class CorrectionEffect:
    """What one correction does to the headline figure.

    Attributes
    ----------
    correction : str
        ``drop_duplicates`` or ``cap_amounts``.
    applied : bool
        Whether the report applied it.
    rows : int
        Rows it acts on (exact duplicates dropped, or extreme amounts capped).
    without : float
        The headline without this correction (the other one as asked).
    with_ : float
        The headline with it.
    """

    correction: str
    applied: bool
    rows: int
    without: float
    with_: float

    @property
    def change(self) -> float:
        """Relative change of the headline made by the correction (``with_ / without − 1``)."""
        return self.with_ / self.without - 1 if self.without else math.nan

    @property
    def material(self) -> bool:
        """Whether the change exceeds :data:`MATERIAL_CHANGE` in size."""
        return bool(abs(self.change) > MATERIAL_CHANGE)


def prepare_transactions(
    transactions: pd.DataFrame, *, drop_duplicates: bool = False, cap_amounts: bool = False
) -> tuple[pd.DataFrame, DataQualityProfile]:
    """Profile the transactions as read and apply the corrections asked for.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions as the study observes them (already cut at its window end).
    drop_duplicates : bool, default False
        Keep only the first of exact duplicate rows.
    cap_amounts : bool, default False
        Cap extreme amounts at the threshold of the profile's rule.

    Returns
    -------
    tuple of (pandas.DataFrame, DataQualityProfile)
        The corrected transactions (the input itself when no correction is asked for) and the
        profile of the transactions as read.
    """
    profile = profile_transactions(transactions)
    if not (drop_duplicates or cap_amounts):
        return transactions, profile
    cleaned = clean_transactions(
        transactions, drop_duplicates=drop_duplicates, cap_amounts=cap_amounts
    )
    return cleaned, profile


def _rows(profile: DataQualityProfile, correction: str) -> int:
    return profile.duplicate_rows if correction == "drop_duplicates" else profile.extreme_rows


@dataclass(frozen=True)
class QualityCheck:
    """The profile, the corrections applied and their effects on one headline figure.

    Attributes
    ----------
    profile : DataQualityProfile
        The transactions as read.
    headline : str
        The figure the effects are measured on, e.g. ``customer equity``.
    applied : tuple of str
        The corrections applied (names of :data:`CORRECTIONS`).
    effects : tuple of CorrectionEffect
        One per correction with rows to act on.
    money : bool
        Whether the headline is an amount of money (formatting only).
    """

    profile: DataQualityProfile
    headline: str
    applied: tuple[str, ...]
    effects: tuple[CorrectionEffect, ...]
    money: bool = True

    def _value(self, x: float) -> str:
        text = f"{abs(x):,.0f}"
        return ("-" if x < 0 else "") + ("$" + text if self.money else text)

    def _what(self, effect: CorrectionEffect) -> str:
        p = self.profile
        if effect.correction == "drop_duplicates":
            return f"the {effect.rows:,} exact duplicate rows"
        return f"the {effect.rows:,} extreme amounts at {p.extreme_threshold:,.2f}"

    def management_sentences(self) -> list[str]:
        """Plain sentences for the management page (empty when nothing is worth saying).

        A sentence per applied correction and per unapplied correction that would move the
        headline by more than :data:`MATERIAL_CHANGE`; then which corrections were applied.

        Returns
        -------
        list of str
            The sentences, in page order.
        """
        out = []
        for e in self.effects:
            verb = "Dropping" if e.correction == "drop_duplicates" else "Capping"
            if e.applied:
                out.append(
                    f"{verb} {self._what(e)} ({e.correction}=true) changed {self.headline} by "
                    f"{e.change:+.1%} ({self._value(e.without)} without it, "
                    f"{self._value(e.with_)} with it)."
                )
            elif e.material:
                out.append(
                    f"{verb} {self._what(e)} ({e.correction}=true) would change "
                    f"{self.headline} by {e.change:+.1%} ({self._value(e.without)} → "
                    f"{self._value(e.with_)}); the figures above do not apply it."
                )
        if not out and not self.applied:
            return []
        out.append(self.applied_sentence())
        return out

    def applied_sentence(self) -> str:
        """Which corrections were applied, e.g. ``Corrections applied: none (…)``.

        Returns
        -------
        str
            One sentence.
        """
        if not self.applied:
            return "Corrections applied: none (drop_duplicates and cap_amounts are off)."
        p = self.profile
        names = {
            "drop_duplicates": f"exact duplicates dropped ({p.duplicate_rows:,} rows)",
            "cap_amounts": f"extreme amounts capped ({p.extreme_rows:,} rows"
            + ("" if math.isinf(p.extreme_threshold) else f" at {p.extreme_threshold:,.2f}")
            + ")",
        }
        return "Corrections applied: " + "; ".join(names[c] for c in self.applied) + "."

    def profile_table(self) -> pd.DataFrame:
        """Return the profile for display: check, rows, customers, share (%), share of, rule.

        Returns
        -------
        pandas.DataFrame
            One row per check of :meth:`DataQualityProfile.table`, share in percent.
        """
        table = self.profile.table()
        return table.assign(share=(100 * table["share"]).round(2)).rename(
            columns={"share": "share %"}
        )

    def effects_table(self) -> pd.DataFrame:
        """One row per effect: correction, applied, rows, without, with, change (%).

        Returns
        -------
        pandas.DataFrame
            One row per effect of a correction on a headline figure.
        """
        rows = [
            {
                "correction": e.correction,
                "applied": e.applied,
                "rows": e.rows,
                f"{self.headline} without": round(e.without, 2),
                f"{self.headline} with": round(e.with_, 2),
                "change %": round(100 * e.change, 2),
            }
            for e in self.effects
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """Return the report JSON: profile, applied corrections and effects (changes as shares).

        Returns
        -------
        dict
            Keys ``profile``, ``applied``, ``effects`` (plain Python values).
        """
        return {
            "profile": self.profile.to_dict(),
            "headline": self.headline,
            "applied": list(self.applied),
            "effects": [
                {
                    "correction": e.correction,
                    "applied": e.applied,
                    "rows": e.rows,
                    "without": e.without,
                    "with": e.with_,
                    "change": e.change,
                }
                for e in self.effects
            ],
        }


def check_quality(
    transactions: pd.DataFrame,
    headline: Callable[[pd.DataFrame], float],
    *,
    name: str,
    drop_duplicates: bool = False,
    cap_amounts: bool = False,
    profile: DataQualityProfile | None = None,
    current: float | None = None,
    money: bool = True,
) -> QualityCheck:
    """Measure what each correction does to ``headline`` on the transactions as read.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions as read (before any correction).
    headline : callable
        Computes the headline figure from a transactions frame (e.g. refits and sums CLV).
    name : str
        The headline's name in sentences, e.g. ``customer equity``.
    drop_duplicates, cap_amounts : bool, default False
        The corrections the report applied.
    profile : DataQualityProfile, optional
        The profile of ``transactions`` (computed when not given).
    current : float, optional
        The headline on the transactions as the report used them (computed when not given).
    money : bool, default True
        Format the headline as money in sentences.

    Returns
    -------
    QualityCheck
        The profile, the applied corrections and one effect per correction with rows to act on.
    """
    profile = profile if profile is not None else profile_transactions(transactions)
    asked = {"drop_duplicates": drop_duplicates, "cap_amounts": cap_amounts}
    effects = []
    for correction in CORRECTIONS:
        rows = _rows(profile, correction)
        if rows == 0:
            continue
        if current is None:
            current = float(headline(clean_transactions(transactions, **asked)))
        other = clean_transactions(transactions, **(asked | {correction: not asked[correction]}))
        value = float(headline(other))
        was_applied = asked[correction]
        without, with_ = (value, current) if was_applied else (current, value)
        effects.append(CorrectionEffect(correction, was_applied, rows, without, with_))
    applied = tuple(c for c in CORRECTIONS if asked[c])
    return QualityCheck(profile, name, applied, tuple(effects), money)
