"""What the data-quality corrections do to a headline figure (crm_models.data.corrections).

A small table with planted exact duplicates and extreme amounts: the effects are measured by
recomputing the headline (here: total spend, a closed form), applied and unapplied corrections
are told apart, a correction with nothing to act on costs no recomputation, and the sentences
for the management page appear only when something was applied or moves the headline > 1%.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crm_models.data.corrections import (
    MATERIAL_CHANGE,
    check_quality,
    prepare_transactions,
)
from crm_models.data.quality import extreme_threshold


def _base(n: int = 400) -> pd.DataFrame:
    ids = [f"C{i:04d}" for i in range(n)]
    return pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(range(n), unit="D"),
            "amount": [20.0 + (i % 17) for i in range(n)],
        }
    )


def _planted() -> pd.DataFrame:
    base = _base()
    whales = base.iloc[:5].assign(
        timestamp=lambda f: f["timestamp"] + pd.Timedelta(days=1), amount=1e6
    )
    return pd.concat([base, base.iloc[10:40], whales], ignore_index=True)


def total(tx: pd.DataFrame) -> float:
    return float(tx["amount"].sum())


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self, tx):
        self.calls += 1
        return total(tx)


def test_effects_are_the_recomputed_headline():
    tx = _planted()
    check = check_quality(tx, total, name="spend")
    effects = {e.correction: e for e in check.effects}
    assert check.applied == () and set(effects) == {"drop_duplicates", "cap_amounts"}
    dup = effects["drop_duplicates"]
    assert dup.rows == 30 and not dup.applied
    assert dup.without == pytest.approx(total(tx))
    assert dup.with_ == pytest.approx(total(tx) - tx.iloc[400:430]["amount"].sum())
    cap = effects["cap_amounts"]
    threshold = extreme_threshold(tx["amount"])
    assert cap.rows == 5
    assert cap.with_ == pytest.approx(total(tx) - 5 * (1e6 - threshold))
    assert cap.change == pytest.approx(cap.with_ / cap.without - 1)
    assert cap.material and not dup.material  # 30 rows of ~28 vs 5e6: far below 1%


def test_applied_corrections_are_measured_against_the_data_without_them():
    tx = _planted()
    check = check_quality(tx, total, name="spend", drop_duplicates=True, cap_amounts=True)
    cleaned, profile = prepare_transactions(tx, drop_duplicates=True, cap_amounts=True)
    assert check.applied == ("drop_duplicates", "cap_amounts")
    for e in check.effects:
        assert e.applied and e.with_ == pytest.approx(total(cleaned))
    assert len(cleaned) == len(tx) - 30 and cleaned["amount"].max() < 1e6
    assert profile.duplicate_rows == 30 and profile.whale_customers == 5
    sentences = check.management_sentences()
    assert sentences[-1].startswith("Corrections applied: exact duplicates dropped (30 rows)")
    assert "extreme amounts capped (5 rows at" in sentences[-1]
    assert any(
        s.startswith("Capping the 5 extreme amounts") and "changed spend by" in s for s in sentences
    )


def test_management_sentences_only_when_applied_or_material():
    tx = _planted()
    sentences = check_quality(tx, total, name="spend").management_sentences()
    assert len(sentences) == 2  # the capping effect (material) + "none applied"
    assert "would change spend by -" in sentences[0] and " → " in sentences[0]
    assert sentences[1].startswith("Corrections applied: none")
    clean = _base()
    assert check_quality(clean, total, name="spend").management_sentences() == []
    only_dup = pd.concat([clean, clean.iloc[:3]], ignore_index=True)
    assert check_quality(only_dup, total, name="spend").management_sentences() == []
    assert MATERIAL_CHANGE == 0.01


def test_nothing_to_correct_costs_no_recomputation():
    counter = Counter()
    check = check_quality(_base(), counter, name="spend", drop_duplicates=True)
    assert counter.calls == 0 and check.effects == ()
    counter = Counter()
    check_quality(_planted(), counter, name="spend", current=123.0)
    assert counter.calls == 2  # one per correction; the current value was given


def test_tables_and_json():
    check = check_quality(_planted(), total, name="spend", cap_amounts=True)
    profile = check.profile_table()
    assert list(profile.columns) == ["check", "rows", "customers", "share %", "share_of", "rule"]
    assert profile.set_index("check").loc["exact duplicate rows", "rows"] == 30
    effects = check.effects_table()
    assert list(effects["correction"]) == ["drop_duplicates", "cap_amounts"]
    assert list(effects["applied"]) == [False, True]
    data = check.to_dict()
    assert data["applied"] == ["cap_amounts"] and data["profile"]["extreme_rows"] == 5
    assert all(math.isfinite(e["change"]) for e in data["effects"])


def test_no_correction_returns_the_input_itself():
    tx = _planted()
    out, profile = prepare_transactions(tx)
    assert out is tx and profile.n_rows == len(tx)
