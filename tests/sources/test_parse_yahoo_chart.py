"""Yahoo's chart API answer into bars on the adjusted basis (as yfinance's auto_adjust), dated where they trade."""

import json

import pytest

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.parse_yahoo_chart import ChartNotFound, parse_chart_payload
from orchestration.settings import SAMPLE_DATA_DIR
from tests.replica_server import yahoo_chart_answer


def served(symbol: str = "SPY", **options) -> dict:
    """The replica's answer for the sample's last December sessions of a symbol."""
    status, _, body = yahoo_chart_answer(SAMPLE_DATA_DIR / "prices", **options)(
        f"/v8/finance/chart/{symbol}?period1=1766361600&period2=1767225600&interval=1d", 1
    )  # 2025-12-22..31
    return json.loads(body)


def test_bars_are_dated_by_their_new_york_session_and_keep_their_record():
    frame = parse_chart_payload(served(), "chart/SPY", "SPY")
    assert frame.trade_date.astype(str).tolist() == [
        "2025-12-22",
        "2025-12-23",
        "2025-12-24",
        "2025-12-26",
        "2025-12-29",
        "2025-12-30",
        "2025-12-31",
    ]
    assert frame["_line"].tolist() == [1, 2, 3, 4, 5, 6, 7] and set(frame["_file"]) == {"chart/SPY"}


def test_prices_are_put_on_the_dividend_adjusted_basis_of_adjclose():
    payload = served()
    quote = payload["chart"]["result"][0]["indicators"]["quote"][0]
    payload["chart"]["result"][0]["indicators"]["adjclose"][0]["adjclose"] = [close * 0.99 for close in quote["close"]]
    frame = parse_chart_payload(payload, "chart/SPY", "SPY")
    assert frame.open.iloc[0] == pytest.approx(quote["open"][0] * 0.99)
    assert frame.close.iloc[0] == pytest.approx(quote["close"][0] * 0.99)
    assert frame.volume.iloc[0] == quote["volume"][0]  # volume is already split-adjusted


def test_a_session_without_any_price_is_no_bar_and_a_half_bar_is_refused():
    payload = served()
    quote = payload["chart"]["result"][0]["indicators"]["quote"][0]
    for name in ("open", "high", "low", "close"):
        quote[name][-1] = None  # the day still open
    payload["chart"]["result"][0]["indicators"]["adjclose"][0]["adjclose"][-1] = None
    assert len(parse_chart_payload(payload, "chart/SPY", "SPY")) == 6
    quote["high"][2] = None
    with pytest.raises(SourceFormatError, match=r"chart/SPY, record 3: SPY on 2025-12-24: a bar without all four"):
        parse_chart_payload(payload, "chart/SPY", "SPY")


def test_the_apis_own_error_is_not_found_and_another_shape_is_refused():
    with pytest.raises(ChartNotFound, match="No data found"):
        parse_chart_payload(served("GONE"), "chart/GONE", "GONE")
    with pytest.raises(SourceFormatError, match="'chart' object"):
        parse_chart_payload({"quoteResponse": {}}, "chart/SPY", "SPY")
