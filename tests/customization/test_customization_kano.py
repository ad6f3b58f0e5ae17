"""Kano: the standard evaluation table, classes from a known answer table, better/worse."""

import numpy as np
import pandas as pd
import pytest

from crm_models.customization import (
    EVALUATION_TABLE,
    SEED_MAPPING,
    KanoSurvey,
    classify_pairs,
    simulate_kano_answers,
)
from crm_models.errors import DataValidationError, ParameterError


def test_evaluation_table_key_cells():
    """Berger et al. (1993): like/dislike = O, like/neutral = A, neutral/dislike = M,
    neutral/neutral = I, dislike/like = R, like/like = Q."""
    t = EVALUATION_TABLE
    assert t.loc["like", "dislike"] == "O"
    assert t.loc["like", "neutral"] == "A"
    assert t.loc["neutral", "dislike"] == "M"
    assert t.loc["expect", "dislike"] == "M"
    assert t.loc["neutral", "neutral"] == "I"
    assert t.loc["dislike", "like"] == "R"
    assert t.loc["like", "like"] == "Q" and t.loc["dislike", "dislike"] == "Q"
    counts = pd.Series(t.to_numpy().ravel()).value_counts()
    assert counts.to_dict() == {"I": 9, "R": 7, "A": 3, "M": 3, "Q": 2, "O": 1}


def test_classify_pairs_codes_and_words():
    np.testing.assert_array_equal(classify_pairs([1, 3, 1, 5], [5, 5, 3, 1]), ["O", "M", "A", "R"])
    np.testing.assert_array_equal(
        classify_pairs(["like", "must-be"], ["dislike", "live with"]), ["O", "I"]
    )


def known_table() -> pd.DataFrame:
    """10 respondents, 4 features with hand-counted classes:
    wifi: 6 M, 2 O, 2 I → must-be;   app: 5 A, 3 I, 2 O → attractive;
    fee: 4 R, 3 I, 3 Q → reverse;    card: 4 O, 4 M, 2 A → tie O = M → must-be (M > O)."""
    pairs = {
        "wifi": [(3, 5)] * 6 + [(1, 5)] * 2 + [(3, 3)] * 2,
        "app": [(1, 3)] * 5 + [(3, 3)] * 3 + [(1, 5)] * 2,
        "fee": [(5, 1)] * 4 + [(3, 3)] * 3 + [(1, 1)] * 3,
        "card": [(1, 5)] * 4 + [(2, 5)] * 4 + [(1, 4)] * 2,
    }
    rows = [(r, f, fu, dy) for f, ps in pairs.items() for r, (fu, dy) in enumerate(ps)]
    return pd.DataFrame(rows, columns=["respondent_id", "feature", "functional", "dysfunctional"])


def test_classes_from_known_answer_table():
    survey = KanoSurvey().fit(known_table())
    assert survey.classes_.to_dict() == {
        "app": "attractive",
        "card": "must-be",
        "fee": "reverse",
        "wifi": "must-be",
    }
    c = survey.counts_
    assert c.loc["wifi", ["M", "O", "I"]].tolist() == [6, 2, 2]


def test_better_worse_by_hand():
    """wifi: A=0, O=2, M=6, I=2 → better = 2/10 = 0.2, worse = −8/10 = −0.8;
    app: A=5, O=2, M=0, I=3 → better 0.7, worse −0.2."""
    co = KanoSurvey().fit(known_table()).coefficients_
    assert co.loc["wifi"].tolist() == pytest.approx([0.2, -0.8])
    assert co.loc["app"].tolist() == pytest.approx([0.7, -0.2])


def test_seed_phrasing():
    s = KanoSurvey().fit(known_table()).table()
    assert s.loc["wifi", "customer_says"] == "what I expect"
    assert s.loc["fee", "customer_says"] == "what irritates me"
    assert SEED_MAPPING["attractive"] == SEED_MAPPING["one-dimensional"] == "what I value"
    assert SEED_MAPPING["indifferent"] == "what I don't care about"


def test_simulated_survey_recovers_true_classes():
    """With 70% typical answers and 200 respondents the modal class is the true one."""
    truth = {
        "f1": "must-be",
        "f2": "one-dimensional",
        "f3": "attractive",
        "f4": "indifferent",
        "f5": "reverse",
    }
    answers = simulate_kano_answers(truth, n_respondents=200, agreement=0.7, seed=3)
    assert KanoSurvey().fit(answers).classes_.to_dict() == truth


def test_bad_answers():
    bad = known_table()
    bad.loc[3, "functional"] = 7  # the 4th data row: rows are named 1-based (issue 15)
    with pytest.raises(DataValidationError, match=r"rows 4\b"):
        KanoSurvey().fit(bad)
    with pytest.raises(DataValidationError, match="missing column"):
        KanoSurvey().fit(known_table().drop(columns="dysfunctional"))
    with pytest.raises(ParameterError, match="unknown class"):
        simulate_kano_answers({"x": "delighter"})
