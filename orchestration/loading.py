"""Loading one source family: fetch the increment, validate it, then upsert it or quarantine it, and log."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from orchestration.quarantine import ensure_quarantine_schema, quarantine_batch, quarantine_unreadable
from orchestration.raw_layer import RAW_TABLES, ensure_raw_schema, last_dates, log_load, upsert
from orchestration.sources.base import SourceClient
from orchestration.sources.errors import SourceFormatError
from orchestration.validation import Failure, SplitsFailures, ValidationGate


class LoadError(RuntimeError):
    """A load that failed outside validation (a network error, a bug); raw is as it was before the attempt."""


@dataclass(frozen=True)
class LoadResult(SplitsFailures):
    family: str
    raw_table: str
    status: str  # loaded | quarantined | unreadable
    rows_in: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    window_start: date | None = None
    window_end: date | None = None
    seconds: float = 0.0
    validation_seconds: float = 0.0
    failures: tuple[Failure, ...] = field(default_factory=tuple)

    @property
    def blocked(self) -> bool:
        return self.status != "loaded"

    def reason(self) -> str:
        """One line naming the source, the failed expectations and a few offending values."""
        return f"{self.family}: {self.status}: " + "; ".join(failure.describe() for failure in self.errors)


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-write, creating its folder on first use."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(db_path))


def gx_root_for(db_path: Path) -> Path:
    """Great Expectations keeps its validation results (for Data Docs) beside the warehouse file."""
    return db_path.with_suffix(".gx")


def _records(failures: list[Failure]) -> str | None:
    return json.dumps([failure.as_record() for failure in failures]) if failures else None


def load_source(db_path: Path, client: SourceClient, run_id: str, overlap_days: int | None,
                gate: ValidationGate | None = None, today: date | None = None,
                progress: Callable[[str], None] = lambda message: None) -> LoadResult:
    """Fetch since each entity's last date minus the overlap, validate, then upsert or quarantine atomically.

    `overlap_days=None` fetches the whole history (a full reload); identical rows are still left untouched.
    """
    table = RAW_TABLES[client.raw_table]
    gate = gate or ValidationGate(gx_root_for(db_path))
    started_at, started = datetime.now(timezone.utc), time.perf_counter()
    with connect(db_path) as con:
        ensure_raw_schema(con)
        ensure_quarantine_schema(con, table)
        since = {} if overlap_days is None else {
            entity: last - timedelta(days=overlap_days) for entity, last in last_dates(con, table).items()}
    progress(f"{client.family}: fetching from {client.describe()}"
             + (f", incremental for {len(since)} {table.entity_column}(s)" if since else ", full history"))

    def log(con: duckdb.DuckDBPyConnection, status: str, **row: object) -> None:
        log_load(con, run_id=run_id, source=client.family, raw_table=table.qualified, origin=client.describe(),
                 status=status, started_at=started_at, finished_at=datetime.now(timezone.utc),
                 duration_s=time.perf_counter() - started, **row)

    try:
        batch = client.fetch(since)
    except SourceFormatError as exc:
        failure = Failure(exc.check, "reader check", None, "error", examples=(exc.problem,))
        with connect(db_path) as con:
            con.begin()
            quarantine_unreadable(con, run_id, client.family, exc.where, exc.check, str(exc))
            log(con, "unreadable", message=f"{exc.check} failed: {exc}"[:2000], failed_expectations=_records([failure]))
            con.commit()
        progress(f"{client.family}: unreadable input, nothing loaded: {exc}")
        return LoadResult(client.family, table.qualified, "unreadable", failures=(failure,),
                          seconds=time.perf_counter() - started)
    except Exception as exc:
        with connect(db_path) as con:
            log(con, "failed", message=str(exc)[:2000])
        raise LoadError(f"{client.family}: {exc}") from exc

    report = gate.validate(table, client.family, batch, today=today)
    dates = batch[table.date_column].dropna()
    window = (min(dates), max(dates)) if len(dates) else (None, None)
    common = dict(window_start=window[0], window_end=window[1], rows_in=len(batch),
                  failed_expectations=_records(report.errors), warnings=_records(report.warnings),
                  validation_s=report.seconds)
    for warning in report.warnings:
        progress(f"{client.family}: warning: {warning.describe()}")
    with connect(db_path) as con:
        con.begin()
        try:
            if not report.passed:
                quarantine_batch(con, table, batch, run_id, [failure.as_record() for failure in report.errors])
                log(con, "quarantined", message="; ".join(f.describe() for f in report.errors)[:2000], **common)
                counts = None
            else:
                counts = upsert(con, table, batch, run_id)
                log(con, "loaded", rows_inserted=counts.inserted, rows_updated=counts.updated,
                    rows_unchanged=counts.unchanged, **common)
            con.commit()
        except Exception as exc:
            con.rollback()
            with connect(db_path) as log_con:
                log(log_con, "failed", message=str(exc)[:2000])
            raise LoadError(f"{client.family}: could not write {table.qualified}: {exc}") from exc
    seconds = time.perf_counter() - started
    if counts is None:
        result = LoadResult(client.family, table.qualified, "quarantined", len(batch), window_start=window[0],
                            window_end=window[1], seconds=seconds, validation_seconds=report.seconds,
                            failures=tuple(report.failures))
        progress(f"{client.family}: {len(batch):,} rows quarantined, raw unchanged: {result.reason()}")
        return result
    progress(f"{client.family}: {len(batch):,} rows read, {counts.inserted:,} new, {counts.updated:,} changed, "
             f"{counts.unchanged:,} unchanged ({seconds:.1f} s, validation {report.seconds:.1f} s)")
    return LoadResult(client.family, table.qualified, "loaded", len(batch), counts.inserted, counts.updated,
                      counts.unchanged, window[0], window[1], seconds, report.seconds, tuple(report.failures))
