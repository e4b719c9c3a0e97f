"""The dbt project on a built sample warehouse: formula unit tests, documentation, incremental = full refresh."""

import json
import math
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import SAMPLE_DATA_DIR
from tests.conftest import copy_warehouse, run_cli, run_dbt, table_snapshot

MART_NAMES = [
    "fct_equity_daily",
    "fct_rates_daily",
    "fct_credit_spreads_daily",
    "fct_macro_monthly",
    "fct_treasury_auctions",
    "fct_company_fundamentals_quarterly",
    "fct_securities_losses_quarterly",
    "fct_megacap_daily",
    "fct_fibonacci_levels",
    "fct_sector_rotation_daily",
    "fct_systemic_risk_daily",
    "fct_market_stress_daily",
    "fct_market_stress_first_release",
]


def test_every_formula_unit_test_passes(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    completed = run_dbt(db, "test", "--select", "test_type:unit", target_path=tmp_path / "target")
    assert completed.returncode == 0, completed.stdout[-3000:]
    results = [
        result
        for result in json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
        if result["unique_id"].startswith("unit_test.")
    ]  # not the on-run-start hook (a no-op on DuckDB)
    passed = {result["unique_id"].split(".")[2] for result in results if result["status"] == "pass"}
    assert len(results) == len(passed) >= 11
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    tested_models = {test["model"] for test in manifest["unit_tests"].values()}
    assert set(MART_NAMES) <= tested_models


def test_docs_generate_and_every_mart_column_is_described(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    completed = run_dbt(db, "docs", "generate", target_path=tmp_path / "target")
    assert completed.returncode == 0, completed.stdout[-3000:]
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    undocumented, phantom = [], []
    for node_id, node in catalog["nodes"].items():
        if node["metadata"]["schema"] != "marts":
            continue
        described = manifest["nodes"][node_id]["columns"]
        undocumented += [
            f"{node['metadata']['name']}.{column}"
            for column in node["columns"]
            if not described.get(column, {}).get("description")
        ]
        # a documented column the table lacks would also make fct_equity_daily recompute whole on every run
        phantom += [f"{node['metadata']['name']}.{column}" for column in described if column not in node["columns"]]
        assert manifest["nodes"][node_id]["description"], node_id
    assert undocumented == []
    assert phantom == []
    assert {
        node["metadata"]["name"] for node in catalog["nodes"].values() if node["metadata"]["schema"] == "marts"
    } >= set(MART_NAMES)


def assert_same_rows(left: list[tuple], right: list[tuple]) -> None:
    """Row for row equal; floats may differ in the last bits, because DuckDB's window aggregates sum in an order
    that depends on the partition's length (a lookback slice versus the whole history)."""
    for left_row, right_row in zip(left, right, strict=True):
        for left_value, right_value in zip(left_row, right_row, strict=True):
            if isinstance(left_value, float) and isinstance(right_value, float):
                assert math.isclose(left_value, right_value, rel_tol=1e-12, abs_tol=1e-12), (left_row, right_row)
            else:
                assert left_value == right_value, (left_row, right_row)


def _cut_prices(source: Path, target: Path, last_day: str) -> None:
    shutil.copytree(source, target)
    for path in [*(target / "prices").glob("*.csv"), target / "cboe" / "vix-daily.csv"]:
        lines = path.read_text().splitlines()
        path.write_text("\n".join([lines[0], *(line for line in lines[1:] if line[:10] <= last_day)]) + "\n")


def test_incremental_runs_after_appending_days_equal_a_full_refresh(tmp_path):
    cut = tmp_path / "cut"
    _cut_prices(SAMPLE_DATA_DIR, cut, "2025-09-30")
    db = tmp_path / "incremental.duckdb"
    assert run_cli("run", "--db", str(db), "--data-dir", str(cut)) == 0
    assert run_cli("run", "--db", str(db)) == 0  # the sample appends October to December 2025
    equity_rows = "(select * exclude (_built_at) from marts.fct_equity_daily)"  # when each row was computed
    incremental = table_snapshot(db, equity_rows)
    incremental_levels = table_snapshot(db, "marts.fct_fibonacci_levels")
    incremental_alerts = table_snapshot(db, "marts.fct_stress_alerts")

    rebuilt = copy_warehouse(db, tmp_path / "rebuilt.duckdb")
    completed = run_dbt(
        rebuilt,
        "build",
        "--select",
        "fct_equity_daily",
        "fct_fibonacci_levels",
        "fct_stress_alerts",
        "--full-refresh",
        "--exclude-resource-type",
        "unit_test",
        target_path=tmp_path / "target",
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    full = table_snapshot(rebuilt, equity_rows)
    assert len(incremental) == len(full) == 19_084
    assert_same_rows(incremental, full)
    full_levels = table_snapshot(rebuilt, "marts.fct_fibonacci_levels")
    assert len(full_levels) == 76 and incremental_levels == full_levels  # min, max and a few products: exact
    full_alerts = table_snapshot(rebuilt, "marts.fct_stress_alerts")
    assert sum(row[1] == "volume_spike" for row in full_alerts) > 50
    assert_same_rows(incremental_alerts, full_alerts)
    with duckdb.connect(str(db), read_only=True) as con:
        appended = con.execute(
            "select count(*) from marts.fct_equity_daily where trade_date > date '2025-09-30' and sma_200d is not null"
        ).fetchone()[0]
    assert appended > 1000


def test_an_equity_mart_built_by_an_older_model_version_is_recomputed_whole(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    with duckdb.connect(str(db)) as con:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_name = 'fct_equity_daily' "
                "and column_name <> '_built_at' order by ordinal_position"
            ).fetchall()
        ]
        con.execute("alter table marts.fct_equity_daily drop column previous_rel_volume_30d")  # an older version
    equity_rows = f"(select {', '.join(columns)} from marts.fct_equity_daily)"
    current = table_snapshot(sample_warehouse, equity_rows)

    completed = run_dbt(
        db,
        "build",
        "--select",
        "fct_equity_daily",
        "--exclude-resource-type",
        "unit_test",
        target_path=tmp_path / "target",
    )

    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "lacks previous_rel_volume_30d: recomputing every row once" in completed.stdout
    assert_same_rows(table_snapshot(db, equity_rows), current)


@pytest.mark.parametrize("mart", MART_NAMES)
def test_each_mart_key_is_unique(sample_warehouse, mart):
    keys = {
        "fct_equity_daily": "symbol, trade_date",
        "fct_rates_daily": "obs_date",
        "fct_credit_spreads_daily": "obs_date",
        "fct_macro_monthly": "month",
        "fct_treasury_auctions": "cusip, auction_date",
        "fct_company_fundamentals_quarterly": "cik, period_end",
        "fct_securities_losses_quarterly": "cik, period_end",
        "fct_megacap_daily": "trade_date",
        "fct_fibonacci_levels": "symbol, swing_year",
        "fct_sector_rotation_daily": "trade_date",
        "fct_systemic_risk_daily": "obs_date",
        "fct_market_stress_daily": "obs_date",
        "fct_market_stress_first_release": "obs_date",
    }[mart]
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        total, distinct = con.execute(f"select count(*), count(distinct ({keys})) from marts.{mart}").fetchone()
    assert total == distinct > 0


def test_a_ten_year_reopening_is_compared_with_the_ten_year_notes(sample_warehouse):
    """Real TreasuryDirect auctions of the sample: 9128286B1, first sold as a 10-year note on 2019-02-06 (bid-to-cover
    2.35), reopened as a "9-Year 10-Month" on 2019-04-10 (2.55); 912828TY6, a 2012 10-year note reopened as a 3-year
    on 2019-11-05."""
    records = {
        (record["cusip"], record["auctionDate"][:10]): record
        for record in json.loads(
            (SAMPLE_DATA_DIR / "treasury" / "treasurydirect_securities_search_2008-2022.json").read_text()
        )
    }
    assert records[("9128286B1", "2019-04-10")]["securityTerm"] == "9-Year 10-Month"
    assert records[("912828TY6", "2019-11-05")]["originalSecurityTerm"] == "10-Year"
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        rows = {
            f"{cusip}@{day}": (peer, versus_prior)
            for cusip, day, peer, versus_prior in con.execute(
                "select cusip, auction_date, peer_term, bid_to_cover_vs_prior_6 from marts.fct_treasury_auctions "
                "where cusip in ('9128286B1', '912828TY6')"
            ).fetchall()
        }
    assert rows["9128286B1@2019-02-06"] == ("10-Year", None)  # the first 10-year of the sample
    peer, versus_prior = rows["9128286B1@2019-04-10"]
    assert peer == "10-Year" and versus_prior == pytest.approx(2.55 - 2.35)  # the only 10-year before it
    assert rows["912828TY6@2019-11-05"][0] == "3-Year"
