import json
from datetime import date

import pytest

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.parse_sec import parse_companyfacts, read_companyfacts_file
from tests.conftest import FIXTURES


def test_companyfacts_flatten_to_one_row_per_fact():
    facts = read_companyfacts_file(FIXTURES / "sec" / "companyfacts_snowflake_excerpt.json")
    payload = json.loads((FIXTURES / "sec" / "companyfacts_snowflake_excerpt.json").read_text())
    expected = sum(
        len(rows)
        for taxonomy in payload["facts"].values()
        for concept in taxonomy.values()
        for rows in concept["units"].values()
    )
    assert len(facts) == expected
    assert set(facts.cik) == {"1640147"}
    revenue = facts[
        (facts.concept == "RevenueFromContractWithCustomerExcludingAssessedTax")
        & (facts.period_start == date(2018, 2, 1))
        & (facts.period_end == date(2019, 1, 31))
    ]
    assert revenue.value.tolist() == [96666000.0]
    shares = facts[facts.concept == "EntityCommonStockSharesOutstanding"]
    assert shares.period_start.isna().all() and set(shares.unit) == {"shares"}


def test_value_as_text_is_an_error():
    payload = json.loads((FIXTURES / "sec" / "companyfacts_snowflake_excerpt.json").read_text())
    payload["facts"]["us-gaap"]["GrossProfit"]["units"]["USD"][2]["val"] = "95021000"
    with pytest.raises(SourceFormatError, match=r"us-gaap:GrossProfit \[USD\] fact 2 has a non-numeric value"):
        parse_companyfacts(payload, "sec/x.json")


def test_a_fragment_without_the_wrapper_names_what_is_missing():
    with pytest.raises(SourceFormatError, match=r"missing key\(s\) \['cik', 'facts'\]"):
        read_companyfacts_file(FIXTURES / "sec" / "companyfacts_alphabet_fragment_excerpt.json")


def test_truncated_json_is_an_error(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text((FIXTURES / "sec" / "companyfacts_snowflake_excerpt.json").read_text()[:1000])
    with pytest.raises(SourceFormatError, match=r"facts\.json, line \d+: invalid or truncated JSON"):
        read_companyfacts_file(path)
