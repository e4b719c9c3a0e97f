"""The jobs and the daily schedule: every NYSE session, after the close."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.defs.instance import WRITER_TAG
from orchestration.ingest.market_calendar import NEW_YORK, is_early_close, is_session, session_close

SPARK_PUBLISH = dg.AssetKey("published_spark_marts")
# what only the DuckDB engine does: publish the DuckDB file, check the note, draw the report, send the alerts, judge
# the run
DUCKDB_ONLY = [
    dg.AssetKey("published_warehouse"),
    dg.AssetKey("evening_report"),
    dg.AssetKey(["marts", "fct_claim_checks"]),
    dg.AssetKey("stress_alerts_sent"),
    dg.AssetKey("evening_verdict"),
]
SESSION_TAG = "stresswatch/session"
WRITER_TAGS = {WRITER_TAG: "warehouse"}

# One process, one step at a time: DuckDB allows a single writing process, and dbt (a subprocess) must find no other
# connection open when it starts.
daily_job = dg.define_asset_job(
    "stresswatch_daily",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(SPARK_PUBLISH),
    description="Load and validate every source, build the dbt models and tests, publish, draw the report. "
    "A backfill is this job with backfill_from / backfill_to set on the warehouse resource.",
    executor_def=dg.in_process_executor,
    tags=WRITER_TAGS,
)

spark_job = dg.define_asset_job(
    "stresswatch_spark",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*DUCKDB_ONLY),
    description="Load and validate every source as the daily job does, then build the marts on Spark as Parquet.",
    config={"resources": {"warehouse": {"config": {"engine": "spark"}}}},
    executor_def=dg.in_process_executor,
    tags=WRITER_TAGS,
)

# 18:30 New York: after the 16:00 close and the vendors' end-of-day files. Early closes (13:00) run at 18:30 too:
# FRED, Cboe and Treasury publish on their usual evening timetable whatever the exchange's hours.
RUN_AT = "30 18 * * 1-5"


@dg.schedule(
    name="stresswatch_daily_after_close",
    job=daily_job,
    cron_schedule=RUN_AT,
    execution_timezone=NEW_YORK,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The daily job on every NYSE session at 18:30 New York time; none on exchange holidays.",
)
def daily_schedule(context: dg.ScheduleEvaluationContext):
    session = context.scheduled_execution_time.astimezone(ZoneInfo(NEW_YORK)).date()
    if not is_session(session):
        return dg.SkipReason(f"{session} is not an NYSE session (exchange holiday): nothing to load")
    close = session_close(session)
    return dg.RunRequest(
        run_key=session.isoformat(),
        tags={
            SESSION_TAG: session.isoformat(),
            "stresswatch/close": f"{close:%H:%M}",
            "stresswatch/early_close": str(is_early_close(session)).lower(),
        },
    )
