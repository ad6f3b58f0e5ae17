r"""Kano analysis: classify features from paired functional / dysfunctional answers.

Each respondent answers two questions per feature — *functional* ("how do you feel if the
product has it?") and *dysfunctional* ("… if it does not?") — on the five standard answers
``like, expect, neutral, tolerate, dislike`` (coded 1..5; "expect" = "must-be", "tolerate" =
"live with"). The standard evaluation table (Berger et al. 1993) maps each pair to a class:

| functional \ dysfunctional | like | expect | neutral | tolerate | dislike |
|----------------------------|------|--------|---------|----------|---------|
| like                       | Q    | A      | A       | A        | O       |
| expect                     | R    | I      | I       | I        | M       |
| neutral                    | R    | I      | I       | I        | M       |
| tolerate                   | R    | I      | I       | I        | M       |
| dislike                    | R    | R      | R       | R        | Q       |

M must-be, O one-dimensional, A attractive, I indifferent, R reverse, Q questionable.
A feature's class is the most frequent answer class (ties broken M > O > A > I > R > Q, the
usual "importance" order). Satisfaction coefficients (Berger et al.):
``better = (A + O) / (A + O + M + I)``, ``worse = −(O + M) / (A + O + M + I)``.

Seed 002 / DESIGN: "what I expect" → must-be; "what irritates me" → reverse; "what I value"
→ attractive and one-dimensional; "what I don't care about" → indifferent
(``SEED_MAPPING``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError

__all__ = [
    "ANSWERS",
    "CLASSES",
    "EVALUATION_TABLE",
    "SEED_MAPPING",
    "KanoSurvey",
    "classify_pairs",
    "simulate_kano_answers",
]

ANSWERS = ("like", "expect", "neutral", "tolerate", "dislike")
"""The five answers, coded 1..5 in this order."""

CLASSES = {
    "M": "must-be",
    "O": "one-dimensional",
    "A": "attractive",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}
_TIE_ORDER = ("M", "O", "A", "I", "R", "Q")

EVALUATION_TABLE = pd.DataFrame(
    [list("QAAAO"), list("RIIIM"), list("RIIIM"), list("RIIIM"), list("RRRRQ")],
    index=pd.Index(ANSWERS, name="functional"),
    columns=pd.Index(ANSWERS, name="dysfunctional"),
)
"""Standard Kano evaluation table (rows functional, columns dysfunctional)."""

SEED_MAPPING = {
    "must-be": "what I expect",
    "one-dimensional": "what I value",
    "attractive": "what I value",
    "indifferent": "what I don't care about",
    "reverse": "what irritates me",
    "questionable": "(contradictory answer)",
}
"""Seed 002's customer phrasing of each Kano class."""

_TABLE = np.array(EVALUATION_TABLE.to_numpy(), dtype="<U1")


def _codes(values, name: str) -> np.ndarray:
    """Answers as integer codes 0..4 from codes 1..5 or answer words."""
    arr = np.asarray(values, dtype=object)
    out = np.full(arr.shape, -1, dtype=int)
    words = {w: i for i, w in enumerate(ANSWERS)}
    words.update({"must-be": 1, "must be": 1, "live with": 3, "live-with": 3})
    for i, v in enumerate(arr.reshape(-1)):
        if isinstance(v, str):
            out.reshape(-1)[i] = words.get(v.strip().lower(), -1)
        elif (
            v is not None
            and not (isinstance(v, float) and np.isnan(v))
            and float(v) in (1, 2, 3, 4, 5)
        ):
            out.reshape(-1)[i] = int(v) - 1
    bad = np.flatnonzero(out.reshape(-1) < 0)
    if bad.size:
        raise DataValidationError(
            f"{name}: expected answers 1..5 or {list(ANSWERS)}; row(s) {bad[:5].tolist()} hold "
            f"{[arr.reshape(-1)[i] for i in bad[:3]]}"
        )
    return out


def classify_pairs(functional, dysfunctional) -> np.ndarray:
    """Kano class letter (M, O, A, I, R, Q) of each answer pair; vectorized, same shape."""
    f = _codes(functional, "functional")
    d = _codes(dysfunctional, "dysfunctional")
    if f.shape != d.shape:
        raise DataValidationError(
            f"functional and dysfunctional shapes differ: {f.shape} vs {d.shape}"
        )
    return _TABLE[f, d]


class KanoSurvey:
    """Kano classification of features from a long answers table.

    ``fit(answers)`` with columns ``feature, functional, dysfunctional`` (one row per
    respondent × feature; answers 1..5 or words). Learned: ``counts_`` (feature × class
    counts), ``classes_`` (feature → class name), ``coefficients_`` (better / worse).
    """

    def __init__(
        self,
        feature_col: str = "feature",
        functional_col: str = "functional",
        dysfunctional_col: str = "dysfunctional",
    ) -> None:
        self.feature_col = feature_col
        self.functional_col = functional_col
        self.dysfunctional_col = dysfunctional_col

    def fit(self, answers: pd.DataFrame) -> KanoSurvey:
        """Classify each feature from the answers and compute its satisfaction coefficients.

        Parameters
        ----------
        answers : pandas.DataFrame
            One row per respondent × feature with the columns named by ``feature_col``,
            ``functional_col`` and ``dysfunctional_col`` (answers 1..5 or answer words).

        Returns
        -------
        KanoSurvey
            This survey, with ``counts_`` (feature × class counts), ``classes_`` (feature →
            most frequent class) and ``coefficients_`` (better / worse per feature) set.
        """
        cols = [self.feature_col, self.functional_col, self.dysfunctional_col]
        missing = [c for c in cols if c not in answers.columns]
        if missing:
            raise DataValidationError(f"Kano answers: missing column(s) {missing}; expected {cols}")
        if answers[self.feature_col].isna().any():
            rows = list(np.flatnonzero(answers[self.feature_col].isna())[:5])
            raise DataValidationError(
                f"Kano answers: column {self.feature_col!r} empty in row(s) {rows}"
            )
        letters = classify_pairs(
            answers[self.functional_col].to_numpy(), answers[self.dysfunctional_col].to_numpy()
        )
        counts = pd.crosstab(answers[self.feature_col].to_numpy(), letters)
        counts = counts.reindex(columns=list(_TIE_ORDER), fill_value=0)
        counts.index.name = "feature"
        self.counts_ = counts
        # most frequent class; ties broken in _TIE_ORDER (column order) by idxmax
        self.classes_ = counts.idxmax(axis=1).map(CLASSES).rename("kano_class")
        denom = counts[["A", "O", "M", "I"]].sum(axis=1).replace(0, np.nan)
        self.coefficients_ = pd.DataFrame(
            {
                "better": (counts["A"] + counts["O"]) / denom,
                "worse": -(counts["O"] + counts["M"]) / denom,
            }
        )
        return self

    def table(self) -> pd.DataFrame:
        """Per feature: class, seed phrasing, shares of each class, better/worse, n.

        Returns
        -------
        pandas.DataFrame
            Index ``feature``; columns kano_class, customer_says, better, worse,
            share_<class>…, n.
        """
        n = self.counts_.sum(axis=1)
        shares = self.counts_.div(n, axis=0).rename(columns=lambda c: f"share_{CLASSES[c]}")
        out = pd.concat(
            [
                self.classes_,
                self.classes_.map(SEED_MAPPING).rename("customer_says"),
                self.coefficients_,
                shares,
                n.rename("n"),
            ],
            axis=1,
        )
        out.index.name = "feature"
        return out


# answer pairs typical of each class (functional, dysfunctional), codes 0..4
_PAIRS = {
    "must-be": [(1, 4), (2, 4), (3, 4)],
    "one-dimensional": [(0, 4)],
    "attractive": [(0, 1), (0, 2), (0, 3)],
    "indifferent": [(1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3), (1, 3), (2, 1), (3, 1)],
    "reverse": [(4, 0), (4, 1), (4, 2), (2, 0), (3, 0)],
}


def simulate_kano_answers(
    true_classes: Mapping[str, str] | Sequence[tuple[str, str]],
    n_respondents: int = 200,
    agreement: float = 0.7,
    seed: int = 0,
) -> pd.DataFrame:
    """Simulate a Kano survey.

    Each respondent answers each feature with a pair typical of the feature's true class with
    probability ``agreement``, otherwise a uniformly random pair.

    Returns ``respondent_id, feature, functional, dysfunctional`` (codes 1..5).
    """
    items = list(true_classes.items()) if isinstance(true_classes, Mapping) else list(true_classes)
    for feat, cls in items:
        if cls not in _PAIRS:
            raise ParameterError(
                f"true_classes[{feat!r}]: unknown class {cls!r}; use {list(_PAIRS)}"
            )
    if not 0 <= agreement <= 1:
        raise ParameterError(f"agreement: expected a share in [0, 1], got {agreement}")
    if n_respondents < 1:
        raise ParameterError(f"n_respondents: expected >= 1, got {n_respondents}")
    rng = np.random.default_rng(seed)
    n_f = len(items)
    shape = (n_respondents, n_f)
    typical = rng.random(shape) < agreement
    f = rng.integers(0, 5, shape)
    d = rng.integers(0, 5, shape)
    for j, (_, cls) in enumerate(items):
        pairs = np.asarray(_PAIRS[cls])
        pick = pairs[rng.integers(0, len(pairs), n_respondents)]
        f[:, j] = np.where(typical[:, j], pick[:, 0], f[:, j])
        d[:, j] = np.where(typical[:, j], pick[:, 1], d[:, j])
    return pd.DataFrame(
        {
            "respondent_id": np.repeat(np.arange(n_respondents), n_f),
            "feature": np.tile([feat for feat, _ in items], n_respondents),
            "functional": f.reshape(-1) + 1,
            "dysfunctional": d.reshape(-1) + 1,
        }
    )
