"""The sensor that turns new stress alerts into notifications."""

import os

import dagster as dg

from orchestration.alerts import WEBHOOK_ENV, deliver_new_alerts
from orchestration.resources import WarehouseResource


@dg.sensor(name="stress_alerts_sensor", minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Sends each new alert of marts.fct_stress_alerts once: to the log, and as JSON to "
                       f"${WEBHOOK_ENV} when it is set.")
def stress_alerts_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SkipReason:
    delivered = deliver_new_alerts(warehouse.settings().db_path, os.environ.get(WEBHOOK_ENV) or None,
                                   log=context.log.info)
    return dg.SkipReason(f"delivered {len(delivered)} new alert(s)")
