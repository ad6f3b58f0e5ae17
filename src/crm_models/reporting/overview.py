"""The overview report's tables and sentences (``notebooks/00_overview.ipynb``).

The notebook only calls these: the per-arm campaign table, the paragraph that describes the
simulated window, chart titles computed from the numbers (``trend_title``), what to say about
the warehouse file (described, missing, or not asked for) and whether its ``world`` dataset is
the world the report describes (``compare_world``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crm_models.data.build import world_datasets
from crm_models.data.synthetic import DEFAULT_N_CUSTOMERS, DEFAULT_SEED, World
from crm_models.data.warehouse import Warehouse, content_hash
from crm_models.project import resolve_path
from crm_models.reporting.display import fmt_int, fmt_money, fmt_pct
from crm_models.reporting.escaping import code, md
from crm_models.reporting.formatting import arm_label, fmt_money_short

__all__ = [
    "WorldComparison",
    "campaign_arms",
    "campaign_table",
    "compare_world",
    "trend_title",
    "warehouse_note",
    "warehouse_tables",
    "world_narrative",
    "world_scope",
    "world_sentence",
]


def campaign_arms(world: World) -> pd.DataFrame:
    """Summarise the campaign experiment per arm.

    Parameters
    ----------
    world : World
        The simulated CRM world.

    Returns
    -------
    pandas.DataFrame
        One row per arm: ``arm, customers, visit_rate, conversion_rate,
        spend_per_customer``.
    """
    return (
        world.campaign.groupby("arm", observed=True)
        .agg(
            customers=("customer_id", "size"),
            visit_rate=("visit", "mean"),
            conversion_rate=("conversion", "mean"),
            spend_per_customer=("spend", "mean"),
        )
        .reset_index()
    )


def campaign_table(arms: pd.DataFrame) -> pd.DataFrame:
    """Show ``campaign_arms`` in plain words for the management page.

    Parameters
    ----------
    arms : pandas.DataFrame
        ``campaign_arms(world)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``Offer`` ("No offer (control)", "Offer A" …), ``Customers``, ``Visited`` and
        ``Bought`` (shares in %) and ``Spend per customer`` (in $, to the cent).
    """
    return pd.DataFrame(
        {
            "Offer": arms["arm"].map(arm_label),
            "Customers": arms["customers"].map(fmt_int),
            "Visited": arms["visit_rate"].map(fmt_pct),
            "Bought": arms["conversion_rate"].map(fmt_pct),
            "Spend per customer": arms["spend_per_customer"].map(lambda x: fmt_money(x, digits=2)),
        }
    )


def world_narrative(world: World) -> str:
    """Describe the simulated window, the relationship levels and the campaign's reach.

    Parameters
    ----------
    world : World
        The simulated CRM world.

    Returns
    -------
    str
        A markdown paragraph: first and last day of the window, the shares of partners,
        friends and acquaintances, and the customers the campaign reached.
    """
    tx = world.transactions
    levels = world.customers["relationship_level"].value_counts(normalize=True)
    return (
        f"The window runs from **{tx['timestamp'].min():%d %b %Y}** to "
        f"**{world.observation_end:%d %b %Y}**. "
        f"{fmt_pct(levels.get('partner', 0))} of customers are partners, "
        f"{fmt_pct(levels.get('friend', 0))} friends and "
        f"{fmt_pct(levels.get('acquaintance', 0))} acquaintances. The campaign at the end of the "
        f"window reached {fmt_int(len(world.campaign))} customers who had not opted out."
    )


def warehouse_tables(path: str | Path) -> pd.DataFrame | None:
    """List the tables of the warehouse at ``path``, if there is one.

    Parameters
    ----------
    path : str or Path
        The warehouse file, relative to the project root (``crm_models.project``) unless
        absolute; empty means "no warehouse asked for".

    Returns
    -------
    pandas.DataFrame or None
        ``Warehouse.info()`` (dataset, table, rows), or None when ``path`` is empty or no
        file is there.
    """
    if not str(path) or not resolve_path(path).is_file():
        return None
    return Warehouse(resolve_path(path)).info()


def warehouse_note(path: str | Path, tables: pd.DataFrame | None) -> str:
    """Say what the warehouse section shows: the tables, how to build the file, or nothing.

    Parameters
    ----------
    path : str or Path
        The warehouse file the report was given (may be empty).
    tables : pandas.DataFrame or None
        ``warehouse_tables(path)``.

    Returns
    -------
    str
        A markdown sentence; the path is escaped (it is a parameter).
    """
    if tables is not None:
        return str(
            md(
                "{path} holds {n} tables (listed on the analyst page).",
                path=code(path),
                n=len(tables),
            )
        )
    if str(path):
        return str(
            md("No warehouse at {path} yet: build it with `crm data build`.", path=code(path))
        )
    return "No warehouse given (parameter `warehouse` is empty)."


def world_scope(world: World, n_customers: int, seed: int) -> str:
    """Say which world the report describes and whether every study uses it by default.

    Parameters
    ----------
    world : World
        The simulated world the report describes.
    n_customers, seed : int
        The report's parameters (size and seed of ``world``).

    Returns
    -------
    str
        A markdown sentence: size, seed and window, and "the world every study uses by
        default" when ``n_customers, seed`` are the package defaults, otherwise how it differs.
    """
    start = pd.Timestamp(world.truth.params.start_date)
    described = (
        f"This page describes a simulated world of **{fmt_int(n_customers)} customers** "
        f"(seed {seed}), observed from {start:%d %b %Y} to {world.observation_end:%d %b %Y}"
    )
    if (n_customers, seed) == (DEFAULT_N_CUSTOMERS, DEFAULT_SEED):
        return described + ": the world every study uses by default."
    return described + (
        f". The studies use {fmt_int(DEFAULT_N_CUSTOMERS)} customers with seed {DEFAULT_SEED} "
        "by default, so their figures describe a different world unless run with these values."
    )


def trend_title(
    series: pd.Series,
    what: str = "Weekly revenue",
    fmt: Callable[[float], str] = fmt_money_short,
    last: int = 8,
) -> str:
    """Describe a weekly series' course in one chart title, from its numbers.

    The series is smoothed over ``last`` weeks (centred), so one unusual week does not make a
    peak. "Level" means within 10% of each other.

    Parameters
    ----------
    series : pandas.Series
        One value per week, indexed by date (in order).
    what : str, default "Weekly revenue"
        The quantity, as the sentence's subject.
    fmt : callable, default fmt_money_short
        Formats one level (e.g. '$23.7k').
    last : int, default 8
        Weeks averaged for the first and the last level.

    Returns
    -------
    str
        E.g. "Weekly revenue rises from $2.1k to $40.5k", "… stays level at about $10.0k",
        "… rises from $3.7k to about $40.0k by Dec 2024, then stays there", or "… peaks at
        $40.5k around 05 Jan 2025, then falls 48% to $21.1k a week in the last 8 weeks".
    """
    values = pd.Series(np.asarray(series, dtype=float), index=series.index).dropna()
    if values.empty:
        return f"{what}: no data"
    k = max(1, min(last, len(values) // 4 or 1))
    smooth = values.rolling(k, center=True, min_periods=1).mean()
    first, end = float(values.iloc[:k].mean()), float(values.iloc[-k:].mean())
    peak_at = smooth.idxmax()
    peak = float(smooth.max())

    def level(a: float, b: float) -> bool:
        return abs(a - b) <= 0.1 * max(abs(a), abs(b))

    if level(first, end) and level(peak, max(first, end)):
        return f"{what} stays level at about {fmt(values.mean())}"
    if level(peak, end):
        if first >= end:
            return f"{what} stays near {fmt(end)}"
        reached = smooth.index[int(np.argmax(smooth.to_numpy() >= 0.9 * end))]
        if smooth.index.get_loc(reached) < len(smooth) // 2 and isinstance(reached, pd.Timestamp):
            return (
                f"{what} rises from {fmt(first)} to about {fmt(end)} by {reached:%b %Y}, "
                "then stays there"
            )
        return f"{what} rises from {fmt(first)} to {fmt(end)}"
    change = 1 - end / peak if peak else 0.0
    if level(peak, first):
        return f"{what} falls {change:.0%} from {fmt(first)} to {fmt(end)} in the last {k} weeks"
    when = f" around {peak_at:%d %b %Y}" if isinstance(peak_at, pd.Timestamp) else ""
    return (
        f"{what} peaks at {fmt(peak)}{when}, then falls {change:.0%} "
        f"to {fmt(end)} a week in the last {k} weeks"
    )


@dataclass(frozen=True)
class WorldComparison:
    """Whether the warehouse's ``world`` dataset holds the same rows as a simulated world.

    ``same`` is True when every canonical table's last load is the build of exactly these rows
    (ledger content hash and row count); ``differences`` says, per table, what differs;
    ``built_by`` is the ledger's source of the warehouse's world (e.g. the build command with
    its size and seed).
    """

    same: bool
    differences: tuple[str, ...]
    built_by: str


def compare_world(path: str | Path, world: World) -> WorldComparison | None:
    """Compare the warehouse's ``world`` dataset with ``world`` through the load ledger.

    Parameters
    ----------
    path : str or Path
        The warehouse file (relative to the project root unless absolute); empty or absent:
        nothing to compare.
    world : World
        The simulated world the report describes.

    Returns
    -------
    WorldComparison or None
        None without a warehouse file or without a ``world`` dataset in it.
    """
    if not str(path) or not resolve_path(path).is_file():
        return None
    ledger = Warehouse(resolve_path(path)).ledger()
    ledger = ledger[ledger["dataset"] == "world"]
    if ledger.empty:
        return None
    latest = ledger.groupby("table_name").tail(1).set_index("table_name")
    differences = []
    for name, frame in world_datasets(world)["world"].items():
        if name not in latest.index:
            differences.append(f"{name}: not in the warehouse")
            continue
        row = latest.loc[name]
        if row["mode"] != "replace":
            differences.append(f"{name}: changed by a later load ({row['source']})")
        elif int(row["rows"]) != len(frame):
            differences.append(
                f"{name}: {fmt_int(row['rows'])} rows in the warehouse, "
                f"{fmt_int(len(frame))} in this world"
            )
        elif row["content_hash"] != content_hash(frame):
            differences.append(f"{name}: same row count, different rows")
    built = ledger[ledger["mode"] == "replace"]["source"]
    return WorldComparison(
        not differences, tuple(differences), str(built.iloc[-1]) if len(built) else ""
    )


def world_sentence(comparison: WorldComparison | None) -> str:
    """Say in plain words whether the warehouse holds the world this page describes.

    Parameters
    ----------
    comparison : WorldComparison or None
        ``compare_world(path, world)``.

    Returns
    -------
    str
        Markdown: "The warehouse holds the same world …" only when every table matches;
        otherwise what differs and how to rebuild it; empty without a comparison.
    """
    if comparison is None:
        return ""
    if comparison.same:
        return (
            "The warehouse holds the same world: the same customers, transactions, survey, "
            "campaign and products, row for row."
        )
    items = "".join(str(md("\n- {d}", d=d)) for d in comparison.differences)
    built = str(md(" It was built by: {b}.", b=comparison.built_by)) if comparison.built_by else ""
    return (
        "The warehouse's `world` dataset is **not** the world on this page (someone built or "
        f"changed it with other data or parameters).{built} What differs:{items}\n\n"
        "Run `crm data build` to store this page's world (your own datasets are kept)."
    )
