"""The sensor that tells people a run failed (stress alerts are sent by the run itself: assets/alerts.py)."""

import dagster as dg

from orchestration.defs.resources import WarehouseResource
from orchestration.defs.run_failures import RunFailure, describe_failure
from orchestration.defs.schedules import daily_job, spark_job
from orchestration.serve.alerts import FailureAlert, deliver_failure_alert


def failure_alert_for(context: dg.RunFailureSensorContext) -> FailureAlert:
    """The failed step, the sources it names and the reason, from the run's own events."""
    run = context.dagster_run
    events = [record.dagster_event for record in context.instance.all_logs(run.run_id) if record.is_dagster_event]
    failure = describe_failure(events) or RunFailure("run", (), context.failure_event.message or "the run failed")
    return FailureAlert(run.run_id, run.job_name, failure.step, failure.sources, failure.reason)


@dg.run_failure_sensor(
    name="run_failure_alerts",
    monitored_jobs=[daily_job, spark_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="One message per failed run, naming the step, the source and the reason: to the "
    "log, and as JSON to the webhook when one is set. A run is announced once.",
)
def run_failure_alerts(context: dg.RunFailureSensorContext, warehouse: WarehouseResource) -> None:
    # the failed run's own warehouse settings (a run may have named another warehouse or webhook than the default)
    configured = context.dagster_run.run_config.get("resources", {}).get("warehouse", {}).get("config") or {}
    run = WarehouseResource(**configured).settings() if configured else warehouse.settings()
    deliver_failure_alert(run.db_path, failure_alert_for(context), run.webhook_url, log=context.log.error)
