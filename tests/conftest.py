"""Shared test helpers: fixture paths, a writable copy of the bundled sample, and an in-process CLI runner."""

from __future__ import annotations

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


def run_dbt(db: Path, *args: str, target_path: Path, project_dir: Path | None = None) -> subprocess.CompletedProcess:
    """Run the project's dbt (or a copy of it) against a warehouse, with artifacts in a private target folder."""
    from orchestration.dbt_setup import dbt_executable
    from orchestration.settings import DBT_PROJECT_DIR

    project_dir = project_dir or DBT_PROJECT_DIR
    return subprocess.run(
        [dbt_executable(), *args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
         "--target-path", str(target_path)],
        capture_output=True, text=True, cwd=project_dir,
        env={**os.environ, "STRESSWATCH_DB": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )


def run_cli(*args: str) -> int:
    from orchestration.cli import main

    return main(list(args))


def table_snapshot(db_path: Path, table: str) -> list[tuple]:
    """Every row of a table, sorted, so two snapshots compare equal only when content is identical."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)
