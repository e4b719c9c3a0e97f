"""The daily job and its schedule: weekdays after the US close."""

from __future__ import annotations

import dagster as dg

SPARK_PUBLISH = dg.AssetKey("published_spark_marts")
# what only the DuckDB engine does: publish the DuckDB file, then check the note and draw the report from it
DUCKDB_ONLY = [dg.AssetKey("published_warehouse"), dg.AssetKey("evening_report"),
               dg.AssetKey(["marts", "fct_claim_checks"])]

daily_job = dg.define_asset_job(
    "stresswatch_daily",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(SPARK_PUBLISH),
    description="Load and validate every source, then build the dbt models and tests.",
    # One process, one step at a time: DuckDB allows a single writing process, and dbt (a subprocess) must
    # find no other connection open when it starts.
    executor_def=dg.in_process_executor,
)

daily_schedule = dg.ScheduleDefinition(
    name="stresswatch_daily_after_close",
    job=daily_job,
    cron_schedule="30 18 * * 1-5",
    execution_timezone="America/New_York",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

spark_job = dg.define_asset_job(
    "stresswatch_spark",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*DUCKDB_ONLY),
    description="Load and validate every source as the daily job does, then build the marts on Spark as Parquet.",
    config={"resources": {"warehouse": {"config": {"engine": "spark"}}}},
    executor_def=dg.in_process_executor,
)
