"""The published file opens in the DuckDB versions BI tools embed: DuckDB 1.1 (Python), the registry's DuckDB CLI, and
SQLAlchemy's inspector through duckdb-engine (Superset's path)."""

import json
import re
import subprocess
from pathlib import Path

import duckdb
import pytest
import sqlalchemy

from orchestration.publish.publishing import STORAGE_TAG, prepare_build, publish, storage_tag
from orchestration.settings import PROJECT_ROOT
from tests.conftest import copy_warehouse

READERS = PROJECT_ROOT / ".venv-readers" / "bin"  # made by `make test`: duckdb==1.1.3 and duckdb-cli==1.5.6
MAKEFILE = (PROJECT_ROOT / "Makefile").read_text()
OLDEST_DUCKDB = re.search(r"^OLDEST_DUCKDB := (\S+)", MAKEFILE, re.M).group(1)
REGISTRY_DUCKDB_CLI = re.search(r"^REGISTRY_DUCKDB_CLI := (\S+)", MAKEFILE, re.M).group(1)

# every mart's rows as JSON text in a stable order (timestamps as ISO text: DuckDB 1.1 hands out pytz zones);
# run by DuckDB 1.1 in its own environment and by the project's DuckDB here
MARTS_AS_TEXT = r"""
import json, duckdb

def marts_as_text(path):
    con = duckdb.connect(path, read_only=True)
    marts = [name for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
    return {name: [json.dumps(list(row), default=lambda value: value.isoformat())
                   for row in con.execute(f"select * from marts.{name} order by all").fetchall()] for name in marts}
"""
READ_EVERY_MART = (
    MARTS_AS_TEXT
    + r"""
import sys
print(json.dumps({"version": duckdb.__version__, "marts": marts_as_text(sys.argv[1])}))
"""
)
_namespace: dict = {}
exec(MARTS_AS_TEXT, _namespace)


def reader(name: str) -> str:
    path = READERS / name
    assert path.exists(), f"{path} is missing: `make test` installs the older DuckDB readers into .venv-readers"
    return str(path)


def marts_as_text(db: Path) -> dict[str, list[str]]:
    return _namespace["marts_as_text"](str(db))


def test_the_published_sample_reads_whole_in_duckdb_1_1(sample_warehouse):
    assert storage_tag(sample_warehouse) == STORAGE_TAG
    done = subprocess.run(
        [reader("python"), "-c", READ_EVERY_MART, str(sample_warehouse)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    read = json.loads(done.stdout)
    assert read["version"] == OLDEST_DUCKDB
    ours = marts_as_text(sample_warehouse)
    assert len(ours) >= 12 and all(rows for name, rows in ours.items() if name != "fct_claim_checks")
    assert read["marts"] == ours  # every mart, every row, the same values


def test_the_registry_duckdb_cli_opens_it_read_only_and_reads_every_mart(sample_warehouse):
    version = subprocess.run([reader("duckdb"), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith(f"v{REGISTRY_DUCKDB_CLI} ")
    counts = {name: len(rows) for name, rows in marts_as_text(sample_warehouse).items()}
    sql = " union all ".join(f"select '{name}' as mart, count(*) as n from marts.{name}" for name in counts)
    done = subprocess.run(
        [reader("duckdb"), "-readonly", "-json", str(sample_warehouse), "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert {row["mart"]: row["n"] for row in json.loads(done.stdout)} == counts


def test_a_warehouse_published_in_duckdb_2_format_is_converted_by_the_next_build(sample_warehouse, tmp_path):
    legacy = tmp_path / "stresswatch.duckdb"
    with duckdb.connect() as con:  # as an earlier StressWatch published it: DuckDB 2.0's own format
        con.execute(f"attach '{legacy}' as legacy (storage_version 'v2.0.0')")
        con.execute(f"attach '{sample_warehouse}' as sample (read_only)")
        con.execute("copy from database sample to legacy")
    assert storage_tag(legacy) != STORAGE_TAG
    old_reader = subprocess.run(
        [reader("python"), "-c", READ_EVERY_MART, str(legacy)], capture_output=True, text=True, timeout=300
    )
    assert old_reader.returncode != 0 and "version" in old_reader.stderr  # what BI users hit before
    build, _ = prepare_build(legacy)  # what the next run starts with
    assert storage_tag(build) == STORAGE_TAG
    publish(build, legacy)
    read = subprocess.run(
        [reader("python"), "-c", READ_EVERY_MART, str(legacy)], capture_output=True, text=True, timeout=300
    )
    assert read.returncode == 0, read.stderr[-2000:]
    assert json.loads(read.stdout)["marts"] == marts_as_text(sample_warehouse)


def test_publish_refuses_a_build_older_readers_cannot_open(sample_warehouse, tmp_path):
    published = copy_warehouse(sample_warehouse, tmp_path / "stresswatch.duckdb")
    build, _ = prepare_build(published)
    assert storage_tag(build) == STORAGE_TAG
    build.unlink()
    with duckdb.connect() as con:
        con.execute(f"attach '{build}' as build (storage_version 'v2.0.0')")
        con.execute(f"attach '{published}' as published (read_only)")
        con.execute("copy from database published to build")
    before = published.read_bytes()
    with pytest.raises(RuntimeError, match="not publishing"):
        publish(build, published)
    assert published.read_bytes() == before


@pytest.mark.parametrize(
    "connect_args",
    [
        {},  # the plain URI a Superset user types
        {"read_only": True, "config": {"enable_external_access": False, "lock_configuration": True}},  # the README's
    ],
    ids=["plain", "sandboxed"],
)
def test_sqlalchemy_inspector_lists_a_marts_columns(sample_warehouse, tmp_path, connect_args):
    db = copy_warehouse(sample_warehouse, tmp_path / "stresswatch.duckdb")
    engine = sqlalchemy.create_engine(f"duckdb:///{db}", connect_args=connect_args)
    try:
        inspector = sqlalchemy.inspect(engine)
        columns = [column["name"] for column in inspector.get_columns("fct_market_stress_daily", schema="marts")]
        assert {"obs_date", "stress_index", "regime"} <= set(columns)
        assert "fct_market_stress_daily" in inspector.get_table_names(schema="marts")
    finally:
        engine.dispose()
