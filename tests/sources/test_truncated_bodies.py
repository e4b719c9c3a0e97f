"""A body cut short by the network is refused naming the source (the series, symbol or URL), for every live service,
through its real client against a local replica that cuts its answers halfway."""

import re

import pytest

from orchestration.ingest.sources.http import PoliteSession
from orchestration.ingest.sources.live_fred import LiveFredClient
from orchestration.ingest.sources.live_prices import LivePriceClient
from orchestration.ingest.sources.live_sec import LiveSecClient
from orchestration.ingest.sources.live_treasury import LiveTreasuryClient
from orchestration.ingest.sources.live_vix import CboeVixHistory
from orchestration.settings import SAMPLE_DATA_DIR
from tests.replica_server import (
    cboe_vix_history_answer,
    fiscal_data_auctions_answer,
    fred_observations_answer,
    sec_companyfacts_answer,
    truncated,
    yahoo_chart_answer,
)


def quick_session() -> PoliteSession:
    return PoliteSession(backoff_seconds=0.01, sleep=lambda seconds: None)


def fred(replica_of):
    replica = replica_of(truncated(fred_observations_answer(SAMPLE_DATA_DIR / "fred"), "series_id=DGS2"))
    return LiveFredClient(
        ["DGS10", "DGS2"], api_key="replica-key", base_url=f"{replica.url}/fred", sleep=lambda seconds: None
    )


def prices(replica_of):
    yahoo = replica_of(truncated(yahoo_chart_answer(SAMPLE_DATA_DIR / "prices"), "/QQQ"))
    cboe = replica_of(cboe_vix_history_answer(SAMPLE_DATA_DIR / "cboe" / "vix-daily.csv"))
    return LivePriceClient(
        ["SPY", "QQQ"],
        base_url=yahoo.url,
        session=quick_session(),
        vix=CboeVixHistory(cboe.url, session=quick_session()),
    )


def treasury(replica_of):
    replica = replica_of(truncated(fiscal_data_auctions_answer(SAMPLE_DATA_DIR / "treasury")))
    return LiveTreasuryClient(base_url=replica.url, session=quick_session())


def sec(replica_of):
    replica = replica_of(truncated(sec_companyfacts_answer(SAMPLE_DATA_DIR / "sec")))
    return LiveSecClient(
        ["1640147"], user_agent="StressWatch tests tests@example.com", base_url=replica.url, session=quick_session()
    )


@pytest.mark.parametrize(
    ("client", "named"),
    [
        (fred, "FRED series DGS2: ParseError"),
        (prices, "QQQ: http://127.0.0.1:<port>/v8/finance/chart/QQQ: response is not valid JSON"),
        (treasury, "http://127.0.0.1:<port>/v1/accounting/od/auctions_query: response is not valid JSON"),
        (sec, "http://127.0.0.1:<port>/api/xbrl/companyfacts/CIK0001640147.json: response is not valid JSON"),
    ],
)
def test_a_truncated_body_is_refused_naming_the_source(replica_of, client, named):
    with pytest.raises(Exception) as refused:
        client(replica_of).fetch({})
    assert re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", str(refused.value)).startswith(named)
