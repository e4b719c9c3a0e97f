"""The reader sandbox: `stresswatch query` runs queries and refuses everything else, leaving every file as it was."""

import hashlib
import shutil
from pathlib import Path

import pytest

from orchestration.publish.publishing import build_path_for
from orchestration.serve.alerts import ledger_path_for
from orchestration.serve.sandbox import RefusedStatement, check_statement, run_statement
from tests.conftest import copy_warehouse, run_cli


@pytest.fixture(scope="module")
def guarded(sample_warehouse, tmp_path_factory) -> Path:
    """A published warehouse beside a run's build file (as during an evening run) and the alert ledger."""
    db = copy_warehouse(sample_warehouse, tmp_path_factory.mktemp("sandbox") / "stresswatch.duckdb")
    shutil.copyfile(db, build_path_for(db))
    ledger_path_for(db).write_text('{"key": "2025-12-30|vix_regime|VIX", "status": "sent"}\n')
    return db


def protected_files(db: Path) -> list[Path]:
    return [db, build_path_for(db), ledger_path_for(db)]


def digests(db: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in protected_files(db)}


def hostile_statements(db: Path, outside: Path) -> list[tuple[str, str]]:
    """(statement, a word its refusal must contain): what a careless or malicious reader might send."""
    build, ledger = build_path_for(db), ledger_path_for(db)
    return [
        (f"copy (select 'x' as key) to '{ledger}' (format csv)", "COPY"),
        (f"copy marts.fct_market_stress_daily to '{outside / 'stress.parquet'}' (format parquet)", "COPY"),
        ("select * from read_csv('/etc/passwd')", "disabled"),
        (f"select * from read_text('{ledger}')", "disabled"),
        ("select * from glob('/etc/*')", "disabled"),
        (f"select * from read_parquet('{outside / '*.parquet'}')", "disabled"),
        (f"attach '{build}' as build", "ATTACH"),
        (f"attach '{outside / 'new.duckdb'}' as fresh (read_only false)", "ATTACH"),
        ("detach stresswatch", "DETACH"),
        (f"detach stresswatch; attach '{db}' as stresswatch", "one statement"),
        (f"insert into raw.price_bars select * from raw.price_bars limit 1; attach '{build}' as b", "one statement"),
        ("install httpfs", "LOAD"),  # DuckDB names INSTALL and LOAD one statement type
        ("load httpfs", "LOAD"),
        ("set enable_external_access = true", "SET"),
        ("reset memory_limit", "SET"),
        ("pragma enable_checkpoint_on_shutdown", "PRAGMA"),
        ("create table marts.scratch as select 1 as x", "CREATE"),
        ("create temp table scratch as select 1 as x", "CREATE"),
        ("insert into raw.price_bars select * from raw.price_bars limit 1", "INSERT"),
        ("update marts.fct_market_stress_daily set stress_index = 9", "UPDATE"),
        ("delete from marts.fct_stress_alerts", "DELETE"),
        ("drop table marts.fct_stress_alerts", "DROP"),
        ("checkpoint", "CALL"),
        ("vacuum", "VACUUM"),
        (f"export database '{outside / 'export'}'", "EXPORT"),
        ("select 1; select 2", "one statement"),
        (f"select * from query('attach ''{build}'' as b')", "SELECT"),
    ]


ENDLESS_CROSS_JOIN = "select count(*) from range(100000000) a, range(100000000) b where a.range + b.range = -1"


def test_every_hostile_statement_is_refused_through_query_with_a_one_line_reason(guarded, tmp_path, capsys):
    before = digests(guarded)
    for sql, word in hostile_statements(guarded, tmp_path):
        code = run_cli("query", sql, "--db", str(guarded))
        err = capsys.readouterr().err.strip()
        assert code in (1, 2), (sql, code)
        assert len(err.splitlines()) == 1 and word.lower() in err.lower(), (sql, err)
    assert digests(guarded) == before
    assert list(tmp_path.iterdir()) == []  # nothing written outside either


def test_a_ten_minute_cross_join_is_cut_off(guarded, capsys):
    before = digests(guarded)
    assert run_cli("query", ENDLESS_CROSS_JOIN, "--timeout", "2", "--db", str(guarded)) == 1
    assert capsys.readouterr().err.strip() == "stresswatch query failed: the statement was cut off after 2 s"
    assert digests(guarded) == before


def test_policy_refusals_are_decided_before_duckdb_runs_anything():
    for sql in (
        "copy (select 1) to 'x.csv'",
        "attach 'x.duckdb'",
        "select 1; select 2",
        "create table t (x int)",
        "set threads = 1",
        "",
        "-- a comment",
    ):
        with pytest.raises(RefusedStatement):
            check_statement(sql)
    for sql in (
        "select 1",
        "with t as (select 1) select * from t",
        "from marts.fct_rates_daily",
        "describe marts.fct_rates_daily",
        "show tables",
        "summarize marts.fct_rates_daily",
        "explain select 1",
        "select 1;",
    ):
        assert check_statement(sql) == sql


def test_reads_of_every_kind_work_and_a_row_limit_cuts_the_result(guarded):
    described = run_statement(guarded, "describe marts.fct_market_stress_daily")
    assert "stress_index" in [row[0] for row in described.rows]
    limited = run_statement(guarded, "select * from marts.fct_rates_daily order by obs_date", max_rows=5)
    assert len(limited.rows) == 5 and limited.truncated
    whole = run_statement(guarded, "select count(*) from marts.fct_rates_daily")
    assert not whole.truncated and whole.rows[0][0] > 1000


def test_a_cut_result_says_so_on_stderr_and_keeps_stdout_parseable(guarded, capsys):
    assert (
        run_cli(
            "query",
            "select obs_date from marts.fct_rates_daily order by 1",
            "--max-rows",
            "3",
            "--format",
            "csv",
            "--db",
            str(guarded),
        )
        == 0
    )
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 4  # the header and three rows
    assert "only the first 3 rows" in captured.err


def test_the_reader_connection_is_locked_and_prints_no_progress_bar(guarded):
    settings = run_statement(
        guarded,
        "select current_setting('lock_configuration'), "
        "current_setting('enable_external_access'), current_setting('enable_progress_bar')",
    )
    assert settings.rows == [(True, False, False)]  # a progress bar on stdout would corrupt CSV and the MCP stream
