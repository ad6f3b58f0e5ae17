"""Notebook display of the loyalty estimators: short ``repr`` lines and HTML summaries.

``PLSPathModel``, ``CovarianceSEM``, ``RetentionCurve`` and ``ModelSpec`` print as one line
(class, key hyper-parameters, fitted or not, n and the headline estimates — never the draws)
and show their ``summary()`` table in a notebook, escaped by ``crm_models.reporting.escaping``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from crm_models.reporting.escaping import escape_html, escaped_table

__all__ = ["estimator_repr", "spec_text", "summary_html"]


def spec_text(spec: Any) -> str:
    """Return a spec in a few words: ``"7 constructs/12 paths"``, or the raw value shortened.

    Parameters
    ----------
    spec : ModelSpec or Any
        A resolved specification, or what the user passed (``"ecsi"``, a formula …).

    Returns
    -------
    str
        At most ~40 characters.
    """
    constructs, paths = getattr(spec, "constructs", None), getattr(spec, "paths", None)
    if isinstance(constructs, Mapping) and paths is not None:
        return f"{len(constructs)} constructs/{len(paths)} paths"
    lines = [" ".join(line.split()) for line in str(spec).splitlines() if line.strip()]
    text = "ecsi" if spec is None else "; ".join(lines)
    return repr(text if len(text) <= 36 else text[:35] + "…")


def estimator_repr(obj: Any, params: Mapping[str, Any], fitted: Callable[[], str]) -> str:
    """Return ``Class(param=value, …; fitted: …)`` or ``Class(…; not fitted)``.

    Parameters
    ----------
    obj : Any
        The estimator; fitted when it has ``result_``.
    params : Mapping
        Hyper-parameters to show, name → value (strings shown as given).
    fitted : callable
        Returns the headline of the fitted estimator (called only when fitted).

    Returns
    -------
    str
        One line, under ~200 characters.
    """
    shown = ", ".join(f"{k}={v if isinstance(v, str) else repr(v)}" for k, v in params.items())
    state = f"fitted: {fitted()}" if hasattr(obj, "result_") else "not fitted"
    return f"{type(obj).__name__}({shown}; {state})"


def summary_html(obj: Any, note: str = "") -> str:
    """HTML of ``obj.summary()`` (escaped), or a line saying it is not fitted.

    Parameters
    ----------
    obj : Any
        An estimator with ``summary()`` and ``result_`` once fitted.
    note : str, optional
        A sentence shown under the table (escaped).

    Returns
    -------
    str
        An HTML fragment.
    """
    if not hasattr(obj, "result_"):
        return f"<p>{escape_html(repr(obj))}</p>"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table: pd.DataFrame = obj.summary()
    note = note or str(table.attrs.get("note", ""))
    html = f"<p><b>{escape_html(repr(obj))}</b></p>"
    html += escaped_table(table, precision=3).to_html()
    return html + (f"<p><i>{escape_html(note)}</i></p>" if note else "")
