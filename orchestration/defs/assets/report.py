"""The evening report, drawn from the published warehouse after each successful run."""

import dagster as dg

from orchestration.defs.assets.publish import PUBLISHED_WAREHOUSE
from orchestration.defs.resources import WarehouseResource
from orchestration.serve.charts.cache import ChartCache
from orchestration.serve.report import build_report


@dg.asset(key="evening_report", group_name="publish", kinds={"html"}, deps=[PUBLISHED_WAREHOUSE])
def evening_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """One self-contained HTML page of the stress charts, read from the published (read-only) warehouse."""
    run = warehouse.settings()
    charts = ChartCache.beside(run.report_path)
    path = build_report(run.db_path, run.report_path, cache=charts)
    context.log.info(f"report written to {path} ({charts.drawn} charts drawn, {charts.reused} reused: same rows)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "size_bytes": path.stat().st_size,
            "charts_drawn": charts.drawn,
            "charts_reused": charts.reused,
        }
    )
