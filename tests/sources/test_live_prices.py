"""Live prices from a local replica of Yahoo's chart API and of cdn.cboe.com (127.0.0.1, the sample's real bars): the
same rows as the replay, retried on a 503, an unknown symbol said, and a split
served by the feed loaded as one basis."""

from datetime import date

import duckdb
import pandas as pd
import pytest

from orchestration.ingest.loading import load_source
from orchestration.ingest.sources.http import PoliteSession
from orchestration.ingest.sources.live_prices import LivePriceClient
from orchestration.ingest.sources.live_vix import CboeVixHistory
from orchestration.ingest.sources.replay import ReplayPriceClient
from orchestration.ingest.validation import ValidationGate
from orchestration.settings import SAMPLE_DATA_DIR, live_price_symbols
from tests.replica_server import cboe_vix_history_answer, yahoo_chart_answer

BAR_COLUMNS = ["symbol", "trade_date", "open", "high", "low", "close", "volume"]
SPLIT = ("NVDA", "2025-12-22", 4)  # made up for the test: the sample's real NVDA bars, served before it x4


def quick_session() -> PoliteSession:
    return PoliteSession(backoff_seconds=0.01, sleep=lambda seconds: None)


@pytest.fixture
def feed(replica_of):
    """A live price client against replicas of Yahoo's chart API and Cboe's site, both serving the sample."""

    def client(symbols=None, **options) -> tuple[LivePriceClient, object]:
        symbols = live_price_symbols() if symbols is None else symbols
        yahoo = replica_of(yahoo_chart_answer(SAMPLE_DATA_DIR / "prices", **options))
        cboe = replica_of(cboe_vix_history_answer(SAMPLE_DATA_DIR / "cboe" / "vix-daily.csv"))
        return LivePriceClient(
            symbols, base_url=yahoo.url, session=quick_session(), vix=CboeVixHistory(cboe.url, session=quick_session())
        ), yahoo

    return client


def bars(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[BAR_COLUMNS].sort_values(["symbol", "trade_date"]).reset_index(drop=True)


def test_the_live_feed_equals_the_replayed_sample_after_a_503_for_every_symbol(feed):
    client, yahoo = feed(fail_first=True)
    live = client.fetch({})
    assert len(yahoo.requests) == 2 * len(live_price_symbols())  # each symbol: the 503, then its bars
    assert "/v8/finance/chart/%5EGSPC?period1=-2208988800&" in " ".join(yahoo.requests)  # from 1900, caret quoted
    pd.testing.assert_frame_equal(bars(live), bars(ReplayPriceClient(SAMPLE_DATA_DIR).fetch({})), check_dtype=False)
    assert set(live.source) == {"yahoo_chart", client.vix.url}


def test_an_evening_asks_each_symbol_from_its_start(feed):
    client, yahoo = feed(symbols=["SPY"])
    live = client.fetch({"SPY": date(2025, 12, 22), "VIX": date(2025, 12, 29)})
    assert yahoo.requests[0].startswith("/v8/finance/chart/SPY?period1=1766361600&")  # 2025-12-22 00:00 UTC
    assert live[live.symbol == "SPY"].trade_date.min() == date(2025, 12, 22)
    assert live[live.symbol == "VIX"].trade_date.min() == date(2025, 12, 29)


def test_a_symbol_the_feed_does_not_know_is_a_warning_of_the_load_not_silence(feed, tmp_path):
    client, _ = feed(symbols=["SPY", "GONE"])
    db = tmp_path / "stresswatch.duckdb"
    result = load_source(db, client, "run-1", None, gate=ValidationGate(tmp_path / "gx"), today=date(2025, 12, 31))
    assert result.status == "loaded"
    notes = [failure for failure in result.warnings if failure.check == "everything_fetched"]
    assert len(notes) == 1 and notes[0].unexpected_count == 1
    assert "GONE: Yahoo has no bars for it since its first day (delisted or renamed" in notes[0].describe()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(distinct symbol) from raw.price_bars").fetchone()[0] == 2  # SPY, VIX
        assert "GONE" in con.execute("select warnings from raw.load_log").fetchone()[0]


def nvda(db) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute(
            "select symbol, trade_date, open, high, low, close, volume from raw.price_bars "
            "where symbol = 'NVDA' order by trade_date"
        ).df()
    return frame.assign(trade_date=frame.trade_date.dt.date)


def test_a_split_served_by_the_feed_reloads_the_symbol_whole_on_one_basis(feed, tmp_path):
    db = tmp_path / "stresswatch.duckdb"
    gate = ValidationGate(tmp_path / "gx")
    before, _ = feed(symbols=["NVDA", "SPY"], until="2025-12-19", split=SPLIT)
    first = load_source(db, before, "evening-1", 10, gate=gate, today=date(2025, 12, 31))
    assert first.status == "loaded", first.reason()
    assert nvda(db).close.iloc[-1] == pytest.approx(4 * 180.76953125)  # the pre-split basis
    after, yahoo = feed(symbols=["NVDA", "SPY"], split=SPLIT)
    progress = []
    result = load_source(db, after, "evening-2", 10, gate=gate, today=date(2025, 12, 31), progress=progress.append)
    assert result.status == "loaded", result.reason()
    # NVDA asked twice (its overlap, then from its first day); SPY once, from its overlap
    assert [path.split("?")[0].rsplit("/", 1)[-1] for path in yahoo.requests] == ["NVDA", "SPY", "NVDA"]
    assert "period1=-2208988800" in yahoo.requests[2]
    fresh = ReplayPriceClient(SAMPLE_DATA_DIR).fetch({})
    pd.testing.assert_frame_equal(nvda(db), bars(fresh[fresh.symbol == "NVDA"]), check_dtype=False)
    assert any("NVDA (closes x0.25 on all" in line for line in progress)
    with duckdb.connect(str(db), read_only=True) as con:
        message = con.execute("select message from raw.load_log where run_id = 'evening-2'").fetchone()[0]
        assert "re-based and loaded whole: NVDA (closes x0.25" in message
        # SPY was not re-based: its bars before the overlap were left as they were
        assert (
            con.execute(
                "select count(*) from raw.price_bars where symbol = 'SPY' and _run_id = 'evening-1'"
            ).fetchone()[0]
            > 900
        )
