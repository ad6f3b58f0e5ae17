"""Formatting for managers (rounding, thousands separators, intervals) and the figures hand-off."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from crm_models.reporting import (
    KPI,
    fmt_int,
    fmt_interval,
    fmt_money,
    fmt_pct,
    kpi_cards,
    publish_figures,
    readable_table,
)
from crm_models.reporting.display import to_jsonable


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12345.6, "12,346"), (0.4, "0"), (-1234567.0, "-1,234,567"), (999.5, "1,000"), (7, "7")],
)
def test_fmt_int_rounds_and_separates_thousands(value, expected):
    assert fmt_int(value) == expected


def test_fmt_money():
    assert fmt_money(1234567) == "$1,234,567"
    assert fmt_money(-1234.5, digits=2) == "-$1,234.50"
    assert fmt_money(12.345, "€", 1) == "€12.3"
    assert fmt_money(3.2e12) == "$3,200,000,000,000"  # never scientific notation
    assert fmt_money(-0.4) == "-$0"


def test_fmt_pct():
    assert fmt_pct(0.1234) == "12.3%"
    assert fmt_pct(0.1234, 0) == "12%"
    assert fmt_pct(-0.05, 2) == "-5.00%"
    assert fmt_pct(1.5) == "150.0%"


def test_fmt_interval_uses_the_given_formatter():
    assert fmt_interval(1000, 2500) == "[1,000 – 2,500]"
    assert fmt_interval(-428.5, 802.6, fmt_money) == "[-$428 – $803]"
    assert fmt_interval(0.031, 0.062, fmt_pct) == "[3.1% – 6.2%]"


def test_kpi_cards_show_value_interval_and_note_escaped_offline():
    html = kpi_cards(
        [
            KPI(
                "Customer equity",
                fmt_money(23728.6),
                fmt_interval(23182, 24622, fmt_money),
                "next 12 months",
            ),
            KPI("<b>Churn</b>", "4%"),
        ]
    ).data
    assert (
        "$23,729" in html
        and "95% interval [$23,182 – $24,622]" in html
        and "next 12 months" in html
    )
    assert "&lt;b&gt;Churn&lt;/b&gt;" in html and "<b>Churn</b>" not in html
    assert html.count("95% interval") == 1  # no interval line for a KPI without one
    assert "http" not in html and "<script" not in html


def test_readable_table_rounds_separates_and_hides_the_index():
    frame = pd.DataFrame({"value": [12345.678, 1.0], "name": ["a", "b"]}, index=[101, 102])
    html = readable_table(frame, digits=1).to_html()
    assert ">12,345.7<" in html and ">1.0<" in html
    assert ">101<" not in html and ">102<" not in html  # customer-like row labels are not shown


def test_to_jsonable_plain_types_and_non_finite_as_null():
    frame = pd.DataFrame({"a": [1, 2], "b": [0.5, np.nan]})
    value = to_jsonable(
        {
            "int": np.int64(3),
            "float": np.float32(0.25),
            "bool": np.bool_(True),
            "nan": float("nan"),
            "inf": np.inf,
            "array": np.array([1.0, 2.0]),
            "series": pd.Series({"x": 1}),
            "frame": frame,
            "when": pd.Timestamp("2025-06-30"),
            7: None,
            "tuple": (1, "a"),
        }
    )
    assert value == {
        "int": 3,
        "float": 0.25,
        "bool": True,
        "nan": None,
        "inf": None,
        "array": [1.0, 2.0],
        "series": {"x": 1},
        "frame": [{"a": 1, "b": 0.5}, {"a": 2, "b": None}],
        "when": "2025-06-30T00:00:00",
        "7": None,
        "tuple": [1, "a"],
    }
    assert type(value["int"]) is int and type(value["bool"]) is bool
    json.dumps(value, allow_nan=False)


def test_publish_figures_displays_strict_json(monkeypatch):
    """The figures are displayed (for the runner) as strict JSON; nothing is returned."""
    import IPython.display

    from crm_models.reporting.display import FIGURES_MIME

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    assert publish_figures({"equity": np.float64(1.5), "bad": math.inf}) is None
    [(bundle, raw)] = shown
    payload = bundle[FIGURES_MIME]
    assert raw and payload == {"equity": 1.5, "bad": None}
    json.dumps(payload, allow_nan=False)
