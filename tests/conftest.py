"""Shared test helpers: fixture paths, a writable copy of the bundled sample, and an in-process CLI runner."""

from __future__ import annotations

import shutil
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


def run_cli(*args: str) -> int:
    from orchestration.cli import main

    return main(list(args))


def table_snapshot(db_path: Path, table: str) -> list[tuple]:
    """Every row of a table, sorted, so two snapshots compare equal only when content is identical."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)
