"""The raw tables: their typed columns, natural keys, entity and date columns (one definition per table)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawTable:
    """One raw table: its typed columns (load metadata excluded) and its natural key."""

    name: str
    columns: dict[str, str]
    key: tuple[str, ...]
    entity_column: str
    date_column: str

    @property
    def qualified(self) -> str:
        return f"raw.{self.name}"


RAW_TABLES = {
    table.name: table
    for table in (
        RawTable(
            "price_bars",
            {
                "symbol": "varchar",
                "trade_date": "date",
                "open": "double",
                "high": "double",
                "low": "double",
                "close": "double",
                "volume": "double",
                "source": "varchar",
            },
            key=("symbol", "trade_date"),
            entity_column="symbol",
            date_column="trade_date",
        ),
        # Keyed on (series_id, obs_date): fredapi and CSV files give the latest release without its vintage,
        # so a revision replaces the value; `realtime_start` keeps the vintage when the API reports one.
        RawTable(
            "fred_observations",
            {"series_id": "varchar", "obs_date": "date", "value": "double", "realtime_start": "date"},
            key=("series_id", "obs_date"),
            entity_column="series_id",
            date_column="obs_date",
        ),
        # ALFRED: every vintage of a series (what FRED said about obs_date from realtime_start to realtime_end),
        # so raw answers "what did FRED say about day D on evening E" (README, "Vintages").
        RawTable(
            "fred_vintages",
            {
                "series_id": "varchar",
                "obs_date": "date",
                "realtime_start": "date",
                "realtime_end": "date",
                "value": "double",
            },
            key=("series_id", "obs_date", "realtime_start"),
            entity_column="series_id",
            date_column="realtime_start",
        ),
        RawTable(
            "treasury_auctions",
            {
                "cusip": "varchar",
                "auction_date": "date",
                "issue_date": "date",
                "maturity_date": "date",
                "security_type": "varchar",
                "security_term": "varchar",
                "reopening": "varchar",
                "offering_amount": "double",
                "bid_to_cover_ratio": "double",
                "high_yield": "double",
                "high_discount_rate": "double",
                "high_investment_rate": "double",
                "high_price": "double",
                "interest_rate": "double",
                "competitive_tendered": "double",
                "competitive_accepted": "double",
                "total_tendered": "double",
                "total_accepted": "double",
                "direct_bidder_accepted": "double",
                "indirect_bidder_accepted": "double",
                "primary_dealer_accepted": "double",
                "soma_accepted": "double",
                "source": "varchar",
            },
            key=("cusip", "auction_date"),
            entity_column="security_type",
            date_column="auction_date",
        ),
        RawTable(
            "sec_company_facts",
            {
                "cik": "varchar",
                "entity_name": "varchar",
                "taxonomy": "varchar",
                "concept": "varchar",
                "unit": "varchar",
                "period_start": "date",
                "period_end": "date",
                "value": "double",
                "accession": "varchar",
                "fiscal_year": "integer",
                "fiscal_period": "varchar",
                "form": "varchar",
                "filed": "date",
                "frame": "varchar",
            },
            key=("cik", "taxonomy", "concept", "unit", "period_end", "accession", "period_start"),
            entity_column="cik",
            date_column="filed",
        ),
    )
}

# Key columns that may legitimately be null (an instant fact has no period start).
NULLABLE_KEY_COLUMNS = frozenset({"period_start"})
