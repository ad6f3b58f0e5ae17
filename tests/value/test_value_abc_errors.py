"""Bad customer values for the concentration functions: one error naming the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import DataValidationError
from crm_models.value import abc_classes, gini, top_share


def test_negative_and_missing_values_name_rows_and_customers() -> None:
    """1-based rows as plain ints, the customer ids of a Series, and the fix."""
    values = pd.Series([5.0, -1.0, 3.0, np.nan], index=pd.Index([101, 102, 103, 104]))
    with pytest.raises(DataValidationError) as caught:
        top_share(values)
    message = str(caught.value)
    assert "rows 2, 4 (customer_id 102, 104)" in message
    assert "np." not in message and "drop or fill" in message


def test_text_among_values_is_one_clear_error() -> None:
    """A text value is a DataValidationError naming its row, not a NumPy ValueError."""
    with pytest.raises(DataValidationError, match=r"rows 3;"):
        gini([1.0, 2.0, "n/a", 4.0])
    with pytest.raises(DataValidationError, match=r"rows 1;"):
        abc_classes(np.array(["x", 2.0, 3.0], dtype=object))
