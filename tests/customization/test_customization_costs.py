"""Cost of variety: the stated formulas, and postponement winning once variety is large."""

import numpy as np
import pytest

from crm_models.customization import VarietyCosts
from crm_models.errors import ParameterError


def test_formulas_by_hand():
    """k = (2, 3): M = 5 modules (3 beyond the standard product), N = 6 configurations,
    Q = 100 units."""
    c = VarietyCosts(
        fixed_cost_per_module=10.0,
        complexity_scale=2.0,
        complexity_exponent=1.5,
        holding_cost=4.0,
        module_holding_cost=1.0,
        service_z=2.0,
        assembly_cost=0.5,
    )
    k, q = [2, 3], 100.0
    assert c.fixed_cost(k) == pytest.approx(30.0)
    assert c.complexity_cost(k) == pytest.approx(2.0 * 5**1.5)
    assert c.unit_cost_make_to_stock(k, q) == pytest.approx(4.0 * 2.0 * np.sqrt(6 / 100))
    assert c.unit_cost_postponed(k, q) == pytest.approx(
        0.5 + 1.0 * 2.0 * (np.sqrt(2) + np.sqrt(3)) / np.sqrt(100)
    )


def test_postponement_wins_for_large_variety_only():
    """Make-to-stock grows with Π k, postponement with Σ √k plus a flat premium."""
    c = VarietyCosts()
    q = 50_000.0
    small, large = [1, 1, 1, 1], [12, 12, 12, 12]
    post_small = c.postponed(small, q)
    post_large = c.postponed(large, q)
    assert not post_small and post_large


def test_vectorized_breakdown():
    c = VarietyCosts()
    k = np.array([[1, 1], [3, 4], [10, 10]])
    table = c.breakdown(k, 1_000.0)
    assert table["configurations"].tolist() == [1, 12, 100]
    assert table["modules"].tolist() == [2, 7, 20]
    assert np.all(table["unit_cost"] <= table["unit_cost_make_to_stock"] + 1e-12)
    assert table["fixed_cost"].is_monotonic_increasing


def test_invalid_parameters():
    with pytest.raises(ParameterError, match="holding_cost"):
        VarietyCosts(holding_cost=-1)
    with pytest.raises(ParameterError, match="modules_per_attribute"):
        VarietyCosts().fixed_cost([0, 2])
