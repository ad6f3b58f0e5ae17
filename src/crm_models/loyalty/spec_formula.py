"""Formula-style model specifications (lavaan / semopy syntax) → ``ModelSpec``.

Grammar (one statement per line, or statements separated by ``;``; ``#`` starts a comment)::

    IMAG =~ IMAG1 + IMAG2 + IMAG3      # measurement: construct =~ its items (reflective, mode A)
    PERV <~ PERV1 + PERV2              # measurement: a composite (formative, mode B)
    CUSA ~ IMAG + CUEX + PERQ + PERV   # structural: endogenous construct ~ its predecessors

- Every construct named in a structural line needs a measurement line, unless it is one of
  the ECSI constructs (``IMAG``, ``CUEX``, ``PERQ``, ``PERV``, ``CUSA``, ``CUSCO``, ``CUSL``),
  which then keeps its ECSI items and label: ``'CUSA ~ IMAG + PERQ'`` alone is a valid model.
- A construct may appear in several structural lines as a target; paths are collected.
- Constructs keep the order of their first appearance (measurement lines first).

Errors are ``ParameterError`` naming the line number, the line and the unknown construct or the
malformed part; item columns are checked against the data later (``ModelSpec.check_data``).
"""

from __future__ import annotations

import re

from crm_models.errors import ParameterError
from crm_models.loyalty.ecsi import ECSI_CONSTRUCTS, ECSI_LABELS
from crm_models.loyalty.spec import ModelSpec

__all__ = ["is_formula", "parse_formula"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_OPERATORS = ("=~", "<~", "~")


def is_formula(text: str) -> bool:
    """Whether ``text`` looks like a formula spec (has ``~`` after a name, is not JSON).

    Parameters
    ----------
    text : str
        A model-spec string.

    Returns
    -------
    bool
        True for e.g. ``'CUSA ~ IMAG + PERQ'``; False for ``'ecsi'``, JSON or a file path.
    """
    text = text.strip()
    return (
        not text.startswith(("{", "~")) and re.search(r"[A-Za-z0-9_]\s*(=~|<~|~)", text) is not None
    )


def _statements(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        out.extend((number, part.strip()) for part in line.split(";") if part.strip())
    return out


def _names(number: int, line: str, side: str, part: str) -> list[str]:
    names = [n.strip() for n in part.split("+")]
    for name in names:
        if not _NAME.match(name):
            raise ParameterError(
                f"model spec line {number} {line!r}: {side} {name!r} is not a name; expected "
                "names joined by '+', e.g. 'CUSA ~ IMAG + PERQ' or 'IMAG =~ IMAG1 + IMAG2'"
            )
    return names


def parse_formula(text: str) -> ModelSpec:
    """Build a ``ModelSpec`` from a formula string (grammar in the module docstring).

    Parameters
    ----------
    text : str
        Structural lines ``target ~ source + source`` and measurement lines
        ``construct =~ item + item`` (``<~`` for a formative composite), separated by new
        lines or ``;``.

    Returns
    -------
    ModelSpec
        Constructs, items, paths, modes (A for ``=~``, B for ``<~``) and labels (ECSI labels
        for ECSI constructs).

    Raises
    ------
    ParameterError
        Naming the line (1-based) and the malformed part or the unknown construct.
    """
    constructs: dict[str, tuple[str, ...]] = {}
    modes: dict[str, str] = {}
    structural: list[tuple[int, str, str, list[str]]] = []
    statements = _statements(text)
    if not statements:
        raise ParameterError("model spec formula is empty; expected lines like 'CUSA ~ IMAG'")
    for number, line in statements:
        op = next((o for o in _OPERATORS if o in line), None)
        if op is None:
            raise ParameterError(
                f"model spec line {number} {line!r}: no '~' or '=~'; expected "
                "'target ~ source + source' or 'construct =~ item + item'"
            )
        left, right = (p.strip() for p in line.split(op, 1))
        if not left or not right or any(o in right for o in _OPERATORS):
            raise ParameterError(
                f"model spec line {number} {line!r}: expected one name left of {op!r} and "
                "names joined by '+' right of it"
            )
        (target,) = _names(number, line, "construct", left)
        sources = _names(number, line, "right-hand side", right)
        if op == "~":
            structural.append((number, line, target, sources))
            continue
        if target in constructs:
            raise ParameterError(
                f"model spec line {number} {line!r}: construct {target!r} is measured twice"
            )
        constructs[target] = tuple(sources)
        modes[target] = "B" if op == "<~" else "A"
    paths: list[tuple[str, str]] = []
    for number, line, target, sources in structural:
        for name in [target, *sources]:
            if name in constructs:
                continue
            if name in ECSI_CONSTRUCTS:
                constructs[name] = ECSI_CONSTRUCTS[name]
                continue
            raise ParameterError(
                f"model spec line {number} {line!r}: unknown construct {name!r}; measure it "
                f"with a line '{name} =~ item1 + item2' (ECSI constructs need none: "
                f"{', '.join(ECSI_CONSTRUCTS)})"
            )
        for source in sources:
            if (source, target) in paths:
                raise ParameterError(
                    f"model spec line {number} {line!r}: path {source} → {target} is listed twice"
                )
            paths.append((source, target))
    labels = {c: ECSI_LABELS[c] for c in constructs if c in ECSI_LABELS}
    try:
        return ModelSpec(constructs, paths, modes, labels)
    except ParameterError as exc:
        raise ParameterError(f"model spec formula: {exc}") from exc
