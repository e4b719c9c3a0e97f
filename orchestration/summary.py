"""What a run leaves behind, read back from the warehouse: rows and last date per raw table."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.raw_layer import RAW_TABLES


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
