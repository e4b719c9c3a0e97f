"""Analyst access to the published warehouse: sandboxed SQL with table, CSV or JSON output, and Parquet export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from orchestration.serve.sandbox import open_reader
from orchestration.serve.tables import render_table


def plain_value(value: object) -> object:
    """A JSON- and CSV-ready value: dates as ISO text, decimals as floats."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def format_rows(columns: list[str], rows: list[tuple], output: str) -> str:
    """Render a result as an aligned text table, CSV or a JSON array of objects."""
    if output == "json":
        return json.dumps([{name: plain_value(value) for name, value in zip(columns, row)} for row in rows], indent=2)
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[plain_value(value) for value in row] for row in rows])
        return buffer.getvalue().rstrip("\n")
    cells = [
        [
            ("" if value is None else f"{value:.6g}" if isinstance(value, float) else str(plain_value(value)))
            for value in row
        ]
        for row in rows
    ]
    numeric = [i for i in range(len(columns)) if cells and all(_numeric(row[i]) or not row[i] for row in cells)]
    return render_table(columns, cells, right=numeric)


def _numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def export_marts(db_path: Path, target: Path) -> dict[str, int]:
    """Write every table of schema marts to `<target>/<table>.parquet`; returns rows written per mart."""
    import pyarrow.parquet as pq

    target.mkdir(parents=True, exist_ok=True)
    written = {}
    # the reader's DuckDB may write no file: rows leave it as Arrow record batches, pyarrow writes the Parquet
    with open_reader(db_path) as con:
        marts = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        for mart in marts:
            reader = con.sql(f"select * from marts.{mart}").to_arrow_reader()
            staging = target / f".{mart}.parquet.partial"
            rows = 0
            with pq.ParquetWriter(staging, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
                    rows += batch.num_rows
            staging.replace(target / f"{mart}.parquet")  # a reader of the folder never sees half a file
            written[mart] = rows
    return written
