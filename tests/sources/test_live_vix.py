"""Cboe's VIX history fetched live from a local replica of cdn.cboe.com (127.0.0.1, the sample's real VIX in Cboe's
published shape): the same rows as the replay of cboe/vix-daily.csv, retried on a 503, refused when cut short."""

from datetime import date

import duckdb
import pandas as pd
import pytest

from orchestration.loading import load_source
from orchestration.settings import SAMPLE_DATA_DIR
from orchestration.sources.errors import SourceFormatError
from orchestration.sources.http import PoliteSession
from orchestration.sources.live_prices import LivePriceClient
from orchestration.sources.live_vix import CboeVixHistory
from orchestration.sources.replay import ReplayPriceClient
from orchestration.validation import ValidationGate
from tests.conftest import FIXTURES
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
    assert live["_line"].iloc[0] == 2 and live["_file"].iloc[0] == replica.url + \
        "/api/global/us_indices/daily_prices/VIX_History.csv"


def test_an_evening_asks_for_the_file_and_keeps_the_sessions_from_its_start(cboe):
    live = CboeVixHistory(cboe().url, session=quick_session()).fetch(date(2025, 12, 24))
    assert live.trade_date.min() == date(2025, 12, 24) and live.trade_date.max() == date(2025, 12, 31)


def test_a_body_cut_mid_line_is_refused_naming_the_url_and_line(cboe):
    size = len(VIX_FILE.read_bytes())
    with pytest.raises(SourceFormatError, match=r"VIX_History\.csv, line \d+") as refused:
        CboeVixHistory(cboe(cut_at=size - 20).url, session=quick_session()).fetch(None)
    assert refused.value.check in ("fields_match_header", "values_are_present")


def test_the_live_price_client_brings_the_vix_with_the_yfinance_bars(cboe):
    bars = pd.read_csv(FIXTURES / "prices" / "NVDA_yahoo_header.csv", index_col="Date", parse_dates=True)
    bars = bars.drop(columns="Adj Close")
    bars.columns = pd.MultiIndex.from_product([bars.columns, ["NVDA"]], names=["Price", "Ticker"])
    client = LivePriceClient(["NVDA"], download=lambda symbol, **kwargs: bars,
                             vix=CboeVixHistory(cboe().url, session=quick_session()))
    frame = client.fetch({"NVDA": date(2025, 11, 10), "VIX": date(2025, 12, 1)})
    assert set(frame.symbol) == {"NVDA", "VIX"}
    assert frame[frame.symbol == "VIX"].trade_date.min() == date(2025, 12, 1)
    assert "Cboe's VIX history" in client.describe()


def test_a_symbol_the_feed_returns_nothing_for_is_a_warning_of_the_load_not_silence(cboe, tmp_path):
    bars = pd.read_csv(FIXTURES / "prices" / "NVDA_yahoo_header.csv", index_col="Date", parse_dates=True)
    bars = bars.drop(columns="Adj Close")
    bars.loc[bars.index[3], "Close"] = float("nan")  # the feed's bar without a close on 2025-11-13

    def download(symbol, **kwargs):
        return bars if symbol == "NVDA" else pd.DataFrame()  # a delisted or renamed symbol

    client = LivePriceClient(["NVDA", "GONE"], download=download,
                             vix=CboeVixHistory(cboe().url, session=quick_session()))
    db = tmp_path / "stresswatch.duckdb"
    result = load_source(db, client, "run-1", None, gate=ValidationGate(tmp_path / "gx"), today=date(2025, 12, 31))
    assert result.status == "loaded" and result.inserted == 9 + len(replayed_vix())
    notes = [failure for failure in result.warnings if failure.check == "everything_fetched"]
    assert len(notes) == 1 and notes[0].unexpected_count == 2
    assert "GONE: yfinance returned no bars" in notes[0].describe()
    assert "NVDA: 1 bar(s) without a close left out (2025-11-13)" in notes[0].describe()
    with duckdb.connect(str(db), read_only=True) as con:
        assert "GONE" in con.execute("select warnings from raw.load_log").fetchone()[0]
