"""Loading one source family: fetch the increment, validate it, then upsert it or quarantine it, and log."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.ingest.plausibility import find_implausible, read_accepted
from orchestration.ingest.price_basis import Rebase, find_rebased, with_whole_histories
from orchestration.ingest.quarantine import ensure_quarantine_schema, quarantine_batch, quarantine_unreadable
from orchestration.ingest.raw_layer import (RAW_TABLES, LoadedRange, check_relation_keys, drop_staging, ensure_raw_schema,
                                     loaded_ranges, log_load, merge_relation, stage_batch, staging_table,
                                     start_staging, upsert)
from orchestration.settings import (ACCEPTED_MOVES_FILE, LOW_FREQUENCY_REVISION_DAYS, LOW_FREQUENCY_SPACING_DAYS,
                                    gx_root_for)
from orchestration.ingest.sources.base import SourceClient
from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.validation import Failure, SplitsFailures, ValidationGate, ValidationReport

STALENESS_CHECK = "staleness"


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


def _records(failures: list[Failure]) -> str | None:
    return json.dumps([failure.as_record() for failure in failures]) if failures else None


# A full load of a large universe is validated and staged in batches of whole entities of about this many rows:
# memory stays bounded (a batch and its validation), and raw still changes in one transaction at the end.
DEFAULT_BATCH_ROWS = 2_000_000
SOURCE_NOTE_CHECK = "everything_fetched"  # the warning a load records for what its source could not bring
_MERGED_EXAMPLES = 5


def merge_reports(reports: list[ValidationReport]) -> list[Failure]:
    """The failures of a load's batches as one list: a failed check once, with its counts added up. Staleness
    concerns the newest row of the whole load, so it stands only when every batch was stale."""
    merged: dict[tuple[str, str | None], Failure] = {}
    for report in reports:
        for failure in report.failures:
            key = (failure.check, failure.column)
            if key in merged:
                earlier = merged[key]
                count = (earlier.unexpected_count or 0) + (failure.unexpected_count or 0)
                merged[key] = replace(earlier, unexpected_count=count or None,
                                      examples=(earlier.examples + failure.examples)[:_MERGED_EXAMPLES])
            else:
                merged[key] = failure
    stale_everywhere = {key for key in merged if key[0] == STALENESS_CHECK
                        and all(any((f.check, f.column) == key for f in report.failures) for report in reports)}
    return [failure for key, failure in merged.items() if key[0] != STALENESS_CHECK or key in stale_everywhere]


def load_source(db_path: Path, client: SourceClient, run_id: str, overlap_days: int | None,
                gate: ValidationGate | None = None, today: date | None = None,
                progress: Callable[[str], None] = lambda message: None,
                batch_rows: int = DEFAULT_BATCH_ROWS, window: tuple[date, date] | None = None,
                accepted_moves: Path | None = None) -> LoadResult:
    """Fetch since each entity's last date minus the overlap, validate, then upsert or quarantine atomically.

    Each batch's values are first checked against their series' history in raw (orchestration/ingest/plausibility.py),
    except the moves analysts confirmed in `accepted_moves` (a CSV; the project's by default).

    `window` (a backfill) fetches the rows dated in that range, both ends included, for every entity instead.

    `overlap_days=None` fetches the whole history (a full reload); identical rows are still left untouched. A
    large fetch arrives in batches, each validated and then staged (committed, so memory stays bounded) in schema
    `loading`; raw changes only in the final transaction that merges the staged rows. The first failing batch is
    quarantined and the staged ones dropped, so raw holds all of the load or none of it.
    """
    table = RAW_TABLES[client.raw_table]
    gate = gate or ValidationGate(gx_root_for(db_path))
    accepted = read_accepted(accepted_moves or ACCEPTED_MOVES_FILE)
    started_at, started = datetime.now(timezone.utc), time.perf_counter()
    with connect(db_path) as con:
        ensure_raw_schema(con)
        ensure_quarantine_schema(con, table)
        known = loaded_ranges(con, table)
        # rows dated before an entity's first loaded date are history the source gained (a longer download): fetched
        history_from = {entity: loaded.first for entity, loaded in known.items()}
        if window is not None:
            since = {entity: window[0] for entity in known}
        else:
            since = {} if overlap_days is None else {
                entity: revision_start(loaded, overlap_days) for entity, loaded in known.items()}
    progress(f"{client.family}: fetching from {client.describe()}"
             + (f", backfill of {window[0]}..{window[1]}" if window is not None
                else f", incremental for {len(since)} {table.entity_column}(s)" if since else ", full history"))
    outside = 0

    def log(con: duckdb.DuckDBPyConnection, status: str, **row: object) -> None:
        log_load(con, run_id=run_id, source=client.family, raw_table=table.qualified, origin=client.describe(),
                 status=status, started_at=started_at, finished_at=datetime.now(timezone.utc),
                 duration_s=time.perf_counter() - started, **row)

    reports: list[ValidationReport] = []
    rows_in, first, last = 0, None, None
    rebased: list[Rebase] = []
    held: pd.DataFrame | None = None  # a load of one batch (every daily run) is upserted straight from memory
    staged = False  # a load of several batches collects them in a staging table, committed batch by batch
    con = connect(db_path)
    try:
        try:
            for number, batch in enumerate(client.fetch_batches(since, batch_rows, history_from), start=1):
                if window is not None:
                    fetched = len(batch)
                    batch = rows_within(batch, table.date_column, window)
                    outside += fetched - len(batch)
                found = find_rebased(con, table, batch)
                if found:  # a split or dividend re-based these symbols' history: each is loaded whole again
                    batch = with_whole_histories(client, batch, found)
                    rebased += found
                    progress(f"{client.family}: history re-based by the source, fetched whole again: "
                             + "; ".join(rebase.describe() for rebase in found))
                measured = time.perf_counter()
                verdicts = find_implausible(con, table, client.family, batch, accepted)
                plausibility_s = time.perf_counter() - measured
                report = gate.validate(table, client.family, batch, today=today, verdicts=verdicts)
                report.seconds += plausibility_s  # the plausibility check is part of validating
                reports.append(report)
                rows_in += len(batch)
                dates = batch[table.date_column].dropna()
                if len(dates):
                    first = min(first, min(dates)) if first is not None else min(dates)
                    last = max(last, max(dates)) if last is not None else max(dates)
                if not report.passed:
                    # nothing of this load reaches raw: the staged batches go, the failing one is kept in quarantine
                    drop_staging(con, table)
                    con.begin()
                    quarantine_batch(con, table, batch, run_id, [failure.as_record() for failure in report.errors])
                    log(con, "quarantined", message="; ".join(f.describe() for f in report.errors)[:2000],
                        window_start=first, window_end=last, rows_in=rows_in,
                        failed_expectations=_records(report.errors), warnings=_records(report.warnings),
                        validation_s=sum(r.seconds for r in reports))
                    con.commit()
                    result = LoadResult(client.family, table.qualified, "quarantined", rows_in, window_start=first,
                                        window_end=last, seconds=time.perf_counter() - started,
                                        validation_seconds=sum(r.seconds for r in reports),
                                        failures=tuple(report.failures))
                    progress(f"{client.family}: {len(batch):,} rows quarantined, raw unchanged: {result.reason()}")
                    return result
                if held is None and not staged:
                    held = batch
                    continue
                if not staged:
                    start_staging(con, table)
                    stage_batch(con, table, held)
                    held, staged = None, True
                stage_batch(con, table, batch)
                progress(f"{client.family}: batch {number}: {rows_in:,} rows validated and staged so far")
        except SourceFormatError as exc:
            drop_staging(con, table)
            failure = Failure(exc.check, "reader check", None, "error", examples=(str(exc),))
            con.begin()
            quarantine_unreadable(con, run_id, client.family, exc.where, exc.check, str(exc))
            log(con, "unreadable", message=f"{exc.check} failed: {exc}"[:2000], failed_expectations=_records([failure]))
            con.commit()
            progress(f"{client.family}: unreadable input, nothing loaded: {exc}")
            return LoadResult(client.family, table.qualified, "unreadable", failures=(failure,),
                              seconds=time.perf_counter() - started)
        if outside:
            progress(f"{client.family}: {outside:,} fetched rows dated outside {window[0]}..{window[1]} are not part "
                     "of this backfill and were left as raw has them")
        notes = client.take_notes()  # what the source could not bring: warnings, never silence
        if notes:
            reports.append(ValidationReport(table.qualified, 0, [Failure(
                SOURCE_NOTE_CHECK, "source note", table.entity_column, "warn", len(notes), tuple(notes[:10]))]))
        failures = merge_reports(reports)
        warnings = [failure for failure in failures if failure.severity == "warn"]
        validation_s = sum(report.seconds for report in reports)
        for warning in warnings:
            progress(f"{client.family}: warning: {warning.describe()}")
        con.begin()  # the one transaction that changes raw
        if staged:
            check_relation_keys(con, table, staging_table(table))
            totals = merge_relation(con, table, staging_table(table), run_id)
            drop_staging(con, table)
        else:
            totals = upsert(con, table, held if held is not None else pd.DataFrame(columns=list(table.columns)),
                            run_id)
        log(con, "loaded", rows_inserted=totals.inserted, rows_updated=totals.updated,
            rows_unchanged=totals.unchanged, window_start=first, window_end=last, rows_in=rows_in,
            failed_expectations=None, warnings=_records(warnings), validation_s=validation_s,
            message="; ".join(
                ([f"{totals.kept_known} empty incoming value(s) left the value raw already held"]
                 if totals.kept_known else [])
                + ([f"re-based and loaded whole: {', '.join(rebase.describe() for rebase in rebased)}"]
                   if rebased else []))[:2000] or None)
        con.commit()
    except Exception as exc:
        try:
            con.rollback()
        except duckdb.Error:
            pass  # no transaction was open
        try:
            drop_staging(con, table)
            log(con, "failed", message=str(exc)[:2000])
        except duckdb.Error:
            pass  # the connection itself failed
        raise LoadError(f"{client.family}: {exc}") from exc
    finally:
        con.close()
    seconds = time.perf_counter() - started
    progress(f"{client.family}: {rows_in:,} rows read, {totals.inserted:,} new, {totals.updated:,} changed, "
             f"{totals.unchanged:,} unchanged ({seconds:.1f} s, validation {validation_s:.1f} s)")
    if totals.kept_known:
        progress(f"{client.family}: {totals.kept_known:,} empty incoming value(s) left the value raw already held")
    return LoadResult(client.family, table.qualified, "loaded", rows_in, totals.inserted, totals.updated,
                      totals.unchanged, first, last, seconds, validation_s, tuple(failures))


def revision_start(loaded: LoadedRange, overlap_days: int) -> date:
    """Where an incremental fetch of an entity starts again: its last date minus the overlap, or minus 13 months
    for a monthly or quarterly series (orchestration/settings.py says why)."""
    low_frequency = loaded.spacing_days >= LOW_FREQUENCY_SPACING_DAYS
    return loaded.last - timedelta(days=max(overlap_days, LOW_FREQUENCY_REVISION_DAYS) if low_frequency
                                   else overlap_days)


def rows_within(frame: pd.DataFrame, date_column: str, window: tuple[date, date]) -> pd.DataFrame:
    """The rows dated in the window, both ends included; a row without a date stays, for the suites to reject."""
    dates = pd.to_datetime(frame[date_column])
    keep = dates.isna() | ((dates >= pd.Timestamp(window[0])) & (dates <= pd.Timestamp(window[1])))
    return frame.loc[keep].reset_index(drop=True)


def log_failed_attempt(db_path: Path, family: str, raw_table: str, run_id: str, message: str) -> None:
    """Record a load that could not start (a missing key, a client that could not be built) in raw.load_log."""
    now = datetime.now(timezone.utc)
    with connect(db_path) as con:
        ensure_raw_schema(con)
        log_load(con, run_id=run_id, source=family, raw_table=raw_table, origin=None, status="failed",
                 started_at=now, finished_at=now, duration_s=0.0, message=message[:2000])
