"""Cboe's VIX history fetched live from a local replica of cdn.cboe.com (127.0.0.1, the sample's real VIX in Cboe's
published shape): the same rows as the replay of cboe/vix-daily.csv, retried on a 503, refused when cut short."""

from datetime import date

import pandas as pd
import pytest

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.http import PoliteSession
from orchestration.ingest.sources.live_vix import CboeVixHistory
from orchestration.ingest.sources.replay import ReplayPriceClient
from orchestration.settings import SAMPLE_DATA_DIR
from tests.replica_server import cboe_vix_history_answer

VIX_FILE = SAMPLE_DATA_DIR / "cboe" / "vix-daily.csv"
BAR_COLUMNS = ["symbol", "trade_date", "open", "high", "low", "close"]


@pytest.fixture
def cboe(replica_of):
    """A replica of cdn.cboe.com serving the sample's VIX in Cboe's shape."""
    return lambda **options: replica_of(cboe_vix_history_answer(VIX_FILE, **options))


def quick_session() -> PoliteSession:
    return PoliteSession(backoff_seconds=0.01, sleep=lambda seconds: None)


def replayed_vix() -> pd.DataFrame:
    bars = ReplayPriceClient(SAMPLE_DATA_DIR).fetch({})
    return bars[bars.symbol == "VIX"][BAR_COLUMNS].reset_index(drop=True)


def test_the_live_vix_equals_the_replayed_file_after_a_503(cboe):
    replica = cboe(fail_first=True)
    live = CboeVixHistory(replica.url, session=quick_session()).fetch(None)
    assert len(replica.requests) == 2  # the 503, then the file
    pd.testing.assert_frame_equal(live[BAR_COLUMNS].reset_index(drop=True), replayed_vix(), check_dtype=False)
    assert (
        live["_line"].iloc[0] == 2
        and live["_file"].iloc[0] == replica.url + "/api/global/us_indices/daily_prices/VIX_History.csv"
    )


def test_an_evening_asks_for_the_file_and_keeps_the_sessions_from_its_start(cboe):
    live = CboeVixHistory(cboe().url, session=quick_session()).fetch(date(2025, 12, 24))
    assert live.trade_date.min() == date(2025, 12, 24) and live.trade_date.max() == date(2025, 12, 31)


def test_a_body_cut_mid_line_is_refused_naming_the_url_and_line(cboe):
    size = len(VIX_FILE.read_bytes())
    with pytest.raises(SourceFormatError, match=r"VIX_History\.csv, line \d+") as refused:
        CboeVixHistory(cboe(cut_at=size - 20).url, session=quick_session()).fetch(None)
    assert refused.value.check in ("fields_match_header", "values_are_present")
