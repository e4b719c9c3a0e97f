"""When the dbt build can be skipped, whole or in part: no raw row changed tonight, the derived layer holds what the
published one holds and the dbt project is the one the published marts were built with, so a build would write the
same rows again (no model reads the clock: every mart is a function of raw, the derived layer and the project's
files). The same holds model by model: one whose every source is unchanged tonight would be written again as it is.

The project's fingerprint is a hash of its files, recorded with every publish in `marts.build_info`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from orchestration.ingest.raw_layer import read_load_log

# what a dbt build reads besides the warehouse: the project file, models, macros, seeds and data tests
PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "seeds", "tests", "snapshots", "analyses")


def project_fingerprint(project_dir: Path) -> str:
    """sha256 over the path and bytes of every file the build reads."""
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        root = project_dir / part
        files = [root] if root.is_file() else sorted(path for path in root.rglob("*") if path.is_file())
        for path in files:
            digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def published_fingerprint(build: Path) -> str | None:
    """The project fingerprint the published marts were built with (from the build's copy of marts.build_info)."""
    if not build.exists():
        return None
    with duckdb.connect(str(build), read_only=True) as con:
        try:
            return con.execute("select any_value(dbt_project_sha256) from marts.build_info").fetchone()[0]
        except duckdb.Error:  # no build_info yet, or one written before the fingerprint was kept
            return None


def raw_changed(build: Path, run_id: str) -> bool:
    """Whether tonight's loads changed any raw row (or any load did not end as 'loaded', or none was logged)."""
    rows = read_load_log(
        build,
        "select status, coalesce(rows_inserted, 0) + coalesce(rows_updated, 0) from raw.load_log "
        "where run_id = $run_id",
        {"run_id": run_id},
    )
    return not rows or any(status != "loaded" or changed for status, changed in rows)


def unchanged_sources(build: Path, published: Path, run_id: str) -> set[str]:
    """The raw and derived tables (schema.table) known to hold tonight what they held when published: a raw table
    whose every load tonight inserted and updated nothing, or did not end 'loaded' (it left the table as it was); a
    derived table whose rows equal the published ones. Anything else a model reads counts as changed."""
    changed: dict[str, bool] = {}
    for raw_table, status, rows_changed in read_load_log(
        build,
        "select raw_table, status, coalesce(rows_inserted, 0) + coalesce(rows_updated, 0) from raw.load_log "
        "where run_id = $run_id",
        {"run_id": run_id},
    ):
        changed[raw_table] = changed.get(raw_table, False) or (status == "loaded" and rows_changed > 0)
    tonight, before = derived_contents(build), derived_contents(published)
    return {table for table, was_changed in changed.items() if not was_changed} | {
        f"derived.{name}" for name, contents in tonight.items() if before.get(name) == contents
    }


def derived_contents(db: Path) -> dict[str, tuple[int, int]]:
    """Each table of schema `derived` (computed in Python from raw each run) -> its rows and a hash of their values."""
    if not db.exists():
        return {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'derived' order by 1"
            ).fetchall()
        ]
        return {
            name: tuple(con.execute(f"select count(*), sum(hash(t)) from derived.{name} as t").fetchall()[0])
            for name in tables
        }


def why_build_is_needed(build: Path, published: Path, run_id: str, project_dir: Path) -> str | None:
    """None when the build can be skipped; else the reason it cannot."""
    if raw_changed(build, run_id):
        return "raw changed"
    if published_fingerprint(build) != project_fingerprint(project_dir):
        return "the dbt project changed since the published build"
    if derived_contents(build) != derived_contents(published):  # new code computing the derived layer, say
        return "the derived layer changed"
    return None
