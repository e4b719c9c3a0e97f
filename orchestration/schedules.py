"""The daily job and its schedule: weekdays after the US close."""

from __future__ import annotations

import dagster as dg

daily_job = dg.define_asset_job(
    "stresswatch_daily",
    selection=dg.AssetSelection.all(),
    description="Load every source, then build the dbt models and tests.",
)

daily_schedule = dg.ScheduleDefinition(
    name="stresswatch_daily_after_close",
    job=daily_job,
    cron_schedule="30 18 * * 1-5",
    execution_timezone="America/New_York",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
