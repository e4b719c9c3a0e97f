"""Live daily bars through `yfinance` (the optional `live` extra), incremental per symbol."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

import pandas as pd

from orchestration.sources import data_dir
from orchestration.sources.base import PriceClient
from orchestration.sources.live_vix import CboeVixHistory
from orchestration.sources.parse_prices import PRICE_COLUMNS
from orchestration.sources.values import ORIGIN_COLUMNS


def _yfinance_download() -> Callable[..., pd.DataFrame]:
    try:
        import yfinance
    except ImportError as exc:  # the extra is optional; say how to get it
        raise RuntimeError("live prices need yfinance: pip install 'stresswatch[live]'") from exc
    return yfinance.download


class LivePriceClient(PriceClient):
    """Downloads split- and dividend-adjusted bars (auto_adjust=True), as the bundled sample was made, and Cboe's
    VIX history (the sessions the stress index is computed on)."""

    def __init__(self, symbols: Sequence[str], download: Callable[..., pd.DataFrame] | None = None,
                 vix: CboeVixHistory | None = None):
        self.symbols = list(symbols)
        self.download = download  # resolved on first fetch, so a missing extra fails there with a clear message
        self.vix = vix or CboeVixHistory()

    def describe(self) -> str:
        return f"Yahoo Finance via yfinance ({len(self.symbols)} symbols) and Cboe's VIX history ({self.vix.url})"

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None
              ) -> pd.DataFrame:
        # a missing yfinance is said before any request is made
        download = (self.download or _yfinance_download()) if self.symbols else None
        frames = [self.vix.fetch(since.get(data_dir.CBOE_VIX_SYMBOL))]
        for symbol in self.symbols:
            start = since.get(symbol)
            bars = download(symbol, start=start.isoformat() if start else "1900-01-01", auto_adjust=True,
                                 progress=False, actions=False)
            if bars is None or bars.empty:
                self.note(f"{symbol}: yfinance returned no bars since {start or 'its first day'} (delisted, "
                          "renamed, or the feed failed for it)")
                continue
            if isinstance(bars.columns, pd.MultiIndex):  # yfinance >= 0.2.48 returns (field, ticker) columns
                bars = bars.xs(symbol, axis=1, level=-1)
            if bars["Close"].isna().any():
                self.note(f"{symbol}: {int(bars['Close'].isna().sum())} bar(s) without a close left out "
                          f"({', '.join(str(day.date()) for day in bars.index[bars['Close'].isna()][:3])})")
            bars = bars.dropna(subset=["Close"])
            frames.append(pd.DataFrame({
                "symbol": symbol,
                "trade_date": pd.to_datetime(bars.index).date,
                "open": bars["Open"].to_numpy(dtype="float64"),
                "high": bars["High"].to_numpy(dtype="float64"),
                "low": bars["Low"].to_numpy(dtype="float64"),
                "close": bars["Close"].to_numpy(dtype="float64"),
                "volume": bars["Volume"].to_numpy(dtype="float64"),
                "source": "yfinance",
            }))
        # the VIX rows keep the line of Cboe's file they came from; yfinance's frames name none
        return pd.concat(frames, ignore_index=True).reindex(columns=[*PRICE_COLUMNS, *ORIGIN_COLUMNS])
