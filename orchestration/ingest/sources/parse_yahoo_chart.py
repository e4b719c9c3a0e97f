"""Yahoo Finance's chart API (`v8/finance/chart/<symbol>`, interval 1d) into raw.price_bars rows.

The API answers split-adjusted open/high/low/close and volume, and `adjclose` (adjusted for splits and dividends).
The rows are put on the adjusted basis the way `yfinance.download(auto_adjust=True)` does, which is how the bundled
sample was made: every price times adjclose/close, the close replaced by adjclose, volume as served.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from orchestration.ingest.market_calendar import NEW_YORK
from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.parse_prices import PRICE_COLUMNS
from orchestration.ingest.sources.values import ORIGIN_COLUMNS

CHART_SOURCE = "yahoo_chart"
_PRICES = ("open", "high", "low", "close")


class ChartNotFound(Exception):
    """The API knows no bars for the symbol (its `chart.error`, e.g. 'No data found, symbol may be delisted')."""


def _result(payload: object, where: str) -> dict:
    chart = payload.get("chart") if isinstance(payload, dict) else None
    if not isinstance(chart, dict):
        raise SourceFormatError(where, "expected a JSON object with a 'chart' object (Yahoo's chart API)")
    error = chart.get("error")
    if error:
        raise ChartNotFound(
            f"{error.get('code')}: {error.get('description')}" if isinstance(error, dict) else str(error)
        )
    results = chart.get("result")
    if not isinstance(results, list) or len(results) != 1 or not isinstance(results[0], dict):
        raise SourceFormatError(where, "expected 'chart.result' to hold one result")
    return results[0]


def _column(block: object, name: str, rows: int, where: str) -> np.ndarray:
    values = block.get(name) if isinstance(block, dict) else None
    if not isinstance(values, list) or len(values) != rows:
        raise SourceFormatError(where, f"'{name}' must be a list of {rows} values, one per timestamp")
    try:
        return np.array([np.nan if value is None else float(value) for value in values], dtype="float64")
    except (TypeError, ValueError) as exc:
        raise SourceFormatError(where, f"'{name}' holds a value that is not a number ({exc})") from None


def parse_chart_payload(payload: object, where: str, symbol: str) -> pd.DataFrame:
    """One symbol's daily bars on the adjusted basis, each row naming its position in the answer (`record` n).

    A timestamp whose four prices are all null is not a session (Yahoo serves such rows for a day still open or an
    index that did not print) and is left out; a bar with some prices missing is refused, naming its record."""
    result = _result(payload, where)
    timestamps = result.get("timestamp") or []
    meta = result.get("meta") if isinstance(result.get("meta"), dict) else {}
    try:
        zone = ZoneInfo(meta.get("exchangeTimezoneName") or NEW_YORK)
    except (ZoneInfoNotFoundError, ValueError):
        raise SourceFormatError(where, f"unknown exchange time zone {meta.get('exchangeTimezoneName')!r}") from None
    rows = len(timestamps)
    if rows == 0:
        return pd.DataFrame(columns=[*PRICE_COLUMNS, *ORIGIN_COLUMNS])
    indicators = result.get("indicators") if isinstance(result.get("indicators"), dict) else {}
    quote = (indicators.get("quote") or [None])[0]
    adjusted = (indicators.get("adjclose") or [None])[0]
    prices = {name: _column(quote, name, rows, where) for name in _PRICES}
    volume = _column(quote, "volume", rows, where)
    adjclose = _column(adjusted, "adjclose", rows, where) if adjusted is not None else prices["close"]
    try:  # the session's date where it trades (a bar is stamped with its session's opening time)
        days = [datetime.fromtimestamp(int(stamp), zone).date() for stamp in timestamps]
    except (TypeError, ValueError, OverflowError) as exc:
        raise SourceFormatError(where, f"'timestamp' holds a value that is not a Unix time ({exc})") from None
    present = np.column_stack([~np.isnan(prices[name]) for name in _PRICES])
    session = present.any(axis=1)
    incomplete = session & ~(present.all(axis=1) & ~np.isnan(volume) & ~np.isnan(adjclose))
    if incomplete.any():
        position = int(incomplete.nonzero()[0][0])
        raise SourceFormatError(
            where,
            f"{symbol} on {days[position]}: a bar without all four prices, its volume "
            f"and its adjusted close ({int(incomplete.sum())} such record(s))",
            check="values_are_present",
            line=position + 1,
            line_kind="record",
        )
    factor = adjclose / prices["close"]
    frame = pd.DataFrame(
        {
            "symbol": symbol,
            "trade_date": days,
            **{name: prices[name] * factor for name in ("open", "high", "low")},
            "close": adjclose,
            "volume": volume,
            "source": CHART_SOURCE,
            "_file": where,
            "_line": np.arange(1, rows + 1, dtype="int64"),
        }
    )
    return frame.loc[session].reset_index(drop=True)
