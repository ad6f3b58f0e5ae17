"""The results convention (crm_models.results) and the one atomic-write helper.

The helper is crm_models._files.
"""

from __future__ import annotations

import dataclasses
import math
import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_models._files import atomic_path, atomic_write
from crm_models.errors import NotFittedError, ParameterError
from crm_models.results import (
    SUMMARY_COLUMNS,
    Result,
    check_fitted,
    check_level,
    estimate_table,
    to_jsonable,
    z_value,
)

# -- levels and critical values -------------------------------------------------------------------


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.99])
def test_z_value_is_the_two_sided_normal_quantile(level):
    z = z_value(level)
    assert z == pytest.approx(stats.norm.ppf(1 - (1 - level) / 2), rel=1e-12)
    assert stats.norm.cdf(z) - stats.norm.cdf(-z) == pytest.approx(level, rel=1e-12)


def test_z_value_of_95_percent():
    assert z_value(0.95) == pytest.approx(1.959963984540054, rel=1e-12)


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, 95, "abc", None, float("nan")])
def test_check_level_refuses_what_is_not_a_confidence_level(level):
    with pytest.raises(ParameterError, match="level must"):
        check_level(level)


def test_check_level_returns_a_float():
    assert check_level("0.9") == 0.9 and isinstance(check_level(np.float32(0.5)), float)


def test_a_tail_probability_is_refused_with_a_hint():
    with pytest.raises(ParameterError, match=r"0\.95 for a 95% interval"):
        z_value(95)


# -- estimate_table -------------------------------------------------------------------------------


def test_wald_interval_is_estimate_plus_minus_z_se():
    estimate = pd.Series([1.0, -2.0, 3.5], index=["a", "b", "c"])
    se = np.array([0.5, 1.0, 0.0])
    table = estimate_table(estimate, se, level=0.9)
    assert tuple(table.columns) == SUMMARY_COLUMNS
    assert list(table.index) == ["a", "b", "c"]
    z = stats.norm.ppf(0.95)
    np.testing.assert_allclose(table["ci_low"], estimate - z * se, rtol=1e-12)
    np.testing.assert_allclose(table["ci_high"], estimate + z * se, rtol=1e-12)
    np.testing.assert_allclose(table["ci_high"] - table["estimate"], z * se, rtol=1e-12)


def test_the_level_changes_the_wald_width():
    narrow = estimate_table([0.0], [1.0], level=0.8)
    wide = estimate_table([0.0], [1.0], level=0.99)
    assert narrow["ci_high"].iloc[0] == pytest.approx(stats.norm.ppf(0.9))
    assert wide["ci_high"].iloc[0] == pytest.approx(stats.norm.ppf(0.995))


def test_explicit_bounds_win_over_the_wald_interval():
    table = estimate_table(
        [1.0, 2.0], se=[0.1, 0.2], ci_low=[0.0, 1.5], ci_high=[3.0, 2.5], index=["x", "y"]
    )
    assert table.loc["x"].tolist() == [1.0, 0.1, 0.0, 3.0]
    assert table.loc["y"].tolist() == [2.0, 0.2, 1.5, 2.5]


def test_no_se_gives_nan_se_and_no_interval_unless_bounds_are_given():
    table = estimate_table(5.0)
    assert len(table) == 1 and table["estimate"].iloc[0] == 5.0
    assert table[["se", "ci_low", "ci_high"]].isna().all(axis=None)
    bounded = estimate_table([5.0, 6.0], ci_low=4.0, ci_high=7.0)  # scalars broadcast
    assert bounded["se"].isna().all() and bounded["ci_low"].tolist() == [4.0, 4.0]


def test_estimate_table_checks_the_level():
    with pytest.raises(ParameterError):
        estimate_table([1.0], [0.1], level=0.05 * 100)


# -- check_fitted ---------------------------------------------------------------------------------


def test_check_fitted_names_the_estimator():
    class Model:
        params_ = None

    with pytest.raises(NotFittedError, match=r"Model is not fitted yet: call Model\(\.\.\.\)\.fit"):
        check_fitted(Model(), "params_")
    fitted = Model()
    fitted.params_ = {"r": 1.0}
    assert check_fitted(fitted, "params_") is None


# -- to_jsonable and Result -----------------------------------------------------------------------


# repr=False: a dataclass generates its own __repr__ unless told not to, which would hide
# Result's short repr (see test_short_repr_shows_scalars_only).
@dataclasses.dataclass(frozen=True, repr=False)
class DemoResult(Result):
    """A result with one value, a flag, a label, a NaN and draws kept out of the JSON."""

    value: float
    n: int
    label: str
    missing: float = math.nan
    draws: np.ndarray = dataclasses.field(
        default_factory=lambda: np.arange(5.0), metadata={"json": False}
    )

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        return estimate_table([self.value], [1.0], level=level, index=["value"])


def test_to_jsonable_converts_numpy_pandas_and_non_finite():
    value = {
        "int": np.int64(3),
        "float": np.float32(0.5),
        "bool": np.bool_(True),
        "nan": float("nan"),
        "inf": np.inf,
        "array": np.array([1.0, np.nan]),
        "tuple": (1, 2),
        "series": pd.Series({"a": 1.5}),
        "frame": pd.DataFrame({"x": [1, 2]}),
        "date": pd.Timestamp("2024-01-02"),
        3: None,
        "text": "t",
        "other": complex(1, 2),
    }
    converted = to_jsonable(value)
    assert converted == {
        "int": 3,
        "float": 0.5,
        "bool": True,
        "nan": None,
        "inf": None,
        "array": [1.0, None],
        "tuple": [1, 2],
        "series": {"a": 1.5},
        "frame": [{"x": 1}, {"x": 2}],
        "date": "2024-01-02T00:00:00",
        "3": None,
        "text": "t",
        "other": "(1+2j)",
    }
    assert type(converted["int"]) is int and type(converted["bool"]) is bool


def test_to_jsonable_of_a_result_is_its_to_dict():
    result = DemoResult(1.25, 7, "a")
    assert to_jsonable(result) == result.to_dict()
    assert to_jsonable([result]) == [result.to_dict()]


def test_to_dict_leaves_out_json_false_fields_and_maps_nan_to_none():
    result = DemoResult(np.float64(1.25), np.int64(7), "a")
    assert result.to_dict() == {"value": 1.25, "n": 7, "label": "a", "missing": None}
    assert "draws" not in result.to_dict()


def test_results_are_frozen():
    result = DemoResult(1.0, 1, "a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.value = 2.0


def test_short_repr_shows_scalars_only():
    result = DemoResult(1.23456789, 7, "a")
    assert repr(result) == "DemoResult(value=1.235, n=7, label='a', missing=nan)"
    assert "draws" not in repr(result) and "array" not in repr(result)


def test_long_repr_is_cut_after_eight_fields():
    fields = [(f"f{i}", int) for i in range(10)]
    Wide = dataclasses.make_dataclass("Wide", fields, bases=(Result,), frozen=True, repr=False)
    assert repr(Wide(*range(10))) == "Wide(f0=0, f1=1, f2=2, f3=3, f4=4, f5=5, f6=6, f7=7, …)"


def test_summary_is_the_standard_table_and_base_summary_is_abstract():
    table = DemoResult(2.0, 1, "a").summary(level=0.95)
    assert tuple(table.columns) == SUMMARY_COLUMNS
    assert table.loc["value", "ci_high"] == pytest.approx(2.0 + 1.959963984540054)
    assert "<table" in DemoResult(2.0, 1, "a")._repr_html_()
    with pytest.raises(NotImplementedError, match="Result.summary"):
        Result().summary()


# -- atomic writes --------------------------------------------------------------------------------


def test_atomic_write_replaces_the_whole_file(tmp_path):
    target = tmp_path / "sub" / "r.txt"
    assert atomic_write(target, "a long first version\n" * 100) == target
    atomic_write(target, b"short")
    assert target.read_bytes() == b"short"
    atomic_write(target, "é")
    assert target.read_text(encoding="utf-8") == "é"
    assert [p.name for p in target.parent.iterdir()] == ["r.txt"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "r.txt"
    target.write_text("the good version")
    with pytest.raises(RuntimeError, match="writer failed"), atomic_path(target) as temporary:
        temporary.write_text("half of the new")
        raise RuntimeError("writer failed")
    assert target.read_text() == "the good version"
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]


def test_a_failing_fsync_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "r.txt"
    target.write_text("the good version")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, "new")
    assert target.read_text() == "the good version"
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]


def test_atomic_path_publishes_what_another_writer_made(tmp_path):
    target = tmp_path / "table.csv"
    with atomic_path(target) as temporary:
        assert temporary.parent == tmp_path and temporary != target
        pd.DataFrame({"x": [1]}).to_csv(temporary, index=False)
        assert not target.exists()
    assert target.read_text().splitlines() == ["x", "1"]
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]
