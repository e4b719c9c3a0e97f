"""The key tests of the two relations that grow with the whole history (the price bars, fct_equity_daily) check the
keys of the rows the newest load or build wrote, against every row: a repeat that involves a new row fails the build."""

from __future__ import annotations

import re

import duckdb
import pytest

from tests.conftest import copy_warehouse, run_dbt

KEYED = [
    pytest.param("raw.price_bars", "_loaded_at", "stg_prices__daily_bars", id="raw.price_bars"),
    pytest.param("marts.fct_equity_daily", "_built_at", "fct_equity_daily", id="fct_equity_daily"),
]


def key_tests(db, selector: str, target) -> tuple[int, str]:
    completed = run_dbt(db, "test", "--select", selector, "--exclude-resource-type", "unit_test", target_path=target)
    return completed.returncode, completed.stdout


def write_again(db, relation: str, stamp: str, when: str) -> None:
    """Insert a second copy of an old SPY row, stamped as written by the newest or by an older load/build."""
    with duckdb.connect(str(db)) as con:
        inserted = con.execute(
            f"insert into {relation} select * replace ((select {when}({stamp}) from {relation}) "
            f"+ interval 1 second * (case when '{when}' = 'max' then 1 else -1 end) as {stamp}) "
            f"from {relation} where symbol = 'SPY' and trade_date = date '2025-04-08'"
        ).fetchone()[0]
    assert inserted == 1


@pytest.mark.parametrize(("relation", "stamp", "selector"), KEYED)
def test_a_new_row_repeating_an_old_key_fails_the_key_test(sample_warehouse, tmp_path, relation, stamp, selector):
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    code, output = key_tests(db, selector, tmp_path / "before")
    assert code == 0, output[-2000:]

    write_again(db, relation, stamp, "max")

    code, output = key_tests(db, selector, tmp_path / "after")
    assert code == 1
    assert re.search(r"FAIL 1 \S*unique_combination_\S*(stg_prices__daily_bars|fct_equity_daily)", output)


@pytest.mark.parametrize(("relation", "stamp", "selector"), KEYED)
def test_the_key_test_reads_only_the_newest_rows_keys(sample_warehouse, tmp_path, relation, stamp, selector):
    # an older repeat is out of scope by design: the build that wrote it ran this test on it, and a build whose
    # tests fail is never published; this is what keeps a daily run from grouping 60 M rows
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    write_again(db, relation, stamp, "min")
    with duckdb.connect(str(db)) as con:  # a later load or build rewrote one other row: only its key is newest
        con.execute(
            f"update {relation} set {stamp} = {stamp} + interval 1 day "
            "where symbol = 'SPY' and trade_date = date '2025-12-31'"
        )

    code, output = key_tests(db, selector, tmp_path / "target")
    assert code == 0, output[-2000:]
