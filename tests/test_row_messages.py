"""Every error that lists offending rows does it one way: ``crm_models.errors.format_rows``.

1-based data rows (the header excluded), plain ints (never ``np.int64(2)``), at most five, then
"and N more"; one line naming the table, the column and what was expected. One case per module
that used to build its own list (0-based, bracketed or with NumPy scalars).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError, format_rows


def rows_named(error: pytest.ExceptionInfo) -> str:
    """The row list of a one-line message, as format_rows writes it."""
    message = str(error.value)
    assert "\n" not in message, message
    assert "np." not in message and "int64" not in message, message
    found = re.search(r"rows (\d+(?:, \d+)*(?: and \d+ more)?)(?:\W|$)", message)
    assert found, message
    return found.group(1)


def test_format_rows_is_one_based_plain_and_names_labels():
    """0-based positions → 1-based rows; index labels named only when they say more."""
    assert format_rows(np.array([0, 3], dtype=np.int64)) == "1, 4"
    assert format_rows(range(2, 9)) == "3, 4, 5, 6, 7 and 2 more"
    ids = pd.Index([np.int64(17), 18, 19], name="customer_id")
    assert format_rows([0, 2], labels=ids) == "1, 3 (customer_id 17, 19)"
    assert format_rows([1], labels=pd.RangeIndex(3)) == "2"
    assert format_rows([], labels=ids) == ""


def test_customization_numeric_column_lists_rows_and_more():
    """Seven bad prices: the first five 1-based rows, then 'and 2 more'."""
    from crm_models.customization._rows import numeric_column

    prices = pd.DataFrame({"price": [1.0, 2.0] + ["x"] * 7})
    with pytest.raises(DataValidationError, match="products: column 'price'") as error:
        numeric_column(prices, "price", "products")
    assert rows_named(error) == "3, 4, 5, 6, 7 and 2 more"


def test_customization_products_duplicate_module_row():
    from crm_models.customization.configurations import from_products

    products = pd.DataFrame({"module_id": ["a", "b", "a"], "attribute": ["x", "x", "y"]})
    with pytest.raises(DataValidationError, match="module_id") as error:
        from_products(products)
    assert rows_named(error) == "3"


def test_customization_conjoint_answers_bad_chosen_row():
    from crm_models.customization.conjoint_design import read_answers

    answers = pd.DataFrame(
        {
            "respondent_id": [1, 1, 1, 1],
            "task": [1, 1, 2, 2],
            "alternative": [1, 2, 1, 2],
            "chosen": [1, 0, 2, 0],
            "price": [10.0, 12.0, 10.0, 12.0],
            "rate": ["low", "high", "low", "high"],
        }
    )
    with pytest.raises(DataValidationError, match="column 'chosen' must be 0/1") as error:
        read_answers(answers)
    assert rows_named(error) == "3"


def test_customization_kano_answer_row():
    from crm_models.customization.kano import KanoSurvey

    answers = pd.DataFrame(
        {"feature": ["a", "a", "b"], "functional": [1, 2, 9], "dysfunctional": [5, 4, 3]}
    )
    with pytest.raises(DataValidationError, match="column 'functional'") as error:
        KanoSurvey().fit(answers)
    assert rows_named(error) == "3"


def test_loyalty_items_missing_and_off_scale_rows():
    from crm_models.loyalty.spec_data import check_items

    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.integers(1, 11, size=(12, 2)).astype(float), columns=["x1", "x2"])
    data.loc[[2, 5], "x2"] = np.nan
    with pytest.raises(DataValidationError, match="survey: column 'x2' has missing") as error:
        check_items(["x1", "x2"], data, None, "survey")
    assert rows_named(error) == "3, 6"
    data.loc[[2, 5], "x2"] = 11.0
    with pytest.raises(DataValidationError, match="outside the 1–10 scale") as error:
        check_items(["x1", "x2"], data, (1, 10), "survey")
    assert rows_named(error) == "3, 6"


def test_uplift_missing_outcome_row_is_one_based():
    """lift_table used to say 'rows [3]' for the fourth row (0-based)."""
    from crm_models.uplift import lift_table

    frame = pd.DataFrame(
        {"arm": ["control", "offer"] * 5, "conversion": [0.0, 1.0] * 5}, index=range(10, 20)
    )
    frame.iloc[3, 1] = np.nan
    with pytest.raises(DataValidationError, match="outcome column 'conversion'") as error:
        lift_table(frame, outcomes=["conversion"])
    assert rows_named(error) == "4"


def test_uplift_campaign_covariate_rows_are_positions_not_labels():
    """A filtered frame (index 100…): the rows are positions, not index labels + 1."""
    from crm_models.uplift.campaign_table import campaign_features

    campaign = pd.DataFrame({"tenure_days": [1.0, np.nan, 3.0]}, index=[100, 101, 102])
    with pytest.raises(DataValidationError, match="'tenure_days'") as error:
        campaign_features(campaign, ["tenure_days"], "campaign.csv")
    assert rows_named(error) == "2"


def test_uplift_consent_rows():
    from crm_models.uplift import plan_targeting

    uplift = pd.DataFrame({"uplift_email": [0.3] * 4})
    with pytest.raises(DataValidationError, match="consent_status") as error:
        plan_targeting([1, 2, 3, 4], uplift, 10.0, 0.1, ["opt_in", "yes", "opt_out", "maybe"])
    assert rows_named(error) == "2, 4"


def test_value_abc_rows_and_customer_ids():
    from crm_models.value import top_share

    values = pd.Series([5.0, -1.0, 3.0], index=pd.Index([101, 102, 103]))
    with pytest.raises(DataValidationError, match=r"\(customer_id 102\)") as error:
        top_share(values)
    assert rows_named(error) == "2"


def test_value_selection_rows_and_customer_ids():
    """value_needs_matrix used to list index labels (customer ids) as if they were rows."""
    from crm_models.value import value_needs_matrix

    value = pd.Series([10.0, 5.0, 1.0, 2.0], index=pd.Index([7, 8, 9, 10], name="customer_id"))
    needs = pd.Series(["a", "b", None, "a"], index=value.index)
    with pytest.raises(DataValidationError, match=r"\(customer_id 9\)") as error:
        value_needs_matrix(value, needs)
    assert rows_named(error) == "3"


def test_value_rfm_scores_rows():
    from crm_models.value import rfm_scores

    rfm = pd.DataFrame(
        {"days_since_last": [1.0, 2.0, 3.0], "n_purchases": [1, 2, 3], "total_spend": [1, None, 3]}
    )
    with pytest.raises(DataValidationError, match="column 'total_spend'") as error:
        rfm_scores(rfm)
    assert rows_named(error) == "2"


def test_data_hillstrom_unknown_segment_row(tmp_path):
    from crm_models.data.public import load_hillstrom

    columns = "recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment"
    row = "10,2) $100 - $200,142.4,1,0,Surburban,0,Phone,{},0,0,0.0"
    lines = [columns + ",visit,conversion,spend"]
    lines += [row.format(s) for s in ("No E-Mail", "Mens E-Mail", "Spam", "Womens E-Mail")]
    path = tmp_path / "hillstrom.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError, match="column 'segment'") as error:
        load_hillstrom(path)
    assert rows_named(error) == "3"


def test_value_needs_counts_rows_and_customer_ids():
    """NeedsMixture used to name one customer as ``np.int64(8)``."""
    from crm_models.value import NeedsMixture

    counts = pd.DataFrame(
        {"books": [1, 0, 2, -1], "music": [0, 2, 1, 0]},
        index=pd.Index(np.array([7, 8, 9, 10], dtype=np.int64), name="customer_id"),
    )
    with pytest.raises(DataValidationError, match=r"\(customer_id 10\)") as error:
        NeedsMixture().fit(counts)
    assert rows_named(error) == "4"
    counts.loc[10, "books"] = 0
    with pytest.raises(DataValidationError, match=r"\(customer_id 10\)") as error:
        NeedsMixture().fit(counts)
    assert rows_named(error) == "4"
