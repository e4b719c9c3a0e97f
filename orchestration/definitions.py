"""The Dagster code location: assembles assets, resources, the job and its schedule."""

import dagster as dg

from orchestration.assets.claims import claim_checks_asset
from orchestration.assets.dbt import stresswatch_dbt_models
from orchestration.assets.publish import build_database, published_spark_marts_asset, published_warehouse_asset
from orchestration.assets.raw import RAW_ASSETS
from orchestration.assets.report import evening_report
from orchestration.dbt_setup import dbt_resource
from orchestration.resources import WarehouseResource
from orchestration.progress import progress_logger
from orchestration.schedules import daily_job, daily_schedule, spark_job
from orchestration.sensors import stress_alerts_sensor

fct_claim_checks = claim_checks_asset(list(stresswatch_dbt_models.keys))
published_warehouse = published_warehouse_asset(
    [key for assets in (*RAW_ASSETS, stresswatch_dbt_models, fct_claim_checks) for key in assets.keys])
published_spark_marts = published_spark_marts_asset(
    [key for assets in (*RAW_ASSETS, stresswatch_dbt_models) for key in assets.keys])

defs = dg.Definitions(
    assets=[build_database, *RAW_ASSETS, stresswatch_dbt_models, fct_claim_checks, published_warehouse,
            evening_report, published_spark_marts],
    jobs=[daily_job, spark_job],
    schedules=[daily_schedule],
    sensors=[stress_alerts_sensor],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    loggers={"progress": progress_logger},
)
