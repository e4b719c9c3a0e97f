"""Loading one source family: fetch the increment, validate it, then upsert it or quarantine it, and log."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.ingest.accepted_moves import read_accepted
from orchestration.ingest.engine_load import (
    STAGED_FILES,
    drop_staged_files,
    move_to_staging,
    quarantine_whole_files,
    validate_whole_files,
)
from orchestration.ingest.load_result import (
    LoadError,
    LoadResult,
    loaded_note,
    merge_reports,
    notes_report,
    records,
)
from orchestration.ingest.load_window import fetch_scope, fetch_starts, rows_within
from orchestration.ingest.plausibility import find_implausible
from orchestration.ingest.price_basis import Rebase, find_rebased, with_whole_histories
from orchestration.ingest.quarantine import ensure_quarantine_schema, quarantine_batch, quarantine_unreadable
from orchestration.ingest.raw_layer import (
    check_relation_keys,
    connect,
    drop_staging,
    ensure_raw_schema,
    loaded_ranges,
    log_load,
    merge_relation,
    stage_batch,
    staging_table,
    start_staging,
    upsert,
)
from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.ingest.sources.base import SourceClient
from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.validation import Failure, ValidationGate, ValidationReport
from orchestration.settings import ACCEPTED_MOVES_FILE, gx_root_for

# A full load of a large universe is validated and staged in batches of whole entities of about this many rows:
# memory stays bounded (a batch and its validation), and raw still changes in one transaction at the end.
DEFAULT_BATCH_ROWS = 2_000_000


def load_source(
    db_path: Path,
    client: SourceClient,
    run_id: str,
    overlap_days: int | None,
    gate: ValidationGate | None = None,
    today: date | None = None,
    progress: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    window: tuple[date, date] | None = None,
    accepted_moves: Path | None = None,
    duckdb_settings: Mapping[str, object] | None = None,
) -> LoadResult:
    """Fetch since each entity's last date minus the overlap, validate, then upsert or quarantine atomically.

    Each batch's values are first checked against their series' history in raw (orchestration/ingest/plausibility.py),
    except the moves analysts confirmed in `accepted_moves` (a CSV; the project's by default).

    `window` (a backfill) fetches the rows dated in that range, both ends included, for every entity instead.

    `overlap_days=None` fetches the whole history (a full reload); identical rows are still left untouched. A
    large fetch arrives in batches, each validated and then staged (committed, so memory stays bounded) in schema
    `loading`; raw changes only in the final transaction that merges the staged rows. The first failing batch is
    quarantined and the staged ones dropped, so raw holds all of the load or none of it.

    `progress` gets what a load did (one line at its end, and each quarantine); `detail` (else `progress`) where it
    fetches from.
    """
    table = RAW_TABLES[client.raw_table]
    gate = gate or ValidationGate(gx_root_for(db_path))
    accepted = read_accepted(accepted_moves or ACCEPTED_MOVES_FILE)
    started_at, started = datetime.now(UTC), time.perf_counter()
    with connect(db_path, duckdb_settings) as con:
        ensure_raw_schema(con)
        ensure_quarantine_schema(con, table)
        known = loaded_ranges(con, table)
        # rows dated before an entity's first loaded date are history the source gained (a longer download): fetched
        history_from = {entity: loaded.first for entity, loaded in known.items()}
        since = fetch_starts(known, overlap_days, window)
    (detail or progress)(f"{client.family}: fetching from {client.describe()}, {fetch_scope(table, since, window)}")
    outside = 0

    def log(con: duckdb.DuckDBPyConnection, status: str, **row: object) -> None:
        log_load(
            con,
            run_id=run_id,
            source=client.family,
            raw_table=table.qualified,
            origin=client.describe(),
            status=status,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            duration_s=time.perf_counter() - started,
            **row,
        )

    reports: list[ValidationReport] = []
    rows_in, first, last = 0, None, None
    rebased: list[Rebase] = []
    held: pd.DataFrame | None = None  # a load of one batch (every daily run) is upserted straight from memory
    staged = False  # a load of several batches collects them in a staging table, committed batch by batch
    # whole files read by DuckDB stay where they were staged (STAGED_FILES) and are merged from there, unless a
    # batch joins them: copying 60 M rows into the staging table is a pass of the load's size for nothing
    whole_staged = False
    con = connect(db_path, duckdb_settings)

    def quarantine(report: ValidationReport, rows: int, keep: Callable[[list[dict]], None]) -> LoadResult:
        """Nothing of this load reaches raw: the staged rows go, the failing ones are kept in quarantine."""
        con.begin()
        keep([failure.as_record() for failure in report.errors])
        validation_s = sum(r.seconds for r in reports)
        message = "; ".join(f.describe() for f in report.errors)[:2000]
        log(
            con,
            "quarantined",
            message=message,
            window_start=first,
            window_end=last,
            rows_in=rows_in,
            failed_expectations=records(report.errors),
            warnings=records(report.warnings),
            validation_s=validation_s,
        )
        con.commit()
        drop_staged_files(con)
        drop_staging(con, table)
        result = LoadResult(
            client.family,
            table.qualified,
            "quarantined",
            rows_in,
            window_start=first,
            window_end=last,
            seconds=time.perf_counter() - started,
            validation_seconds=validation_s,
            failures=tuple(report.failures),
        )
        progress(f"{client.family}: {rows:,} rows quarantined, raw unchanged: {result.reason()}")
        return result

    try:
        try:
            # a full history of files is read, checked and validated inside DuckDB (engine_load.py)
            whole = client.whole_files(since) if window is None and hasattr(client, "whole_files") else []
            if whole:
                loaded = validate_whole_files(con, table, client.family, whole, gate, today, accepted)
                reports.append(loaded.report)
                rows_in, first, last = loaded.rows, loaded.first, loaded.last
                if not loaded.report.passed:
                    return quarantine(loaded.report, loaded.rows, partial(quarantine_whole_files, con, table, run_id))
                whole_staged = True
            for number, batch in enumerate(client.fetch_batches(since, batch_rows, history_from), start=1):
                if window is not None:
                    fetched = len(batch)
                    batch = rows_within(batch, table.date_column, window)
                    outside += fetched - len(batch)
                if batch.empty and (staged or whole_staged or held is not None):
                    continue  # nothing beyond what is already staged (the whole files read by DuckDB)
                found = find_rebased(con, table, batch)
                if found:  # a split or dividend re-based these symbols' history: each is loaded whole again
                    batch = with_whole_histories(client, batch, found)
                    rebased += found
                    progress(
                        f"{client.family}: history re-based by the source, fetched whole again: "
                        + "; ".join(rebase.describe() for rebase in found)
                    )
                measured = time.perf_counter()
                verdicts = find_implausible(con, table, client.family, batch, accepted)
                plausibility_s = time.perf_counter() - measured
                validate = partial(gate.validate, table, client.family, today=today, verdicts=verdicts, con=con)
                report = validate(batch, keep=False)
                numbered = client.number_lines(batch) if any(f.unexpected_count for f in report.failures) else batch
                if numbered is not batch:  # the report names rows: by their lines in the file (a tail's, counted now)
                    batch, first_pass_s = numbered, report.seconds
                    report = validate(batch, keep=False)
                    report.seconds += first_pass_s
                if len(batch):  # the validation Data Docs show, one per batch (an empty one runs no suite)
                    gate.keep(table, report)
                report.seconds += plausibility_s  # the plausibility check is part of validating
                reports.append(report)
                rows_in += len(batch)
                dates = batch[table.date_column].dropna()
                if len(dates):
                    first = min(first, min(dates)) if first is not None else min(dates)
                    last = max(last, max(dates)) if last is not None else max(dates)
                if not report.passed:
                    return quarantine(report, len(batch), partial(quarantine_batch, con, table, batch, run_id))
                if held is None and not staged and not whole_staged:
                    held = batch
                    continue
                if whole_staged:
                    move_to_staging(con, table)
                    whole_staged, staged = False, True
                if not staged:
                    start_staging(con, table)
                    stage_batch(con, table, held)
                    held, staged = None, True
                stage_batch(con, table, batch)
                progress(f"{client.family}: batch {number}: {rows_in:,} rows validated and staged so far")
        except SourceFormatError as exc:
            drop_staged_files(con)
            drop_staging(con, table)
            failure = Failure(exc.check, "reader check", None, "error", examples=(str(exc),))
            con.begin()
            quarantine_unreadable(con, run_id, client.family, exc.where, exc.check, str(exc))
            log(con, "unreadable", message=f"{exc.check} failed: {exc}"[:2000], failed_expectations=records([failure]))
            con.commit()
            progress(f"{client.family}: unreadable input, nothing loaded: {exc}")
            return LoadResult(
                client.family, table.qualified, "unreadable", failures=(failure,), seconds=time.perf_counter() - started
            )
        if outside:
            progress(
                f"{client.family}: {outside:,} fetched rows dated outside {window[0]}..{window[1]} are not part "
                "of this backfill and were left as raw has them"
            )
        reports += notes_report(table, client.take_notes())  # what the source could not bring: never silence
        failures = merge_reports(reports)
        warnings = [failure for failure in failures if failure.severity == "warn"]
        validation_s = sum(report.seconds for report in reports)
        con.begin()  # the one transaction that changes raw
        if staged:
            check_relation_keys(con, table, staging_table(table))
            totals = merge_relation(con, table, staging_table(table), run_id)
            drop_staging(con, table)
        elif whole_staged:  # the suite found every key of these rows once (its `_key` uniqueness check)
            totals = merge_relation(con, table, STAGED_FILES, run_id)
            drop_staged_files(con)
            drop_staging(con, table)
        else:
            totals = upsert(con, table, held if held is not None else pd.DataFrame(columns=list(table.columns)), run_id)
        log(
            con,
            "loaded",
            rows_inserted=totals.inserted,
            rows_updated=totals.updated,
            rows_unchanged=totals.unchanged,
            window_start=first,
            window_end=last,
            rows_in=rows_in,
            failed_expectations=None,
            warnings=records(warnings),
            validation_s=validation_s,
            message=loaded_note(totals.kept_known, rebased),
        )
        con.commit()
    except Exception as exc:
        with contextlib.suppress(duckdb.Error):  # no transaction was open
            con.rollback()
        try:
            drop_staged_files(con)
            drop_staging(con, table)
            log(con, "failed", message=str(exc)[:2000])
        except duckdb.Error:
            pass  # the connection itself failed
        raise LoadError(f"{client.family}: {exc}") from exc
    finally:
        con.close()
    seconds = time.perf_counter() - started
    progress(
        f"{client.family}: {rows_in:,} rows read, {totals.inserted:,} new, {totals.updated:,} changed, "
        f"{totals.unchanged:,} unchanged ({seconds:.1f} s, validation {validation_s:.1f} s)"
        + (f", {len(warnings)} warning(s): listed when the run ends" if warnings else "")
        + (f"; {client.describe()}" if rows_in == 0 else "")  # nothing read: say where it looked (a missing folder)
    )
    if totals.kept_known:
        progress(f"{client.family}: {totals.kept_known:,} empty incoming value(s) left the value raw already held")
    return LoadResult(
        client.family,
        table.qualified,
        "loaded",
        rows_in,
        totals.inserted,
        totals.updated,
        totals.unchanged,
        first,
        last,
        seconds,
        validation_s,
        tuple(failures),
    )
