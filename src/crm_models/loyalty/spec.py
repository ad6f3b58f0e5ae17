"""The model specification: which survey items measure which construct, and which paths join them.

A ``ModelSpec`` is a plain, JSON-able parameter (``to_dict`` / ``from_dict``): constructs mapped
to their items (the measurement model), directed paths between constructs (the structural
model), the outer mode of each block (``"A"`` reflective, ``"B"`` formative) and readable labels.
``ModelSpec.ecsi()`` is the European Customer Satisfaction Index model of the ECSI mobile-phone
survey (Tenenhaus et al. 2005), the default everywhere in ``crm_models.loyalty``.

Validation happens at construction: unknown constructs in paths, items used twice, self-loops,
duplicated paths, cycles and constructs without any path raise ``ParameterError`` naming the
offending entry; ``check_data`` raises ``DataValidationError`` naming missing or bad columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError
from crm_models.loyalty.ecsi import ECSI_CONSTRUCTS, ECSI_LABELS, ECSI_PATHS
from crm_models.project import resolve_path
from crm_models.results import estimate_table


@dataclass(frozen=True, repr=False)
class ModelSpec:
    """Measurement and structural model of a PLS / SEM path model.

    Build one directly, with ``ModelSpec.ecsi()``, ``ModelSpec.from_dict`` or, wherever a spec
    is accepted, from a formula string (lavaan / semopy syntax, see :func:`resolve_spec`)::

        resolve_spec("IMAG =~ IMAG1 + IMAG2 + IMAG3; CUSA =~ CUSA1 + CUSA2; CUSA ~ IMAG")

    Parameters
    ----------
    constructs : Mapping[str, Sequence[str]]
        Construct name -> tuple of item (column) names, in display order.
    paths : Sequence[tuple[str, str]]
        Directed (source, target) pairs between constructs; must form a DAG.
    modes : Mapping[str, str]
        Construct -> ``"A"`` (reflective, default) or ``"B"`` (formative).
    labels : Mapping[str, str]
        Construct -> readable label (defaults to the construct name).
    """

    constructs: Mapping[str, Sequence[str]]
    paths: Sequence[tuple[str, str]]
    modes: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.constructs, Mapping) or not self.constructs:
            raise ParameterError(
                "ModelSpec.constructs must be a non-empty mapping construct -> items"
            )
        constructs = {}
        seen: dict[str, str] = {}
        for name, items in self.constructs.items():
            if not isinstance(name, str) or not name:
                raise ParameterError(
                    f"ModelSpec.constructs: construct names must be strings, got {name!r}"
                )
            if isinstance(items, str) or not isinstance(items, Sequence) or len(items) == 0:
                raise ParameterError(
                    f"ModelSpec.constructs[{name!r}] must be a non-empty list of item names, "
                    f"got {items!r}"
                )
            for item in items:
                if not isinstance(item, str) or not item:
                    raise ParameterError(
                        f"ModelSpec.constructs[{name!r}]: item names must be strings, got {item!r}"
                    )
                if item in seen:
                    raise ParameterError(
                        f"ModelSpec.constructs: item {item!r} is used by both "
                        f"{seen[item]!r} and {name!r}"
                    )
                seen[item] = name
            constructs[name] = tuple(items)
        paths = []
        for path in self.paths:
            if not isinstance(path, Sequence) or isinstance(path, str) or len(path) != 2:
                raise ParameterError(
                    f"ModelSpec.paths: each path must be a (source, target) pair, got {path!r}"
                )
            source, target = path
            for end in (source, target):
                if end not in constructs:
                    raise ParameterError(
                        f"ModelSpec.paths: {source}->{target} names unknown construct {end!r}; "
                        f"known constructs: {sorted(constructs)}"
                    )
            if source == target:
                raise ParameterError(
                    f"ModelSpec.paths: self-loop {source}->{target} is not allowed"
                )
            if (source, target) in paths:
                raise ParameterError(f"ModelSpec.paths: path {source}->{target} is listed twice")
            paths.append((source, target))
        if not paths and len(constructs) > 1:
            raise ParameterError(
                "ModelSpec.paths: a model with several constructs needs at least one path"
            )
        connected = {c for p in paths for c in p}
        lonely = [c for c in constructs if c not in connected and len(constructs) > 1]
        if lonely:
            raise ParameterError(
                f"ModelSpec: constructs {lonely} have no path; every construct needs one"
            )
        modes = {c: "A" for c in constructs}
        for name, mode in dict(self.modes).items():
            if name not in constructs:
                raise ParameterError(f"ModelSpec.modes: unknown construct {name!r}")
            if mode not in ("A", "B"):
                raise ParameterError(f"ModelSpec.modes[{name!r}] must be 'A' or 'B', got {mode!r}")
            modes[name] = mode
        labels = {c: c for c in constructs}
        for name, label in dict(self.labels).items():
            if name not in constructs:
                raise ParameterError(f"ModelSpec.labels: unknown construct {name!r}")
            labels[name] = str(label)
        object.__setattr__(self, "constructs", constructs)
        object.__setattr__(self, "paths", tuple(paths))
        object.__setattr__(self, "modes", modes)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "_order", self._topological_order())

    def __repr__(self) -> str:
        shown = ", ".join(f"{s}→{t}" for s, t in self.paths[:4])
        more = ", …" if len(self.paths) > 4 else ""
        return (
            f"ModelSpec({len(self.constructs)} constructs, {len(self.items)} items, "
            f"{len(self.paths)} paths: {shown}{more})"
        )

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def ecsi(cls) -> ModelSpec:
        """Return the ECSI model of the mobile-phone survey (7 constructs, 24 items, 12 paths).

        Returns
        -------
        ModelSpec
            Constructs IMAG, CUEX, PERQ, PERV, CUSA, CUSCO, CUSL with their ECSI items.
        """
        return cls(ECSI_CONSTRUCTS, ECSI_PATHS, labels=ECSI_LABELS)

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> ModelSpec:
        """Build from a mapping with constructs, paths, modes and labels.

        Parameters
        ----------
        spec : Mapping
            ``{"constructs": {...}, "paths": [[s, t], ...], "modes": {...}, "labels": {...}}``
            (``modes`` and ``labels`` optional).

        Returns
        -------
        ModelSpec
            The validated specification.
        """
        if not isinstance(spec, Mapping):
            raise ParameterError(f"model spec must be a mapping, got {type(spec).__name__}")
        unknown = set(spec) - {"constructs", "paths", "modes", "labels"}
        if unknown:
            raise ParameterError(
                f"model spec has unknown keys {sorted(unknown)}; "
                "expected constructs, paths, modes, labels"
            )
        if "constructs" not in spec or "paths" not in spec:
            raise ParameterError("model spec needs the keys 'constructs' and 'paths'")
        return cls(
            {k: tuple(v) for k, v in dict(spec["constructs"]).items()},
            [tuple(p) for p in spec["paths"]],
            dict(spec.get("modes", {})),
            dict(spec.get("labels", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; ``ModelSpec.from_dict(spec.to_dict()) == spec``.

        Returns
        -------
        dict
            Keys ``constructs``, ``paths``, ``modes``, ``labels``.
        """
        return {
            "constructs": {k: list(v) for k, v in self.constructs.items()},
            "paths": [list(p) for p in self.paths],
            "modes": dict(self.modes),
            "labels": dict(self.labels),
        }

    # -- structure ------------------------------------------------------------------------
    def _topological_order(self) -> tuple[str, ...]:
        names = list(self.constructs)
        indegree = {c: 0 for c in names}
        children: dict[str, list[str]] = {c: [] for c in names}
        for s, t in self.paths:
            indegree[t] += 1
            children[s].append(t)
        ready = [c for c in names if indegree[c] == 0]
        order = []
        while ready:
            c = ready.pop(0)
            order.append(c)
            for t in children[c]:
                indegree[t] -= 1
                if indegree[t] == 0:
                    ready.append(t)
        if len(order) < len(names):
            cyclic = [c for c in names if c not in order]
            raise ParameterError(
                f"ModelSpec.paths contain a cycle through {cyclic}; the model must be recursive"
            )
        # keep the user's order where the DAG allows it: stable sort by position in order
        return tuple(order)

    @property
    def names(self) -> tuple[str, ...]:
        """Constructs in causal (topological) order."""
        return self._order  # type: ignore[attr-defined]

    @property
    def items(self) -> list[str]:
        """All items, block by block in causal order."""
        return [i for c in self.names for i in self.constructs[c]]

    @property
    def endogenous(self) -> list[str]:
        """Constructs with at least one incoming path, in causal order."""
        targets = {t for _, t in self.paths}
        return [c for c in self.names if c in targets]

    @property
    def exogenous(self) -> list[str]:
        """Constructs without incoming path, in causal order."""
        targets = {t for _, t in self.paths}
        return [c for c in self.names if c not in targets]

    def predecessors(self, construct: str) -> list[str]:
        """Return the constructs with a direct path into ``construct``, in causal order.

        Parameters
        ----------
        construct : str
            Construct name.

        Returns
        -------
        list of str
            Its predecessors (empty for an exogenous construct).
        """
        sources = {s for s, t in self.paths if t == construct}
        return [c for c in self.names if c in sources]

    def block_index(self) -> np.ndarray:
        """Position (in ``names``) of the construct of each item in ``items``.

        Returns
        -------
        numpy.ndarray
            Integers, shape (p,) for p items.
        """
        pos = {c: k for k, c in enumerate(self.names)}
        return np.array([pos[c] for c in self.names for _ in self.constructs[c]], dtype=int)

    def path_mask(self) -> np.ndarray:
        """Boolean path matrix: ``mask[source, target]`` for each path, in ``names`` order.

        Returns
        -------
        numpy.ndarray
            Booleans, shape (K, K) for K constructs.
        """
        pos = {c: k for k, c in enumerate(self.names)}
        mask = np.zeros((len(pos), len(pos)), dtype=bool)
        for s, t in self.paths:
            mask[pos[s], pos[t]] = True
        return mask

    def label(self, construct: str) -> str:
        """Readable label of ``construct`` (the name itself when none is set).

        Parameters
        ----------
        construct : str
            Construct name.

        Returns
        -------
        str
            The label.
        """
        return self.labels.get(construct, construct)

    def require_construct(self, construct: str, parameter: str = "construct") -> str:
        """Return ``construct`` if the model has it, else raise ``ParameterError``.

        The error names ``parameter``.

        Parameters
        ----------
        construct : str
            Construct name, e.g. a report parameter's value.
        parameter : str, default "construct"
            Name shown in the error (e.g. ``"loyalty_construct"``).

        Returns
        -------
        str
            ``construct``.
        """
        if construct not in self.constructs:
            raise ParameterError(
                f"{parameter}={construct!r} is not a construct of the model: {list(self.names)}"
            )
        return construct

    # -- data -----------------------------------------------------------------------------
    def check_data(
        self, data: pd.DataFrame, scale: tuple[float, float] | None = None, source: str = "survey"
    ) -> pd.DataFrame:
        """Return the item columns of ``data`` as float64, or raise ``DataValidationError``.

        Checks that every item is present, numeric, has no missing values, varies, and (when
        ``scale`` is given, e.g. ``(1, 10)``) lies within the scale.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent; must hold one numeric column per item of the spec
            (``items``); other columns are ignored. At least 10 rows.
        scale : tuple of float, optional
            Answer scale ``(low, high)``; values outside it are refused.
        source : str, default "survey"
            Name of the data shown in errors.

        Returns
        -------
        pandas.DataFrame
            The item columns (``items`` order) as float64, same index as ``data``.
        """
        from crm_models.loyalty.spec_data import check_items

        return check_items(self.items, data, scale, source)


def _path_names(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Row labels ``"source → target"`` of path tables, one per (source, target) pair."""
    return [f"{s} → {t}" for s, t in pairs]


def _path_labels(spec: ModelSpec, pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Readable path labels ``"<source label> → <target label>"``, one per pair."""
    return [f"{spec.label(s)} → {spec.label(t)}" for s, t in pairs]


def _path_point_summary(paths: pd.DataFrame, level: float) -> pd.DataFrame:
    """Estimate table of a path frame (source, target, estimate): no se, NaN intervals."""
    index = _path_names(zip(paths["source"], paths["target"], strict=True))
    return estimate_table(paths["estimate"].to_numpy(), level=level, index=index)


def _existing_file(text: str) -> Path | None:
    """Return the file ``text`` names (relative to the project root), or None."""
    if "\n" in text or ";" in text:
        return None
    try:
        path = resolve_path(text)
        return path if path.is_file() else None
    except (OSError, ValueError):
        return None


def resolve_spec(spec: ModelSpec | Mapping[str, Any] | str | Path | None) -> ModelSpec:
    """Accept a ``ModelSpec``, a dict, ``None`` / ``"ecsi"``, JSON, a formula, or a file of either.

    Formula grammar (lavaan / semopy style; one statement per line or ``;``-separated; ``#``
    comments)::

        IMAG =~ IMAG1 + IMAG2 + IMAG3     # measurement: construct =~ items (reflective)
        PERV <~ PERV1 + PERV2             # measurement: formative composite (mode B)
        CUSA ~ IMAG + PERQ                # structural: target ~ sources (one path each)

    An ECSI construct (IMAG, CUEX, PERQ, PERV, CUSA, CUSCO, CUSL) without a measurement line
    keeps its ECSI items, so ``'CUSA ~ IMAG + PERQ'`` alone is a model; any other construct
    needs its ``=~`` line. Errors name the line and the unknown construct or bad part.

    Parameters
    ----------
    spec : ModelSpec, Mapping, str, pathlib.Path or None
        ``None`` / ``"ecsi"``: the ECSI model; a mapping or JSON object
        (``{"constructs": …, "paths": …}``); a formula string; or a file holding JSON or a
        formula (a relative path is relative to the project root).

    Returns
    -------
    ModelSpec
        The validated specification.
    """
    from crm_models.loyalty.spec_formula import is_formula, parse_formula

    if spec is None:
        return ModelSpec.ecsi()
    if isinstance(spec, ModelSpec):
        return spec
    if isinstance(spec, Mapping):
        return ModelSpec.from_dict(spec)
    if isinstance(spec, (str, Path)):
        text = str(spec).strip()
        if text.lower() == "ecsi":
            return ModelSpec.ecsi()
        if text.startswith("{"):
            try:
                return ModelSpec.from_dict(json.loads(text))
            except json.JSONDecodeError as exc:
                raise ParameterError(f"model spec: invalid JSON ({exc})") from exc
        path = _existing_file(text)
        if path is None and is_formula(text):
            return parse_formula(text)
        if path is not None:
            content = path.read_text()
            if is_formula(content):
                return parse_formula(content)
            try:
                return ModelSpec.from_dict(json.loads(content))
            except json.JSONDecodeError as exc:
                raise ParameterError(f"model spec file {path}: invalid JSON ({exc})") from exc
        raise ParameterError(
            f"model spec {text!r}: expected 'ecsi', a JSON object, a formula such as "
            "'CUSA ~ IMAG + PERQ', or a file holding JSON or a formula"
        )
    raise ParameterError(f"model spec: unsupported type {type(spec).__name__}")
