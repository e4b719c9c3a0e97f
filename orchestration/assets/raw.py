"""One raw asset per source family: fetch the increment, validate it, and upsert or quarantine it atomically."""

import json

import dagster as dg

from orchestration.assets.publish import BUILD_DATABASE
from orchestration.loading import gx_root_for, load_source
from orchestration.resources import WarehouseResource
from orchestration.sources.factory import build_client
from orchestration.validation import ValidationGate

PASSES_EXPECTATIONS = "passes_expectations"
NO_WARNINGS = "no_warnings"


def _check_specs(name: str) -> list[dg.AssetCheckSpec]:
    key = dg.AssetKey(["raw", name])
    return [
        dg.AssetCheckSpec(PASSES_EXPECTATIONS, asset=key, blocking=True,
                          description=f"The batch passed every error-level expectation of expectations/{name}.json; "
                                      "when it fails the batch is quarantined and dbt does not run."),
        dg.AssetCheckSpec(NO_WARNINGS, asset=key,
                          description=f"No warn-level expectation of expectations/{name}.json failed "
                                      "(staleness, large one-day moves); never blocks."),
    ]


def _load(context: dg.AssetExecutionContext, warehouse: WarehouseResource, family: str) -> dg.MaterializeResult:
    run = warehouse.settings()
    client = build_client(family, run)
    result = load_source(warehouse.build_path(), client, context.run.run_id,
                         None if warehouse.full_reload else warehouse.overlap_days,
                         gate=ValidationGate(gx_root_for(run.db_path)), progress=context.log.info)
    errors = [failure.as_record() for failure in result.errors]
    warnings = [failure.as_record() for failure in result.warnings]
    return dg.MaterializeResult(
        metadata={
            "status": result.status,
            "rows_in": result.rows_in,
            "rows_inserted": result.inserted,
            "rows_updated": result.updated,
            "rows_unchanged": result.unchanged,
            "window_start": str(result.window_start),
            "window_end": str(result.window_end),
            "validation_seconds": round(result.validation_seconds, 3),
            "origin": client.describe(),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=PASSES_EXPECTATIONS, passed=not result.blocked, severity=dg.AssetCheckSeverity.ERROR,
                description=result.reason() if result.blocked else "every error-level expectation held",
                metadata={"failed_expectations": dg.MetadataValue.json(errors)},
            ),
            dg.AssetCheckResult(
                check_name=NO_WARNINGS, passed=not warnings, severity=dg.AssetCheckSeverity.WARN,
                metadata={"warnings": dg.MetadataValue.text(json.dumps(warnings))},
            ),
        ],
    )


_RAW = dict(key_prefix="raw", group_name="raw", kinds={"duckdb"}, deps=[BUILD_DATABASE])


@dg.asset(name="price_bars", check_specs=_check_specs("price_bars"), **_RAW)
def raw_price_bars(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Daily OHLCV bars for indexes, ETFs and mega-cap stocks, plus Cboe's VIX history."""
    return _load(context, warehouse, "prices")


@dg.asset(name="fred_observations", check_specs=_check_specs("fred_observations"), **_RAW)
def raw_fred_observations(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """FRED series: Treasury yields, VIX, ICE BofA credit spreads, core CPI, fed funds."""
    return _load(context, warehouse, "fred")


@dg.asset(name="treasury_auctions", check_specs=_check_specs("treasury_auctions"), **_RAW)
def raw_treasury_auctions(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """US Treasury auction results from Fiscal Data and TreasuryDirect, one row per auction."""
    return _load(context, warehouse, "treasury")


@dg.asset(name="sec_company_facts", check_specs=_check_specs("sec_company_facts"), **_RAW)
def raw_sec_company_facts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """SEC EDGAR XBRL company facts, one row per reported fact and filing."""
    return _load(context, warehouse, "sec")


RAW_ASSETS = [raw_price_bars, raw_fred_observations, raw_treasury_auctions, raw_sec_company_facts]
