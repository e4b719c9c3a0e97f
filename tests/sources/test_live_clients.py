"""Live clients against recorded real responses: no test here reaches the network."""

import io
import json
from datetime import date
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import quoteattr

import pytest
import responses

from orchestration.ingest.sources.errors import MissingCredentialError
from orchestration.ingest.sources.http import HttpError, PoliteSession
from orchestration.ingest.sources.live_fred import LiveFredClient
from orchestration.ingest.sources.live_sec import COMPANYFACTS_URL, LiveSecClient
from orchestration.ingest.sources.live_treasury import AUCTIONS_URL, LiveTreasuryClient
from tests.conftest import FIXTURES


def fred_xml(payload: dict) -> bytes:
    """The XML body FRED sends fredapi, built from a recorded JSON response (same attributes)."""
    rows = "".join(
        f"<observation realtime_start={quoteattr(o['realtime_start'])} realtime_end={quoteattr(o['realtime_end'])} "
        f"date={quoteattr(o['date'])} value={quoteattr(o['value'])}/>"
        for o in payload["observations"]
    )
    return (
        f'<?xml version="1.0" encoding="utf-8" ?><observations count="{payload["count"]}" '
        f'offset="{payload["offset"]}" limit="{payload["limit"]}">{rows}</observations>'
    ).encode()


@pytest.fixture
def recorded_fred(monkeypatch):
    """Serve recorded FRED responses to fredapi by series id, and keep the URLs it asked for."""
    bodies = {
        "FEDFUNDS": json.loads((FIXTURES / "fred_api" / "observations_fedfunds.json").read_text()),
        "NOTHING": json.loads((FIXTURES / "fred_api" / "observations_empty.json").read_text()),
    }
    asked = []

    def urlopen(url):
        asked.append(url)
        series_id = parse_qs(urlparse(url).query)["series_id"][0]
        return io.BytesIO(fred_xml(bodies[series_id]))

    monkeypatch.setattr("fredapi.fred.urlopen", urlopen)
    return asked


def test_fred_live_client_reads_recorded_observations(recorded_fred):
    client = LiveFredClient(["FEDFUNDS", "NOTHING"], api_key="test-key")
    frame = client.fetch({"FEDFUNDS": date(2019, 1, 1)})
    assert len(frame) == 790 and set(frame.series_id) == {"FEDFUNDS"}
    assert frame.set_index("obs_date").loc[date(1954, 7, 1), "value"] == pytest.approx(0.8)
    query = parse_qs(urlparse(recorded_fred[0]).query)
    assert query["observation_start"] == ["2019-01-01"] and query["api_key"] == ["test-key"]
    assert "observation_start" not in parse_qs(urlparse(recorded_fred[1]).query)


def test_fred_without_key_fails_before_any_request(recorded_fred, monkeypatch):
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    with pytest.raises(MissingCredentialError, match="FRED_API_KEY"):
        LiveFredClient(["FEDFUNDS"])
    assert recorded_fred == []


def _pages(size: int) -> list[dict]:
    body = json.loads((FIXTURES / "treasury" / "fiscaldata_auctions_query_bills_2026-01.json").read_text())
    records = body["data"]
    chunks = [records[start : start + size] for start in range(0, len(records), size)]
    return [
        {
            "data": chunk,
            "meta": {**body["meta"], "count": len(chunk), "total-count": len(records), "total-pages": len(chunks)},
            "links": {"next": None if number == len(chunks) else f"&page%5Bnumber%5D={number + 1}"},
        }
        for number, chunk in enumerate(chunks, start=1)
    ]


@responses.activate
def test_treasury_live_client_pages_through_every_page():
    for number, page in enumerate(_pages(10), start=1):
        responses.get(
            AUCTIONS_URL,
            json=page,
            match=[responses.matchers.query_param_matcher({"page[number]": str(number)}, strict_match=False)],
        )
    client = LiveTreasuryClient(
        session=PoliteSession(sleep=lambda s: None), page_size=10, today=lambda: date(2026, 1, 30)
    )
    auctions = client.fetch({"Bill": date(2026, 1, 1)})
    assert len(responses.calls) == 3
    assert len(auctions) == 25 and auctions.cusip.nunique() == 25
    sent = parse_qs(urlparse(responses.calls[0].request.url).query)
    # announced auctions, dated ahead without results, are not asked for
    assert sent["filter"] == ["auction_date:gte:2026-01-01,auction_date:lte:2026-01-30"]
    assert sent["sort"] == ["auction_date"]


SNOWFLAKE = json.loads((FIXTURES / "sec" / "companyfacts_snowflake_excerpt.json").read_text())


@responses.activate
def test_sec_retries_a_429_then_succeeds_with_the_user_agent():
    url = COMPANYFACTS_URL.format(cik="1640147")
    assert url.endswith("CIK0001640147.json")
    responses.get(url, status=429, headers={"Retry-After": "2"})
    responses.get(url, json=SNOWFLAKE)
    slept = []
    client = LiveSecClient(
        ["1640147"], user_agent="StressWatch tests test@example.com", session=PoliteSession(sleep=slept.append)
    )
    facts = client.fetch({})
    assert len(responses.calls) == 2 and 2.0 in slept
    assert responses.calls[0].request.headers["User-Agent"] == "StressWatch tests test@example.com"
    assert set(facts.concept) >= {"GrossProfit", "StockholdersEquity"}


@responses.activate
def test_sec_gives_up_after_exhausting_retries_on_5xx():
    url = COMPANYFACTS_URL.format(cik="1640147")
    responses.get(url, status=503)
    slept = []
    client = LiveSecClient(
        ["1640147"],
        user_agent="ua test@example.com",
        session=PoliteSession(retries=3, backoff_seconds=0.5, sleep=slept.append),
    )
    with pytest.raises(HttpError, match="gave up after 4 attempts, last HTTP 503"):
        client.fetch({})
    assert len(responses.calls) == 4
    backoffs = [s for s in slept if s >= 0.5]  # the rate ceiling's waits are shorter
    # exponential backoff between attempts (0.5, 1, 2 s), each with up to 0.5 s of random jitter
    assert len(backoffs) == 3
    assert all(base <= wait <= base + 0.5 for base, wait in zip([0.5, 1.0, 2.0], backoffs))


@responses.activate
def test_sec_without_user_agent_fails_before_any_request(monkeypatch):
    monkeypatch.delenv("SEC_USER_AGENT", raising=False)
    with pytest.raises(MissingCredentialError, match="SEC_USER_AGENT"):
        LiveSecClient(["1640147"])
    assert len(responses.calls) == 0


@responses.activate
def test_polite_session_keeps_to_ten_requests_a_second():
    responses.get("https://example.test/x", json={})
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    session = PoliteSession(max_per_second=10, sleep=sleep, clock=lambda: now[0])
    for _ in range(5):
        session.get_json("https://example.test/x")
    assert len(slept) == 4 and all(s == pytest.approx(0.1) for s in slept)
