"""Detecting a re-based price history on the overlap: a split or a dividend re-bases every overlapping close by one
factor; a correction of one close, or float noise, does not."""

from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from orchestration.ingest.price_basis import find_rebased
from orchestration.ingest.raw_layer import ensure_raw_schema, upsert
from orchestration.ingest.raw_tables import RAW_TABLES
from tests.conftest import FIXTURES

TABLE = RAW_TABLES["price_bars"]


@pytest.fixture
def stored():
    """An in-memory raw layer holding the fixture's real SPY bars (2025-11-10..21)."""
    bars = pd.read_csv(FIXTURES / "prices" / "SPY.csv", parse_dates=["date"])
    frame = pd.DataFrame(
        {
            "symbol": "SPY",
            "trade_date": bars.date.dt.date,
            "open": bars.open,
            "high": bars.high,
            "low": bars.low,
            "close": bars.close,
            "volume": bars.volume,
            "source": "prices/SPY.csv",
        }
    )
    con = duckdb.connect()
    ensure_raw_schema(con)
    upsert(con, TABLE, frame, "run-1")
    yield con, frame
    con.close()


def refetched(frame: pd.DataFrame, factors: list[float], new_day: bool = True) -> pd.DataFrame:
    """The last sessions fetched again, each close times its factor, plus one new session."""
    tail = frame.tail(len(factors)).copy()
    tail["close"] = tail.close.to_numpy() * factors
    if new_day:
        tail = pd.concat([tail, tail.tail(1).assign(trade_date=tail.trade_date.iloc[-1] + timedelta(days=3))])
    return tail.reset_index(drop=True)


def test_a_split_re_bases_every_overlapping_close_by_one_factor(stored):
    con, frame = stored
    found = find_rebased(con, TABLE, refetched(frame, [0.25] * 5))
    assert [(rebase.symbol, round(rebase.factor, 6), rebase.overlap_sessions) for rebase in found] == [("SPY", 0.25, 5)]


def test_a_dividend_re_bases_by_a_fraction_of_a_percent(stored):
    con, frame = stored
    assert [rebase.symbol for rebase in find_rebased(con, TABLE, refetched(frame, [0.9974] * 5))] == ["SPY"]


def test_one_corrected_close_is_a_revision_not_a_new_basis(stored):
    con, frame = stored
    assert find_rebased(con, TABLE, refetched(frame, [1.0, 1.0, 0.98, 1.0, 1.0])) == []


def test_float_noise_of_a_recomputed_adjustment_is_no_change(stored):
    con, frame = stored
    assert find_rebased(con, TABLE, refetched(frame, [1 + 1e-12] * 5)) == []
    assert find_rebased(con, TABLE, refetched(frame.assign(symbol="QQQ"), [0.25] * 5)) == []  # nothing stored yet


def test_other_tables_are_never_re_based(stored):
    con, frame = stored
    assert find_rebased(con, RAW_TABLES["fred_observations"], refetched(frame, [0.25] * 5)) == []
    assert date(2025, 11, 10) in set(frame.trade_date)
