"""Readers are never blocked and never see a half-built warehouse; failed or killed runs publish nothing."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import sqlalchemy

from orchestration.publishing import build_path_for, failed_path_for
from tests.conftest import copy_warehouse, run_cli
from tests.dbt_project.test_marts import _cut_prices
from orchestration.settings import SAMPLE_DATA_DIR

READER = r"""
import json, os, sys, duckdb
db, stop, out = sys.argv[1:4]
errors, seen, queries = [], [], 0
while not os.path.exists(stop):
    try:
        con = duckdb.connect(db, read_only=True)
        try:
            runs = con.execute("select distinct run_id from marts.build_info").fetchall()
            for relation in ("marts.fct_equity_daily", "raw.price_bars", "marts.fct_rates_daily"):
                counted = con.execute(f"select count(*) from {relation}").fetchone()[0]
                recorded = con.execute("select row_count from marts.build_info where relation = $r",
                                       {"r": relation}).fetchone()[0]
                if counted != recorded:
                    errors.append(f"{relation}: {counted} rows, build_info says {recorded}")
            if len(runs) != 1:
                errors.append(f"build_info mixes runs {runs}")
            seen.append(runs[0][0])
        finally:
            con.close()
    except Exception as exc:
        errors.append(repr(exc))
    queries += 1
json.dump({"errors": errors, "queries": queries, "runs": sorted(set(seen))}, open(out, "w"))
"""


def build_info_run(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select distinct run_id from marts.build_info").fetchone()[0]


def test_four_readers_during_a_full_run_see_one_complete_run_and_no_error(tmp_path):
    cut = tmp_path / "cut"
    _cut_prices(SAMPLE_DATA_DIR, cut, "2025-06-30")
    db = tmp_path / "stresswatch.duckdb"
    assert run_cli("run", "--db", str(db), "--data-dir", str(cut)) == 0
    first_run = build_info_run(db)
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop), str(tmp_path / f"reader{n}.json")])
               for n in range(4)]
    try:
        time.sleep(1.0)
        assert run_cli("run", "--db", str(db)) == 0  # the full sample: every mart grows
        time.sleep(1.5)
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=60)
    second_run = build_info_run(db)
    assert second_run != first_run
    for n in range(4):
        report = json.loads((tmp_path / f"reader{n}.json").read_text())
        assert report["errors"] == []
        assert report["queries"] > 20
        assert report["runs"] == sorted([first_run, second_run])  # saw the old run, then the new one, whole


def test_a_run_killed_during_the_build_publishes_nothing_and_the_next_run_succeeds(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "stresswatch.duckdb")
    published = db.read_bytes()
    process = subprocess.Popen([str(Path(sys.executable).with_name("stresswatch")), "run", "--db", str(db)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    for line in process.stdout:  # wait until dbt is writing the build database, then kill everything
        if "Running dbt command" in line:
            time.sleep(1.0)
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert db.read_bytes() == published
    assert build_path_for(db).exists()

    before = build_info_run(db)
    assert run_cli("run", "--db", str(db)) == 0
    assert build_info_run(db) != before
    assert failed_path_for(db).exists() and not build_path_for(db).exists()


def test_superset_style_sqlalchemy_connection_reads_a_mart_read_only(sample_warehouse):
    engine = sqlalchemy.create_engine(f"duckdb:///{sample_warehouse}?access_mode=read_only")
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text(
            "select ust_10y_pct from marts.fct_rates_daily where obs_date = date '2025-11-21'")).fetchall()
        assert rows == [(4.06,)]
        try:
            connection.execute(sqlalchemy.text("create table marts.scratch (x int)"))
        except sqlalchemy.exc.DBAPIError as exc:
            assert "read-only" in str(exc).lower()
        else:
            raise AssertionError("a read-only connection could write")
    engine.dispose()


def test_export_writes_every_mart_as_parquet_with_the_same_row_counts(sample_warehouse, tmp_path, capsys):
    assert run_cli("export", "--parquet", str(tmp_path / "parquet"), "--db", str(sample_warehouse)) == 0
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        marts = {name: con.execute(f"select count(*) from marts.{name}").fetchone()[0] for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    files = {path.stem: path for path in (tmp_path / "parquet").glob("*.parquet")}
    assert set(files) == set(marts) and len(marts) >= 11
    with duckdb.connect() as con:
        for name, path in files.items():
            assert con.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0] == marts[name]


def test_query_prints_a_table_csv_or_json(sample_warehouse, capsys):
    sql = "select obs_date, ust_10y_pct from marts.fct_rates_daily where obs_date = date '2025-11-21'"
    assert run_cli("query", sql, "--db", str(sample_warehouse)) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["obs_date", "ust_10y_pct"] and table[2].split() == ["2025-11-21", "4.06"]
    assert run_cli("query", sql, "--format", "csv", "--db", str(sample_warehouse)) == 0
    assert capsys.readouterr().out.splitlines() == ["obs_date,ust_10y_pct", "2025-11-21,4.06"]
    assert run_cli("query", sql, "--format", "json", "--db", str(sample_warehouse)) == 0
    assert json.loads(capsys.readouterr().out) == [{"obs_date": "2025-11-21", "ust_10y_pct": 4.06}]


def test_query_never_writes(sample_warehouse, capsys):
    assert run_cli("query", "create table marts.scratch (x int)", "--db", str(sample_warehouse)) == 1
    assert "read-only" in capsys.readouterr().err.lower()
