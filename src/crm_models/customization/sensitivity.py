"""Sensitivity of the variety optimum: tornado, sweeps of one input, profit by attribute.

Every function takes a fitted :class:`~crm_models.customization.VarietyOptimizer` and, where
it re-optimizes, refits a copy with one input changed (``market.X``, ``costs.X``,
``economics.X`` or ``market_size``) on a random sample of customers scaled to the same
market, to stay fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from crm_models.customization.choice import ChoiceMarket
from crm_models.customization.optimize import VarietyOptimizer
from crm_models.errors import ParameterError
from crm_models.results import check_fitted

__all__ = [
    "DEFAULT_TORNADO_INPUTS",
    "INPUT_LABELS",
    "face_sweep",
    "profit_by_attribute",
    "tornado",
]

INPUT_LABELS = {
    "market_size": "customers in the market",
    "market.outside_utility": "appeal of competitors / no purchase",
    "market.base_price": "platform price",
    "market.base_cost": "platform unit cost",
    "market.fit_scale": "configuration noise (fit scale λ)",
    "market.firm_constant": "brand appeal",
    "costs.fixed_cost_per_module": "fixed cost per module",
    "costs.complexity_scale": "complexity cost",
    "costs.holding_cost": "inventory holding cost",
    "costs.assembly_cost": "late-assembly cost per unit",
    "economics.cost_product": "make-to-order set-up cost",
    "economics.imitation_rate": "speed of imitation",
    "economics.retention_gain": "retention gain from remembering",
    "economics.base_retention": "base retention",
    "economics.order_cost_product": "make-to-order cost per order",
}
"""Readable names of the tornado inputs (used in reports)."""

DEFAULT_TORNADO_INPUTS = (
    "market_size",
    "market.outside_utility",
    "market.base_price",
    "market.base_cost",
    "market.fit_scale",
    "costs.fixed_cost_per_module",
    "costs.complexity_scale",
    "costs.holding_cost",
    "costs.assembly_cost",
    "economics.cost_product",
    "economics.imitation_rate",
    "economics.retention_gain",
    "economics.base_retention",
    "economics.order_cost_product",
)
"""Inputs perturbed by :func:`tornado` unless told otherwise."""

_HYPER = ("faces", "premium_grid", "method", "max_exhaustive", "chunk_elements")


def _refit(
    opt: VarietyOptimizer,
    market: ChoiceMarket,
    weight: np.ndarray,
    *,
    costs=None,
    economics=None,
    market_size: float | None = None,
) -> VarietyOptimizer:
    """Fit a new optimizer with ``opt``'s hyper-parameters (some replaced) to ``market``."""
    return VarietyOptimizer(
        costs or opt.costs_,
        economics or opt.economics_,
        market_size=opt.market_size_ if market_size is None else market_size,
        **{name: getattr(opt, name) for name in _HYPER},
    ).fit(market, weight)


def _with_input(opt: VarietyOptimizer, name: str, value: float) -> VarietyOptimizer:
    group, _, field = name.partition(".")
    market, weight = opt.market_, opt.customer_weight_
    if name == "market_size":
        return _refit(opt, market, weight, market_size=value)
    if group == "market":
        return _refit(opt, market.with_(**{field: value}), weight)
    if group == "costs":
        return _refit(opt, market, weight, costs=replace(opt.costs_, **{field: value}))
    if group == "economics":
        return _refit(opt, market, weight, economics=opt.economics_.with_(**{field: value}))
    raise ParameterError(f"tornado input {name!r}: expected 'market.X', 'costs.X' or 'economics.X'")


def _input_value(opt: VarietyOptimizer, name: str) -> float:
    if name == "market_size":
        return opt.market_size_
    group, _, field = name.partition(".")
    obj = {"market": opt.market_, "costs": opt.costs_, "economics": opt.economics_}.get(group)
    if obj is None or not hasattr(obj, field):
        raise ParameterError(f"tornado input {name!r} is unknown")
    value = getattr(obj, field)
    if value is None:
        raise ParameterError(f"tornado input {name!r} has no numeric value to perturb")
    return float(value)


def _subsample(opt: VarietyOptimizer, n_sample: int | None, seed: int) -> VarietyOptimizer:
    """``opt`` itself, or a refit on ``n_sample`` random customers scaled to the same market."""
    mk = opt.market_
    n = mk.n_customers
    if n_sample is None or n_sample >= n:
        return opt
    idx = np.random.default_rng(seed).choice(n, int(n_sample), replace=False)
    return _refit(opt, mk.customers(idx), opt.customer_weight_[idx])


def _decision(opt: VarietyOptimizer) -> str:
    k = "×".join(str(v) for v in opt.best_.modules_per_attribute.values())
    return f"{opt.best_.face} {k}"


def tornado(
    optimizer: VarietyOptimizer,
    inputs: Sequence[str] = DEFAULT_TORNADO_INPUTS,
    rel: float = 0.2,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    n_sample: int | None = 2_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Re-optimize with each input at ``(1 ± rel)`` × its value, or at ``ranges[name]``.

    Parameters
    ----------
    optimizer : VarietyOptimizer
        A fitted optimizer.
    inputs : sequence of str
        Inputs to perturb (``market_size``, ``market.X``, ``costs.X``, ``economics.X``).
    rel : float, default 0.2
        Relative change; an input equal to 0 moves to ``± rel`` (``costs.X`` and
        ``economics.X``, which cannot be negative: to ``[0, rel]``).
    ranges : mapping, optional
        ``{name: (low, high)}`` values that replace ``(1 ± rel)`` × value.
    n_sample : int or None, default 2000
        Customers sampled for the re-optimizations (scaled to the same market; None = all).
    seed : int, default 0
        Seed of the customer sample.

    Returns
    -------
    pandas.DataFrame
        One row per input, sorted by swing: input, label, base_value, base_profit (the
        optimum on the sample), low_value, high_value, profit_low, profit_high,
        decision_low, decision_high (``face k…``), decision_changes (vs. the base decision
        on the same sample) and swing.
    """
    check_fitted(optimizer, "best_")
    ranges = dict(ranges or {})
    base = _subsample(optimizer, n_sample, seed)
    base_decision = _decision(base)
    rows = []
    for name in inputs:
        v = _input_value(optimizer, name)
        # an input at 0 moves by ± rel; costs and economics cannot be negative: up only
        floor = 0.0 if name.partition(".")[0] in ("costs", "economics") else -rel
        default = (v - abs(v) * rel, v + abs(v) * rel) if v != 0 else (floor, rel)
        low, high = ranges.get(name, default)
        ends = {tag: _with_input(base, name, val) for tag, val in (("low", low), ("high", high))}
        rows.append(
            {
                "input": name,
                "base_value": v,
                "base_profit": base.best_.profit,
                "low_value": low,
                "high_value": high,
                "profit_low": ends["low"].best_.profit,
                "profit_high": ends["high"].best_.profit,
                "decision_low": _decision(ends["low"]),
                "decision_high": _decision(ends["high"]),
            }
        )
    out = pd.DataFrame(rows)
    out["decision_changes"] = (out["decision_low"] != base_decision) | (
        out["decision_high"] != base_decision
    )
    out.insert(1, "label", [INPUT_LABELS.get(n, n) for n in out["input"]])
    out["swing"] = (out["profit_high"] - out["profit_low"]).abs()
    return out.sort_values("swing", ascending=False, ignore_index=True)


def face_sweep(
    optimizer: VarietyOptimizer,
    name: str,
    values: Sequence[float] | np.ndarray,
    n_sample: int | None = 2_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Best profit per face as one input varies, re-optimized on a customer sample.

    Parameters
    ----------
    optimizer : VarietyOptimizer
        A fitted optimizer.
    name : str
        The input (names as in :func:`tornado`).
    values : array-like
        Values of the input.
    n_sample : int or None, default 2000
        Customers sampled for the re-optimizations (None = all).
    seed : int, default 0
        Seed of the customer sample.

    Returns
    -------
    pandas.DataFrame
        Indexed by the input's value: one column per face (optimal profit) and ``best``,
        the winning face (where it changes, the ranking flips).
    """
    check_fitted(optimizer, "best_")
    base = _subsample(optimizer, n_sample, seed)
    rows = []
    for v in np.asarray(values, dtype=float):
        profits = _with_input(base, name, float(v)).by_face_["profit"]
        rows.append({name: v, **profits.to_dict(), "best": profits.idxmax()})
    return pd.DataFrame(rows).set_index(name)


def profit_by_attribute(optimizer: VarietyOptimizer, face: str | None = None) -> pd.DataFrame:
    """Profit as each attribute's module count varies, the others at the face's optimum.

    Parameters
    ----------
    optimizer : VarietyOptimizer
        A fitted optimizer.
    face : str, optional
        The face (default: the best).

    Returns
    -------
    pandas.DataFrame
        Columns attribute, k, profit, premium (re-optimized on the premium grid).
    """
    check_fitted(optimizer, "best_")
    opt = optimizer
    face = face or opt.best_.face
    k_opt, _ = opt._decision(face)
    g = opt.premium_grid_
    out = []
    for a, name in enumerate(opt.market_.space.attributes):
        size = opt._sizes[a]
        cand = np.repeat(k_opt[None, :], size * len(g), axis=0)
        cand[:, a] = np.repeat(np.arange(1, size + 1), len(g))
        t = opt.evaluate(cand, np.tile(g, size), face)
        t["attribute"], t["k"] = name, cand[:, a]
        out.append(
            t.loc[t.groupby("k")["profit"].idxmax(), ["attribute", "k", "profit", "premium"]]
        )
    return pd.concat(out, ignore_index=True)
