"""Build, then publish: a run writes a private build database; only a fully successful run replaces the file readers
open, in one atomic rename. Readers (read-only) never share a file with the writer, so they are never blocked.

The published file is in DuckDB's storage format of versions 1.0 and 1.1, which every later DuckDB reads, and with it
the DuckDB versions BI tools embed (a DuckDB 2.0 file opens only in DuckDB 2.0). A build starts in that format and
keeps it: DuckDB writes into an existing file in the file's own format.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.publish.next_build import take_next_build
from orchestration.settings import build_path_for, failed_path_for, retired_path_for  # noqa: F401  (re-exported)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _move_with_wal(source: Path, target: Path) -> None:
    for old, new in ((source, target), (_wal(source), _wal(target))):
        if old.exists():
            os.replace(old, new)
        elif new.exists():
            new.unlink()


STORAGE_VERSION = "v1.1.0"  # what ATTACH ... (STORAGE_VERSION ...) is given; the oldest DuckDB that reads it is 1.0
STORAGE_TAG = "v1.0.0+"  # how DuckDB names that format in duckdb_databases().tags


def _sql_text(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def storage_tag(path: Path) -> str:
    """The storage format of a DuckDB file as DuckDB names it, e.g. 'v1.0.0+' or 'v2.0.0+'."""
    with duckdb.connect() as con:
        con.execute(f"attach {_sql_text(path)} as probed (read_only)")
        return con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'probed'"
        ).fetchone()[0]


def _copy_in_storage_version(source: Path | None, target: Path) -> None:
    """Write `target` in the published storage format: empty, or a copy of every table and view of `source`."""
    with duckdb.connect() as con:
        con.execute(f"attach {_sql_text(target)} as target (storage_version '{STORAGE_VERSION}')")
        if source is not None:
            con.execute(f"attach {_sql_text(source)} as source (read_only)")
            con.execute("copy from database source to target")
        con.execute("checkpoint target")


def prepare_build(published: Path, keep_failed: bool = False) -> tuple[Path, str]:
    """Start a build: clear a stale build (a killed run's), then take the copy of the published warehouse the last
    publish prepared (next_build.py), else copy it now (a first build starts as an empty file in the published
    storage format; a warehouse published in another format is converted). Returns the build and how it began."""
    build = build_path_for(published)
    build.parent.mkdir(parents=True, exist_ok=True)
    end_failed_build(published, keep_failed)
    staging = build.with_name(build.name + ".copying")
    began = "copied from the published warehouse"
    try:
        if published.exists() and storage_tag(published) == STORAGE_TAG:
            if take_next_build(published, staging):
                began = "the copy prepared after the last publish"
            else:
                shutil.copyfile(published, staging)
        else:
            began = "converted from the published warehouse" if published.exists() else "an empty warehouse"
            _copy_in_storage_version(published if published.exists() else None, staging)
    except (OSError, duckdb.Error):
        for path in (staging, _wal(staging)):
            path.unlink(missing_ok=True)  # a full disk must not stay full because of a half copy
        raise
    os.replace(staging, build)
    return build, began


def end_failed_build(published: Path, keep: bool = False) -> str | None:
    """Remove the build a failed run left (it may fill the disk that made it fail), or with `keep` set it aside
    for diagnosis; says which, or None when there was none (publishing renamed a successful run's build)."""
    build = build_path_for(published)
    build.with_name(build.name + ".copying").unlink(missing_ok=True)
    if not (build.exists() or _wal(build).exists()):
        return None
    if keep:
        _move_with_wal(build, failed_path_for(published))
        return f"the failed build is kept in {failed_path_for(published)}"
    discard_build(build)
    return f"the failed build {build} was removed (--keep-failed-build keeps it)"


def write_build_info(
    build: Path,
    run_id: str,
    started_at: datetime,
    finished_at: datetime,
    stale: Mapping[str, str] | None = None,
    dbt_project_sha256: str | None = None,
) -> None:
    """marts.build_info: the run, its times, and the rows and last date of every raw table and mart it publishes;
    `stale` names the relations this run could not refresh (a blocked source, and the marts that read it) and why;
    `dbt_project_sha256` the dbt project the marts were built with (publish/unchanged_build.py)."""
    stale = stale or {}
    with duckdb.connect(str(build)) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'marts') and table_type = 'BASE TABLE' and table_name <> 'build_info' "
            "order by 1, 2"
        ).fetchall()
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.build_info (run_id varchar, started_at timestamptz, "
            "finished_at timestamptz, relation varchar, kind varchar, row_count bigint, last_date date, "
            "is_stale boolean, stale_reason varchar, dbt_project_sha256 varchar)"
        )
        for schema, table in relations:
            columns = {
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = $s and table_name = $t",
                    {"s": schema, "t": table},
                ).fetchall()
            }
            date_column = next(
                (
                    name
                    for name in ("trade_date", "obs_date", "auction_date", "filed", "period_end", "month", "alert_date")
                    if name in columns
                ),
                None,
            )
            last_date = f"max({date_column})" if date_column else "cast(null as date)"
            relation = f"{schema}.{table}"
            con.execute(
                f"insert into marts.build_info select $run_id, $started, $finished, $relation, "
                f"'{'source' if schema == 'raw' else 'mart'}', count(*), {last_date}, $stale, $reason, $project "
                f"from {schema}.{table}",
                {
                    "run_id": run_id,
                    "started": started_at,
                    "finished": finished_at,
                    "relation": relation,
                    "stale": relation in stale,
                    "reason": stale.get(relation),
                    "project": dbt_project_sha256,
                },
            )
        con.execute("checkpoint")


def publish(build: Path, published: Path) -> None:
    """Make the build the published warehouse in one atomic rename (same directory, same file system)."""
    with duckdb.connect(str(build)) as con:
        con.execute("checkpoint")
    if _wal(build).exists():
        raise RuntimeError(f"{build} still has a write-ahead log after a checkpoint; not publishing")
    if (tag := storage_tag(build)) != STORAGE_TAG:  # readers on DuckDB 1.x could not open it
        raise RuntimeError(
            f"{build} is in DuckDB storage format {tag}, not {STORAGE_TAG} (DuckDB 1.1 and later); not publishing"
        )
    with open(build, "rb+") as handle:
        os.fsync(handle.fileno())
    retired = retired_path_for(published)
    if published.exists():  # the replaced file keeps a name, so the rename does not wait for its blocks to be freed
        retired.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # a file system without hard links: the rename frees it, as it always did
            os.link(published, retired)
    os.replace(build, published)
    directory = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def discard_build(build: Path) -> None:
    """Remove a build that has served its purpose (a Spark run's load-and-validate copy)."""
    for path in (build, _wal(build)):
        path.unlink(missing_ok=True)
