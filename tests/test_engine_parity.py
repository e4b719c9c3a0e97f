"""The parity check itself, without Spark: the DuckDB marts exported as Parquet must match, and every kind of
difference (a missing row, an extra row, a value beyond the tolerance, a missing column) must be reported."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.publish.engine_parity import compare_engines, mart_keys
from tests.conftest import run_cli


@pytest.fixture
def parquet_twin(sample_warehouse, tmp_path) -> Path:
    """The sample's DuckDB marts written as a Spark-style directory of Parquet marts."""
    spark_dir = tmp_path / "spark"
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        for mart in mart_keys():
            (spark_dir / "marts" / mart).mkdir(parents=True)
            con.execute(f"copy marts.{mart} to '{spark_dir / 'marts' / mart / 'part-0.parquet'}' (format parquet)")
    return spark_dir


def rewrite(spark_dir: Path, mart: str, select_sql: str) -> None:
    """Replace a Parquet mart by a query over its current rows (`t`)."""
    part = spark_dir / "marts" / mart / "part-0.parquet"
    changed = part.with_name("changed.parquet")
    with duckdb.connect() as con:
        con.execute(f"create view t as select * from read_parquet('{part}')")
        con.execute(f"copy ({select_sql}) to '{changed}' (format parquet)")
    changed.replace(part)


def by_mart(results):
    return {result.mart: result for result in results}


def test_keys_come_from_the_uniqueness_tests_of_every_mart():
    keys = mart_keys()
    assert len(keys) == 14
    assert keys["fct_equity_daily"] == ["symbol", "trade_date"]
    assert keys["fct_stress_alerts"] == ["alert_date", "rule_id", "subject"]
    assert keys["fct_market_stress_daily"] == ["obs_date"]


def test_identical_marts_match(sample_warehouse, parquet_twin):
    results = compare_engines(sample_warehouse, parquet_twin)
    assert all(result.matches for result in results)
    assert all(result.rows_spark == result.rows_duckdb > 0 for result in results)


def test_missing_extra_and_changed_rows_are_each_reported(sample_warehouse, parquet_twin):
    rewrite(
        parquet_twin,
        "fct_equity_daily",
        # drop one row, add one that DuckDB lacks, move one close by one part in a million
        "select * replace (case when symbol = 'SPY' and trade_date = date '2025-12-30' "
        "then close * (1 + 1e-6) else close end as close) from t "
        "where not (symbol = 'QQQ' and trade_date = date '2025-12-30') "
        "union all select * replace ('NEW' as symbol) from t where symbol = 'SPY' and trade_date = date '2025-12-31'",
    )
    result = by_mart(compare_engines(sample_warehouse, parquet_twin))["fct_equity_daily"]
    assert (result.only_duckdb, result.only_spark, result.differing_values) == (1, 1, 1)
    assert 0.9e-6 < result.largest_relative_difference < 1.1e-6
    assert any(problem.startswith("close: 1 values differ (e.g. SPY 2025-12-30") for problem in result.problems)
    assert not result.matches


def test_the_tolerance_is_relative(sample_warehouse, parquet_twin):
    rewrite(parquet_twin, "fct_rates_daily", "select * replace (ust_10y_pct * (1 + 1e-11) as ust_10y_pct) from t")
    assert by_mart(compare_engines(sample_warehouse, parquet_twin))["fct_rates_daily"].matches
    rewrite(parquet_twin, "fct_rates_daily", "select * replace (ust_10y_pct * (1 + 1e-8) as ust_10y_pct) from t")
    result = by_mart(compare_engines(sample_warehouse, parquet_twin))["fct_rates_daily"]
    assert result.differing_values == result.rows_duckdb  # every row has a 10-year yield


def test_a_null_on_one_side_and_a_changed_text_differ(sample_warehouse, parquet_twin):
    rewrite(
        parquet_twin,
        "fct_market_stress_daily",
        "select * replace (case when obs_date = (select max(obs_date) from t) then null else stress_index end "
        "as stress_index, case when obs_date = (select min(obs_date) from t) then 'other' else regime end "
        "as regime) from t",
    )
    result = by_mart(compare_engines(sample_warehouse, parquet_twin))["fct_market_stress_daily"]
    assert result.differing_values == 2  # the index nulled on the last day, the regime text on the first
    assert not result.matches


def test_a_missing_mart_or_column_is_a_difference(sample_warehouse, parquet_twin, capsys):
    rewrite(parquet_twin, "fct_macro_monthly", "select * exclude (is_recession) from t")
    for part in (parquet_twin / "marts" / "fct_fibonacci_levels").iterdir():
        part.unlink()
    results = by_mart(compare_engines(sample_warehouse, parquet_twin))
    assert results["fct_macro_monthly"].problems == ["column is_recession only in DuckDB"]
    assert results["fct_fibonacci_levels"].problems[0].startswith("no Spark mart at")
    assert run_cli("compare-engines", "--db", str(sample_warehouse), "--spark-dir", str(parquet_twin)) == 1
    assert "The engines DIFFER: 12 of 14 marts identical" in capsys.readouterr().out
