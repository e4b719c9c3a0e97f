"""What a run leaves behind, read back from the warehouse: rows and last date per raw table."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from orchestration.raw_layer import RAW_TABLES
from orchestration.validation import describe_failure


def raw_summary(db_path: Path) -> list[tuple[str, int, object, object]]:
    """(raw table, rows, first date, last date) for each raw table, read-only."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return [
            (table.qualified, *con.execute(
                f"select count(*), min({table.date_column}), max({table.date_column}) from {table.qualified}"
            ).fetchone())
            for table in RAW_TABLES.values()
        ]


def format_summary(rows: list[tuple[str, int, object, object]]) -> str:
    lines = [f"{'table':<28}{'rows':>12}  {'first date':<12}{'last date':<12}"]
    lines += [f"{name:<28}{count:>12,}  {str(first):<12}{str(last):<12}" for name, count, first, last in rows]
    return "\n".join(lines)


def load_outcomes(db_path: Path, run_id: str) -> list[tuple[str, str, str | None, list[str]]]:
    """(source, status, message, warnings described) for each load attempt of one run."""
    if not db_path.exists():
        return []
    with duckdb.connect(str(db_path), read_only=True) as con:
        has_log = con.execute("select count(*) from information_schema.tables "
                              "where table_schema = 'raw' and table_name = 'load_log'").fetchone()[0]
        if not has_log:
            return []
        rows = con.execute("select source, status, message, warnings from raw.load_log where run_id = $run_id "
                           "order by started_at", {"run_id": run_id}).fetchall()
    outcomes = []
    for source, status, message, warnings in rows:
        described = [describe_failure(record) for record in json.loads(warnings)] if warnings else []
        outcomes.append((source, status, message, described))
    return outcomes

