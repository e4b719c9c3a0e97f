"""A bad source blocks only what reads it: which sources a run could not load, and which marts read them.

The dbt asset leaves those marts out of the evening's build (they keep their last good rows), `marts.build_info`
records them as stale with the reason, and the evening_verdict asset fails the run once the rest is published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.raw_layer import read_load_log


@dataclass(frozen=True)
class BlockedSource:
    source: str  # the family: prices, fred, treasury, sec
    raw_table: str  # raw.price_bars
    status: str  # quarantined | unreadable | failed
    reason: str

    def describe(self) -> str:
        return f"{self.raw_table} {self.status}: {self.reason}"


def blocked_sources(build: Path, run_id: str) -> list[BlockedSource]:
    """Each source whose last load attempt in this run did not load (read from raw.load_log of the build)."""
    rows = read_load_log(
        build,
        "select source, raw_table, arg_max(status, finished_at), arg_max(coalesce(message, ''), finished_at) "
        "from raw.load_log where run_id = $run_id group by source, raw_table order by raw_table",
        {"run_id": run_id},
    )
    return [
        BlockedSource(source, raw_table, status, message)
        for source, raw_table, status, message in rows
        if status != "loaded"
    ]


def dbt_kept(unique_ids: list[str]) -> list[str]:
    """dbt selector arguments that leave out these models and seeds, and their data tests (dagster-dbt ends the
    command with its own --select, which would replace another: an --exclude adds to blocked sources' one)."""
    return ["--exclude", " ".join(unique_id.split(".")[-1] for unique_id in unique_ids)]  # names are unique


def dbt_exclusions(blocked: list[BlockedSource]) -> list[str]:
    """dbt selector arguments that leave out every node downstream of a blocked source (the source itself is data)."""
    if not blocked:
        return []
    return ["--exclude", " ".join(f"source:{source.raw_table}+" for source in blocked)]  # one value: a union


def _descendants(manifest: dict, tables: list[str]) -> dict[str, set[str]]:
    """source table (schema.table) -> the unique ids of every node reading it, directly or through other nodes."""
    children: dict[str, list[str]] = manifest["child_map"]
    sources = {f"{node['schema']}.{node['name']}": node_id for node_id, node in manifest["sources"].items()}
    reading: dict[str, set[str]] = {}
    for table in tables:
        pending, seen = [sources[table]] if table in sources else [], set()
        while pending:
            node_id = pending.pop()
            for child in children.get(node_id, []):
                if child not in seen:
                    seen.add(child)
                    pending.append(child)
        reading[table] = seen
    return reading


def nodes_reading(manifest_path: Path, tables: list[str]) -> set[str]:
    """The unique ids of the dbt nodes that read any of `tables`, directly or through other nodes."""
    return set().union(*_descendants(json.loads(manifest_path.read_text()), tables).values())


def source_tables(manifest_path: Path) -> list[str]:
    """Every table (schema.table) the dbt project declares as a source."""
    manifest = json.loads(manifest_path.read_text())
    return sorted(f"{node['schema']}.{node['name']}" for node in manifest["sources"].values())


def marts_reading(manifest_path: Path, raw_tables: list[str]) -> dict[str, list[str]]:
    """mart (schema.table) -> the given raw tables it reads, directly or through staging and intermediate models."""
    manifest = json.loads(manifest_path.read_text())
    marts = {
        node_id: f"{node['schema']}.{node['alias'] or node['name']}"
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    }
    reading: dict[str, list[str]] = {}
    for raw_table, seen in _descendants(manifest, raw_tables).items():
        for node_id in sorted(seen & marts.keys()):
            reading.setdefault(marts[node_id], []).append(raw_table)
    return reading


def stale_relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(relation, why) for each raw table and mart the published run could not refresh, from marts.build_info."""
    try:
        return con.execute(
            "select relation, stale_reason from marts.build_info where is_stale order by kind desc, relation"
        ).fetchall()
    except duckdb.Error:  # no build_info yet, or one written before staleness was recorded
        return []


def previously_stale_marts(build: Path) -> list[str]:
    """The marts the last published run left stale, read from the build's copy of marts.build_info."""
    if not build.exists():
        return []
    with duckdb.connect(str(build), read_only=True) as con:
        return [relation for relation, _ in stale_relations(con) if relation.startswith("marts.")]
