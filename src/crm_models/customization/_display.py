"""Notebook display of the customization study's estimators: short reprs and HTML summaries.

The classes assign these functions (``__repr__ = market_repr``) so their modules stay short.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["html_with_table", "market_repr", "optimizer_html", "optimizer_repr"]


def html_with_table(text: str, table: pd.DataFrame | None) -> str:
    """Return ``text`` as an HTML paragraph followed by ``table`` (escaped), if any.

    Parameters
    ----------
    text : str
        The object's repr.
    table : pandas.DataFrame or None
        Its summary table.

    Returns
    -------
    str
        HTML: the escaped text, then the escaped table.
    """
    from crm_models.reporting.escaping import escape_html, escaped_table

    html = f"<p>{escape_html(text)}</p>"
    return html if table is None else html + escaped_table(table).to_html()


def market_repr(market: Any) -> str:
    """Return a one-line description of a ``ChoiceMarket``.

    Parameters
    ----------
    market : ChoiceMarket
        The market.

    Returns
    -------
    str
        Customers, attributes × modules, base price and cost (dollars), mean price coefficient.
    """
    sizes = " × ".join(str(len(m)) for m in market.space.attributes.values())
    return (
        f"ChoiceMarket({market.n_customers:,} customers, {sizes} modules, "
        f"base price {market.base_price:g}, base cost {market.base_cost:g}, "
        f"mean price_coef {float(market.price_coef.mean()):.3g})"
    )


def optimizer_repr(optimizer: Any) -> str:
    """Return a one-line description of a ``VarietyOptimizer`` (its optimum once fitted).

    Parameters
    ----------
    optimizer : VarietyOptimizer
        The optimizer.

    Returns
    -------
    str
        Faces compared and market size; when fitted, the best face, modules per attribute,
        premium (dollars) and profit (dollars, PV over the horizon).
    """
    head = f"VarietyOptimizer(faces={len(optimizer.faces)}, method={optimizer.method!r}"
    if not hasattr(optimizer, "best_"):
        return head + ", not fitted)"
    best = optimizer.best_
    k = " × ".join(str(int(v)) for v in best.modules_per_attribute.values())
    return (
        f"{head}; market {optimizer.market_size_:,.0f}: best {best.face}, {k} modules, "
        f"premium {best.premium:g}, profit {best.profit:,.0f}, share {best.share:.1%})"
    )


def optimizer_html(optimizer: Any) -> str:
    """Return the optimizer's repr and, once fitted, its best candidate per face as HTML.

    Parameters
    ----------
    optimizer : VarietyOptimizer
        The optimizer.

    Returns
    -------
    str
        HTML paragraph and table (face, premium, share, profit).
    """
    table = None
    if hasattr(optimizer, "by_face_"):
        columns = [c for c in ("premium", "share", "profit") if c in optimizer.by_face_]
        table = optimizer.by_face_[columns].round(3).reset_index()
    return html_with_table(optimizer_repr(optimizer), table)
