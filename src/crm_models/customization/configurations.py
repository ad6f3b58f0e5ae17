"""Modules → configurations: how many products a modular offer makes, and at what module count.

Mass customization "is not customization but configuration" (seed 002): a product is a set of
attributes, each offered in some modules (options); a configuration picks one module per
attribute. Variety grows multiplicatively (configurations = product of module counts), the
number of things to design and stock additively (modules = their sum).

Constraints are *forbidden combinations*: a dict ``{attribute: module, ...}`` of two or more
attributes whose modules cannot be combined. The count of allowed configurations is exact: each
forbidden combination is a 0/1 factor over its attributes and the count is the contraction
of all factors (``numpy.einsum``), so it never enumerates the configurations.

Examples from the source (seed 002): ``credit_card_example()`` — 10 rates × 5 fee structures ×
4 designs = 200 products from 19 modules; ``window_example()`` — 5 frames × 10 glasses ×
3 strengths × 12 finishes = 1,800 products from 30 modules.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from crm_models.errors import DataValidationError, ParameterError, format_rows

__all__ = [
    "ProductSpace",
    "count_configurations",
    "count_modules",
    "credit_card_example",
    "from_products",
    "window_example",
]


def count_configurations(modules_per_attribute: Sequence[int] | np.ndarray) -> np.ndarray | int:
    """Count configurations: the product of module counts (last axis); vectorized over rows.

    Parameters
    ----------
    modules_per_attribute : sequence of int or numpy.ndarray
        Module counts per attribute (each at least 1); a 2-D array counts one row at a time.

    Returns
    -------
    int or numpy.ndarray
        An int for one product, an array (one count per row) for a 2-D input.
    """
    k = np.asarray(modules_per_attribute, dtype=np.int64)
    if np.any(k < 1):
        raise ParameterError("modules_per_attribute: every attribute needs at least 1 module")
    out = np.prod(k, axis=-1)
    return int(out) if out.ndim == 0 else out


def count_modules(modules_per_attribute: Sequence[int] | np.ndarray) -> np.ndarray | int:
    """Count modules: the sum of module counts (last axis); vectorized over rows.

    Parameters
    ----------
    modules_per_attribute : sequence of int or numpy.ndarray
        Module counts per attribute (each at least 1); a 2-D array counts one row at a time.

    Returns
    -------
    int or numpy.ndarray
        An int for one product, an array (one count per row) for a 2-D input.
    """
    k = np.asarray(modules_per_attribute, dtype=np.int64)
    if np.any(k < 1):
        raise ParameterError("modules_per_attribute: every attribute needs at least 1 module")
    out = np.sum(k, axis=-1)
    return int(out) if out.ndim == 0 else out


class ProductSpace:
    """A modular product: attributes, their modules, and forbidden module combinations.

    Parameters
    ----------
    attributes
        ``{attribute: [module names]}`` or ``{attribute: n_modules}`` (modules then named
        ``"<attribute>_1"`` …). Order is kept.
    forbidden
        Iterable of ``{attribute: module, ...}`` dicts (at least two attributes each): module
        combinations that cannot be built.
    """

    def __init__(
        self,
        attributes: Mapping[str, Sequence[str] | int],
        forbidden: Iterable[Mapping[str, str]] = (),
    ) -> None:
        if not attributes:
            raise ParameterError("attributes: give at least one attribute with its modules")
        self.attributes: dict[str, list[str]] = {}
        for name, mods in attributes.items():
            if isinstance(mods, (int, np.integer)):
                if mods < 1:
                    raise ParameterError(f"attributes[{name!r}]: needs >= 1 module, got {mods}")
                mods = [f"{name}_{i + 1}" for i in range(int(mods))]
            mods = [str(m) for m in mods]
            if not mods:
                raise ParameterError(f"attributes[{name!r}]: no modules given")
            if len(set(mods)) != len(mods):
                raise ParameterError(f"attributes[{name!r}]: duplicate module names {mods}")
            self.attributes[str(name)] = mods
        self.forbidden: list[dict[str, str]] = []
        for i, combo in enumerate(forbidden):
            combo = {str(a): str(m) for a, m in combo.items()}
            if len(combo) < 2:
                raise ParameterError(
                    f"forbidden[{i}]: a forbidden combination names >= 2 attributes, got {combo}"
                )
            for a, m in combo.items():
                if a not in self.attributes:
                    raise ParameterError(f"forbidden[{i}]: unknown attribute {a!r}")
                if m not in self.attributes[a]:
                    raise ParameterError(
                        f"forbidden[{i}]: attribute {a!r} has no module {m!r} "
                        f"(modules: {self.attributes[a]})"
                    )
            self.forbidden.append(combo)

    # ------------------------------------------------------------------ counts
    @property
    def modules_per_attribute(self) -> dict[str, int]:
        """``{attribute: number of modules}``."""
        return {a: len(m) for a, m in self.attributes.items()}

    @property
    def n_modules(self) -> int:
        """Total number of modules (sum over attributes)."""
        return int(count_modules(list(self.modules_per_attribute.values())))

    @property
    def n_unconstrained(self) -> int:
        """Configurations without constraints (product of module counts)."""
        return int(count_configurations(list(self.modules_per_attribute.values())))

    @property
    def n_configurations(self) -> int:
        """Allowed configurations: the unconstrained count minus every forbidden combination.

        Exact, by contracting one 0/1 factor per forbidden combination with ``numpy.einsum``
        (combinations may overlap; nothing is counted twice).
        """
        if not self.forbidden:
            return self.n_unconstrained
        names = list(self.attributes)
        if len(names) > len(string.ascii_letters):
            raise ParameterError("ProductSpace: at most 52 attributes are supported")
        letters = {a: string.ascii_letters[i] for i, a in enumerate(names)}
        operands: list[np.ndarray] = []
        subscripts: list[str] = []
        for combo in self.forbidden:
            attrs = list(combo)
            factor = np.ones([len(self.attributes[a]) for a in attrs])
            factor[tuple(self.attributes[a].index(combo[a]) for a in attrs)] = 0.0
            operands.append(factor)
            subscripts.append("".join(letters[a] for a in attrs))
        # attributes untouched by constraints contribute their module count as a plain factor
        constrained = {a for combo in self.forbidden for a in combo}
        free = int(np.prod([len(self.attributes[a]) for a in names if a not in constrained]))
        total = np.einsum(",".join(subscripts) + "->", *operands, optimize="greedy")
        return int(round(float(total))) * free

    def table(self) -> pd.DataFrame:
        """One row per attribute (modules) plus a total row (modules, configurations).

        Returns
        -------
        pandas.DataFrame
            Columns attribute, modules, configurations.
        """
        rows = [{"attribute": a, "modules": len(m)} for a, m in self.attributes.items()]
        frame = pd.DataFrame(rows)
        frame["configurations"] = np.nan
        total = pd.DataFrame(
            [
                {
                    "attribute": "total",
                    "modules": self.n_modules,
                    "configurations": self.n_configurations,
                }
            ]
        )
        return pd.concat([frame, total], ignore_index=True)

    # ------------------------------------------------------------- enumeration
    def enumerate(self, limit: int = 1_000_000) -> pd.DataFrame:
        """List all allowed configurations, one row each, one column per attribute (module names).

        Parameters
        ----------
        limit : int, default 1_000_000
            Largest unconstrained count enumerated; above it a ``ParameterError`` says to use
            ``n_configurations`` instead.

        Returns
        -------
        pandas.DataFrame
            One row per allowed configuration; one column per attribute holding module names.
        """
        if self.n_unconstrained > limit:
            raise ParameterError(
                f"enumerate: {self.n_unconstrained:,} configurations exceed limit={limit:,}; "
                "count them with n_configurations instead"
            )
        sizes = [len(m) for m in self.attributes.values()]
        idx = np.indices(sizes).reshape(len(sizes), -1).T  # (n_configs, n_attributes)
        keep = np.ones(len(idx), dtype=bool)
        names = list(self.attributes)
        for combo in self.forbidden:
            hit = np.ones(len(idx), dtype=bool)
            for a, m in combo.items():
                hit &= idx[:, names.index(a)] == self.attributes[a].index(m)
            keep &= ~hit
        idx = idx[keep]
        return pd.DataFrame(
            {
                a: np.asarray(self.attributes[a], dtype=object)[idx[:, j]]
                for j, a in enumerate(names)
            }
        )

    def subset(self, modules_per_attribute: Mapping[str, int] | Sequence[int]) -> ProductSpace:
        """Restrict the space to the first ``k`` modules of each attribute (constraints kept).

        Parameters
        ----------
        modules_per_attribute : mapping or sequence of int
            ``{attribute: k}`` or one count per attribute in order, each in 1..modules.

        Returns
        -------
        ProductSpace
            The smaller space, with the forbidden combinations that still apply.
        """
        if isinstance(modules_per_attribute, Mapping):
            ks = [int(modules_per_attribute[a]) for a in self.attributes]
        else:
            ks = [int(k) for k in modules_per_attribute]
        if len(ks) != len(self.attributes):
            raise ParameterError(
                f"subset: expected {len(self.attributes)} module counts, got {len(ks)}"
            )
        kept = {}
        for (a, mods), k in zip(self.attributes.items(), ks, strict=True):
            if not 1 <= k <= len(mods):
                raise ParameterError(
                    f"subset: attribute {a!r} needs 1..{len(mods)} modules, got {k}"
                )
            kept[a] = mods[:k]
        forbidden = [c for c in self.forbidden if all(m in kept[a] for a, m in c.items())]
        return ProductSpace(kept, forbidden)

    def __repr__(self) -> str:
        sizes = " × ".join(str(len(m)) for m in self.attributes.values())
        return (
            f"ProductSpace({sizes} = {self.n_configurations:,} configurations "
            f"from {self.n_modules} modules, {len(self.forbidden)} forbidden combinations)"
        )


def credit_card_example() -> ProductSpace:
    """Return seed 002's credit card: 10 interest rates × 5 fee structures × 4 designs.

    Returns
    -------
    ProductSpace
        200 configurations from 19 modules.
    """
    return ProductSpace({"rate": 10, "fee": 5, "design": 4})


def window_example() -> ProductSpace:
    """Return seed 002's window: 5 frames × 10 glasses × 3 strengths × 12 finishes.

    Returns
    -------
    ProductSpace
        1,800 configurations from 30 modules.
    """
    return ProductSpace({"frame": 5, "glass": 10, "strength": 3, "finish": 12})


def from_products(products: pd.DataFrame) -> ProductSpace:
    """Build a ``ProductSpace`` from a products table.

    Module order within an attribute follows the table (the synthetic world lists the
    reference module first).

    Parameters
    ----------
    products : pandas.DataFrame
        One row per module; needs columns ``module_id`` (unique) and ``attribute``.

    Returns
    -------
    ProductSpace
        Attributes in order of first appearance, their modules in table order.
    """
    missing = [c for c in ("module_id", "attribute") if c not in products.columns]
    if missing:
        raise DataValidationError(
            f"products: missing column(s) {missing}; expected one row per module with "
            "columns module_id and attribute"
        )
    for col in ("module_id", "attribute"):
        empty = products[col].isna().to_numpy()
        if empty.any():
            raise DataValidationError(
                f"products: column {col!r} is empty in rows {format_rows(np.flatnonzero(empty))}; "
                "every module needs an id and an attribute"
            )
    ids = products["module_id"].astype(str)
    dup = ids.duplicated().to_numpy()
    if dup.any():
        raise DataValidationError(
            f"products: duplicated module_id {ids[dup].unique()[:5].tolist()} in rows "
            f"{format_rows(np.flatnonzero(dup))} of column 'module_id'; expected one row per module"
        )
    grouped = ids.groupby(products["attribute"].astype(str).to_numpy(), sort=False)
    return ProductSpace({str(a): list(mods) for a, mods in grouped})
