"""Live SEC EDGAR XBRL company facts (`api/xbrl/companyfacts`), with the User-Agent the SEC requires."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from orchestration.ingest.sources.base import SecClient, keep_since
from orchestration.ingest.sources.errors import MissingCredentialError
from orchestration.ingest.sources.http import HttpError, PoliteSession
from orchestration.ingest.sources.parse_sec import SEC_COLUMNS, parse_companyfacts

SEC_BASE_URL = "https://data.sec.gov"
COMPANYFACTS_PATH = "/api/xbrl/companyfacts/CIK{cik:0>10}.json"
COMPANYFACTS_URL = SEC_BASE_URL + COMPANYFACTS_PATH
SEC_MAX_REQUESTS_PER_SECOND = 10  # the SEC's fair-access ceiling


class LiveSecClient(SecClient):
    """One companyfacts request per CIK, at most ten a second, retrying 429 and 5xx with backoff."""

    def __init__(
        self,
        ciks: Sequence[str],
        user_agent: str | None = None,
        session: PoliteSession | None = None,
        base_url: str | None = None,
    ):
        agent = user_agent or os.environ.get("SEC_USER_AGENT")
        if not agent:
            raise MissingCredentialError(
                "SEC_USER_AGENT",
                "the SEC requires a User-Agent naming you and an email, e.g. 'Jane Doe jane@example.com'",
            )
        self.ciks = [str(cik).lstrip("0") for cik in ciks]
        self.session = session or PoliteSession(max_per_second=SEC_MAX_REQUESTS_PER_SECOND)
        self.session.session.headers["User-Agent"] = agent
        self.url_template = (base_url or SEC_BASE_URL).rstrip("/") + COMPANYFACTS_PATH

    def describe(self) -> str:
        return f"SEC companyfacts API ({len(self.ciks)} companies)"

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        frames = []
        for cik in self.ciks:
            url = self.url_template.format(cik=cik)
            try:
                payload = self.session.get_json(url)
            except HttpError as exc:
                if exc.status != 404:
                    raise
                # the SEC has no XBRL facts for this CIK (a wrong CIK, or a filer without XBRL): said, not fatal
                self.note(f"CIK {cik}: the SEC has no company facts ({url}: HTTP 404)")
                continue
            frames.append(parse_companyfacts(payload, url))
        frames = [frame for frame in frames if not frame.empty]
        facts = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SEC_COLUMNS)
        return keep_since(facts, since, self.entity_column, self.date_column)


def from_settings(run) -> LiveSecClient:
    """The sec_companies seed's filers from EDGAR (api_urls["sec"] replaces its base URL)."""
    from orchestration.settings import live_sec_ciks

    return LiveSecClient(live_sec_ciks(), base_url=run.api_urls.get("sec"))
