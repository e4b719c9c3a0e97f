"""The Dagster code location: assembles assets, resources, the jobs, the schedule and the sensors."""

import dagster as dg

from orchestration.defs.assets.alerts import stress_alerts_sent
from orchestration.defs.assets.claims import claim_checks_asset
from orchestration.defs.assets.dbt import stresswatch_dbt_models
from orchestration.defs.assets.derived import systemic_risk_daily
from orchestration.defs.assets.publish import (
    build_database,
    evening_verdict_asset,
    published_spark_marts_asset,
    published_warehouse_asset,
)
from orchestration.defs.assets.raw import RAW_ASSETS
from orchestration.defs.assets.report import evening_report
from orchestration.defs.dbt_setup import dbt_resource
from orchestration.defs.progress import progress_logger
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.schedules import daily_job, daily_schedule, spark_job
from orchestration.defs.sensors import run_failure_alerts

# A source that could not be loaded leaves its readers out of the dbt build, and Dagster skips every step downstream of
# an output that was not yielded. The steps after dbt therefore hang on what dbt always builds, the seeds, so that the
# rest of the evening is still checked, published and drawn.
DBT_ALWAYS_BUILT = [key for key in stresswatch_dbt_models.keys if key.path[0] == "seeds"]
fct_claim_checks = claim_checks_asset(DBT_ALWAYS_BUILT)
published_warehouse = published_warehouse_asset(
    [key for assets in RAW_ASSETS for key in assets.keys] + DBT_ALWAYS_BUILT + [fct_claim_checks.key]
)
published_spark_marts = published_spark_marts_asset(
    [key for assets in (*RAW_ASSETS, systemic_risk_daily, stresswatch_dbt_models) for key in assets.keys]
)
evening_verdict = evening_verdict_asset([published_warehouse.key, evening_report.key, stress_alerts_sent.key])

defs = dg.Definitions(
    assets=[
        build_database,
        *RAW_ASSETS,
        systemic_risk_daily,
        stresswatch_dbt_models,
        fct_claim_checks,
        published_warehouse,
        evening_report,
        stress_alerts_sent,
        evening_verdict,
        published_spark_marts,
    ],
    jobs=[daily_job, spark_job],
    schedules=[daily_schedule],
    sensors=[run_failure_alerts],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    loggers={"progress": progress_logger},
)


def daily_job_definition() -> dg.JobDefinition:
    """The daily job, for `dg.reconstructable` (execute_job in another process or on a persistent instance)."""
    return defs.resolve_job_def("stresswatch_daily")


def spark_job_definition() -> dg.JobDefinition:
    """The Spark job, for `dg.reconstructable`."""
    return defs.resolve_job_def("stresswatch_spark")
