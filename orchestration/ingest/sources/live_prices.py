"""Live daily bars from Yahoo Finance's chart API, one request per symbol, plus Cboe's VIX history.

Why not `yfinance`: it scrapes the same API behind a cookie-and-crumb dance and a private base URL, so it cannot be
pointed at a local replica for tests; it retries nothing and reports a failed symbol by printing it. One GET per
symbol through `PoliteSession` (requests + tenacity: rate ceiling, backoff on 429/5xx) reads the same bars.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote

import pandas as pd

from orchestration.ingest.market_calendar import new_york_today
from orchestration.ingest.sources import data_dir
from orchestration.ingest.sources.base import PriceClient
from orchestration.ingest.sources.http import HttpError, PoliteSession
from orchestration.ingest.sources.live_vix import CboeVixHistory
from orchestration.ingest.sources.parse_prices import PRICE_COLUMNS
from orchestration.ingest.sources.parse_yahoo_chart import ChartNotFound, parse_chart_payload
from orchestration.ingest.sources.values import ORIGIN_COLUMNS

YAHOO_BASE_URL = "https://query1.finance.yahoo.com"
CHART_PATH = "/v8/finance/chart/{symbol}"
FIRST_DAY = date(1900, 1, 1)  # "from its first day": before any listing
# Yahoo answers 429 to user agents that do not look like a browser
BROWSER_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"


def _unix(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


class LivePriceClient(PriceClient):
    """Bars on the split- and dividend-adjusted basis the sample was made on, and Cboe's VIX history (the sessions
    the stress index is computed on). A symbol Yahoo does not know (HTTP 404) is a note; any other failure fails
    the load, naming the symbol."""

    def __init__(
        self,
        symbols: Sequence[str],
        base_url: str | None = None,
        session: PoliteSession | None = None,
        vix: CboeVixHistory | None = None,
        today: Callable[[], date] = new_york_today,
    ):
        self.symbols = list(symbols)
        self.session = session or PoliteSession(headers={"User-Agent": BROWSER_USER_AGENT}, max_per_second=2)
        self.url_template = (base_url or YAHOO_BASE_URL).rstrip("/") + CHART_PATH
        self.vix = vix or CboeVixHistory()
        self.today = today

    def describe(self) -> str:
        return (
            f"Yahoo Finance chart API ({self.url_template.format(symbol='<symbol>')}, {len(self.symbols)} "
            f"symbols) and Cboe's VIX history ({self.vix.url})"
        )

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        frames = [self.vix.fetch(since.get(data_dir.CBOE_VIX_SYMBOL))]
        frames += [self._bars(symbol, since.get(symbol)) for symbol in self.symbols]
        return pd.concat([frame for frame in frames if not frame.empty] or frames[:1], ignore_index=True).reindex(
            columns=[*PRICE_COLUMNS, *ORIGIN_COLUMNS]
        )

    def history_of(self, entities: Collection[str]) -> pd.DataFrame:
        frames = [self._bars(symbol, None) for symbol in self.symbols if symbol in entities]
        if data_dir.CBOE_VIX_SYMBOL in entities:
            frames.append(self.vix.fetch(None))
        return (
            pd.concat(frames, ignore_index=True).reindex(columns=[*PRICE_COLUMNS, *ORIGIN_COLUMNS])
            if frames
            else pd.DataFrame(columns=[*PRICE_COLUMNS, *ORIGIN_COLUMNS])
        )

    def _bars(self, symbol: str, start: date | None) -> pd.DataFrame:
        url = self.url_template.format(symbol=quote(symbol, safe=""))
        params = {
            "period1": str(_unix(start or FIRST_DAY)),
            "period2": str(_unix(self.today() + timedelta(days=1))),
            "interval": "1d",
            "events": "div,split",
            "includeAdjustedClose": "true",
        }
        try:
            bars = parse_chart_payload(self.session.get_json(url, params), url, symbol)
        except (HttpError, ChartNotFound) as exc:
            if isinstance(exc, HttpError) and exc.status != 404:
                raise HttpError(f"{symbol}: {exc}", exc.status) from None
            self.note(
                f"{symbol}: Yahoo has no bars for it since {start or 'its first day'} (delisted or renamed: {exc})"
            )
            return pd.DataFrame(columns=[*PRICE_COLUMNS, *ORIGIN_COLUMNS])
        if bars.empty:  # an incremental fetch starts days before the last loaded session: never empty
            self.note(f"{symbol}: Yahoo answered no bars since {start or 'its first day'} ({url})")
        return bars


def from_settings(run) -> LivePriceClient:
    """The universe seed's symbols from Yahoo, and Cboe's VIX file from its own site (api_urls "prices", "cboe")."""
    from orchestration.ingest.sources.live_vix import CboeVixHistory
    from orchestration.settings import live_price_symbols

    return LivePriceClient(
        live_price_symbols(), base_url=run.api_urls.get("prices"), vix=CboeVixHistory(run.api_urls.get("cboe"))
    )
