"""The evening's stress alerts, sent by the run itself once it has published: new ones, and retractions."""

import dagster as dg

from orchestration.defs.assets.publish import PUBLISHED_WAREHOUSE
from orchestration.defs.resources import WarehouseResource
from orchestration.serve.alerts import deliver_alerts, mask_url


@dg.asset(key="stress_alerts_sent", group_name="publish", deps=[PUBLISHED_WAREHOUSE])
def stress_alerts_sent(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Each new alert of marts.fct_stress_alerts once, and a retraction for a sent one the marts no longer hold: to
    the log, and as JSON to the webhook when one is set (a webhook that is down keeps them for the next run)."""
    run = warehouse.settings()
    # the messages in one debug-level entry (the UI and `run --verbose` show it; `stresswatch status` lists the
    # alerts): an entry per message was an event-log write each, thousands on a first build of a large universe
    lines: list[str] = []
    done = deliver_alerts(run.db_path, run.webhook_url, log=lines.append)
    if lines:
        context.log.debug("\n".join(lines))
    where = f"posted to {mask_url(run.webhook_url)}" if run.webhook_url else "logged (no webhook set)"
    context.log.info(f"{len(done.sent)} new alert(s) and {len(done.retracted)} retraction(s) {where}")
    if done.pending:
        context.log.warning(f"{done.pending} alert message(s) not delivered; the next run sends them")
    return dg.MaterializeResult(
        metadata={
            "sent": len(done.sent),
            "retracted": len(done.retracted),
            "pending": done.pending,
            "webhook": mask_url(run.webhook_url) if run.webhook_url else "none (log only)",
        }
    )
