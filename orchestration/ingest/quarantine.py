"""Schema quarantine: batches that failed validation, and files that could not be read, with their reasons."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from orchestration.ingest.raw_tables import RawTable

UNREADABLE_DDL = """
create table if not exists quarantine.unreadable_files (
    run_id varchar not null,
    source varchar not null,
    location varchar,
    failed_check varchar not null,
    message varchar not null,
    quarantined_at timestamptz not null default current_timestamp
)
"""


def ensure_quarantine_schema(con: duckdb.DuckDBPyConnection, table: RawTable) -> None:
    """Create schema quarantine, the table's quarantine twin and the unreadable-files table when missing."""
    con.execute("create schema if not exists quarantine")
    columns = ",\n    ".join(f"{name} {kind}" for name, kind in table.columns.items())
    con.execute(
        f"create table if not exists quarantine.{table.name} (\n    {columns},\n"
        "    _run_id varchar not null,\n    _quarantined_at timestamptz not null,\n"
        "    _failed_expectations varchar not null\n)"
    )
    con.execute(UNREADABLE_DDL)


def quarantine_batch(
    con: duckdb.DuckDBPyConnection, table: RawTable, batch: pd.DataFrame, run_id: str, failures: list[dict]
) -> None:
    """Keep the whole batch with the run id and the failed expectations (and their counts) as JSON."""
    con.register("quarantined_frame", batch[list(table.columns)])
    try:
        quarantine_relation(con, table, "quarantined_frame", run_id, failures)
    finally:
        con.unregister("quarantined_frame")


def quarantine_relation(
    con: duckdb.DuckDBPyConnection, table: RawTable, relation: str, run_id: str, failures: list[dict]
) -> None:
    """quarantine_batch for rows already in DuckDB (a staging table)."""
    casts = ", ".join(f"cast(batch.{name} as {kind})" for name, kind in table.columns.items())
    con.execute(
        f"insert into quarantine.{table.name} select {casts}, $run_id, current_timestamp, $reasons "
        f"from {relation} as batch",
        {"run_id": run_id, "reasons": json.dumps(failures)},
    )


def quarantine_unreadable(
    con: duckdb.DuckDBPyConnection, run_id: str, source: str, location: str, check: str, message: str
) -> None:
    """Record a file or response that never became a batch."""
    con.execute(
        "insert into quarantine.unreadable_files (run_id, source, location, failed_check, message) "
        "values ($run_id, $source, $location, $check, $message)",
        {"run_id": run_id, "source": source, "location": location, "check": check, "message": message},
    )
