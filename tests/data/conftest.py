"""Fixtures of the data-layer tests: the bad-file cases, a small world and its warehouse."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from crm_models.data.build import world_datasets
from crm_models.data.synthetic import simulate_world
from crm_models.data.warehouse import Warehouse

TX = "customer_id,timestamp,amount,quantity,product\n"
CUSTOMERS = "customer_id,signup_date,channel,region,consent_status,consent_date\n"
CAMPAIGN = "customer_id,arm,sent_date,visit,conversion,spend\n"
PRODUCTS = "module_id,attribute,level,unit_cost,price\n"
FUTURE = (pd.Timestamp.now().normalize() + pd.Timedelta(days=400)).strftime("%Y-%m-%d")
LATIN1_ROW_PREFIX = "2,2024-01-02,4.0,1,caf"
LATIN1_BYTES = (TX + "1,2024-01-01,3.5,1,books\n" + LATIN1_ROW_PREFIX + "\xe9\n").encode("latin-1")
LATIN1_OFFSET = len(TX) + len("1,2024-01-01,3.5,1,books\n") + len(LATIN1_ROW_PREFIX)


@dataclass
class BadCSV:
    """A bad CSV file, the table it claims to be and fragments its error message must contain."""

    table: str
    content: str | bytes
    fragments: list[str] = field(default_factory=list)
    name: str = ""

    @property
    def unreadable(self) -> bool:
        """True when the file fails before it becomes a frame (empty, not UTF-8)."""
        return isinstance(self.content, bytes)

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.name}.csv"
        if isinstance(self.content, bytes):
            path.write_bytes(self.content)
        else:
            path.write_text(self.content, encoding="utf-8")
        return path


# Every kind of bad file the issue names. Row numbers in the fragments are 1-based data rows
# (the header excluded), as the loaders report them; the latin-1 case names the file line.
BAD_CSV_CASES = {
    "missing_column": BadCSV(
        "transactions",
        "customer_id,amount,quantity\n1,2.0,1\n",
        ["missing column(s) 'timestamp'", "found 'customer_id', 'amount', 'quantity'"],
    ),
    "text_in_amount": BadCSV(
        "transactions",
        TX + "1,2024-01-01,3.5,1,a\n2,2024-01-02,abc,1,a\n3,2024-01-03,12 EUR,1,b\n",
        ["column 'amount'", "expected values of type float64", "at rows 2, 3", "'abc'", "'12 EUR'"],
    ),
    "fraction_in_quantity": BadCSV(
        "transactions",
        TX + "1,2024-01-01,3.5,1,a\n2,2024-01-02,4.0,1.5,a\n",
        ["column 'quantity'", "expected whole numbers", "at rows 2", "1.5"],
    ),
    "unparseable_date": BadCSV(
        "transactions",
        TX
        + "1,2024-01-01,3.5,1,a\n2,2024-01-02,4.0,1,a\n3,not a date,4.0,1,a\n4,2024-13-45,1,1,a\n",
        ["column 'timestamp'", "expected dates", "at rows 3, 4", "'not a date'", "'2024-13-45'"],
    ),
    "future_date": BadCSV(
        "transactions",
        TX + f"1,2024-01-01,3.5,1,a\n2,{FUTURE},4.0,1,a\n",
        ["column 'timestamp'", "expected dates not after", "at rows 2", FUTURE],
    ),
    "negative_amount": BadCSV(
        "transactions",
        TX + "1,2024-01-01,3.5,1,a\n2,2024-01-02,-3.0,1,a\n",
        ["column 'amount'", "expected amount >= 0", "allow_returns=True", "at rows 2", "-3.0"],
    ),
    "duplicate_customer_id": BadCSV(
        "customers",
        CUSTOMERS + "1,2024-01-01,web,north,opt_in,\n2,2024-01-01,web,north,opt_in,\n"
        "1,2024-02-01,store,south,opt_in,\n",
        ["column 'customer_id'", "unique values (duplicate key)", "at rows 1, 3"],
    ),
    "duplicate_campaign_key": BadCSV(
        "campaign",
        CAMPAIGN + "1,control,2024-03-01,0,0,0\n2,offer_a,2024-03-01,1,0,0\n"
        "1,offer_b,2024-03-01,1,1,20.5\n",
        [
            "(customer_id, sent_date)",
            "unique (customer_id, sent_date) (duplicate key)",
            "at rows 1, 3",
        ],
    ),
    "duplicate_module_id": BadCSV(
        "products",
        PRODUCTS + "m1,rate,low,1,2\nm2,rate,high,1,2\nm1,fee,none,0,0\n",
        ["column 'module_id'", "unique values (duplicate key)", "at rows 1, 3", "'m1'"],
    ),
    "empty_file": BadCSV("transactions", b"", ["the file is empty"]),
    "header_only": BadCSV(
        "transactions",
        TX,
        ["transactions has no rows", "expected at least one data row"],
    ),
    "latin1_bytes": BadCSV(
        "transactions",
        LATIN1_BYTES,
        ["expected UTF-8", "byte 0xe9", "line 3", f"byte {LATIN1_OFFSET}"],
    ),
    "survey_out_of_scale": BadCSV(
        "survey",
        "customer_id,Q1,Q2\n1,5,5\n2,7,11\n3,0,3\n",
        [
            "column 'Q1'",
            "column 'Q2'",
            "integer answers 1-10",
            "at rows 3",
            "at rows 2",
            "found 11",
            "found 0",
        ],
    ),
}
for _name, _case in BAD_CSV_CASES.items():
    _case.name = _name


def pytest_generate_tests(metafunc):
    """Tests taking ``bad_csv`` run once per bad file kind (ids = case names)."""
    if "bad_csv" in metafunc.fixturenames:
        metafunc.parametrize("bad_csv", list(BAD_CSV_CASES.values()), ids=list(BAD_CSV_CASES))


@pytest.fixture(scope="session")
def small_world():
    """500 customers, seed 11: fast enough for every warehouse test."""
    return simulate_world(n_customers=500, seed=11)


@pytest.fixture(scope="session")
def _built_warehouse_file(tmp_path_factory, small_world) -> Path:
    path = tmp_path_factory.mktemp("warehouse") / "crm.duckdb"
    Warehouse(path).build(world_datasets(small_world), source="test build (n=500, seed=11)")
    return path


@pytest.fixture
def warehouse(tmp_path, _built_warehouse_file) -> Warehouse:
    """A private copy of the small world's warehouse (tests may change it)."""
    path = tmp_path / "crm.duckdb"
    shutil.copyfile(_built_warehouse_file, path)
    return Warehouse(path)
