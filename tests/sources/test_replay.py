"""Replay clients: reading a data directory, incrementally from the tail of each price file."""

from datetime import date

from orchestration.sources.replay import ReplayPriceClient, read_tail
from orchestration.settings import SAMPLE_DATA_DIR


def test_read_tail_returns_the_header_and_the_days_from_the_start_date(tmp_path):
    source = SAMPLE_DATA_DIR / "prices" / "SPY.csv"
    tail = read_tail(source, date(2025, 12, 24), chunk_bytes=256).decode().splitlines()
    expected = [line for line in source.read_text().splitlines()[1:] if line[:10] >= "2025-12-24"]
    assert tail[0] == "date,open,high,low,close,volume"
    assert tail[1:] == expected and len(expected) == 5


def test_read_tail_before_the_first_day_reads_everything():
    source = SAMPLE_DATA_DIR / "prices" / "SPY.csv"
    assert read_tail(source, date(1990, 1, 1), chunk_bytes=300).decode().splitlines() == \
        source.read_text().splitlines()


def test_incremental_fetch_equals_filtering_a_full_fetch():
    client = ReplayPriceClient(SAMPLE_DATA_DIR)
    since = {"SPY": date(2025, 12, 1), "^GSPC": date(2024, 6, 3), "VIX": date(2025, 11, 20)}
    incremental = client.fetch(since)
    full = client.fetch({})
    starts = full.symbol.map(since)
    expected = full[starts.isna() | (full.trade_date >= starts)].reset_index(drop=True)
    assert incremental.sort_values(["symbol", "trade_date"]).reset_index(drop=True).equals(
        expected.sort_values(["symbol", "trade_date"]).reset_index(drop=True))


def test_read_tail_keeps_a_line_without_a_date_for_the_checks(tmp_path):
    path = tmp_path / "X.csv"
    path.write_text("date,open,high,low,close,volume\n2025-01-02,1,2,1,2,5\n,1,2,1,2,5\n2025-01-03,1,2,1,2,5\n")
    assert read_tail(path, date(2025, 1, 3)).decode().splitlines() == [
        "date,open,high,low,close,volume", ",1,2,1,2,5", "2025-01-03,1,2,1,2,5"]
