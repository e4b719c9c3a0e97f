"""One raw asset per source family: fetch the increment and upsert it into schema raw in one transaction."""


import dagster as dg

from orchestration.loading import load_source
from orchestration.resources import WarehouseResource
from orchestration.sources.factory import build_client


def _load(context: dg.AssetExecutionContext, warehouse: WarehouseResource, family: str) -> dg.MaterializeResult:
    run = warehouse.settings()
    client = build_client(family, run)
    result = load_source(run.db_path, client, context.run_id, warehouse.overlap_days, progress=context.log.info)
    return dg.MaterializeResult(metadata={
        "rows_in": result.rows_in,
        "rows_inserted": result.inserted,
        "rows_updated": result.updated,
        "rows_unchanged": result.unchanged,
        "window_start": str(result.window_start),
        "window_end": str(result.window_end),
        "origin": client.describe(),
    })


_RAW = dict(key_prefix="raw", group_name="raw", kinds={"duckdb"})


@dg.asset(name="price_bars", **_RAW)
def raw_price_bars(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Daily OHLCV bars for indexes, ETFs and mega-cap stocks, plus Cboe's VIX history."""
    return _load(context, warehouse, "prices")


@dg.asset(name="fred_observations", **_RAW)
def raw_fred_observations(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """FRED series: Treasury yields, VIX, ICE BofA credit spreads, core CPI, fed funds."""
    return _load(context, warehouse, "fred")


@dg.asset(name="treasury_auctions", **_RAW)
def raw_treasury_auctions(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """US Treasury auction results from Fiscal Data and TreasuryDirect, one row per auction."""
    return _load(context, warehouse, "treasury")


@dg.asset(name="sec_company_facts", **_RAW)
def raw_sec_company_facts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """SEC EDGAR XBRL company facts, one row per reported fact and filing."""
    return _load(context, warehouse, "sec")


RAW_ASSETS = [raw_price_bars, raw_fred_observations, raw_treasury_auctions, raw_sec_company_facts]
