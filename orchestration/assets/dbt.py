"""The dbt project as Dagster assets: staging, intermediate and mart models, built by one `dbt build` per run."""


import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.dbt_setup import dbt_project, keep_partial_parse, prune_run_targets
from orchestration.resources import WarehouseResource
from orchestration.spark_engine import (dbt_spark_build_args, dbt_spark_environment, export_raw_tables,
                                        start_spark_build)


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project)
def stresswatch_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Every dbt seed, model and data test, in one invocation (a dbt start-up costs seconds; one per run is enough)."""
    # The dbt subprocess opens the warehouse itself; profiles.yml reads the path from this variable.
    os.environ["STRESSWATCH_DB"] = str(warehouse.build_path())
    if warehouse.engine == "spark":
        # the validated raw tables leave the DuckDB build as Parquet; dbt registers them on Spark (on-run-start)
        spark_build = start_spark_build(warehouse.settings().db_path, context.run.run_id)
        exported = export_raw_tables(warehouse.build_path(), spark_build)
        context.log.info(f"raw tables handed to Spark as Parquet in {spark_build}: {exported}")
        os.environ.update(dbt_spark_environment(spark_build, warehouse.spark_master))
        args = dbt_spark_build_args()
    else:
        args = dbt_build_args(warehouse.full_reload)
    invocation = dbt.cli(args, context=context)
    try:
        yield from invocation.stream()
    finally:
        prune_run_targets(context.op_execution_context.op.name)
    if warehouse.engine != "spark":  # the spark target's profile would invalidate the DuckDB runs' partial parse
        keep_partial_parse(invocation.target_path)


def dbt_build_args(full_refresh: bool) -> list[str]:
    """dbt's unit tests pin formulas, not data: the test suite runs them, the daily build skips them."""
    return ["build", "--exclude-resource-type", "unit_test", *(["--full-refresh"] if full_refresh else [])]
