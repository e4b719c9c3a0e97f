"""`stresswatch run` end to end on the bundled real sample, in-process."""

import gc
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.publish.unchanged_build import project_fingerprint
from orchestration.settings import DBT_PROJECT_DIR, SAMPLE_DATA_DIR
from tests.conftest import built_by_another_project, copy_warehouse, run_cli, table_snapshot

STRESSWATCH = Path(sys.executable).with_name("stresswatch")  # the console script a user types
RAW = [table.qualified for table in RAW_TABLES.values()]
MARTS_COMPARED = ["marts.fct_market_stress_daily", "marts.fct_equity_daily", "marts.fct_stress_alerts"]
RAW_TABLES_BY_FOLDER = {"prices": "price_bars", "fred": "fred_observations", "treasury": "treasury_auctions"}


@pytest.fixture(scope="module")
def built_db(sample_warehouse) -> Path:
    return sample_warehouse


def test_run_fills_every_raw_table_and_the_staging_views(built_db, capsys):
    with duckdb.connect(str(built_db), read_only=True) as con:
        for table in RAW:  # the sample keeps no FRED vintages (no alfred/ folder): that table is there, empty
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]
            assert rows == 0 if table == "raw.fred_vintages" else rows > 0, table
        staged = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables where table_schema = 'staging'"
            ).fetchall()
        )
        assert set(staged) == {
            "stg_prices__daily_bars",
            "stg_fred__observations",
            "stg_fred__vintages",
            "stg_treasury__auctions",
            "stg_sec__company_facts",
            "stg_derived__systemic_risk",
        }
        spx = con.execute(
            "select close from staging.stg_prices__daily_bars where symbol = '^GSPC' and trade_date = date '2025-11-21'"
        ).fetchone()
        assert spx == pytest.approx((6602.990234375,))
        cpi_gap = con.execute(
            "select value from staging.stg_fred__observations "
            "where series_id = 'CPILFESL' and obs_date = date '2025-10-01'"
        ).fetchone()
        assert cpi_gap == (None,)
        statuses = con.execute("select raw_table, status from raw.load_log order by raw_table").fetchall()
        assert statuses == [(table, "loaded") for table in sorted(RAW)]


MARTS = [
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
]


def test_run_builds_every_indicator_mart_non_empty(built_db):
    with duckdb.connect(str(built_db), read_only=True) as con:
        built = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        assert set(MARTS) <= built
        for mart in MARTS:
            assert con.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart


def test_run_prints_a_short_progress_and_ends_with_the_stress_summary(tmp_path):
    # the console script a user types, its output as the terminal gets it (stdout and stderr, child processes too)
    done = subprocess.run(
        [str(STRESSWATCH), "run", "--db", str(tmp_path / "w.duckdb")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout + done.stderr
    lines = out.splitlines()
    # make run adds its own command line: at most 60 in all (was 280: dbt's line per node, each alert message,
    # the warnings twice, a PySpark warning, where each load fetches from)
    assert len(lines) <= 59, out
    assert "Stress summary" in out
    assert "S&P 500    6,845.50 on 2025-12-31" in out and "VIX           14.95 on 2025-12-31" in out
    assert lines[-1].startswith("Evening report: ") and "Market stress on 2025-12-31: -0.83  CALM" in out
    assert "START sql" not in out and "Warning" not in out  # dbt's node lines only with --verbose
    assert "dbt build: 30 models and seeds built, 64 data tests passed or warned" in out
    # each stale source once, with its age and its limit, and the one note that the sample is a fixed snapshot
    [prices] = [line for line in lines if line.startswith("warning: prices: staleness")]
    assert "newest 2025-12-31, " in prices and " days old; " in prices and "was due (each NYSE session's" in prices
    assert out.count("staleness is expected on the bundled sample") == 1

    # the run is recorded on the persistent instance beside the warehouse, which `make dev` and the UI read
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(tmp_path / ".dagster"))
    [run] = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.SUCCESS and run.job_name == "stresswatch_daily"
    materialized = instance.fetch_materializations(dg.AssetKey(["marts", "fct_market_stress_daily"]), limit=1)
    assert materialized.records and materialized.records[0].run_id == run.run_id


def test_a_second_run_leaves_the_raw_tables_identical(built_db, tmp_path, capfd):
    db = tmp_path / "again.duckdb"
    copy_warehouse(built_db, db)
    before = {table: table_snapshot(db, table) for table in RAW}
    marts_before = {mart: table_snapshot(db, mart) for mart in MARTS_COMPARED}
    assert run_cli("run", "--db", str(db), "--verbose") == 0
    assert gc.get_freeze_count() == 0  # what the run kept from the collector is handed back to this process
    assert {table: table_snapshot(db, table) for table in RAW} == before
    # nothing new and the same dbt project: the build is skipped, saying so, and the marts stay as they were
    output = capfd.readouterr().out
    assert "dbt build: skipped, no raw row changed tonight" in output
    assert "OK created sql table model" not in output
    assert {mart: table_snapshot(db, mart) for mart in MARTS_COMPARED} == marts_before
    with duckdb.connect(str(db), read_only=True) as con:
        [(project,)] = con.execute("select distinct dbt_project_sha256 from marts.build_info").fetchall()
    assert project == project_fingerprint(DBT_PROJECT_DIR)


def test_a_changed_dbt_project_rebuilds_even_with_nothing_new(built_db, tmp_path, capfd):
    """The skip is only for the project the marts were built with: a model edited since is built tonight."""
    db = built_by_another_project(copy_warehouse(built_db, tmp_path / "edited.duckdb"))
    assert run_cli("run", "--db", str(db), "--verbose") == 0
    # --verbose: dbt's own line per node (written by the step's process, so read at the file descriptor)
    assert "OK created sql table model marts.fct_market_stress_daily" in capfd.readouterr().out


def test_a_missing_data_dir_is_a_one_line_error(tmp_path, capsys):
    assert run_cli("run", "--db", str(tmp_path / "x.duckdb"), "--data-dir", str(tmp_path / "nowhere")) == 1
    assert "data directory does not exist" in capsys.readouterr().err


def test_the_sample_is_small_and_documented():
    size = sum(path.stat().st_size for path in SAMPLE_DATA_DIR.rglob("*") if path.is_file())
    assert size < 15 * 1024 * 1024
    assert (SAMPLE_DATA_DIR / "PROVENANCE.md").is_file()


def test_unreadable_files_are_named_in_the_one_line_error(built_db, sample_copy, tmp_path, capsys):
    """An unknown CSV header, a text value in a number column, a truncated JSON, all in one evening: the one-line
    error names each file, and each source's table is published marked stale with its file named."""
    from tests.conftest import copy_warehouse

    cases = {
        "prices/SPY.csv": lambda path: path.write_text(path.read_text().replace("date,open,", "day,open,", 1)),
        "fred/DGS10.csv": lambda path: path.write_text(path.read_text().replace("2025-12-30,4.14", "2025-12-30,n/a")),
        "treasury/fiscaldata_auctions_query_bills_2026-01.json": lambda path: path.write_text(path.read_text()[:777]),
    }
    for relative, mutate in cases.items():
        mutate(sample_copy / relative)
    db = copy_warehouse(built_db, tmp_path / "w.duckdb")
    capsys.readouterr()
    assert run_cli("run", "--db", str(db), "--data-dir", str(sample_copy)) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1, error
    for relative in cases:
        assert str(sample_copy / relative) in error, error
        with duckdb.connect(str(db), read_only=True) as con:  # published, with that source's table marked stale
            stale = con.execute(
                "select stale_reason from marts.build_info where relation = $r and is_stale",
                {"r": f"raw.{RAW_TABLES_BY_FOLDER[relative.split('/')[0]]}"},
            ).fetchone()
        assert stale and str(sample_copy / relative) in stale[0]


def test_a_backfill_with_its_ends_reversed_is_refused_before_any_run(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    assert run_cli("backfill", "--from", "2025-11-21", "--to", "2025-11-17", "--db", str(db)) == 2
    assert "--to 2025-11-17 is before --from 2025-11-21" in capsys.readouterr().err
    assert not db.exists() and not (tmp_path / ".dagster").exists()  # nothing was started


def test_version_prints_the_installed_release():
    done = subprocess.run([str(STRESSWATCH), "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"stresswatch {version('stresswatch')}"


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(sample_warehouse, tmp_path):
    """`stresswatch query ... | head -1`: the reader leaves after one line while 2.8 MB are still to come; the
    command ends with status 0 and nothing on stderr (it used to print "Broken pipe" and exit 1)."""
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        query = subprocess.Popen(
            [
                str(STRESSWATCH),
                "query",
                "--db",
                str(sample_warehouse),
                "--format",
                "csv",
                "--max-rows",
                "100000",
                "select * from marts.fct_equity_daily",
            ],
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        header = query.stdout.readline()
        query.stdout.close()
        status = query.wait(timeout=120)
    assert header.startswith(b"symbol,trade_date,close")
    assert status == 0 and errors.read_text() == ""
