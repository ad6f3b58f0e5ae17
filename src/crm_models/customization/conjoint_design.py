"""Choice-based conjoint data: design, simulated answers and your own answers.

**Design** (``design_choice_experiment``): each respondent answers ``n_tasks`` choice tasks of
``n_alternatives`` product profiles plus, optionally, a no-choice option ("none of these").
Profiles come from a *shifted* (cyclic) design (Bunch, Louviere & Anderson 1996): for every
attribute (price included) a random, exactly level-balanced sequence gives the first
profile's level of each task and alternative ``m`` takes level ``(base + m) mod L``; the
alternatives of a task are then shuffled. Every attribute is level-balanced (counts differ by
at most ``n_alternatives``) and levels never repeat within a task when ``n_alternatives ≤ L``.

**Answers** (``simulate_answers``): utility of a profile = Σ part-worths of its levels +
``price_coef`` × price + Gumbel noise; the no-choice option has utility
``no_choice_utility`` + noise. Part-worths may be one vector (homogeneous) or one row per
respondent (heterogeneous, e.g. the synthetic world's customers).

**Your own answers** (``read_answers``): a long table, one row per alternative shown, columns
``respondent_id, task, alternative, chosen`` (0/1, one 1 per task), ``price`` (number),
optional ``no_choice`` (0/1) and one column per attribute holding the level shown (empty
on no-choice rows). ``read_answers`` validates it and names the offending column and rows.

Estimation is in :mod:`crm_models.customization.conjoint`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from crm_models.customization.configurations import from_products
from crm_models.errors import DataValidationError, ParameterError, format_rows
from crm_models.project import resolve_path

__all__ = [
    "attributes_from_products",
    "design_choice_experiment",
    "read_answers",
    "simulate_answers",
]

RESERVED = ("respondent_id", "task", "alternative", "chosen", "price", "no_choice")


# ---------------------------------------------------------------------- design
def attributes_from_products(products: pd.DataFrame) -> dict[str, list[str]]:
    """Return ``{attribute: [module_id, ...]}`` from a products table (first module = reference).

    Parameters
    ----------
    products : pandas.DataFrame
        One row per module; needs columns ``module_id`` and ``attribute``.

    Returns
    -------
    dict of str to list of str
        Module ids per attribute, in table order.
    """
    return {a: list(mods) for a, mods in from_products(products).attributes.items()}


def _balanced_sequence(n: int, n_levels: int, rng: np.random.Generator) -> np.ndarray:
    """Length-``n`` sequence of 0..L-1, concatenated random permutations (counts differ ≤ 1)."""
    blocks = -(-n // n_levels)
    seq = rng.permuted(np.tile(np.arange(n_levels), (blocks, 1)), axis=1).reshape(-1)[:n]
    return seq


def design_choice_experiment(
    attributes: Mapping[str, Sequence[str]],
    price_levels: Sequence[float],
    n_respondents: int = 300,
    n_tasks: int = 8,
    n_alternatives: int = 3,
    no_choice: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """Generate a level-balanced shifted choice design (module docstring).

    Parameters
    ----------
    attributes : mapping of str to sequence of str
        ``{attribute: [level, ...]}``; the first level is the reference (see
        :func:`attributes_from_products`).
    price_levels : sequence of float
        Prices shown (dollars per year), balanced like the attribute levels.
    n_respondents : int, default 300
        Respondents.
    n_tasks : int, default 8
        Choice tasks per respondent.
    n_alternatives : int, default 3
        Product profiles per task (besides "none of these").
    no_choice : bool, default True
        Add a "none of these" row to every task.
    seed : int, default 0
        Seed of the random balanced sequences and shuffles.

    Returns
    -------
    pandas.DataFrame
        Long frame, one row per alternative shown: ``respondent_id, task, alternative,
        no_choice, <attributes...>, price``; attribute columns are ordered categoricals whose
        first category is the reference level; no-choice rows hold missing levels and price 0.
    """
    for name, value in (("n_respondents", n_respondents), ("n_tasks", n_tasks)):
        if int(value) < 1:
            raise ParameterError(f"{name}: expected >= 1, got {value}")
    if int(n_alternatives) < 2:
        raise ParameterError(
            f"n_alternatives: expected >= 2 profiles per task, got {n_alternatives}"
        )
    if not attributes:
        raise ParameterError("attributes: give at least one attribute with >= 2 levels")
    for a, levels in attributes.items():
        if a in RESERVED:
            raise ParameterError(f"attributes: {a!r} is a reserved column name")
        if len(levels) < 2 or len(set(levels)) != len(levels):
            raise ParameterError(f"attributes[{a!r}]: expected >= 2 distinct levels, got {levels}")
    prices = np.asarray(price_levels, dtype=float)
    if prices.size < 2 or len(np.unique(prices)) != prices.size or np.any(~np.isfinite(prices)):
        raise ParameterError(
            f"price_levels: expected >= 2 distinct finite prices, got {price_levels}"
        )
    rng = np.random.default_rng(seed)
    n_r, n_t, n_a = int(n_respondents), int(n_tasks), int(n_alternatives)
    n_sets = n_r * n_t
    cols: dict[str, np.ndarray] = {}
    specs = {**{a: len(v) for a, v in attributes.items()}, "price": prices.size}
    for a, n_levels in specs.items():
        base = _balanced_sequence(n_sets, n_levels, rng)
        cols[a] = (base[:, None] + np.arange(n_a)[None, :]) % n_levels  # (n_sets, n_a)
    order = rng.permuted(np.tile(np.arange(n_a), (n_sets, 1)), axis=1)
    rows = np.arange(n_sets)[:, None]
    for a in cols:
        cols[a] = cols[a][rows, order]
    n_alt_total = n_a + int(no_choice)
    frame = pd.DataFrame(
        {
            "respondent_id": np.repeat(np.arange(n_r), n_t * n_alt_total),
            "task": np.tile(np.repeat(np.arange(n_t), n_alt_total), n_r),
            "alternative": np.tile(np.arange(n_alt_total), n_sets),
            "no_choice": np.tile(np.r_[np.zeros(n_a, int), np.ones(int(no_choice), int)], n_sets),
        }
    )
    for a, levels in attributes.items():
        codes = np.full((n_sets, n_alt_total), -1)
        codes[:, :n_a] = cols[a]
        frame[a] = pd.Categorical.from_codes(
            codes.reshape(-1), categories=list(levels), ordered=True
        )
    price = np.zeros((n_sets, n_alt_total))
    price[:, :n_a] = prices[cols["price"]]
    frame["price"] = price.reshape(-1)
    return frame


def simulate_answers(
    design: pd.DataFrame,
    part_worths: pd.Series | pd.DataFrame | Mapping[str, float],
    price_coef: float | np.ndarray,
    no_choice_utility: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Add a ``chosen`` column to ``design`` by simulating logit choices (module docstring).

    Parameters
    ----------
    design : pandas.DataFrame
        Output of :func:`design_choice_experiment` (columns ``respondent_id``, ``task``,
        ``price``, optional ``no_choice``, one column per attribute).
    part_worths : pandas.Series, pandas.DataFrame or mapping
        Utility per level name (a Series/mapping: the same for everyone) or a frame with one
        row per respondent (in ``respondent_id`` order 0..R-1) and one column per level;
        levels not given are 0 (reference).
    price_coef : float or numpy.ndarray
        Utility per dollar (negative): one value or one per respondent.
    no_choice_utility : float, default 0.0
        Utility of "none of these".
    seed : int, default 0
        Seed of the Gumbel noise.

    Returns
    -------
    pandas.DataFrame
        A copy of ``design`` with ``chosen`` (0/1, exactly one 1 per respondent and task).
    """
    attrs = _attribute_columns(design)
    respondents = design["respondent_id"].to_numpy()
    n_resp = int(respondents.max()) + 1
    util = np.zeros(len(design))
    if isinstance(part_worths, pd.DataFrame):
        if len(part_worths) != n_resp:
            raise ParameterError(
                f"part_worths: expected one row per respondent ({n_resp}), got {len(part_worths)}"
            )
        for a in attrs:
            levels = design[a].astype(object)
            for lev in pd.unique(levels.dropna()):
                if lev in part_worths.columns:
                    mask = (levels == lev).to_numpy()
                    util[mask] += part_worths[lev].to_numpy(float)[respondents[mask]]
    else:
        pw = dict(part_worths)
        for a in attrs:
            util += design[a].astype(object).map(pw).fillna(0.0).to_numpy(float)
    alpha = np.asarray(price_coef, dtype=float)
    alpha = np.broadcast_to(alpha, (n_resp,)) if alpha.ndim else np.full(n_resp, float(alpha))
    util += alpha[respondents] * design["price"].to_numpy(float)
    none = design.get("no_choice", pd.Series(0, index=design.index)).to_numpy(int) == 1
    util[none] = no_choice_utility
    rng = np.random.default_rng(seed)
    util = util + rng.gumbel(size=len(util))
    out = design.copy()
    keys = out["respondent_id"].astype(np.int64) * (int(out["task"].max()) + 1) + out["task"]
    winner = pd.Series(util, index=out.index).groupby(keys.to_numpy()).transform("max")
    out["chosen"] = (util == winner.to_numpy()).astype(int)
    return out


def _attribute_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in RESERVED]


# ------------------------------------------------------------------ user data
def read_answers(
    source: str | Path | pd.DataFrame, attributes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Read and validate conjoint answers (CSV path or frame; format in module docstring).

    A relative path is relative to the project root (``crm_models.project.resolve_path``).

    Parameters
    ----------
    source : str, pathlib.Path or pandas.DataFrame
        The answers: one row per alternative shown, columns ``respondent_id, task,
        alternative, chosen`` (0/1, one 1 per task), ``price`` (dollars), optional
        ``no_choice`` (0/1) and one column per attribute (the level shown; empty on
        no-choice rows).
    attributes : sequence of str, optional
        Attribute columns; default every column besides the reserved ones.

    Returns
    -------
    pandas.DataFrame
        The validated answers (``no_choice`` added when absent, ``price`` float).

    Raises
    ------
    DataValidationError
        Naming the file, the column and the first offending rows (1-based data rows).
    """
    if isinstance(source, pd.DataFrame):
        frame, name = source.copy(), "answers"
    else:
        path = resolve_path(source)
        if not path.is_file():
            raise DataValidationError(f"{path}: conjoint answers file not found")
        frame, name = pd.read_csv(path), str(path)
    required = ["respondent_id", "task", "alternative", "chosen", "price"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{name}: missing column(s) {missing}; expected {required} + attribute columns"
        )
    attrs = list(attributes) if attributes is not None else _attribute_columns(frame)
    if not attrs:
        raise DataValidationError(f"{name}: no attribute columns besides {list(RESERVED)}")
    missing = [a for a in attrs if a not in frame.columns]
    if missing:
        raise DataValidationError(f"{name}: attribute column(s) {missing} not in the file")
    if "no_choice" not in frame.columns:
        frame["no_choice"] = 0
    for col in ("respondent_id", "task", "alternative"):
        if frame[col].isna().any():
            rows = format_rows(np.flatnonzero(frame[col].isna()))
            raise DataValidationError(f"{name}: column {col!r} is empty in rows {rows}")
    for col in ("chosen", "no_choice"):
        bad = ~frame[col].isin([0, 1])
        if bad.any():
            rows = format_rows(np.flatnonzero(bad))
            raise DataValidationError(
                f"{name}: column {col!r} must be 0/1; rows {rows} hold "
                f"{frame.loc[bad, col].unique()[:3].tolist()}"
            )
        frame[col] = frame[col].astype(int)
    price = pd.to_numeric(frame["price"], errors="coerce")
    none = frame["no_choice"].to_numpy() == 1
    bad = (price.isna() | ~np.isfinite(price.fillna(0))) & ~none
    if bad.any():
        rows = format_rows(np.flatnonzero(bad))
        raise DataValidationError(f"{name}: column 'price' must be a number; rows {rows} are not")
    frame["price"] = price.fillna(0.0).where(~none, 0.0).astype(float)
    for a in attrs:
        empty = frame[a].isna().to_numpy() & ~none
        if empty.any():
            rows = format_rows(np.flatnonzero(empty))
            raise DataValidationError(
                f"{name}: attribute column {a!r} is empty in rows {rows} (only no_choice rows "
                "may be empty)"
            )
    dup = frame.duplicated(["respondent_id", "task", "alternative"])
    if dup.any():
        rows = format_rows(np.flatnonzero(dup))
        raise DataValidationError(
            f"{name}: duplicated (respondent_id, task, alternative) in rows {rows}"
        )
    grouped = frame.groupby(["respondent_id", "task"], sort=False)
    n_chosen = grouped["chosen"].transform("sum").to_numpy()
    if np.any(n_chosen != 1):
        bad = frame.loc[n_chosen != 1, ["respondent_id", "task"]].drop_duplicates().head(3)
        raise DataValidationError(
            f"{name}: column 'chosen' must hold exactly one 1 per (respondent_id, task); "
            f"violated for {bad.to_records(index=False).tolist()}"
        )
    size = grouped["chosen"].transform("size").to_numpy()
    if np.any(size < 2):
        bad = frame.loc[size < 2, ["respondent_id", "task"]].drop_duplicates().head(3)
        raise DataValidationError(
            f"{name}: each task needs >= 2 alternatives; (respondent_id, task) "
            f"{bad.to_records(index=False).tolist()} have 1"
        )
    frame = frame.sort_values(["respondent_id", "task", "alternative"], kind="stable")
    return frame[
        ["respondent_id", "task", "alternative", "chosen", "no_choice", *attrs, "price"]
    ].reset_index(drop=True)
