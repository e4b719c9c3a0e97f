"""The evening report, drawn from the published warehouse after each successful run."""

import dagster as dg

from orchestration.defs.assets.publish import PUBLISHED_WAREHOUSE
from orchestration.defs.resources import WarehouseResource
from orchestration.serve.report import build_report


@dg.asset(key="evening_report", group_name="publish", kinds={"html"}, deps=[PUBLISHED_WAREHOUSE])
def evening_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """One self-contained HTML page of the stress charts, read from the published (read-only) warehouse."""
    run = warehouse.settings()
    path = build_report(run.db_path, run.report_path)
    context.log.info(f"report written to {path}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "size_bytes": path.stat().st_size})
