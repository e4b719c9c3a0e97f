"""Shared test helpers: fixture paths, a writable copy of the bundled sample, and an in-process CLI runner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import SAMPLE_DATA_DIR

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled real sample, to mutate without touching the original."""
    target = tmp_path / "data"
    shutil.copytree(SAMPLE_DATA_DIR, target)
    return target


def sample_as_of(target: Path, last_day: str, last_cpi_month: str | None = None) -> Path:
    """The bundled sample as it stood on the evening of `last_day`: every price, VIX and FRED row after it removed,
    and core CPI up to the month BLS had released by then (`last_cpi_month`, its first day)."""
    if not target.exists():
        shutil.copytree(SAMPLE_DATA_DIR, target)
    originals = [
        *(SAMPLE_DATA_DIR / "prices").glob("*.csv"),
        SAMPLE_DATA_DIR / "cboe" / "vix-daily.csv",
        *(SAMPLE_DATA_DIR / "fred").glob("*.csv"),
    ]
    for original in originals:
        last = last_cpi_month if original.stem == "CPILFESL" and last_cpi_month else last_day
        lines = original.read_text().splitlines()
        (target / original.relative_to(SAMPLE_DATA_DIR)).write_text(
            "\n".join([lines[0], *(line for line in lines[1:] if line[:10] <= last)]) + "\n"
        )
    return target


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """A warehouse built once per test session from the bundled sample; copy it before changing it."""
    db = tmp_path_factory.mktemp("sample_warehouse") / "stresswatch.duckdb"
    assert run_cli("run", "--db", str(db)) == 0
    return db


def copy_warehouse(source: Path, target: Path) -> Path:
    """A private copy of a built warehouse (the DuckDB file and its Great Expectations results)."""
    shutil.copyfile(source, target)
    if source.with_suffix(".gx").exists():
        shutil.copytree(source.with_suffix(".gx"), target.with_suffix(".gx"))
    return target


def built_by_another_project(db: Path) -> Path:
    """Mark a published warehouse as built by another version of the dbt project, so the next run builds the marts
    even with nothing new (a run over unchanged data otherwise skips dbt: publish/unchanged_build.py)."""
    with duckdb.connect(str(db)) as con:
        con.execute("update marts.build_info set dbt_project_sha256 = 'an older project'")
    return db


def run_dbt(db: Path, *args: str, target_path: Path, project_dir: Path | None = None) -> subprocess.CompletedProcess:
    """Run the project's dbt (or a copy of it) against a warehouse, with artifacts in a private target folder."""
    from orchestration.defs.dbt_setup import dbt_executable
    from orchestration.settings import DBT_PROJECT_DIR

    project_dir = project_dir or DBT_PROJECT_DIR
    return subprocess.run(
        [
            dbt_executable(),
            *args,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(target_path),
            "--vars",
            json.dumps({"warehouse_path": str(db)}),
        ],
        capture_output=True,
        text=True,
        cwd=project_dir,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )


def dagster_instance(home: Path):
    """A persistent Dagster instance (SQLite run and event storage) in `home`, as the daemon and the UI use."""
    import dagster as dg

    from orchestration.defs.instance import ensure_dagster_home

    return dg.DagsterInstance.from_config(str(ensure_dagster_home(home)))


def execute_daily(instance, db: Path, data_dir: Path | None = None, **config):
    """The daily job executed by Dagster itself (execute_job on a persistent instance), not by the CLI wrapper."""
    import dagster as dg

    from orchestration.definitions import daily_job_definition

    warehouse = {"db_path": str(db), **({"data_dir": str(data_dir)} if data_dir else {}), **config}
    return dg.execute_job(
        dg.reconstructable(daily_job_definition),
        instance=instance,
        run_config={"resources": {"warehouse": {"config": warehouse}}},
        raise_on_error=False,
    )


def failure_of(result) -> str:
    """What went wrong in a Dagster run, for assertion messages."""
    from orchestration.defs.run_command import failure_reason

    return "" if result.success else failure_reason(result)


MART_KEYS = {
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
    "fct_market_stress_daily": "obs_date",
    "fct_market_stress_first_release": "obs_date",
    "fct_systemic_risk_daily": "obs_date",
    "fct_stress_alerts": "alert_date, rule_id, subject",
}


def mart_rows(db: Path, mart: str) -> list[tuple]:
    """A mart's rows without build metadata (when a row was computed), sorted by its key."""
    with duckdb.connect(str(db), read_only=True) as con:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = $t "
                "and not starts_with(column_name, '_') order by ordinal_position",
                {"t": mart},
            ).fetchall()
        ]
        return con.execute(f"select {', '.join(columns)} from marts.{mart} order by {MART_KEYS[mart]}").fetchall()


def raw_rows(db: Path, table: str) -> list[tuple]:
    """A raw table's rows without load metadata (_loaded_at, _run_id), sorted."""
    with duckdb.connect(str(db), read_only=True) as con:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = $t "
                "and not starts_with(column_name, '_') order by ordinal_position",
                {"t": table},
            ).fetchall()
        ]
        return sorted(con.execute(f"select {', '.join(columns)} from raw.{table}").fetchall(), key=repr)


def assert_same_marts(left: Path, right: Path) -> None:
    """Every mart equal row for row; floats to 1e-12 (window sums may add in another order)."""
    import math

    for mart in MART_KEYS:
        left_rows, right_rows = mart_rows(left, mart), mart_rows(right, mart)
        assert len(left_rows) == len(right_rows), mart
        for left_row, right_row in zip(left_rows, right_rows):
            for a, b in zip(left_row, right_row, strict=True):
                if isinstance(a, float) and isinstance(b, float):
                    assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (mart, left_row, right_row)
                else:
                    assert a == b, (mart, left_row, right_row)


def run_cli(*args: str) -> int:
    from orchestration.cli import main

    return main(list(args))


def table_fingerprint(db_path: Path, table: str) -> tuple[int, int]:
    """The row count and the sum of every row's hash (all columns): equal only when the content is the same, in
    a fraction of a snapshot's time."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(f"select count(*), sum(hash(t)::hugeint) from {table} as t").fetchone()


def table_snapshot(db_path: Path, table: str) -> list[tuple]:
    """Every row of a table, sorted, so two snapshots compare equal only when content is identical."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)


@pytest.fixture
def replica_of():
    """Start local replicas of an API (tests/replica_server.py) with `replica_of(answer)`; all stop after the test."""
    from tests.replica_server import Replica, serve

    stops = []

    def start(answer):
        replica, stop = serve(Replica(answer))
        stops.append(stop)
        return replica

    yield start
    for stop in stops:
        stop()
