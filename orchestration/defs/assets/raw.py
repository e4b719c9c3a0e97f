"""One raw asset per source family: fetch the increment, validate it, and upsert or quarantine it atomically.

A source that cannot be loaded (quarantined, unreadable, or unreachable once its retries are spent) does not stop the
run: its raw table keeps its last good rows, its checks fail, and only the marts that read it are left as they were
(see assets/dbt.py and the evening_verdict asset, which fails the run after the rest is published).
"""

import json
from datetime import UTC, datetime

import dagster as dg
import duckdb

from orchestration.defs.assets.publish import BUILD_DATABASE
from orchestration.defs.resources import WarehouseResource
from orchestration.ingest.freshness import freshness_verdict
from orchestration.ingest.loading import LoadResult, load_source
from orchestration.ingest.raw_layer import log_failed_attempt
from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.ingest.source_specs import SPECS, table_source
from orchestration.ingest.sources.factory import build_table_client
from orchestration.ingest.validation import ValidationGate

PASSES_EXPECTATIONS = "passes_expectations"
NO_WARNINGS = "no_warnings"
FRESH_BY_DEADLINE = "fresh_by_deadline"

# A live API that is down for a few minutes: Dagster re-runs the load step with exponential backoff and jitter (the
# HTTP client already retried each request). Replay loads are never retried: a file does not heal by waiting.
LIVE_RETRY_POLICY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def _check_specs(name: str) -> list[dg.AssetCheckSpec]:
    key = dg.AssetKey(["raw", name])
    return [
        dg.AssetCheckSpec(
            PASSES_EXPECTATIONS,
            asset=key,
            description=f"The batch was read and passed every error-level expectation of "
            f"expectations/{name}.json; when it fails the batch is quarantined, raw keeps "
            "its last good rows and the marts that read this table are not rebuilt.",
        ),
        dg.AssetCheckSpec(
            NO_WARNINGS,
            asset=key,
            description=f"No warn-level expectation of expectations/{name}.json failed "
            "(staleness, large one-day moves); never blocks.",
        ),
        dg.AssetCheckSpec(
            FRESH_BY_DEADLINE,
            asset=key,
            description="The table's newest row meets the source's deadline on the NYSE calendar "
            "(meta.deadline in dbt_project/models/staging/_raw__sources.yml); never blocks.",
        ),
    ]


def _freshness(run, family: str, raw_table: str) -> dg.AssetCheckResult:
    """The deadline check on the whole raw table after the load (a blocked source is judged on its last good rows)."""
    table = RAW_TABLES[raw_table]
    newest = None
    if run.build_path.exists():
        with duckdb.connect(str(run.build_path), read_only=True) as con:
            try:
                newest = con.execute(f"select max({table.date_column}) from {table.qualified}").fetchone()[0]
            except duckdb.CatalogException:  # never loaded
                newest = None
    if newest is None and raw_table == "fred_vintages" and run.source_mode(family) == "replay":
        # vintages are optional in a data directory: none kept is not late
        return dg.AssetCheckResult(
            check_name=FRESH_BY_DEADLINE,
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            description="no vintages kept: the data directory has no alfred/ files",
        )
    on_time, sentence = freshness_verdict(family, newest, datetime.now(UTC), table.qualified)
    return dg.AssetCheckResult(
        check_name=FRESH_BY_DEADLINE,
        passed=on_time,
        severity=dg.AssetCheckSeverity.WARN,
        description=sentence,
        metadata={"newest_date": str(newest)},
    )


def _blocked(
    family: str, status: str, reason: str, failed: list[dict], fresh: dg.AssetCheckResult
) -> dg.MaterializeResult:
    # Still an output: a step without one would skip every downstream step, and only the readers of this source
    # are to be held back (by the dbt asset). The metadata says the table was not changed.
    return dg.MaterializeResult(
        metadata={"status": status, "raw_changed": False, "reason": reason[:2000]},
        check_results=[
            dg.AssetCheckResult(
                check_name=PASSES_EXPECTATIONS,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=reason[:2000],
                metadata={"source": family, "failed_expectations": dg.MetadataValue.json(failed)},
            ),
            dg.AssetCheckResult(
                check_name=NO_WARNINGS,
                passed=True,
                severity=dg.AssetCheckSeverity.WARN,
                description="nothing was loaded",
            ),
            fresh,
        ],
    )


def _loaded(result: LoadResult, origin: str, fresh: dg.AssetCheckResult) -> dg.MaterializeResult:
    warnings = [failure.as_record() for failure in result.warnings]
    return dg.MaterializeResult(
        metadata={
            "status": result.status,
            "rows_in": result.rows_in,
            "rows_inserted": result.inserted,
            "rows_updated": result.updated,
            "rows_unchanged": result.unchanged,
            "window_start": str(result.window_start),
            "window_end": str(result.window_end),
            "validation_seconds": round(result.validation_seconds, 3),
            "origin": origin,
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=PASSES_EXPECTATIONS,
                passed=True,
                severity=dg.AssetCheckSeverity.ERROR,
                description="every error-level expectation held",
            ),
            dg.AssetCheckResult(
                check_name=NO_WARNINGS,
                passed=not warnings,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"source": result.family, "warnings": dg.MetadataValue.text(json.dumps(warnings))},
            ),
            fresh,
        ],
    )


def _load(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_table: str) -> dg.MaterializeResult:
    """Load one raw table of a source family with the run's client for it (replay or live)."""
    run = warehouse.settings()
    family = table_source(raw_table)[0].family
    client = None
    try:
        client = build_table_client(raw_table, run)
        result = load_source(
            run.build_path,
            client,
            context.run.run_id,
            None if run.full_reload else run.overlap_days,
            gate=ValidationGate(run.gx_root),
            progress=context.log.info,
            detail=context.log.debug,  # the UI and `run --verbose` show where each load fetches from
            window=run.backfill,
            accepted_moves=run.accepted_moves,
            duckdb_settings=run.duckdb_settings(),
        )
    except Exception as exc:
        retries_left = LIVE_RETRY_POLICY.max_retries - context.retry_number
        permanent = getattr(exc.__cause__, "permanent", False)  # the service refused the request itself (a 400)
        if run.source_mode(family) == "live" and retries_left > 0 and not permanent:
            context.log.warning(f"{family}: {exc}; Dagster retries this load ({retries_left} attempt(s) left)")
            raise
        if client is None:  # the load never started, so load_source logged nothing
            log_failed_attempt(run.build_path, family, f"raw.{raw_table}", context.run.run_id, str(exc))
        reason = f"{family}: failed: {exc}"
        context.log.error(f"{reason}; raw.{raw_table} keeps its last good rows")
        return _blocked(
            family,
            "failed",
            reason,
            [{"check": "source_reachable", "examples": [str(exc)[:500]]}],
            _freshness(run, family, raw_table),
        )
    if result.blocked:
        return _blocked(
            family,
            result.status,
            result.reason(),
            [failure.as_record() for failure in result.errors],
            _freshness(run, family, raw_table),
        )
    return _loaded(result, client.describe(), _freshness(run, family, raw_table))


_RAW = dict(key_prefix="raw", group_name="raw", kinds={"duckdb"}, deps=[BUILD_DATABASE], retry_policy=LIVE_RETRY_POLICY)


def _raw_asset(table: str, description: str) -> dg.AssetsDefinition:
    """The asset loading one raw table, as its family's spec describes it."""

    @dg.asset(name=table, description=description, check_specs=_check_specs(table), **_RAW)
    def load(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        return _load(context, warehouse, table)

    return load


# one asset per raw table of every source family (ingest/source_specs.py)
RAW_ASSETS = [_raw_asset(source.table, source.description) for spec in SPECS.values() for source in spec.tables]
