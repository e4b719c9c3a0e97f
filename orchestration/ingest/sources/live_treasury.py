"""Live Treasury auction results from Fiscal Data's `v1/accounting/od/auctions_query`, paged and date-filtered."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import pandas as pd

from orchestration.ingest.market_calendar import new_york_today
from orchestration.ingest.sources.base import TreasuryClient
from orchestration.ingest.sources.http import PoliteSession
from orchestration.ingest.sources.parse_treasury import TREASURY_COLUMNS, merge_auction_files, parse_treasury_payload

FISCAL_DATA_BASE_URL = "https://api.fiscaldata.treasury.gov/services/api/fiscal_service"
AUCTIONS_PATH = "/v1/accounting/od/auctions_query"
AUCTIONS_URL = FISCAL_DATA_BASE_URL + AUCTIONS_PATH


class LiveTreasuryClient(TreasuryClient):
    """Pages through every auction dated from the earliest start date asked for up to today: auctions_query also
    lists announced auctions, dated ahead and without results, which are not asked for until they are held."""

    def __init__(
        self,
        session: PoliteSession | None = None,
        page_size: int = 1000,
        base_url: str | None = None,
        today: Callable[[], date] = new_york_today,
    ):
        self.today = today
        self.session = session or PoliteSession(max_per_second=5)
        self.page_size = page_size
        self.url = (base_url or FISCAL_DATA_BASE_URL).rstrip("/") + AUCTIONS_PATH

    def describe(self) -> str:
        return f"Treasury Fiscal Data auctions_query ({self.url})"

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        held = f"auction_date:lte:{self.today().isoformat()}"
        params = {"sort": "auction_date", "page[size]": str(self.page_size), "filter": held}
        if since:  # Fiscal Data joins filters with a comma
            params["filter"] = f"auction_date:gte:{min(since.values()).isoformat()},{held}"
        frames, page = [], 1
        while True:
            payload = self.session.get_json(self.url, params={**params, "page[number]": str(page)})
            frame = parse_treasury_payload(payload, f"{self.url} page {page}")
            if not frame.empty:
                frames.append(frame)
            total_pages = int((payload.get("meta") or {}).get("total-pages") or 1)
            if page >= total_pages or not (payload.get("links") or {}).get("next"):
                break
            page += 1
        return merge_auction_files(frames) if frames else pd.DataFrame(columns=TREASURY_COLUMNS)


def from_settings(run) -> LiveTreasuryClient:
    """Fiscal Data's auction results (api_urls["treasury"] replaces its base URL)."""
    return LiveTreasuryClient(base_url=run.api_urls.get("treasury"))
