"""Treasury auction results: Fiscal Data `auctions_query` and TreasuryDirect `securities/*`, one raw schema."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.values import ORIGIN_COLUMNS, blank_to_na, read_json, to_date, to_number

# raw column -> (Fiscal Data field, TreasuryDirect field). Amounts are US dollars, rates percent, as published.
_TEXT_FIELDS = {
    "cusip": ("cusip", "cusip"),
    "security_type": ("security_type", "securityType"),
    "security_term": ("security_term", "securityTerm"),
    "reopening": ("reopening", "reopening"),
}
_DATE_FIELDS = {
    "auction_date": ("auction_date", "auctionDate"),
    "issue_date": ("issue_date", "issueDate"),
    "maturity_date": ("maturity_date", "maturityDate"),
}
_NUMBER_FIELDS = {
    "offering_amount": ("offering_amt", "offeringAmount"),
    "bid_to_cover_ratio": ("bid_to_cover_ratio", "bidToCoverRatio"),
    "high_yield": ("high_yield", "highYield"),
    "high_discount_rate": ("high_discnt_rate", "highDiscountRate"),
    "high_investment_rate": ("high_investment_rate", "highInvestmentRate"),
    "high_price": ("high_price", "highPrice"),
    "interest_rate": ("int_rate", "interestRate"),
    "competitive_tendered": ("comp_tendered", "competitiveTendered"),
    "competitive_accepted": ("comp_accepted", "competitiveAccepted"),
    "total_tendered": ("total_tendered", "totalTendered"),
    "total_accepted": ("total_accepted", "totalAccepted"),
    "direct_bidder_accepted": ("direct_bidder_accepted", "directBidderAccepted"),
    "indirect_bidder_accepted": ("indirect_bidder_accepted", "indirectBidderAccepted"),
    "primary_dealer_accepted": ("primary_dealer_accepted", "primaryDealerAccepted"),
    "soma_accepted": ("soma_accepted", "somaAccepted"),
}
# every raw column read from the API's fields, with its (Fiscal Data, TreasuryDirect) names
FIELD_NAMES = {**_TEXT_FIELDS, **_DATE_FIELDS, **_NUMBER_FIELDS}
TREASURY_COLUMNS = [
    "cusip",
    "auction_date",
    "issue_date",
    "maturity_date",
    "security_type",
    "security_term",
    "reopening",
    *_NUMBER_FIELDS,
    "source",
]
FISCAL_DATA = 0
TREASURY_DIRECT = 1
_SHAPE_NAMES = {FISCAL_DATA: "fiscaldata_auctions_query", TREASURY_DIRECT: "treasurydirect_securities"}


def detect_shape(payload: object, where: str) -> tuple[int, list[dict]]:
    """Tell the two shapes apart and return their records; anything else names what is missing."""
    if isinstance(payload, dict):
        if "data" not in payload:
            raise SourceFormatError(
                where,
                f"JSON object without a 'data' list (keys: {sorted(payload)[:8]}); "
                "expected a Fiscal Data auctions_query response",
            )
        records, shape, key = payload["data"], FISCAL_DATA, "auction_date"
    elif isinstance(payload, list):
        records, shape, key = payload, TREASURY_DIRECT, "auctionDate"
    else:
        raise SourceFormatError(where, "expected a JSON object (Fiscal Data) or array (TreasuryDirect)")
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise SourceFormatError(where, "auction records must be JSON objects")
    for index, record in enumerate(records):
        missing = [name for name in ("cusip", key) if name not in record]
        if missing:
            raise SourceFormatError(
                where,
                f"missing field(s) {missing} for the {_SHAPE_NAMES[shape]} shape",
                line=index + 1,
                line_kind="record",
            )
    return shape, records


def parse_treasury_payload(payload: object, where: str) -> pd.DataFrame:
    """Map either shape's records (all values are strings) onto raw.treasury_auctions columns."""
    shape, records = detect_shape(payload, where)
    table = pd.DataFrame.from_records(records)
    columns: dict[str, pd.Series] = {}

    def field(names: tuple[str, str]) -> pd.Series:
        name = names[shape]
        if name not in table.columns:
            return pd.Series([None] * len(table), dtype="string")
        return table[name].astype("string")

    for raw_name, names in _TEXT_FIELDS.items():
        columns[raw_name] = blank_to_na(field(names))
    for raw_name, names in _DATE_FIELDS.items():
        columns[raw_name] = to_date(field(names), where, names[shape], first_line=1, line_kind="record")
    for raw_name, names in _NUMBER_FIELDS.items():
        columns[raw_name] = to_number(field(names), where, names[shape], first_line=1, line_kind="record")
    frame = pd.DataFrame(columns)
    frame["source"] = _SHAPE_NAMES[shape]
    frame["_file"] = where
    frame["_line"] = range(1, len(frame) + 1)
    return frame[TREASURY_COLUMNS + ORIGIN_COLUMNS]


def read_treasury_file(path: Path) -> pd.DataFrame:
    """Read one `treasury/*.json` file of either shape."""
    return parse_treasury_payload(read_json(path), str(path))


def merge_auction_files(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack auctions from several files; the same auction twice with the same values is one auction.

    Conflicting duplicates are kept on purpose: the loader refuses a batch whose keys repeat, naming them.
    """
    if not frames:
        return pd.DataFrame(columns=TREASURY_COLUMNS + ORIGIN_COLUMNS)
    stacked = pd.concat(frames, ignore_index=True)
    values = [column for column in TREASURY_COLUMNS if column != "source"]
    return stacked.drop_duplicates(subset=values).reset_index(drop=True)
