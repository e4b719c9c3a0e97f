from datetime import date

import duckdb
import pandas as pd
import pytest

from orchestration.ingest.raw_layer import RAW_TABLES, BatchKeyError, check_batch_keys, ensure_raw_schema, upsert
from orchestration.ingest.sources.parse_prices import read_price_file
from tests.conftest import FIXTURES

PRICES = RAW_TABLES["price_bars"]


@pytest.fixture
def con():
    connection = duckdb.connect()
    ensure_raw_schema(connection)
    yield connection
    connection.close()


def spy() -> pd.DataFrame:
    return read_price_file(FIXTURES / "prices" / "SPY.csv", "SPY", "prices/SPY.csv")


def rows(con):
    return con.execute("select * from raw.price_bars order by trade_date").fetchall()


def test_second_upsert_of_the_same_batch_changes_nothing(con):
    first = upsert(con, PRICES, spy(), "run-1")
    before = rows(con)
    second = upsert(con, PRICES, spy(), "run-2")
    assert (first.inserted, first.updated, first.unchanged) == (10, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 10)
    assert rows(con) == before  # even _loaded_at and _run_id: identical rows are not rewritten


def test_a_revised_value_replaces_the_row_and_new_days_are_added(con):
    upsert(con, PRICES, spy(), "run-1")
    revised = spy()
    revised.loc[0, "close"] = 123.0
    extra = revised.tail(1).assign(trade_date=date(2025, 11, 24))
    counts = upsert(con, PRICES, pd.concat([revised, extra], ignore_index=True), "run-2")
    assert (counts.inserted, counts.updated, counts.unchanged) == (1, 1, 9)
    by_date = {row[1]: row for row in rows(con)}
    assert by_date[date(2025, 11, 10)][5] == 123.0 and by_date[date(2025, 11, 10)][-1] == "run-2"
    assert by_date[date(2025, 11, 11)][-1] == "run-1"
    assert len(by_date) == 11


def test_a_rolled_back_upsert_leaves_the_table_as_it_was(con):
    upsert(con, PRICES, spy(), "run-1")
    before = rows(con)
    con.begin()
    upsert(con, PRICES, spy().assign(close=1.0), "run-2")
    con.rollback()
    assert rows(con) == before


def test_null_period_start_is_part_of_the_sec_key(con):
    facts = RAW_TABLES["sec_company_facts"]
    frame = pd.DataFrame(
        [
            {
                "cik": "1",
                "entity_name": "X",
                "taxonomy": "us-gaap",
                "concept": "StockholdersEquity",
                "unit": "USD",
                "period_start": None,
                "period_end": date(2024, 1, 31),
                "value": 5.0,
                "accession": "a-1",
                "fiscal_year": 2024,
                "fiscal_period": "FY",
                "form": "10-K",
                "filed": date(2024, 3, 1),
                "frame": None,
            }
        ]
    )
    upsert(con, facts, frame, "run-1")
    counts = upsert(con, facts, frame, "run-2")
    assert counts.unchanged == 1
    assert con.execute("select count(*) from raw.sec_company_facts").fetchone()[0] == 1


def test_batch_key_check_names_repeated_and_null_keys():
    doubled = pd.concat([spy(), spy().head(1)], ignore_index=True)
    with pytest.raises(BatchKeyError, match=r"2 rows repeat a key of raw.price_bars \['symbol', 'trade_date'\]"):
        check_batch_keys(PRICES, doubled, "prices/SPY.csv")
    with pytest.raises(BatchKeyError, match="null key column"):
        check_batch_keys(PRICES, spy().assign(symbol=None), "prices/SPY.csv")
