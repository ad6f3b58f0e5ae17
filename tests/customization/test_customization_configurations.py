"""Configuration counts: the seed's examples and exact counting under forbidden combinations."""

import itertools

import numpy as np
import pandas as pd
import pytest

from crm_models.customization import (
    ProductSpace,
    count_configurations,
    count_modules,
    credit_card_example,
    from_products,
    window_example,
)
from crm_models.errors import DataValidationError, ParameterError


def test_seed_credit_card_200_products_from_19_modules():
    """Seed 002: 10 rates × 5 fee structures × 4 designs = 200 products from 19 modules."""
    space = credit_card_example()
    assert space.n_configurations == 200
    assert space.n_modules == 19
    assert len(space.enumerate()) == 200


def test_seed_window_1800_products_from_30_modules():
    """Seed 002: 5 frames × 10 glasses × 3 strengths × 12 finishes = 1,800 from 30 modules."""
    space = window_example()
    assert space.n_configurations == 1_800
    assert space.n_modules == 30


def test_vectorized_counts():
    k = np.array([[10, 5, 4], [2, 2, 2]])
    np.testing.assert_array_equal(count_configurations(k), [200, 8])
    np.testing.assert_array_equal(count_modules(k), [19, 6])


def test_forbidden_combinations_counted_once_hand_example():
    """3×2×2 = 12; forbid (a1,b1) [2 configs] and (b1,c2) [3 configs], overlap (a1,b1,c2) [1]:
    inclusion–exclusion gives 12 − 2 − 3 + 1 = 8."""
    space = ProductSpace(
        {"a": 3, "b": 2, "c": 2}, [{"a": "a_1", "b": "b_1"}, {"b": "b_1", "c": "c_2"}]
    )
    assert space.n_configurations == 8
    assert len(space.enumerate()) == 8


@pytest.mark.parametrize("seed", range(5))
def test_constrained_count_equals_brute_force(seed):
    """The einsum count equals a brute-force loop over all configurations, for random
    pairwise and three-way forbidden combinations."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 5, size=4)
    attrs = {f"x{i}": int(s) for i, s in enumerate(sizes)}
    names = list(attrs)
    forbidden = []
    for _ in range(6):
        chosen = rng.choice(names, size=rng.integers(2, 4), replace=False)
        forbidden.append({a: f"{a}_{rng.integers(1, attrs[a] + 1)}" for a in chosen})
    space = ProductSpace(attrs, forbidden)
    count = 0
    for combo in itertools.product(*[range(1, s + 1) for s in sizes]):
        conf = {a: f"{a}_{v}" for a, v in zip(names, combo, strict=True)}
        if not any(all(conf[a] == m for a, m in f.items()) for f in forbidden):
            count += 1
    assert space.n_configurations == count
    assert len(space.enumerate()) == count


def test_subset_keeps_applicable_constraints():
    space = ProductSpace({"a": 3, "b": 3}, [{"a": "a_3", "b": "b_1"}, {"a": "a_1", "b": "b_1"}])
    sub = space.subset([2, 2])
    assert sub.n_configurations == 3  # (a1,b1) still forbidden; (a3,b1) no longer offered


def test_from_products_uses_table_order():
    products = pd.DataFrame(
        {
            "module_id": ["r0", "r1", "f0", "f1", "f2"],
            "attribute": ["rate", "rate", "fee", "fee", "fee"],
        }
    )
    space = from_products(products)
    assert space.attributes == {"rate": ["r0", "r1"], "fee": ["f0", "f1", "f2"]}
    assert space.n_configurations == 6


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ParameterError, match="unknown attribute"):
        ProductSpace({"a": 2, "b": 2}, [{"a": "a_1", "z": "z_1"}])
    with pytest.raises(ParameterError, match="has no module"):
        ProductSpace({"a": 2, "b": 2}, [{"a": "a_9", "b": "b_1"}])
    with pytest.raises(ParameterError, match=">= 2 attributes"):
        ProductSpace({"a": 2}, [{"a": "a_1"}])
    with pytest.raises(ParameterError, match="at least 1 module"):
        count_configurations([3, 0])
    with pytest.raises(ParameterError, match="exceed limit"):
        window_example().enumerate(limit=100)
    with pytest.raises(DataValidationError, match="duplicated module_id"):
        from_products(pd.DataFrame({"module_id": ["a", "a"], "attribute": ["x", "y"]}))
