"""The shared reading of a study's data_source when it names the user's table."""

from __future__ import annotations

import pytest

from crm_models.data.sources import read_source, warehouse_dataset
from crm_models.errors import DataValidationError, ParameterError


def test_warehouse_dataset_names():
    assert warehouse_dataset("warehouse:main") == "main"
    assert warehouse_dataset("sales.csv") is None and warehouse_dataset("synthetic") is None
    with pytest.raises(ParameterError, match="name the dataset"):
        warehouse_dataset("warehouse: ")


def test_a_missing_file_lists_what_the_study_accepts(tmp_path):
    with pytest.raises(ParameterError) as error:
        read_source(str(tmp_path / "nope.csv"), "transactions", named=("synthetic", "cdnow"))
    message = str(error.value)
    assert "synthetic, cdnow, warehouse:DATASET, a transactions file" in message
    assert "nope.csv" in message


def test_a_file_is_validated_and_labelled(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,timestamp,amount\n7,2024-01-02,10.5\n7,2024-02-02,3\n")
    frame, label = read_source(str(path), "transactions")
    assert label == f"file {path}" and frame["customer_id"].tolist() == [7, 7]
    path.write_text("customer_id,timestamp,amount\n7,2024-01-02,-1\n")
    with pytest.raises(DataValidationError, match="amount"):
        read_source(str(path), "transactions")
