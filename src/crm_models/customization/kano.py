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

from crm_models.errors import DataValidationError, NotFittedError, ParameterError, format_rows

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
    """Answers as integer codes 0..4 from codes 1..5 or answer words (vectorized)."""
    arr = np.asarray(values, dtype=object)
    flat = pd.Series(arr.reshape(-1), dtype=object)
    words = {w: i for i, w in enumerate(ANSWERS)}
    words.update({"must-be": 1, "must be": 1, "live with": 3, "live-with": 3})
    is_text = flat.apply(isinstance, args=(str,)).astype(bool)
    as_word = flat.where(is_text).str.strip().str.lower().map(words)
    as_number = pd.to_numeric(flat, errors="coerce")
    as_number = as_number.where(as_number.isin([1, 2, 3, 4, 5])) - 1
    codes = as_word.fillna(as_number)
    bad = codes.isna().to_numpy()
    if bad.any():
        empty = flat.isna().to_numpy()
        held = [None if e else v for v, e in zip(flat[bad][:3], empty[bad][:3], strict=True)]
        raise DataValidationError(
            f"{name}: expected answers 1..5 or {list(ANSWERS)}; "
            f"rows {format_rows(np.flatnonzero(bad))} "
            f"hold {['(empty)' if v is None else v for v in held]}"
        )
    return codes.to_numpy(dtype=int).reshape(arr.shape)


def classify_pairs(functional, dysfunctional) -> np.ndarray:
    """Return the Kano class letter of each (functional, dysfunctional) answer pair.

    Parameters
    ----------
    functional : array-like
        Answers to "how do you feel if the product has it?": codes 1..5 or the words
        ``like, expect, neutral, tolerate, dislike`` (also "must-be", "live with").
    dysfunctional : array-like
        Answers to "... if it does not?", same coding and shape as ``functional``.

    Returns
    -------
    numpy.ndarray
        Letters M, O, A, I, R or Q (see :data:`EVALUATION_TABLE`), same shape as the inputs.

    Raises
    ------
    DataValidationError
        An answer outside the scale or empty (the rows, 1-based, are named).
    """
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

    Parameters
    ----------
    feature_col : str, default "feature"
        Column of ``answers`` naming the feature asked about.
    functional_col : str, default "functional"
        Column with the answer to "how do you feel if the product has it?" (1..5 or words).
    dysfunctional_col : str, default "dysfunctional"
        Column with the answer to "... if it does not?" (1..5 or words).
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

    def __repr__(self) -> str:
        if not hasattr(self, "classes_"):
            return "KanoSurvey(not fitted)"
        counts = self.classes_.value_counts()
        kinds = ", ".join(f"{int(n)} {c}" for c, n in counts.items())
        return (
            f"KanoSurvey({len(self.classes_)} features, "
            f"{int(self.counts_.to_numpy().sum())} answers: {kinds})"
        )

    def _repr_html_(self) -> str:
        from crm_models.reporting.escaping import escape_html, escaped_table

        if not hasattr(self, "classes_"):
            return f"<p>{escape_html(repr(self))}</p>"
        columns = ["kano_class", "customer_says", "better", "worse", "n"]
        return (
            f"<p>{escape_html(repr(self))}</p>"
            + escaped_table(self.table()[columns].round(3).reset_index()).to_html()
        )

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
            rows = format_rows(np.flatnonzero(answers[self.feature_col].isna()))
            raise DataValidationError(
                f"Kano answers: column {self.feature_col!r} empty in rows {rows}"
            )
        functional = _codes(answers[self.functional_col], f"Kano answers: column {cols[1]!r}")
        dysfunctional = _codes(answers[self.dysfunctional_col], f"Kano answers: column {cols[2]!r}")
        letters = _TABLE[functional, dysfunctional]
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
        if not hasattr(self, "counts_"):
            raise NotFittedError("KanoSurvey.table: call fit(answers) first")
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

    Parameters
    ----------
    true_classes : mapping or sequence of (str, str)
        ``{feature: class}`` with classes must-be, one-dimensional, attractive,
        indifferent or reverse.
    n_respondents : int, default 200
        Respondents (each answers every feature).
    agreement : float, default 0.7
        Share in [0, 1] of answers typical of the true class.
    seed : int, default 0
        Seed of the random draws.

    Returns
    -------
    pandas.DataFrame
        One row per respondent × feature; columns ``respondent_id, feature, functional,
        dysfunctional`` (codes 1..5), ready for :meth:`KanoSurvey.fit`.
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
