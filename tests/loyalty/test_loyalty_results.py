"""The results convention in the loyalty study: frozen results, the standard summary table,
JSON-ready ``to_dict``, not-fitted checks, annotated public API, lazy reference libraries."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crm_models.loyalty as loyalty
from crm_models.errors import NotFittedError
from crm_models.loyalty import (
    CovarianceSEM,
    PLSPathModel,
    RetentionCurve,
    RetentionEconomics,
    assess_measurement,
    construct_index,
    retention_contrast,
)
from crm_models.results import SUMMARY_COLUMNS, Result

PACKAGE = Path(loyalty.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


@pytest.fixture(scope="module")
def model(world_2000):
    return PLSPathModel(consistent=True, n_boot=150, seed=2).fit(world_2000.survey)


def test_pls_result_is_frozen_with_bootstrap_percentile_summary(model):
    """summary(level) = estimate, bootstrap SD, and the draws' level-quantiles, path by path."""
    res = model.result_
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.gof = 0.0
    for level in (0.95, 0.8):
        table = res.summary(level)
        assert tuple(table.columns) == SUMMARY_COLUMNS and len(table) == len(res.spec.paths)
        d = res.design
        for (s, t), row in zip(res.spec.paths, table.itertuples(), strict=True):
            draws = res.boot.paths[:, d.pos(s), d.pos(t)]
            assert row.estimate == res.paths.set_index(["source", "target"]).loc[(s, t), "estimate"]
            assert row.se == pytest.approx(draws.std(ddof=1), rel=1e-12)
            lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
            assert row.ci_low == pytest.approx(lo, rel=1e-12) and row.ci_high == pytest.approx(
                hi, rel=1e-12
            )
    assert (
        res.summary(0.8)["ci_high"] - res.summary(0.8)["ci_low"]
        < res.summary(0.95)["ci_high"] - res.summary(0.95)["ci_low"]
    ).all()
    # convenience attributes read the one result; no copies
    assert model.paths_ is res.paths and model.boot_ is res.boot and model.gof_ == res.gof
    # total = indirect + direct, stored once
    P = res.total_effects.to_numpy() - res.indirect_effects.to_numpy()
    d = res.design
    for (s, t), value in zip(res.spec.paths, res.paths["estimate"], strict=True):
        assert P[d.pos(s), d.pos(t)] == pytest.approx(value, abs=1e-12)


def test_to_dict_is_json_ready_without_draws(model):
    out = model.result_.to_dict()
    text = json.dumps(out)
    assert "boot" not in out and "scores" not in out and "item_corr" not in out
    assert out["n_draws"] == model.result_.n_draws and out["spec"]["paths"][0] == ["IMAG", "CUEX"]
    assert out["total_effects"]["IMAG"]["CUSL"] == pytest.approx(
        model.result_.total_effects.loc["IMAG", "CUSL"]
    )
    assert len(text) < 50_000


def test_other_results_follow_the_convention(model, world_2000):
    survey = world_2000.survey
    m = assess_measurement(model)
    idx = construct_index(model, survey, "CUSA")
    lift = RetentionEconomics().retention_lift(0.8)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"satisfaction_index": rng.uniform(0, 100, 400)})
    frame["retained"] = rng.random(400) < frame["satisfaction_index"] / 100
    contrast = retention_contrast(frame)
    curve = RetentionCurve().fit(frame["satisfaction_index"], frame["retained"]).result_
    indirect = model.result_.indirect_effect(["CUSA", "CUSCO", "CUSL"])
    for result in (m, idx, lift, contrast, curve, indirect, model.result_.boot):
        assert isinstance(result, Result)
        assert type(result).__dataclass_params__.frozen
        assert tuple(result.summary().columns) == SUMMARY_COLUMNS
        json.dumps(result.to_dict())
    # the stored intervals are the summary's at the level they were computed at
    row = idx.summary().iloc[0]
    assert (row.estimate, row.ci_low, row.ci_high) == (idx.overall, idx.ci_low, idx.ci_high)
    assert idx.summary(0.5)["ci_high"].iloc[0] < idx.ci_high
    c = contrast.summary().loc["difference"]
    assert (c.estimate, c.ci_low, c.ci_high) == pytest.approx(
        (contrast.difference, contrast.difference_low, contrast.difference_high), rel=1e-12
    )
    t = curve.summary().loc["threshold"]
    assert (t.ci_low, t.ci_high) == (curve.threshold_ci_low, curve.threshold_ci_high)
    h = m.summary()
    assert h.loc["htmt IMAG–CUEX", "estimate"] == pytest.approx(m.htmt.loc["IMAG", "CUEX"])
    assert np.isfinite(h.loc["htmt IMAG–CUEX", "se"])
    assert set(lift.to_dict()) == {
        "retention",
        "retention_after",
        "clv_gross",
        "clv_gross_after",
        "clv_net",
        "clv_net_after",
        "profit_effect_net",
        "profit_effect_gross",
    }


def test_not_fitted_checks():
    for call in (
        lambda: PLSPathModel().paths_,
        lambda: PLSPathModel().summary(),
        lambda: RetentionCurve().curve(),
        lambda: CovarianceSEM().summary(),
        lambda: assess_measurement(PLSPathModel()),
    ):
        with pytest.raises(NotFittedError, match="not fitted"):
            call()


def _public_callables():
    for name in MODULES:
        module = importlib.import_module(f"crm_models.loyalty.{name}")
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj) and obj.__module__ == module.__name__:
                for meth_name, meth in vars(obj).items():
                    if inspect.isfunction(meth) and not meth_name.startswith("_"):
                        yield f"{name}.{attr}.{meth_name}", meth


def test_public_api_is_annotated_and_returns_no_dict_or_tuple():
    seen = 0
    for qualname, func in _public_callables():
        seen += 1
        hints = typing.get_type_hints(func)
        assert "return" in hints, f"{qualname} has no return annotation"
        origin = typing.get_origin(hints["return"]) or hints["return"]
        allowed_dict = qualname.endswith(".to_dict")  # the JSON form, as Result.to_dict
        assert allowed_dict or origin not in (dict, tuple), f"{qualname} returns {hints['return']}"
        assert func.__doc__, f"{qualname} has no docstring"
    assert seen > 50


def test_reference_libraries_are_not_imported_by_the_package():
    """plspm (dev extra) and semopy are imported only when a reference fit or SEM runs."""
    code = (
        "import sys, crm_models.loyalty, crm_models.loyalty.narrative, crm_models.loyalty.plots, "
        "crm_models.loyalty.reference; "
        "print(sorted(m for m in ('plspm', 'semopy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_reference_without_plspm_says_install_the_dev_extra(monkeypatch, world_2000):
    from crm_models.loyalty.reference import fit_plspm

    for name in [m for m in sys.modules if m == "plspm" or m.startswith("plspm.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "plspm", None)
    with pytest.raises(ImportError, match="install the dev extra"):
        fit_plspm(world_2000.survey)
