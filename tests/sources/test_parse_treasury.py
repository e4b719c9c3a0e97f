import json
from datetime import date

import pytest

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.parse_treasury import merge_auction_files, parse_treasury_payload, read_treasury_file
from tests.conftest import FIXTURES


def test_fiscal_data_shape_maps_strings_and_null_tokens():
    auctions = read_treasury_file(FIXTURES / "treasury" / "fiscaldata_auctions_query_bills_2026-01.json")
    assert len(auctions) == 25
    first = auctions.iloc[0]
    assert (first.cusip, first.auction_date, first.security_term) == ("912797SL2", date(2026, 1, 5), "13-Week")
    assert first.bid_to_cover_ratio == pytest.approx(2.84)
    assert first.high_discount_rate == pytest.approx(3.54)
    assert first.high_yield != first.high_yield  # "null" for a bill -> missing
    assert first.source == "fiscaldata_auctions_query"


def test_treasurydirect_shape_maps_camel_case_and_empty_strings():
    auctions = read_treasury_file(FIXTURES / "treasury" / "treasurydirect_search_excerpt.json")
    notes = auctions[auctions.security_term == "10-Year"].iloc[0]
    assert notes.auction_date == date(2022, 5, 11)
    assert notes.bid_to_cover_ratio == pytest.approx(2.49)
    assert notes.issue_date == date(2022, 5, 16)
    assert notes.high_discount_rate != notes.high_discount_rate  # "" -> missing
    assert notes.source == "treasurydirect_securities"


def test_the_same_auction_from_two_files_is_one_auction():
    search = read_treasury_file(FIXTURES / "treasury" / "treasurydirect_search_excerpt.json")
    bonds = read_treasury_file(FIXTURES / "treasury" / "treasurydirect_bonds_excerpt.json")
    merged = merge_auction_files([search, bonds])
    assert len(merged) == len(search) == 5
    assert not merged.duplicated(subset=["cusip", "auction_date"]).any()


def test_conflicting_duplicates_are_kept_for_the_key_check():
    search = read_treasury_file(FIXTURES / "treasury" / "treasurydirect_search_excerpt.json")
    changed = search.head(1).assign(bid_to_cover_ratio=9.9)
    assert len(merge_auction_files([search, changed])) == 6


def test_truncated_json_names_the_file(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text((FIXTURES / "treasury" / "treasurydirect_bonds_excerpt.json").read_text()[:500])
    with pytest.raises(SourceFormatError, match=r"cut\.json, line \d+: invalid or truncated JSON"):
        read_treasury_file(path)


def test_object_without_data_is_not_fiscal_data():
    with pytest.raises(SourceFormatError, match="without a 'data' list"):
        parse_treasury_payload({"meta": {}}, "x.json")


def test_record_without_auction_date_names_the_field():
    records = json.loads((FIXTURES / "treasury" / "treasurydirect_bonds_excerpt.json").read_text())
    del records[1]["auctionDate"]
    with pytest.raises(SourceFormatError, match=r"x\.json, record 2: missing field\(s\) \['auctionDate'\]"):
        parse_treasury_payload(records, "x.json")


def test_text_in_a_number_field_names_it():
    records = json.loads((FIXTURES / "treasury" / "treasurydirect_bonds_excerpt.json").read_text())
    records[0]["bidToCoverRatio"] = "two point four"
    with pytest.raises(SourceFormatError, match="column 'bidToCoverRatio' has a non-numeric value 'two point four'"):
        parse_treasury_payload(records, "x.json")
