"""Readers are never blocked and never see a half-built warehouse; failed or killed runs publish nothing."""

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy

from orchestration.publish.publishing import build_path_for, failed_path_for
from orchestration.settings import SAMPLE_DATA_DIR
from tests.conftest import built_by_another_project, copy_warehouse, run_cli
from tests.dbt_project.test_marts import _cut_prices

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
    readers = [
        subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop), str(tmp_path / f"reader{n}.json")])
        for n in range(4)
    ]
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


def dbt_processes_building(build: Path) -> list[int]:
    """The pids of live processes whose command line names this build database (a run's dbt child)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = next(line for line in (proc / "status").read_text().splitlines() if line.startswith("State:"))
        except (OSError, StopIteration, ValueError):
            continue
        if proc.name.isdigit() and str(build) in command and "dbt" in command and "zombie" not in state:
            pids.append(int(proc.name))
    return pids


def test_a_run_killed_during_the_build_takes_dbt_with_it_and_the_next_run_succeeds(sample_warehouse, tmp_path):
    # a dbt build to kill: the sample brings nothing new, so the marts are marked as another project's
    db = built_by_another_project(copy_warehouse(sample_warehouse, tmp_path / "stresswatch.duckdb"))
    published = db.read_bytes()
    process = subprocess.Popen(
        # --verbose: dagster-dbt's "Running dbt command" line says when dbt starts
        [str(Path(sys.executable).with_name("stresswatch")), "run", "--db", str(db), "--verbose"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    for line in process.stdout:  # wait until dbt is writing the build database, then kill the run's process only
        if "Running dbt command" in line:
            deadline = time.monotonic() + 30
            while not dbt_processes_building(build_path_for(db)) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert dbt_processes_building(build_path_for(db)), "dbt never started"
            time.sleep(1.0)
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    # the kernel tells dbt its run is gone and dbt stops at once (left alone it builds on for about 5 s more)
    deadline = time.monotonic() + 2
    while dbt_processes_building(build_path_for(db)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert dbt_processes_building(build_path_for(db)) == []
    assert db.read_bytes() == published
    assert build_path_for(db).exists()  # a killed run cannot clean up: the next run does

    before = build_info_run(db)
    assert run_cli("run", "--db", str(db)) == 0
    assert build_info_run(db) != before
    assert not failed_path_for(db).exists() and not build_path_for(db).exists()


def test_superset_style_sqlalchemy_connection_reads_a_mart_read_only(sample_warehouse):
    engine = sqlalchemy.create_engine(f"duckdb:///{sample_warehouse}?access_mode=read_only")
    with engine.connect() as connection:
        rows = connection.execute(
            sqlalchemy.text("select ust_10y_pct from marts.fct_rates_daily where obs_date = date '2025-11-21'")
        ).fetchall()
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
        marts = {
            name: con.execute(f"select count(*) from marts.{name}").fetchone()[0]
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    files = {path.stem: path for path in (tmp_path / "parquet").glob("*.parquet")}
    assert set(files) == set(marts) and len(marts) >= 11
    with duckdb.connect() as con:
        for name, path in files.items():
            assert con.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0] == marts[name]
    stress = pd.read_parquet(files["fct_market_stress_daily"])  # pandas reads it in the project's own install
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        latest = con.execute(
            "select obs_date, stress_index from marts.fct_market_stress_daily "
            "where stress_index is not null order by obs_date desc limit 1"
        ).fetchone()
    row = stress.dropna(subset=["stress_index"]).sort_values("obs_date").iloc[-1]
    assert (row["obs_date"], row["stress_index"]) == latest


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
    assert run_cli("query", "create table marts.scratch (x int)", "--db", str(sample_warehouse)) == 2
    assert "read-only" in capsys.readouterr().err.lower()


def _small_disk(path: Path, size_bytes: int) -> Callable[[], None]:
    """A tmpfs of `size_bytes` at `path` (this suite runs as root, as CI does); returns its unmount."""
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(path)], check=True)
    return lambda: subprocess.run(["umount", str(path)], check=True)


def _sizes(folder: Path) -> dict[str, int]:
    """Each file under `folder` and its size in bytes."""
    return {str(path.relative_to(folder)): path.stat().st_size for path in folder.rglob("*") if path.is_file()}


def _run_in_subprocess(db: Path, home: Path, file_size_limit: int | None = None) -> subprocess.CompletedProcess:
    """`stresswatch run`; without root, a file-size limit (RLIMIT_FSIZE) stands in for the full disk."""

    def limit():  # the write fails with EFBIG instead of killing the process with SIGXFSZ
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run(
        [str(Path(sys.executable).with_name("stresswatch")), "run", "--db", str(db)],
        capture_output=True,
        text=True,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        preexec_fn=limit if file_size_limit else None,
    )


def test_a_build_that_fails_on_a_full_disk_leaves_no_build_file_behind(sample_warehouse, tmp_path):
    published_size = sample_warehouse.stat().st_size
    home = tmp_path / "dagster_home"
    home.mkdir()
    as_root = os.geteuid() == 0
    disk = tmp_path / "disk"
    # room for the published file and its copy, not for the build to grow (it grows by about half its size)
    unmount = _small_disk(disk, 2 * published_size + 1_500_000) if as_root else None
    if not as_root:
        disk.mkdir()
    try:
        # a build that grows: the sample brings nothing new, so the marts are marked as another project's
        db = built_by_another_project(copy_warehouse(sample_warehouse, disk / "w.duckdb"))
        published = db.read_bytes()
        # what the disk held before the run (the copied warehouse's validation records and Data Docs among it: other
        # tests of the session may have added to the shared sample warehouse's)
        before = _sizes(disk)
        failed = _run_in_subprocess(db, home, None if as_root else published_size + 1_000_000)

        assert failed.returncode == 1
        assert "No space left on device" in failed.stderr or "File too large" in failed.stderr, failed.stderr[-2000:]
        assert "the failed build was removed" in failed.stdout
        assert sorted(path.name for path in disk.iterdir() if "duckdb" in path.name) == ["w.duckdb"]
        assert db.read_bytes() == published
        # the disk freed itself: the next run finds the room the failed one had (nothing to delete by hand)
        after = _sizes(disk)
        grown = {name: size - before.get(name, 0) for name, size in after.items() if size != before.get(name)}
        assert sum(after.values()) - sum(before.values()) < 1_000_000, grown  # the run's validation records, no more
    finally:
        if unmount is not None:
            unmount()
