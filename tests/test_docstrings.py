"""Every public function, class and method documents its inputs and outputs (numpy convention).

Public means: named in the ``__all__`` of a subpackage or of a study's ``plots`` module (and
the public methods of those classes). Parsed with numpydoc's own parser, so a section is found
exactly as the docs build finds it:

- a function or method with parameters (other than ``self``/``cls``) has a **Parameters**
  section naming every one of them (``*args``/``**kwargs`` as ``*args``/``**kwargs``);
- a function or method that returns something (its return annotation is not ``None``) has a
  **Returns** section (a generator: **Yields**); a property needs only a summary line;
- a class has a **Parameters** section naming every argument of its constructor (a dataclass
  that users receive rather than build may use **Attributes** for its fields instead).

One test per subpackage, so ``pytest -k value`` checks one study; each lists every gap.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import pytest
from numpydoc.docscrape import NumpyDocString

PACKAGES = (
    "crm_models",
    "crm_models.value",
    "crm_models.uplift",
    "crm_models.loyalty",
    "crm_models.customization",
    "crm_models.retention",
    "crm_models.data",
    "crm_models.engines",
    "crm_models.value.patterns",
    "crm_models.reporting",
    "crm_models.teaching",
    # the charts: one module per study, imported as ``from crm_models.value import plots``
    "crm_models.value.plots",
    "crm_models.uplift.plots",
    "crm_models.loyalty.plots",
    "crm_models.customization.plots",
)


def _sections(obj: object) -> NumpyDocString | None:
    doc = inspect.getdoc(obj)
    if not doc:
        return None
    try:
        return NumpyDocString(doc)
    except Exception:  # numpydoc raises on malformed sections: a gap of its own
        return None


def _documented_names(params: list) -> set[str]:
    names = set()
    for param in params:
        for name in param.name.split(","):
            names.add(name.strip().lstrip("*"))
    return names


def _signature_names(func) -> list[str]:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    return [n for n in signature.parameters if n not in {"self", "cls"}]


def _function_gaps(qualname: str, func, owner: type | None = None) -> list[str]:
    doc = _sections(func)
    if doc is None:
        return [f"{qualname}: no docstring (or a malformed one)"]
    gaps = []
    wanted = _signature_names(func)
    if wanted:
        missing = [n for n in wanted if n not in _documented_names(doc["Parameters"])]
        if missing:
            gaps.append(f"{qualname}: Parameters section lacks {missing}")
    annotation = getattr(func, "__annotations__", {}).get("return", "missing")
    returns_nothing = annotation in (None, "None", type(None))
    if not returns_nothing and not (doc["Returns"] or doc["Yields"]):
        gaps.append(f"{qualname}: no Returns section")
    return gaps


def _class_gaps(qualname: str, cls: type) -> list[str]:
    doc = _sections(cls)
    if doc is None:
        return [f"{qualname}: no docstring (or a malformed one)"]
    gaps = []
    wanted = _signature_names(cls)
    if wanted:
        documented = _documented_names(doc["Parameters"])
        if dataclasses.is_dataclass(cls):
            documented |= _documented_names(doc["Attributes"])
        missing = [n for n in wanted if n not in documented]
        if missing:
            gaps.append(f"{qualname}: Parameters section lacks {missing}")
    for attr, raw in vars(cls).items():
        if attr.startswith("_"):
            continue
        if isinstance(raw, property):
            if not inspect.getdoc(raw):
                gaps.append(f"{qualname}.{attr}: property without a docstring")
            continue
        func = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
        if inspect.isfunction(func):
            gaps.extend(_function_gaps(f"{qualname}.{attr}", func, cls))
    return gaps


def _gaps(package_name: str) -> list[str]:
    package = importlib.import_module(package_name)
    gaps = []
    for name in getattr(package, "__all__", ()):
        obj = getattr(package, name, None)
        qualname = f"{package_name}.{name}"
        if inspect.isclass(obj) and obj.__module__.startswith("crm_models"):
            if issubclass(obj, Exception):
                continue  # exceptions document themselves by their message
            gaps.extend(_class_gaps(qualname, obj))
        elif inspect.isfunction(obj) and obj.__module__.startswith("crm_models"):
            gaps.extend(_function_gaps(qualname, obj))
    return gaps


@pytest.mark.parametrize("package_name", PACKAGES)
def test_public_api_has_numpydoc_sections(package_name: str) -> None:
    gaps = _gaps(package_name)
    assert not gaps, f"{len(gaps)} documentation gap(s):\n" + "\n".join(gaps)


def test_the_check_finds_a_missing_section() -> None:
    def undocumented(data: int) -> int:
        """Return ``data``."""
        return data

    def documented(data: int) -> int:
        """Return ``data``.

        Parameters
        ----------
        data : int
            Any number.

        Returns
        -------
        int
            The same number.
        """
        return data

    assert _function_gaps("undocumented", undocumented) == [
        "undocumented: Parameters section lacks ['data']",
        "undocumented: no Returns section",
    ]
    assert _function_gaps("documented", documented) == []
