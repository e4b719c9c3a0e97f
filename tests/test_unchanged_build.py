"""A run skips the dbt build only when nothing the marts are computed from changed since the published build."""

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.raw_layer import ensure_raw_schema, log_load
from orchestration.publish.unchanged_build import project_fingerprint, unchanged_sources, why_build_is_needed
from orchestration.settings import DBT_PROJECT_DIR

RUN = "tonight"


@pytest.fixture
def warehouses(tmp_path) -> tuple[Path, Path]:
    """A published warehouse built by this project, and tonight's build (its copy) after loads that changed nothing."""
    published = tmp_path / "w.duckdb"
    with duckdb.connect(str(published)) as con:
        ensure_raw_schema(con)
        con.execute("create schema derived; create table derived.systemic_risk_daily as select 1.25 as turbulence")
        con.execute("create schema marts; create table marts.build_info (dbt_project_sha256 varchar)")
        con.execute("insert into marts.build_info values ($p)", {"p": project_fingerprint(DBT_PROJECT_DIR)})
    build = tmp_path / "w.build.duckdb"
    shutil.copyfile(published, build)
    with duckdb.connect(str(build)) as con:
        for family in ("prices", "fred"):
            _log(con, family, inserted=0, updated=0)
    return published, build


def _log(con, family: str, inserted: int, updated: int, status: str = "loaded") -> None:
    now = "2026-11-30T23:00:00+00:00"
    log_load(
        con,
        run_id=RUN,
        source=family,
        raw_table=f"raw.{family}",
        status=status,
        rows_inserted=inserted,
        rows_updated=updated,
        started_at=now,
        finished_at=now,
    )


def test_nothing_changed_skips_the_build(warehouses):
    published, build = warehouses
    assert why_build_is_needed(build, published, RUN, DBT_PROJECT_DIR) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("one new row", "raw changed"),
        ("a quarantined load", "raw changed"),
        ("no load logged", "raw changed"),
        ("another project built the marts", "the dbt project changed since the published build"),
        ("the derived layer computed anew", "the derived layer changed"),
    ],
)
def test_any_change_the_marts_read_builds_them(change, reason, warehouses):
    published, build = warehouses
    with duckdb.connect(str(build)) as con:
        if change == "one new row":
            _log(con, "treasury", inserted=1, updated=0)
        elif change == "a quarantined load":
            _log(con, "sec", inserted=0, updated=0, status="quarantined")
        elif change == "no load logged":
            con.execute("delete from raw.load_log")
        elif change == "another project built the marts":
            con.execute("update marts.build_info set dbt_project_sha256 = 'an older project'")
        else:
            con.execute("update derived.systemic_risk_daily set turbulence = 1.5")
    assert why_build_is_needed(build, published, RUN, DBT_PROJECT_DIR) == reason


def test_only_tables_known_to_be_unchanged_keep_their_readers(warehouses):
    published, build = warehouses
    with duckdb.connect(str(build)) as con:
        _log(con, "treasury", inserted=3, updated=0)
        _log(con, "sec", inserted=5, updated=0, status="quarantined")  # left raw.sec as it was
        con.execute("create table derived.new_measure as select 1 as x")  # not in the published file
    unchanged = unchanged_sources(build, published, RUN)
    assert unchanged == {"raw.prices", "raw.fred", "raw.sec", "derived.systemic_risk_daily"}
    # a table no load logged tonight (raw.load_log itself, a source added later) is never known to be unchanged
    assert "raw.load_log" not in unchanged and "raw.treasury" not in unchanged


def test_the_fingerprint_follows_every_file_dbt_reads(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    before = project_fingerprint(project)
    seed = project / "seeds" / "stress_thresholds.csv"
    seed.write_text(seed.read_text() + "\n")
    assert project_fingerprint(project) != before
