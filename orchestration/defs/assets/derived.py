"""Derived tables: what Python computes from validated raw rows before dbt reads it (schema `derived`)."""

import dagster as dg

from orchestration.defs.resources import WarehouseResource
from orchestration.ingest.derived_layer import SYSTEMIC_RISK_TABLE, refresh_systemic_risk, systemic_universe


@dg.asset(
    key=["derived", "systemic_risk_daily"],
    group_name="derived",
    kinds={"duckdb", "numpy"},
    deps=[dg.AssetKey(["raw", "price_bars"])],
)
def systemic_risk_daily(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The universe's absorption ratio and turbulence per session, point-in-time, from the raw price bars."""
    run = warehouse.settings()
    universe = systemic_universe()
    rows = refresh_systemic_risk(run.build_path, universe)
    context.log.info(f"{SYSTEMIC_RISK_TABLE}: {rows} sessions from the returns of {len(universe)} assets")
    return dg.MaterializeResult(metadata={"sessions": rows, "universe": ", ".join(universe)})
