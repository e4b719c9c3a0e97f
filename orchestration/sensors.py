"""The sensors that tell people: new stress alerts, and failed runs."""

import dagster as dg

from orchestration.alerts import FailureAlert, deliver_failure_alert, deliver_new_alerts
from orchestration.resources import WarehouseResource
from orchestration.run_failures import RunFailure, describe_failure
from orchestration.schedules import daily_job, spark_job


@dg.sensor(name="stress_alerts_sensor", minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Sends each new alert of marts.fct_stress_alerts once: to the log, and as JSON to the "
                       "webhook (warehouse resource webhook_url, else $STRESSWATCH_WEBHOOK_URL) when one is set.")
def stress_alerts_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SkipReason:
    run = warehouse.settings()
    delivered = deliver_new_alerts(run.db_path, run.webhook_url, log=context.log.info)
    return dg.SkipReason(f"delivered {len(delivered)} new alert(s)")


def failure_alert_for(context: dg.RunFailureSensorContext) -> FailureAlert:
    """The failed step, the sources it names and the reason, from the run's own events."""
    run = context.dagster_run
    events = [record.dagster_event for record in context.instance.all_logs(run.run_id) if record.is_dagster_event]
    failure = describe_failure(events) or RunFailure("run", (), context.failure_event.message or "the run failed")
    return FailureAlert(run.run_id, run.job_name, failure.step, failure.sources, failure.reason)


@dg.run_failure_sensor(name="run_failure_alerts", monitored_jobs=[daily_job, spark_job],
                       default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=30,
                       description="One message per failed run, naming the step, the source and the reason: to the "
                                   "log, and as JSON to the webhook when one is set. A run is announced once.")
def run_failure_alerts(context: dg.RunFailureSensorContext, warehouse: WarehouseResource) -> None:
    # the failed run's own warehouse settings (a run may have named another warehouse or webhook than the default)
    configured = (context.dagster_run.run_config.get("resources", {}).get("warehouse", {}).get("config") or {})
    run = WarehouseResource(**configured).settings() if configured else warehouse.settings()
    deliver_failure_alert(run.db_path, failure_alert_for(context), run.webhook_url, log=context.log.error)
