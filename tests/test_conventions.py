"""The project's conventions, checked on the public API (``__all__`` of every subpackage).

- every public function, and every public method of every public class (defined in the
  package; dunders and ``_``-names excluded), has a return annotation, and it is not a dict,
  tuple or set: a public function returns ``self`` (``Self`` or the class), a frozen
  ``Result``, a DataFrame / Series / ndarray / Styler, a scalar, a str, a list of names
  (``list[str]``), a Path, None, a matplotlib Axes / Figure, a notebook display object
  (IPython's ``HTML``, the teaching ``CheckResult``), an estimator (a factory such as
  ``make_learner``), one of the package's own types (inputs, specifications and estimators:
  ``ValueInputs``, ``ModelSpec``, ``ProductSpace``, ``World``), or (a generator or context
  manager) an iterator; the few exceptions are listed in ``EXEMPT`` with their reason;
- a method named ``summary`` returns the estimate table (a DataFrame);
- every ``…Result`` class is a frozen dataclass derived from ``crm_models.results.Result``, and
  keeps the short ``Result`` repr (declared with ``repr=False``) unless it writes its own;
- every ``__all__`` is sorted (isort-style, as ruff's RUF022);
- no module in ``src/`` is over 500 lines.

Each test collects every violation and fails once, listing them all.
"""

from __future__ import annotations

import builtins
import collections.abc
import dataclasses
import importlib
import inspect
import pathlib
import re
import types
import typing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from IPython.display import HTML, DisplayObject
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

from crm_models.reporting.teaching import CheckResult
from crm_models.results import Result

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGES = (
    "crm_models.value",
    "crm_models.uplift",
    "crm_models.loyalty",
    "crm_models.customization",
    "crm_models.data",
    "crm_models.reporting",
    "crm_models.retention",
)
MAX_MODULE_LINES = 500

SCALARS = (int, float, bool, complex, str, bytes, np.number, np.bool_)
ALLOWED_CLASSES = (
    pd.DataFrame,
    pd.Series,
    pd.Index,
    np.ndarray,
    Styler,
    Axes,
    Figure,
    pathlib.PurePath,
    Result,
    DisplayObject,
    CheckResult,
    *SCALARS,
)
FORBIDDEN_ORIGINS = (
    dict,
    tuple,
    list,
    set,
    frozenset,
    collections.abc.Mapping,
    collections.abc.Set,
    collections.abc.Sequence,
)
ITERATORS = (collections.abc.Iterator, collections.abc.Generator, collections.abc.Iterable)
# Names that a module may import only under TYPE_CHECKING: resolve them anyway.
EXTRA_NAMES = {
    "pd": pd,
    "np": np,
    "Path": Path,
    "Axes": Axes,
    "Figure": Figure,
    "Styler": Styler,
    "DataFrame": pd.DataFrame,
    "Series": pd.Series,
    "Self": typing.Self,
    "Iterator": collections.abc.Iterator,
    "Generator": collections.abc.Generator,
    "Iterable": collections.abc.Iterable,
    "HTML": HTML,
}
# The results convention's own JSON export (``Result.to_dict``) is a dict by design.
EXEMPT_METHODS = {"to_dict"}
# Public names whose return breaks the rule on purpose, with the reason.
EXEMPT = {
    "crm_models.data.World.tables": "the world's tables by warehouse table name, for the writer",
    "crm_models.customization.attributes_from_products": (
        "builds the attribute -> levels mapping that design_choice_experiment takes"
    ),
    "crm_models.value.BGNBD.lifetimes_fitter": "lifetimes' own fitter, for reference checks",
    "crm_models.value.MBGNBD.lifetimes_fitter": "lifetimes' own fitter, for reference checks",
    "crm_models.value.ParetoNBD.lifetimes_fitter": "lifetimes' own fitter, for reference checks",
    "crm_models.value.BGBB.lifetimes_fitter": "lifetimes' own fitter, for reference checks",
}


def _is_estimator(cls: type) -> bool:
    from sklearn.base import BaseEstimator

    return issubclass(cls, BaseEstimator)


def _is_package_class(cls: type) -> bool:
    """One of the package's own documented types (estimators, inputs, specifications)."""
    return cls.__module__.startswith("crm_models")


def _package(name: str) -> types.ModuleType:
    return importlib.import_module(name)


def _public_api() -> list[tuple[str, object, type | None]]:
    """(qualified name, function, owning class or None) of every public function/method."""
    found = []
    for package_name in PACKAGES:
        package = _package(package_name)
        for name in getattr(package, "__all__", ()):
            obj = getattr(package, name, None)
            if inspect.isclass(obj) and obj.__module__.startswith("crm_models"):
                for cls in obj.__mro__:
                    if not cls.__module__.startswith("crm_models"):
                        continue
                    for attr, raw in vars(cls).items():
                        if attr.startswith("_") or attr in EXEMPT_METHODS:
                            continue
                        func = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
                        if inspect.isfunction(func) and attr not in {
                            q.rsplit(".", 1)[-1] for q, _, o in found if o is obj
                        }:
                            found.append((f"{package_name}.{name}.{attr}", func, obj))
            elif inspect.isfunction(obj) and obj.__module__.startswith("crm_models"):
                found.append((f"{package_name}.{name}", obj, None))
    return found


def _resolve(func, owner: type | None) -> object:
    """The return annotation as an object (string annotations evaluated); raises NameError."""
    raw = func.__annotations__["return"]
    if not isinstance(raw, str):
        return raw
    namespace = {**vars(builtins), **EXTRA_NAMES, **inspect.unwrap(func).__globals__}
    if owner is not None:
        namespace[owner.__name__] = owner
    return eval(raw, namespace)  # noqa: S307 - annotations of our own package


def _arms(annotation: object) -> list[object]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return [arm for a in typing.get_args(annotation) for arm in _arms(a)]
    return [annotation]


def _problem(func, owner: type | None) -> str | None:
    """Why the function's return annotation breaks the convention, or None."""
    if "return" not in func.__annotations__:
        return "no return annotation"
    try:
        annotation = _resolve(func, owner)
    except Exception as error:  # an annotation nobody can evaluate is no documentation either
        return f"cannot resolve the return annotation {func.__annotations__['return']!r} ({error})"
    text = func.__annotations__["return"]
    if func.__name__ == "summary" and annotation is not pd.DataFrame:
        return f"summary must return a DataFrame, not {text!r}"
    generator = inspect.isgeneratorfunction(inspect.unwrap(func))  # also @contextmanager
    for arm in _arms(annotation):
        origin = typing.get_origin(arm) or arm
        if arm is None or arm is type(None) or arm is typing.Self:
            continue
        if generator and inspect.isclass(origin) and issubclass(origin, ITERATORS):
            continue
        if origin is list and typing.get_args(arm) == (str,):
            continue  # a list of names
        if (
            inspect.isclass(origin)
            and issubclass(origin, FORBIDDEN_ORIGINS)
            and not issubclass(origin, (str, bytes, np.ndarray, pd.Series, pd.Index))
        ):
            return f"returns a {origin.__name__} ({text!r})"
        if (
            owner is not None
            and inspect.isclass(arm)
            and issubclass(owner, arm)
            and arm.__module__.startswith("crm_models")
        ):
            continue  # the class itself (fit returns self)
        if inspect.isclass(arm) and (
            issubclass(arm, ALLOWED_CLASSES) or _is_estimator(arm) or _is_package_class(arm)
        ):
            continue
        return (
            f"returns {text!r}: not self, a Result, a frame, an array, a scalar, a str, "
            "a Path, None or Axes"
        )
    return None


def test_public_api_is_found():
    api = _public_api()
    names = {q for q, _, _ in api}
    assert len(api) > 50
    assert "crm_models.reporting.publish_figures" in names
    assert "crm_models.data.Warehouse.build" in names


def test_every_public_function_and_method_has_a_conventional_return_annotation():
    violations = [
        f"{qualified}: {problem}"
        for qualified, func, owner in _public_api()
        if qualified not in EXEMPT and (problem := _problem(func, owner))
    ]
    assert not violations, f"{len(violations)} violation(s):\n" + "\n".join(sorted(violations))


def test_result_classes_are_frozen_dataclasses_derived_from_result():
    violations = []
    for package_name in PACKAGES:
        package = _package(package_name)
        for name in getattr(package, "__all__", ()):
            obj = getattr(package, name, None)
            if not inspect.isclass(obj):
                continue
            if not (name.endswith("Result") or issubclass(obj, Result)):
                continue
            where = f"{package_name}.{name}"
            if not issubclass(obj, Result):
                violations.append(f"{where}: does not derive from crm_models.results.Result")
            if not dataclasses.is_dataclass(obj) or not obj.__dataclass_params__.frozen:
                violations.append(f"{where}: not a frozen dataclass")
    assert not violations, f"{len(violations)} violation(s):\n" + "\n".join(violations)


def _result_classes() -> list[type]:
    for module_name in _modules():
        importlib.import_module(module_name)
    found, todo = [], [Result]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return sorted(set(found), key=lambda c: (c.__module__, c.__qualname__))


def test_result_classes_keep_the_short_repr():
    """A plain ``@dataclass`` would generate a repr listing every field, draws included."""
    generated = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _result_classes()
        if inspect.unwrap(cls.__repr__).__code__.co_filename == "<string>"
    ]
    assert not generated, "declare with @dataclass(frozen=True, repr=False):\n" + "\n".join(
        generated
    )


def test_result_classes_are_all_frozen():
    thawed = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _result_classes()
        if not (dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen)
    ]
    assert not thawed, "not frozen dataclasses:\n" + "\n".join(thawed)


def _natural(name: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _isort_key(name: str) -> tuple:
    """ruff RUF022's order: SCREAMING_CASE, then CamelCase, then the rest; natural order within."""
    if name.isupper() and len(name) > 1:
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return kind, _natural(name)


def _modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        for path in (SRC / "crm_models").rglob("*.py")
    )


def test_every_dunder_all_is_sorted():
    unsorted = []
    for module_name in _modules():
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None)
        if names is not None and list(names) != sorted(names, key=_isort_key):
            unsorted.append(f"{module_name}: {list(names)} -> {sorted(names, key=_isort_key)}")
    assert not unsorted, "unsorted __all__:\n" + "\n".join(unsorted)


@pytest.mark.parametrize("package_name", PACKAGES)
def test_every_name_in_dunder_all_exists(package_name):
    package = _package(package_name)
    missing = [name for name in getattr(package, "__all__", ()) if not hasattr(package, name)]
    assert not missing


def test_no_module_is_over_500_lines():
    sizes = {
        str(path.relative_to(SRC)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(SRC.rglob("*.py"))
    }
    too_long = [f"{path}: {n} lines" for path, n in sizes.items() if n > MAX_MODULE_LINES]
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(too_long)


PLOT_MODULES = tuple(f"{package}.plots" for package in PACKAGES[:4])


def test_every_chart_takes_ax_and_returns_its_axes():
    """A chart function (``plot_…`` in a study's ``plots``) draws where it is told and says so.

    It takes ``ax=None`` (one panel; a two-panel chart takes ``axes=None``), returns the Axes it
    drew on (an array of them for two panels) and has an optional ``title``.
    """
    broken = []
    for module_name in PLOT_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            func = getattr(module, name)
            if not name.startswith("plot_"):
                continue
            params = inspect.signature(func).parameters
            where = "axes" if "axes" in params else "ax"
            returns = _resolve(func, None) if "return" in func.__annotations__ else None
            wanted = np.ndarray if where == "axes" else Axes
            if where not in params or params[where].default is not None:
                broken.append(f"{module_name}.{name}: no {where}=None parameter")
            if returns is not wanted:
                broken.append(f"{module_name}.{name}: returns {returns!r}, not {wanted.__name__}")
            titles = [p for p in params if p in {"title", "titles"}]
            if not titles or params[titles[0]].default is not None:
                broken.append(f"{module_name}.{name}: no optional title (title=None)")
    assert not broken, "charts off the convention:\n" + "\n".join(broken)
