"""The formatting layer: money with k/M and intervals, points vs percent, counts, plain labels."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from crm_models.reporting import readable_table
from crm_models.reporting.formatting import (
    COLUMN_LABELS,
    Estimate,
    fmt_count_range,
    fmt_money_range,
    fmt_money_short,
    fmt_points,
    plain_columns,
    plain_label,
)
from crm_models.reporting.tables import table_html


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7_629_684, "$7.63M"),
        (23_728.6, "$23.7k"),
        (1_202, "$1.20k"),
        (950, "$950"),
        (0.4, "$0"),
        (-999.7, "-$1.00k"),  # rounding up does not add a digit
        (999_999, "$1.00M"),
        (12.3e9, "$12.3B"),
    ],
)
def test_money_has_meaningful_digits(value, expected):
    assert fmt_money_short(value) == expected


def test_signed_money_and_intervals_in_one_unit():
    assert fmt_money_short(1_491_887, signed=True) == "+$1.49M"
    assert fmt_money_short(-1_491_887, signed=True) == "-$1.49M"
    assert fmt_money_range(7_629_684, 7_399_857, 7_883_737) == "$7.63M [$7.40M – $7.88M]"
    # the unit comes from the largest amount: bounds compare digit by digit
    assert fmt_money_range(950, 420, 1_480) == "$0.95k [$0.42k – $1.48k]"
    assert fmt_money_range(1_202, -300, 2_900, signed=True) == "+$1.20k [-$0.30k – +$2.90k]"


def test_points_are_not_percent():
    assert fmt_points(0.0426) == "+4.3 pts"
    assert fmt_points(-0.008, 2) == "-0.80 pts"
    assert fmt_points(0.0426, signed=False) == "4.3 pts"
    assert "%" not in fmt_points(0.05)


def test_counts_have_intervals_in_counts():
    assert fmt_count_range(12_569, 4_400.4, 12_400) == "12,569 [4,400 – 12,400]"
    assert "%" not in fmt_count_range(12_569, 0.35 * 20_000, 0.99 * 20_000)


def test_an_estimate_is_formatted_once_for_kpi_text_and_chart():
    e = Estimate(7_629_684, 7_399_857, 7_883_737)
    kpi = e.kpi("Customer equity", "next 12 months")
    assert (kpi.value, kpi.interval) == ("$7.63M", "[$7.40M – $7.88M]")
    assert e.full == f"{kpi.value} {kpi.interval}" and e.text == kpi.value
    lift = Estimate(0.0426, 0.031, 0.055, kind="points", signed=True)
    assert lift.full == "+4.3 pts [+3.1 pts – +5.5 pts]"
    observed = Estimate(2_210, kind="count")
    assert observed.full == observed.text == "2,210" and observed.interval is None


def test_plain_labels_for_internal_names_only():
    for name in ("rate_intro_zero", "kano_class", "value_level", "mean_increment", "seed_action"):
        assert "_" not in plain_label(name) and plain_label(name) != name
    assert plain_label("kano_class") == COLUMN_LABELS["kano_class"]
    assert plain_label("expected_gain") == "Expected gain"  # unknown: words
    assert plain_label("Mens E-Mail") == "Mens E-Mail"  # a value from the data: untouched
    assert plain_label("<b>a_b</b>") == "<b>a_b</b>"
    assert plain_label("kano_class", {"kano_class": "Class"}) == "Class"
    frame = plain_columns(pd.DataFrame({"value_level": [1], 3: [2]}))
    assert list(frame.columns) == ["Value", 3]


def test_readable_table_shows_plain_labels_escaped_in_a_scroll_container():
    frame = pd.DataFrame({"kano_class": ["<b>must-be</b>"], "mean_increment": [1234.5]})
    html = readable_table(frame, digits=1).to_html()
    assert "kano_class" not in html and "mean_increment" not in html
    assert COLUMN_LABELS["kano_class"] in html and ">1,234.5<" in html
    assert "&lt;b&gt;must-be&lt;/b&gt;" in html and "<b>must-be" not in html
    assert "overflow-x:auto" in html and "<script" not in html  # no library loaded: static


def test_long_tables_are_interactive_offline_and_escaped():
    hostile = "<script>alert(1)</script>"
    frame = pd.DataFrame({"name": [hostile] + [f"c{i}" for i in range(11)], "n": range(12)})
    styler = readable_table(frame).styler
    html = table_html(styler, len(frame), interactive=True)
    assert "new ITable(" in html and "overflow-x:auto" in html
    assert '"topEnd": "search"' in html  # long: a search box
    short = table_html(readable_table(frame.head(3)).styler, 3, interactive=True)
    assert "new ITable(" in short and '"search"' not in short  # short: sorting only
    assert not re.search(r"https?://", html)  # itables' help links removed, nothing fetched
    assert hostile not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "</script" not in html.split("new ITable(")[0].split("<script")[0]


def test_itables_library_is_embedded_without_external_urls(monkeypatch):
    import IPython.display

    from crm_models.reporting import tables

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **_: shown.append(obj))
    monkeypatch.setitem(tables._STATE, "enabled", False)
    tables.interactive_tables()
    html = "".join(getattr(o, "data", "") for o in shown)
    assert tables.interactive_tables_enabled()
    assert len(html) > 100_000  # the DataTables bundle itself, base64 in the page
    for src in re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S):
        assert not re.search(r"https?://", src)
