"""The Dagster resource that resolves a run's settings once and holds the warehouse's writer lock for the run."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from orchestration.publish.next_build import discard_retired, published_identity, start_copying_next_build
from orchestration.publish.publishing import end_failed_build
from orchestration.publish.writer_lock import WriterLock
from orchestration.settings import RunSettings, resolve_settings


class WarehouseResource(dg.ConfigurableResource):
    """Where the warehouse and the data live and how to fetch; unset fields fall back to STRESSWATCH_* variables,
    then to the bundled defaults. Resolved once when a run starts; every asset reads the same `RunSettings`."""

    db_path: str | None = None
    data_dir: str | None = None
    mode: str | None = None
    live_sources: list[str] = []  # families fetched live even in replay mode, e.g. ["treasury"]
    api_urls: dict[str, str] = {}  # family -> base URL in place of the public API (a mirror, a proxy, a replica)
    overlap_days: int | None = None  # days before the last loaded date an incremental fetch starts again
    full_reload: bool = False  # fetch every source's whole history instead of the increment
    claims_file: str | None = None  # a market note to check on every run (else $STRESSWATCH_CLAIMS_FILE)
    report_dir: str | None = None  # where the evening report goes (default: report/ beside the warehouse)
    engine: str = "duckdb"  # where dbt builds the marts: "duckdb" (the published file) or "spark" (Parquet marts)
    spark_master: str | None = None  # the Spark master for engine "spark" (default $STRESSWATCH_SPARK_MASTER, local[2])
    webhook_url: str | None = None  # where failure and stress alerts are posted (else $STRESSWATCH_WEBHOOK_URL)
    backfill_from: str | None = None  # YYYY-MM-DD: reload every source's rows from this date ...
    backfill_to: str | None = None  # ... to this one (both included), then rebuild every mart whole
    accepted_moves: str | None = (
        None  # CSV of confirmed real extremes (else $STRESSWATCH_ACCEPTED_MOVES, the project's)
    )
    keep_failed_build: bool = False  # set a failed run's build aside (<db>.failed.duckdb) instead of removing it
    prepare_next_build: bool = True  # copy the published file for the next run in the background after publishing
    memory_limit: str | None = None  # DuckDB's memory_limit, e.g. "8GB" (else $STRESSWATCH_MEMORY_LIMIT, then 6GB)
    threads: int | None = None  # DuckDB's threads (else $STRESSWATCH_THREADS, then one per core)
    echo_dbt_output: bool = True  # dbt's per-node lines on stdout (the compute log); the CLI's quiet run sets False
    writer_wait_seconds: float = 0.0  # how long a run waits for another run writing the same warehouse

    _settings: RunSettings | None = PrivateAttr(default=None)
    _lock: WriterLock | None = PrivateAttr(default=None)
    _published_at_start: dict | None = PrivateAttr(default=None)  # the published file's identity when the run began

    def _resolve(self) -> RunSettings:
        return resolve_settings(
            self.db_path,
            self.data_dir,
            self.mode,
            live_sources=self.live_sources,
            api_urls=self.api_urls,
            overlap_days=self.overlap_days,
            full_reload=self.full_reload,
            engine=self.engine,
            spark_master=self.spark_master,
            claims_file=self.claims_file,
            report_dir=self.report_dir,
            webhook_url=self.webhook_url,
            backfill_from=self.backfill_from,
            backfill_to=self.backfill_to,
            accepted_moves=self.accepted_moves,
            keep_failed_build=self.keep_failed_build,
            prepare_next_build=self.prepare_next_build,
            memory_limit=self.memory_limit,
            threads=self.threads,
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._settings = self._resolve()
        if context.run is not None:  # a run writes; a sensor evaluation only reads
            self._lock = WriterLock(self._settings.db_path, context.run.run_id).acquire(self.writer_wait_seconds)
            self._published_at_start = published_identity(self._settings.db_path)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            try:  # a build still there at the end of a run is a failed run's: it goes before the lock does
                ended = end_failed_build(self._settings.db_path, self._settings.keep_failed_build)
                if ended and context.log is not None:
                    context.log.info(ended)
                # a run that published starts the copy the next evening starts from, in the background, while it
                # still holds the writer lock: a run starting right after it waits for that copy, never makes its own
                published = published_identity(self._settings.db_path) != self._published_at_start
                if published and self._settings.prepare_next_build:
                    start_copying_next_build(self._settings.db_path)
                else:
                    discard_retired(self._settings.db_path)
            finally:
                self._lock.release()
                self._lock = None

    def settings(self) -> RunSettings:
        """The run's settings, resolved once at the start of the run."""
        if self._settings is None:
            self._settings = self._resolve()
        return self._settings
