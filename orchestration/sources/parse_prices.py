"""Daily OHLCV CSVs: the plain `date,open,...,volume` shape, Yahoo's download, and Cboe's VIX history."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from orchestration.sources.errors import SourceFormatError
from orchestration.sources.values import blank_to_na, to_date, to_number

PRICE_COLUMNS = ["symbol", "trade_date", "open", "high", "low", "close", "volume", "source"]

# Header spellings we accept, lower-cased; 'adj close' is read but not used (open/high/low are unadjusted
# in a Yahoo download, so the unadjusted close keeps each bar consistent).
_REQUIRED = ("date", "open", "high", "low", "close")


def parse_price_csv(content: str | bytes, where: str, symbol: str, source: str, volume_required: bool = True
                    ) -> pd.DataFrame:
    """Parse one symbol's daily bars into raw.price_bars columns (without the load metadata)."""
    if isinstance(content, bytes):
        content = content.decode("utf-8-sig")
    if not content.strip():
        raise SourceFormatError(where, "file is empty (expected a header 'date,open,high,low,close,volume')",
                                check="file_not_empty")
    try:
        table = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise SourceFormatError(where, f"not a readable CSV ({exc})") from exc
    table.columns = [str(name).strip().lower() for name in table.columns]
    wanted = _REQUIRED + (("volume",) if volume_required else ())
    missing = [name for name in wanted if name not in table.columns]
    if missing:
        raise SourceFormatError(
            where,
            f"unknown price header {list(table.columns)}: missing column(s) {missing}; expected "
            "'date,open,high,low,close,volume' or Yahoo's 'Date,Open,High,Low,Close,Adj Close,Volume'",
        )
    ohlc = {name: to_number(table[name], where, name) for name in ("open", "high", "low", "close")}
    frame = pd.DataFrame({
        "symbol": symbol,
        "trade_date": to_date(table["date"], where, "date"),
        **ohlc,
        "volume": to_number(table["volume"], where, "volume") if "volume" in table.columns else float("nan"),
        "source": source,
    })
    # Yahoo writes a row of 'null' on days an index did not print; such a row is not a session.
    no_prices = frame[["open", "high", "low", "close"]].isna().all(axis=1)
    return frame.loc[~no_prices, PRICE_COLUMNS].reset_index(drop=True)


def read_price_file(path: Path, symbol: str, source: str, volume_required: bool = True) -> pd.DataFrame:
    """Read and parse one price file from disk."""
    return parse_price_csv(path.read_bytes(), str(path), symbol, source, volume_required)


__all__ = ["PRICE_COLUMNS", "parse_price_csv", "read_price_file", "blank_to_na"]
