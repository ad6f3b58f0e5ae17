"""Safety net of the satisfaction → loyalty → profit report: its headline figures recomputed
independently of the notebook, with the package API, on the same simulated survey."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from crm_models.cli import main
from crm_models.loyalty import PLSPathModel, construct_index, load_inputs, resolve_spec

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"n_respondents": 300, "n_boot": 120, "seed": 4, "run_sem": "false"}


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> dict:
    """The report run small through the real pipeline (`crm run`); its published figures."""
    out = tmp_path_factory.mktemp("loyalty-report")
    sets = [arg for k, v in SMALL.items() for arg in ("--set", f"{k}={v}")]
    code = main(
        [
            "run",
            "satisfaction_loyalty_profit",
            *sets,
            "--force",
            "--notebooks",
            str(ROOT / "notebooks"),
            "--output",
            str(out),
        ]
    )
    assert code == 0
    return json.loads((out / "satisfaction_loyalty_profit.json").read_text())["figures"]


@pytest.fixture(scope="module")
def recomputed():
    """The same study by the package API: ECSI, PLSc, path scheme, same seed and resamples."""
    survey = load_inputs("synthetic", SMALL["n_respondents"], SMALL["seed"]).survey
    model = PLSPathModel(
        resolve_spec("ecsi"),
        scheme="path",
        consistent=True,
        n_boot=SMALL["n_boot"],
        seed=SMALL["seed"],
    ).fit(survey, scale=(1, 10))
    return model.result_, construct_index(model.result_, survey, "CUSA")


def test_path_coefficients_equal_the_package_recomputation(figures, recomputed):
    """Every published path coefficient, its bootstrap SE and 95% percentile interval equal
    ``PLSPathModel(...).fit(survey).result_.summary()`` to 1e-9 (relative)."""
    result, _ = recomputed
    table = result.summary()
    published = {(r["source"], r["target"]): r for r in figures["path_coefficients"]}
    assert len(published) == len(table) == 12
    for (source, target), row in zip(result.spec.paths, table.itertuples(), strict=True):
        got = published[(source, target)]
        for column in ("estimate", "se", "ci_low", "ci_high"):
            assert got[column] == pytest.approx(getattr(row, column), rel=1e-9, abs=1e-12), (
                source,
                target,
                column,
            )
    assert figures["model"]["n_boot"] == result.n_draws
    assert figures["gof"] == pytest.approx(result.gof, rel=1e-9)


def test_satisfaction_index_equals_the_package_recomputation(figures, recomputed):
    """The headline satisfaction index and its bootstrap interval equal ``construct_index``."""
    _, sat = recomputed
    shown = figures["satisfaction_index"]
    assert shown["construct"] == "CUSA"
    np.testing.assert_allclose(
        [shown["index"], shown["ci_low"], shown["ci_high"]],
        [sat.overall, sat.ci_low, sat.ci_high],
        rtol=1e-9,
    )
