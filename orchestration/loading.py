"""Loading one source family: fetch the increment, check it, upsert it in one transaction, log the attempt."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from orchestration.raw_layer import RAW_TABLES, check_batch_keys, ensure_raw_schema, last_dates, log_load, upsert
from orchestration.sources.base import SourceClient


class LoadError(RuntimeError):
    """A load that failed; the raw table is as it was before the attempt."""


@dataclass(frozen=True)
class LoadResult:
    family: str
    raw_table: str
    rows_in: int
    inserted: int
    updated: int
    unchanged: int
    window_start: date | None
    window_end: date | None
    seconds: float


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-write, creating its folder on first use."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(db_path))


def load_source(db_path: Path, client: SourceClient, run_id: str, overlap_days: int,
                progress: Callable[[str], None] = lambda message: None) -> LoadResult:
    """Fetch from `client` since each entity's last date minus the overlap, then upsert atomically."""
    table = RAW_TABLES[client.raw_table]
    started_at, started = datetime.now(timezone.utc), time.perf_counter()
    with connect(db_path) as con:
        ensure_raw_schema(con)
        since = {entity: last - timedelta(days=overlap_days) for entity, last in last_dates(con, table).items()}
    progress(f"{client.family}: fetching from {client.describe()}"
             + (f", incremental for {len(since)} {table.entity_column}(s)" if since else ", full history"))

    def record_failure(message: str) -> None:
        with connect(db_path) as con:
            log_load(con, run_id=run_id, source=client.family, raw_table=table.qualified, origin=client.describe(),
                     status="failed", message=message[:2000], started_at=started_at,
                     finished_at=datetime.now(timezone.utc), duration_s=time.perf_counter() - started)

    try:
        batch = client.fetch(since)
        check_batch_keys(table, batch, client.describe())
    except Exception as exc:
        record_failure(str(exc))
        raise LoadError(f"{client.family}: {exc}") from exc

    dates = batch[table.date_column].dropna()
    window = (min(dates), max(dates)) if len(dates) else (None, None)
    with connect(db_path) as con:
        con.begin()
        try:
            counts = upsert(con, table, batch, run_id)
            log_load(con, run_id=run_id, source=client.family, raw_table=table.qualified, origin=client.describe(),
                     window_start=window[0], window_end=window[1], rows_in=len(batch),
                     rows_inserted=counts.inserted, rows_updated=counts.updated, rows_unchanged=counts.unchanged,
                     status="loaded", started_at=started_at, finished_at=datetime.now(timezone.utc),
                     duration_s=time.perf_counter() - started)
            con.commit()
        except Exception as exc:
            con.rollback()
            record_failure(str(exc))
            raise LoadError(f"{client.family}: could not write {table.qualified}: {exc}") from exc
    result = LoadResult(client.family, table.qualified, len(batch), counts.inserted, counts.updated,
                        counts.unchanged, window[0], window[1], time.perf_counter() - started)
    progress(f"{client.family}: {len(batch):,} rows read, {counts.inserted:,} new, {counts.updated:,} changed, "
             f"{counts.unchanged:,} unchanged ({result.seconds:.1f} s)")
    return result
