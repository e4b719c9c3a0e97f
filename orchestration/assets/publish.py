"""The two ends of a run: start the build database, and publish it when every load, check and dbt test passed."""

from datetime import datetime, timezone

import dagster as dg

from orchestration.publishing import discard_build, prepare_build, publish, write_build_info
from orchestration.resources import WarehouseResource
from orchestration.spark_engine import publish_spark_build, spark_runs_dir_for, write_spark_build_info

BUILD_DATABASE = dg.AssetKey(["build_database"])


@dg.asset(key=BUILD_DATABASE, group_name="publish", kinds={"duckdb"})
def build_database(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The run's private copy of the published warehouse; a stale build from a failed run is set aside first."""
    published = warehouse.settings().db_path
    build = prepare_build(published)
    context.log.info(f"building in {build}")
    return dg.MaterializeResult(metadata={"build_path": str(build), "published_path": str(published)})


def published_warehouse_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """Build the publish asset downstream of every raw and dbt asset, so it runs only when all of them succeeded."""

    @dg.asset(key="published_warehouse", group_name="publish", kinds={"duckdb"}, deps=upstream)
    def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        """The warehouse readers open: the build, with marts.build_info, renamed over it in one atomic step."""
        published = warehouse.settings().db_path
        build = warehouse.build_path()
        stats = context.instance.get_run_stats(context.run.run_id)
        started_at = (datetime.fromtimestamp(stats.start_time, timezone.utc) if stats.start_time
                      else datetime.now(timezone.utc))
        write_build_info(build, context.run.run_id, started_at, datetime.now(timezone.utc))
        publish(build, published)
        context.log.info(f"published {published}")
        return dg.MaterializeResult(metadata={"published_path": str(published), "run_id": context.run.run_id})

    return published_warehouse


def published_spark_marts_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The Spark engine's publish step, downstream of every raw and dbt asset like the DuckDB one."""

    @dg.asset(key="published_spark_marts", group_name="publish", kinds={"spark", "parquet"}, deps=upstream)
    def published_spark_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        """The Parquet marts Spark built, published by switching the warehouse/spark symlink in one atomic step."""
        db_path = warehouse.settings().db_path
        spark_build = spark_runs_dir_for(db_path) / context.run.run_id
        stats = context.instance.get_run_stats(context.run.run_id)
        started_at = (datetime.fromtimestamp(stats.start_time, timezone.utc) if stats.start_time
                      else datetime.now(timezone.utc))
        info = write_spark_build_info(spark_build, context.run.run_id, started_at, datetime.now(timezone.utc))
        link = warehouse.spark_link()
        publish_spark_build(spark_build, link)
        # the DuckDB build only carried the load and validation; the DuckDB warehouse itself stays as it was
        discard_build(warehouse.build_path())
        context.log.info(f"published {link} -> {spark_build.name}")
        return dg.MaterializeResult(metadata={"published_path": str(link), "run_id": context.run.run_id,
                                              "mart_rows": dg.MetadataValue.json(info["mart_rows"])})

    return published_spark_marts
