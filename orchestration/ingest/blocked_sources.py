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


def dbt_exclusions(blocked: list[BlockedSource]) -> list[str]:
    """dbt selector arguments that leave out every node downstream of a blocked source (the source itself is data)."""
    if not blocked:
        return []
    return ["--exclude", " ".join(f"source:{source.raw_table}+" for source in blocked)]  # one value: a union


def marts_reading(manifest_path: Path, raw_tables: list[str]) -> dict[str, list[str]]:
    """mart (schema.table) -> the given raw tables it reads, directly or through staging and intermediate models."""
    manifest = json.loads(manifest_path.read_text())
    children: dict[str, list[str]] = manifest["child_map"]
    marts = {
        node_id: f"{node['schema']}.{node['alias'] or node['name']}"
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    }
    sources = {f"{node['schema']}.{node['name']}": node_id for node_id, node in manifest["sources"].items()}
    reading: dict[str, list[str]] = {}
    for raw_table in raw_tables:
        pending, seen = [sources[raw_table]] if raw_table in sources else [], set()
        while pending:
            node_id = pending.pop()
            for child in children.get(node_id, []):
                if child not in seen:
                    seen.add(child)
                    pending.append(child)
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
