"""The sentences of the customization report, built from the study's results (tested).

Each builder takes results and returns markdown text; the notebook only displays it.
Names from the data or the parameters (features, levels, cells, the answers file) are escaped
with ``crm_models.reporting.escaping.escape_markdown``.
"""

from __future__ import annotations

import pandas as pd

from crm_models.customization.optimize import VarietyResult
from crm_models.reporting.display import fmt_int, fmt_money
from crm_models.reporting.escaping import escape_markdown as esc
from crm_models.reporting.formatting import fmt_money_range, fmt_money_short, plain_label
from crm_models.value.selection import LET_GO_OFFER

__all__ = ["executive_summary", "faces_match_sentence", "variety_text"]


def variety_text(best: VarietyResult) -> str:
    """Modules per attribute of a decision, e.g. ``"3 × 2 × 3 × 3"``.

    Parameters
    ----------
    best : VarietyResult
        The decision.

    Returns
    -------
    str
        The counts joined by `` × `` in attribute order.
    """
    return " × ".join(str(v) for v in best.modules_per_attribute.values())


def _headline(
    best: VarietyResult,
    interval: pd.DataFrame,
    custom_face: str,
    custom_profit: float,
    market_size: float,
) -> str:
    k_text = variety_text(best)
    profit = interval.loc["profit"]
    profit_text = fmt_money_range(profit["estimate"], profit["ci_low"], profit["ci_high"])
    gain = interval.loc["gain"]
    gain_text = fmt_money_range(gain["estimate"], gain["ci_low"], gain["ci_high"])
    if best.face == "standard":
        return (
            f"- **Keep the standard product** ({k_text}): expected profit "
            f"{profit_text} (95% interval); the best customization "
            f"({esc(custom_face)}) would earn {fmt_money_short(custom_profit)} — customization "
            f"does not pay at a market of {fmt_int(market_size)} customers."
        )
    pieces = ", ".join(f"{esc(a)} {k}" for a, k in best.modules_per_attribute.items())
    return (
        f"- **Offer {esc(best.face)} customization with {k_text} modules per attribute** "
        f"({pieces}): expected profit "
        f"{profit_text} (95% interval), "
        f"{gain_text} more than the standard product; the "
        f"price premium is {fmt_money(best.premium)} per unit and year "
        f"({esc(best.mode.replace('_', '-'))} production)."
    )


def _sensitivity(tornado: pd.DataFrame, rel: float) -> str:
    top = tornado.iloc[0]
    flip = tornado[tornado["decision_changes"]]
    pct = f"{rel:.0%}"
    return (
        f"- **Sensitivity:** {esc(top['label'])} moves profit most "
        f"({fmt_money_short(top['profit_low'] - top['base_profit'], signed=True)} / "
        f"{fmt_money_short(top['profit_high'] - top['base_profit'], signed=True)} when it is "
        f"{pct} lower / "
        "higher). "
        + (
            f"The recommendation holds for every input within ±{pct}."
            if flip.empty
            else f"The recommended decision changes when {', '.join(map(esc, flip['label']))} "
            f"move by {pct}."
        )
    )


def _kano(kano_table: pd.DataFrame) -> str:
    must = [esc(plain_label(f)) for f in kano_table.index[kano_table["kano_class"] == "must-be"]]
    attractive = [
        esc(plain_label(f)) for f in kano_table.index[kano_table["kano_class"] == "attractive"]
    ]
    return (
        "- **Must-be features** (customers expect them; absence irritates): "
        f"{', '.join(must) or 'none'}. "
        f"**Attractive** (they delight, nobody misses them): {', '.join(attractive) or 'none'}."
    )


def _wtp(wtp_table: pd.DataFrame, conjoint_source: str) -> str:
    top = wtp_table.sort_values("estimate", ascending=False).head(3)
    return (
        f"- **Willingness to pay** (conjoint, {esc(conjoint_source)}; vs. each attribute's "
        "reference module): "
        + "; ".join(
            f"{esc(plain_label(r.level))} {fmt_money(r.estimate)} "
            f"[{fmt_money(r.ci_low)} – {fmt_money(r.ci_high)}]"
            for r in top.itertuples()
        )
        + "."
    )


def _selection(selection: pd.DataFrame, custom_face: str) -> str:
    custom = selection.loc[selection["recommendation"] == "customized"]
    standard = [esc(c) for c in selection.loc[selection["recommendation"] == "standard", "cell"]]
    hurdle = fmt_money(selection["hurdle"].iloc[0], digits=2)
    actions = "; ".join(f"{esc(r.cell)}: {esc(r.action)}" for r in custom.itertuples())
    return (
        f"- **Who gets customized ({esc(custom_face)}) offers** (the value × needs groups of "
        "segment value, high value = top share by customer lifetime value): "
        + (
            f"{actions} — their incremental lifetime value exceeds the {hurdle} per customer "
            "that the customization investment costs; "
            if actions
            else f"no cell clears the {hurdle} per customer that the customization "
            "investment costs; "
        )
        + (
            f"standard offers for {', '.join(standard)}. "
            if standard
            else "no cell stays standard. "
        )
        + esc(LET_GO_OFFER)
    )


def executive_summary(
    best: VarietyResult,
    interval: pd.DataFrame,
    tornado: pd.DataFrame,
    kano_table: pd.DataFrame,
    wtp_table: pd.DataFrame,
    selection: pd.DataFrame,
    *,
    custom_face: str,
    custom_profit: float,
    market_size: float,
    conjoint_source: str,
    rel: float = 0.2,
) -> str:
    """Write the management page's five bullet points (markdown).

    Parameters
    ----------
    best : VarietyResult
        The optimum.
    interval : pandas.DataFrame
        ``ProfitInterval.summary()`` (rows ``profit``, ``gain``).
    tornado : pandas.DataFrame
        :func:`~crm_models.customization.tornado` output (sorted by swing).
    kano_table : pandas.DataFrame
        ``KanoSurvey.table()`` (index feature, column ``kano_class``).
    wtp_table : pandas.DataFrame
        ``WTPResult.table()`` (level, estimate, ci_low, ci_high).
    selection : pandas.DataFrame
        :func:`~crm_models.customization.selection_table` output.
    custom_face : str
        The best customizing face (the one offered to selected customers).
    custom_profit : float
        Its optimal profit (currency).
    market_size : float
        Customers in the market.
    conjoint_source : str
        Where the conjoint answers come from.
    rel : float, default 0.2
        The tornado's relative change.

    Returns
    -------
    str
        Markdown bullet list.
    """
    return "\n".join(
        [
            _headline(best, interval, custom_face, custom_profit, market_size),
            _sensitivity(tornado, rel),
            _kano(kano_table),
            _wtp(wtp_table, conjoint_source),
            _selection(selection, custom_face),
        ]
    )


def faces_match_sentence(matches: bool) -> str:
    """Whether the model's four-faces labels match the seed's table.

    Parameters
    ----------
    matches : bool
        Labels equal to the seed's.

    Returns
    -------
    str
        One sentence.
    """
    return (
        f"The model's labels {'match' if matches else 'differ from'} the textbook comparison of "
        "the four types."
    )
