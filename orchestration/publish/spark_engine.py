"""The Spark engine's files: the validated raw tables handed to Spark as Parquet, and the published Parquet marts.

Layout beside the DuckDB warehouse:
    warehouse/spark-runs/<run id>/raw/<table>/   the run's validated raw tables (written from the DuckDB build)
    warehouse/spark-runs/<run id>/marts/<mart>/  the marts dbt built on Spark (Parquet)
    warehouse/spark -> spark-runs/<run id>       a symlink, switched atomically when a Spark run succeeded
Readers open warehouse/spark/...: they see one whole run or the one before it, never a half-built one.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.settings import spark_link_for, spark_runs_dir_for  # noqa: F401  (re-exported)

BUILD_INFO_FILE = "build_info.json"


def start_spark_build(db_path: Path, run_id: str) -> Path:
    """A fresh directory for this run's Parquet; nothing readers see changes until publish_spark_build."""
    build = spark_runs_dir_for(db_path) / run_id
    if build.exists():
        shutil.rmtree(build)
    build.mkdir(parents=True)
    return build


SOURCE_SCHEMAS = ("raw", "derived")  # dbt's sources: the validated loads and what Python derived from them


def export_raw_tables(build_db: Path, spark_build: Path) -> dict[str, int]:
    """Copy every table of the DuckDB build's source schemas to <spark build>/<schema>/<table>/ as Parquet."""
    exported: dict[str, int] = {}
    with duckdb.connect(str(build_db), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?::varchar[])) order by 1, 2",
            [list(SOURCE_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            target = spark_build / schema / table
            target.mkdir(parents=True)
            con.execute(f"copy {schema}.{table} to '{target / 'part-0.parquet'}' (format parquet)")
            exported[table if schema == "raw" else f"{schema}.{table}"] = con.execute(
                f"select count(*) from {schema}.{table}"
            ).fetchone()[0]
    return exported


def dbt_spark_build_args() -> list[str]:
    """On Spark, dbt's unit tests run in the build: they check that the engine computes each formula as specified."""
    return ["build", "--target", "spark"]


def parquet_row_counts(folder: Path) -> dict[str, int]:
    """Rows of every Parquet table (a directory of part files) in a folder, read with DuckDB."""
    counts: dict[str, int] = {}
    with duckdb.connect() as con:
        for table in sorted(path for path in folder.iterdir() if any(path.glob("*.parquet"))):
            counts[table.name] = con.execute(f"select count(*) from read_parquet('{table}/*.parquet')").fetchone()[0]
    return counts


def write_spark_build_info(spark_build: Path, run_id: str, started_at: datetime, finished_at: datetime) -> dict:
    """build_info.json: the run, its times and the rows of every raw table and mart it publishes."""
    info = {
        "run_id": run_id,
        "engine": "spark",
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "raw_rows": parquet_row_counts(spark_build / "raw"),
        "mart_rows": parquet_row_counts(spark_build / "marts"),
    }
    (spark_build / BUILD_INFO_FILE).write_text(json.dumps(info, indent=2))
    return info


def publish_spark_build(spark_build: Path, link: Path, keep_previous: int = 1) -> None:
    """Point the link at the build in one atomic rename, then drop runs older than the previous one."""
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a real directory, not the symlink a Spark run publishes; move it away first")
    previous = link.resolve() if link.is_symlink() else None
    staging = link.with_name(link.name + ".switching")
    if staging.is_symlink() or staging.exists():
        staging.unlink()
    staging.symlink_to(os.path.relpath(spark_build, link.parent), target_is_directory=True)
    os.replace(staging, link)
    # Older runs go, except the previous one a reader may still be scanning; failed builds are kept until then too.
    keep = {spark_build.resolve(), *([previous] if previous and keep_previous else [])}
    for run_dir in spark_build.parent.iterdir():
        if run_dir.is_dir() and run_dir.resolve() not in keep:
            shutil.rmtree(run_dir)
