"""Rows in key order are told apart from every other order: only then are the uniqueness check's grouping and
plausibility's sort skipped (orchestration/ingest/key_order.py)."""

import duckdb
import pytest

from orchestration.ingest.key_order import in_key_order
from orchestration.ingest.plausibility import rules
from orchestration.ingest.plausibility_sql import measure_sql
from orchestration.ingest.raw_tables import RAW_TABLES

PRICES = RAW_TABLES["price_bars"]
IN_ORDER = [("AAA", "2024-01-02"), ("AAA", "2024-01-03"), ("AAA", "2024-01-05"), ("BBB", "2024-01-02")]


def _staged(rows: list[tuple[str | None, str | None]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table staged (symbol varchar, trade_date date, close double)")
    for position, (symbol, day) in enumerate(rows):  # one insert per row: the table's rowids follow the list
        con.execute("insert into staged values ($s, $d, $c)", {"s": symbol, "d": day, "c": 100.0 + position})
    return con


def test_files_of_one_symbol_each_in_date_order_are_in_key_order():
    assert in_key_order(_staged(IN_ORDER), "staged", PRICES)
    assert in_key_order(_staged([]), "staged", PRICES)


OUT_OF_ORDER = {
    "a symbol in two runs (two files)": [*IN_ORDER, ("AAA", "2024-01-08")],
    "a repeated date": [("AAA", "2024-01-02"), ("AAA", "2024-01-02"), ("BBB", "2024-01-02")],
    "a descending file": [("AAA", "2024-01-03"), ("AAA", "2024-01-02"), ("BBB", "2024-01-02")],
    "a missing date inside a run": [("AAA", "2024-01-02"), ("AAA", None), ("AAA", "2024-01-04")],
    "a missing symbol": [(None, "2024-01-02"), *IN_ORDER],
}


@pytest.mark.parametrize("case", sorted(OUT_OF_ORDER))
def test_any_other_order_is_not(case):
    assert not in_key_order(_staged(OUT_OF_ORDER[case]), "staged", PRICES)


def test_a_key_beyond_entity_and_date_is_never_taken_as_ordered():
    con = duckdb.connect()
    con.execute("create table staged (series_id varchar, obs_date date, realtime_start date)")
    con.execute("insert into staged values ('GDP', '2024-01-01', '2024-02-01')")
    assert not in_key_order(con, "staged", RAW_TABLES["fred_vintages"])  # (series, date, vintage): not proven


def test_rows_streamed_out_of_order_are_reported_never_judged():
    """The streamed moves prove their order in the same statement: a row after a larger `_row` comes back flagged."""
    con = _staged(IN_ORDER)
    close = next(measure for measure in rules()["measures"]["price_bars"] if measure["column"] == "close")
    sql = measure_sql(rules(), PRICES, close, "symbol", "trade_date", False, streamed=True)
    con.execute("create view batch_view as select symbol, trade_date, close, rowid as _row from staged")
    assert con.execute(sql).df().empty  # in order, small moves: nothing to report
    con.execute("create or replace view batch_view as select symbol, trade_date, close, -rowid as _row from staged")
    flagged = con.execute(sql).df()
    assert flagged["out_of_order"].all() and len(flagged) == len(IN_ORDER) - 1  # every row after the first
