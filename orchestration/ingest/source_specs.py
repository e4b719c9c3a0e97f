"""One spec per source family: the raw tables it loads, the data-directory folders each is replayed from and the
clients that fetch it. The family list, the client factory, the data-directory check, the replay clients' folders
and the raw assets are derived from SPECS; a table's columns and key live in raw_tables.py, its suite in
expectations/<table>.json, its deadline in dbt's _raw__sources.yml, its staging model in dbt_project/models/staging."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSource:
    """One raw table of a family and how it is fetched."""

    table: str  # the raw table (raw_tables.py), also the raw asset's name and the suite's file name
    description: str  # the raw asset's one line
    folders: tuple[str, ...]  # the data-directory folders its replay client reads
    replay: str  # "module:class" of the client reading a data directory, built with the directory
    live: str  # "module:function" building the client of the public API from the run's settings


@dataclass(frozen=True)
class SourceSpec:
    family: str
    tables: tuple[TableSource, ...]  # the first is the family's main table

    @property
    def folders(self) -> tuple[str, ...]:
        return tuple(folder for source in self.tables for folder in source.folders)


_SOURCES = "orchestration.ingest.sources"

SPECS = {
    spec.family: spec
    for spec in (
        SourceSpec(
            "prices",
            (
                TableSource(
                    "price_bars",
                    "Daily OHLCV bars for indexes, ETFs and mega-cap stocks, plus Cboe's VIX history.",
                    ("prices", "cboe"),
                    f"{_SOURCES}.replay:ReplayPriceClient",
                    f"{_SOURCES}.live_prices:from_settings",
                ),
            ),
        ),
        SourceSpec(
            "fred",
            (
                TableSource(
                    "fred_observations",
                    "FRED series: Treasury yields, VIX, ICE BofA credit spreads, core CPI, fed funds.",
                    ("fred",),
                    f"{_SOURCES}.replay:ReplayFredClient",
                    f"{_SOURCES}.live_fred:from_settings",
                ),
                TableSource(
                    "fred_vintages",
                    "ALFRED vintages of the FRED series: each value with the days it was FRED's answer.",
                    ("alfred",),
                    f"{_SOURCES}.replay:ReplayFredVintageClient",
                    f"{_SOURCES}.live_fred:vintages_from_settings",
                ),
            ),
        ),
        SourceSpec(
            "treasury",
            (
                TableSource(
                    "treasury_auctions",
                    "US Treasury auction results from Fiscal Data and TreasuryDirect, one row per auction.",
                    ("treasury",),
                    f"{_SOURCES}.replay:ReplayTreasuryClient",
                    f"{_SOURCES}.live_treasury:from_settings",
                ),
            ),
        ),
        SourceSpec(
            "sec",
            (
                TableSource(
                    "sec_company_facts",
                    "SEC EDGAR XBRL company facts, one row per reported fact and filing.",
                    ("sec",),
                    f"{_SOURCES}.replay:ReplaySecClient",
                    f"{_SOURCES}.live_sec:from_settings",
                ),
            ),
        ),
    )
}

SOURCE_FAMILIES = tuple(SPECS)
FAMILY_FOLDERS = tuple(folder for spec in SPECS.values() for folder in spec.folders)


def table_source(table: str) -> tuple[SourceSpec, TableSource]:
    """The family and the fetch of one raw table."""
    for spec in SPECS.values():
        for source in spec.tables:
            if source.table == table:
                return spec, source
    raise KeyError(f"no source family loads raw.{table}")
