"""The two ends of a run: start the build database, and publish it when every load, check and dbt test passed
(a blocked source's marts keep their last good rows); then the verdict that fails a run with a blocked source."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from orchestration.defs.dbt_setup import dbt_project
from orchestration.defs.resources import WarehouseResource
from orchestration.ingest.blocked_sources import blocked_sources, marts_reading
from orchestration.publish.publishing import discard_build, prepare_build, publish, write_build_info
from orchestration.publish.spark_engine import publish_spark_build, write_spark_build_info
from orchestration.publish.unchanged_build import project_fingerprint

BUILD_DATABASE = dg.AssetKey(["build_database"])
PUBLISHED_WAREHOUSE = dg.AssetKey(["published_warehouse"])


def _run_started_at(context: dg.AssetExecutionContext) -> datetime:
    stats = context.instance.get_run_stats(context.run.run_id)
    return datetime.fromtimestamp(stats.start_time, UTC) if stats.start_time else datetime.now(UTC)


@dg.asset(key=BUILD_DATABASE, group_name="publish", kinds={"duckdb"})
def build_database(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The run's private copy of the published warehouse; a stale build from a failed run is set aside first."""
    run = warehouse.settings()
    build, began = prepare_build(run.db_path, keep_failed=run.keep_failed_build)
    context.log.info(f"building in {build}, started from {began}")
    return dg.MaterializeResult(
        metadata={"build_path": str(build), "published_path": str(run.db_path), "started_from": began}
    )


def stale_relations_of_run(build: Path, run_id: str) -> dict[str, str]:
    """relation -> why, for the raw tables this run could not load and every mart that reads one of them."""
    blocked = {source.raw_table: source for source in blocked_sources(build, run_id)}
    stale = {
        raw_table: f"{source.status} in run {run_id}: {source.reason}"[:1000] for raw_table, source in blocked.items()
    }
    for mart, raw_tables in marts_reading(dbt_project.manifest_path, list(blocked)).items():
        stale[mart] = (
            f"not rebuilt in run {run_id}: reads {', '.join(raw_tables)} "
            f"({', '.join(blocked[table].status for table in raw_tables)})"
        )
    return stale


def published_warehouse_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """Build the publish asset downstream of every raw and dbt asset, so it runs only when all of them succeeded."""

    @dg.asset(key=PUBLISHED_WAREHOUSE, group_name="publish", kinds={"duckdb"}, deps=upstream)
    def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        """The warehouse readers open: the build, with marts.build_info, renamed over it in one atomic step."""
        run = warehouse.settings()
        stale = stale_relations_of_run(run.build_path, context.run.run_id)
        # the marts were built (or left, unchanged) with the project as it is now: kept for the next run's skip test
        project = project_fingerprint(dbt_project.project_dir)
        write_build_info(
            run.build_path, context.run.run_id, _run_started_at(context), datetime.now(UTC), stale, project
        )
        publish(run.build_path, run.db_path)
        context.log.info(f"published {run.db_path}" + (f"; not refreshed: {sorted(stale)}" if stale else ""))
        return dg.MaterializeResult(
            metadata={
                "published_path": str(run.db_path),
                "run_id": context.run.run_id,
                "stale": dg.MetadataValue.json(stale),
            }
        )

    return published_warehouse


def published_spark_marts_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The Spark engine's publish step, downstream of every raw and dbt asset like the DuckDB one."""

    @dg.asset(key="published_spark_marts", group_name="publish", kinds={"spark", "parquet"}, deps=upstream)
    def published_spark_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        """The Parquet marts Spark built, published by switching the warehouse/spark symlink in one atomic step."""
        run = warehouse.settings()
        spark_build = run.spark_runs_dir / context.run.run_id
        info = write_spark_build_info(spark_build, context.run.run_id, _run_started_at(context), datetime.now(UTC))
        publish_spark_build(spark_build, run.spark_link)
        # the DuckDB build only carried the load and validation; the DuckDB warehouse itself stays as it was
        discard_build(run.build_path)
        context.log.info(f"published {run.spark_link} -> {spark_build.name}")
        return dg.MaterializeResult(
            metadata={
                "published_path": str(run.spark_link),
                "run_id": context.run.run_id,
                "mart_rows": dg.MetadataValue.json(info["mart_rows"]),
            }
        )

    return published_spark_marts


def evening_verdict_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The last step of the daily run: it fails the run, after everything else was published, when a source could
    not be loaded, so the run is marked failed, `stresswatch run` exits 1 and the failure sensor alerts."""

    @dg.asset(key="evening_verdict", group_name="publish", deps=upstream)
    def evening_verdict(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        """Whether every source of tonight's run was loaded; fails naming each source that was not, and why."""
        run = warehouse.settings()
        # the build was renamed over the published file: tonight's load log is in the published warehouse now
        blocked = blocked_sources(run.db_path, context.run.run_id)
        if blocked:
            raise dg.Failure(
                description="; ".join(f"{source.source}: {source.status}: {source.reason}" for source in blocked),
                metadata={
                    "sources": [source.source for source in blocked],
                    "steps": [f"raw.{source.raw_table.removeprefix('raw.')}" for source in blocked],
                },
                allow_retries=False,
            )
        return dg.MaterializeResult(metadata={"sources_loaded": "all"})

    return evening_verdict
