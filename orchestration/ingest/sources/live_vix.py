"""Cboe's VIX history, live: the same file the data directory's cboe/vix-daily.csv holds, from Cboe's site.

Cboe publishes the whole daily history of its index as one CSV (`DATE,OPEN,HIGH,LOW,CLOSE`, dates as MM/DD/YYYY),
updated the evening of each session. It is the reference VIX of the index (Yahoo's ^VIX differs from it on a few
days), so live mode reads it rather than the price feed's ^VIX or FRED's VIXCLS (published the next day).
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from orchestration.ingest.sources import data_dir
from orchestration.ingest.sources.base import keep_since
from orchestration.ingest.sources.http import PoliteSession
from orchestration.ingest.sources.parse_prices import PriceFile

CBOE_BASE_URL = "https://cdn.cboe.com"
VIX_HISTORY_PATH = "/api/global/us_indices/daily_prices/VIX_History.csv"
_US_DATE = re.compile(rb"^(\d{2})/(\d{2})/(\d{4}),", re.M)


def iso_dates(content: bytes) -> bytes:
    """Cboe's MM/DD/YYYY dates as YYYY-MM-DD, line for line, so the price parser's strict date check applies."""
    return _US_DATE.sub(rb"\3-\1-\2,", content)


class CboeVixHistory:
    """Fetches Cboe's VIX history file and parses it as the replay reads cboe/vix-daily.csv."""

    def __init__(self, base_url: str | None = None, session: PoliteSession | None = None):
        self.url = (base_url or CBOE_BASE_URL).rstrip("/") + VIX_HISTORY_PATH
        self.session = session or PoliteSession()

    def fetch(self, since: date | None) -> pd.DataFrame:
        """The sessions on or after `since` (every session without it), as raw.price_bars rows of symbol VIX."""
        content = iso_dates(self.session.get(self.url).content)
        bars = PriceFile(content, self.url, data_dir.CBOE_VIX_SYMBOL, self.url, volume_required=False).parse()
        start = {data_dir.CBOE_VIX_SYMBOL: since} if since else {}
        return keep_since(bars, start, "symbol", "trade_date")
