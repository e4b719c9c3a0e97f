"""Analyst access to the published warehouse: read-only SQL with table, CSV or JSON output, and Parquet export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb


def open_published(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection: it never blocks, and is never blocked by, a running build."""
    if not db_path.exists():
        raise FileNotFoundError(f"{db_path} does not exist yet: run `stresswatch run` first")
    return duckdb.connect(str(db_path), read_only=True)


def run_query(db_path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    with open_published(db_path) as con:
        cursor = con.execute(sql)
        columns = [description[0] for description in cursor.description or []]
        return columns, cursor.fetchall()


def _plain(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def format_rows(columns: list[str], rows: list[tuple], output: str) -> str:
    """Render a result as an aligned text table, CSV or a JSON array of objects."""
    if output == "json":
        return json.dumps([{name: _plain(value) for name, value in zip(columns, row)} for row in rows], indent=2)
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(value) for value in row] for row in rows])
        return buffer.getvalue().rstrip("\n")
    cells = [[("" if value is None else f"{value:.6g}" if isinstance(value, float) else str(_plain(value)))
              for value in row] for row in rows]
    widths = [max([len(name), *(len(row[index]) for row in cells)]) for index, name in enumerate(columns)]
    lines = ["  ".join(name.ljust(width) for name, width in zip(columns, widths)),
             "  ".join("-" * width for width in widths)]
    lines += ["  ".join(cell.rjust(width) if _numeric(cell) else cell.ljust(width) for cell, width in zip(row, widths))
              for row in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def export_marts(db_path: Path, target: Path) -> dict[str, int]:
    """Write every table of schema marts to `<target>/<table>.parquet`; returns rows written per mart."""
    target.mkdir(parents=True, exist_ok=True)
    written = {}
    with open_published(db_path) as con:
        marts = [name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        for mart in marts:
            path = target / f"{mart}.parquet"
            con.execute(f"copy marts.{mart} to '{path}' (format parquet)")
            written[mart] = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
    return written
