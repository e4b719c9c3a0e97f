"""The daily job as Dagster runs it (the schedule, the UI, `dagster job execute`), not through the CLI wrapper."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.settings import PROJECT_ROOT, SAMPLE_DATA_DIR
from tests.conftest import assert_same_marts, dagster_instance, execute_daily, failure_of, raw_rows


def _fresh_clone(target: Path) -> Path:
    """The committed files of the project, as `git clone` would lay them out (no dbt target, no warehouse)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = PROJECT_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _dagster(clone: Path, *args: str, home: Path) -> subprocess.CompletedProcess:
    binary = Path(sys.executable).with_name("dagster")
    return subprocess.run(
        [str(binary), *args],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": f"{binary.parent}:/usr/bin:/bin", "DAGSTER_HOME": str(home), "HOME": str(home), "LANG": "C.UTF-8"},
    )


def test_dagster_job_execute_in_a_fresh_clone_publishes_the_same_marts_as_the_cli(sample_warehouse, tmp_path):
    clone = _fresh_clone(tmp_path / "clone")
    home = tmp_path / "dagster_home"
    home.mkdir()
    db = tmp_path / "published" / "stresswatch.duckdb"
    config = tmp_path / "run.yaml"
    config.write_text(json.dumps({"resources": {"warehouse": {"config": {"db_path": str(db)}}}}))

    # before the install step, the code location says how to prepare it instead of a dagster-dbt traceback
    before = _dagster(
        clone,
        "job",
        "execute",
        "-m",
        "orchestration.definitions",
        "-j",
        "stresswatch_daily",
        "-c",
        str(config),
        home=home,
    )
    assert before.returncode != 0 and "make install" in before.stdout + before.stderr

    # the install step's manifest preparation (what `make install` runs), then Dagster's own entry point
    prepared = subprocess.run(
        [sys.executable, "-m", "orchestration.defs.dbt_setup"], cwd=clone, capture_output=True, text=True, timeout=300
    )
    assert prepared.returncode == 0, prepared.stderr
    assert (clone / "dbt_project" / "target" / "manifest.json").is_file()
    completed = _dagster(
        clone,
        "job",
        "execute",
        "-m",
        "orchestration.definitions",
        "-j",
        "stresswatch_daily",
        "-c",
        str(config),
        home=home,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    assert_same_marts(db, sample_warehouse)
    for table in RAW_TABLES.values():
        assert raw_rows(db, table.name) == raw_rows(sample_warehouse, table.name), table.name
    assert (db.parent / "report" / "index.html").is_file()
    assert not db.with_name("stresswatch.build.duckdb").exists()  # the build was renamed over the published file
    # the run is on the persistent instance the UI reads
    runs = dg.DagsterInstance.from_config(str(home)).get_runs()
    assert [run.status for run in runs] == [dg.DagsterRunStatus.SUCCESS]


def _cut(source: Path, target: Path, last_day: str) -> Path:
    """The real sample as it stood on `last_day`: every dated row after it removed (prices, VIX, FRED)."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    for path in [
        *(target / "prices").glob("*.csv"),
        target / "cboe" / "vix-daily.csv",
        *(target / "fred").glob("*.csv"),
    ]:
        lines = path.read_text().splitlines()
        path.write_text("\n".join([lines[0], *(line for line in lines[1:] if line[:10] <= last_day)]) + "\n")
    return target


def _check_results(instance: dg.DagsterInstance, run_id: str) -> dict[str, bool]:
    results = {}
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = record.dagster_event.event_specific_data
        results[f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"] = evaluation.passed
    return results


def test_three_evenings_through_the_job_equal_one_full_build(sample_warehouse, tmp_path):
    instance = dagster_instance(tmp_path / "home")
    db = tmp_path / "w.duckdb"
    data = tmp_path / "data"
    evenings = ["2025-12-29", "2025-12-30", "2025-12-31"]
    first = execute_daily(instance, db, _cut(SAMPLE_DATA_DIR, data, "2025-12-26"))
    assert first.success, failure_of(first)
    run_ids = [first.run_id]
    for evening in evenings:  # the data directory advances one session each evening
        shutil.rmtree(data)
        result = execute_daily(instance, db, _cut(SAMPLE_DATA_DIR, data, evening))
        assert result.success, (evening, failure_of(result))
        run_ids.append(result.run_id)
        with duckdb.connect(str(db), read_only=True) as con:
            newest = con.execute("select max(trade_date) from marts.fct_equity_daily").fetchone()[0]
        assert str(newest) == evening
        # each evening built in the copy the evening before prepared after publishing (publish/next_build.py)
        began = instance.get_latest_materialization_event(dg.AssetKey("build_database")).asset_materialization
        assert began.metadata["started_from"].value == "the copy prepared after the last publish"

    assert_same_marts(db, sample_warehouse)  # a single full build over the final data (the CLI's, in conftest)
    listed = {run.run_id: run.status for run in instance.get_runs()}
    assert all(listed[run_id] == dg.DagsterRunStatus.SUCCESS for run_id in run_ids)
    checks = _check_results(instance, run_ids[-1])
    assert checks["raw/price_bars:passes_expectations"] is True
    assert sum(name.startswith("marts/") for name in checks) > 20  # the dbt tests, as asset checks


def _rebuilt(result, key: str) -> bool:
    """Whether the run's dbt step built the asset tonight (else it yielded it as kept, with rebuilt False)."""
    for materialization in result.asset_materializations_for_node("stresswatch_dbt_models"):
        if materialization.asset_key.to_user_string() == key:
            rebuilt = materialization.metadata.get("rebuilt")
            return rebuilt is None or rebuilt.value is not False
    raise AssertionError(f"{key} was not materialized")


def test_an_evening_where_only_fred_changed_builds_only_what_reads_fred(tmp_path):
    instance = dagster_instance(tmp_path / "home")
    db, data = tmp_path / "w.duckdb", tmp_path / "data"
    first = execute_daily(instance, db, _cut(SAMPLE_DATA_DIR, data, "2025-12-29"))
    assert first.success, failure_of(first)
    shutil.rmtree(data)
    _cut(SAMPLE_DATA_DIR, data, "2025-12-30")  # FRED's next day; the price files still end on the 29th
    for path in [*(data / "prices").glob("*.csv"), data / "cboe" / "vix-daily.csv"]:
        lines = path.read_text().splitlines()
        path.write_text("\n".join([lines[0], *(line for line in lines[1:] if line[:10] <= "2025-12-29")]) + "\n")

    evening = execute_daily(instance, db, data)

    assert evening.success, failure_of(evening)
    assert _rebuilt(evening, "marts/fct_rates_daily") and _rebuilt(evening, "marts/fct_market_stress_daily")
    assert not _rebuilt(evening, "marts/fct_equity_daily")  # reads prices only: kept as published
    assert not _rebuilt(evening, "marts/fct_fibonacci_levels") and not _rebuilt(evening, "marts/fct_treasury_auctions")
    full = execute_daily(dagster_instance(tmp_path / "home-full"), tmp_path / "full.duckdb", data)
    assert full.success, failure_of(full)
    assert_same_marts(db, tmp_path / "full.duckdb")  # what was kept is what a build would have written


def test_a_backfill_run_twice_equals_one_full_build(sample_warehouse, tmp_path):
    instance = dagster_instance(tmp_path / "home")
    db = tmp_path / "w.duckdb"
    # a vendor's revision of a past week, after the daily runs' 10-day overlap had passed: the warehouse was built
    # from the unrevised files (here: every bar of 2025-11-17..21 traded half its volume)
    unrevised = shutil.copytree(SAMPLE_DATA_DIR, tmp_path / "unrevised")
    for path in (unrevised / "prices").glob("*.csv"):
        lines = path.read_text().splitlines()
        halved = [
            ",".join([*fields[:-1], str(int(float(fields[-1]) // 2))])
            if "2025-11-17" <= line[:10] <= "2025-11-21"
            else line
            for line in lines
            for fields in [line.split(",")]
        ]
        path.write_text("\n".join(halved) + "\n")
    unrevised_run = execute_daily(instance, db, unrevised)
    assert unrevised_run.success, failure_of(unrevised_run)
    assert raw_rows(db, "price_bars") != raw_rows(sample_warehouse, "price_bars")

    window = {"backfill_from": "2025-11-17", "backfill_to": "2025-11-21"}
    first = execute_daily(instance, db, SAMPLE_DATA_DIR, **window)
    assert first.success, failure_of(first)
    after_first = {table.name: raw_rows(db, table.name) for table in RAW_TABLES.values()}
    second = execute_daily(instance, db, SAMPLE_DATA_DIR, **window)
    assert second.success, failure_of(second)

    for table in RAW_TABLES.values():
        assert raw_rows(db, table.name) == after_first[table.name] == raw_rows(sample_warehouse, table.name)
    assert_same_marts(db, sample_warehouse)
    with duckdb.connect(str(db), read_only=True) as con:
        windows = con.execute(
            "select source, window_start, window_end, rows_updated from raw.load_log where run_id = $r order by source",
            {"r": first.run_id},
        ).fetchall()
    prices = next(row for row in windows if row[0] == "prices")
    assert (str(prices[1]), str(prices[2])) == ("2025-11-17", "2025-11-21") and prices[3] > 0
