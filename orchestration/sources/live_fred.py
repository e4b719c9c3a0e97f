"""Live FRED observations through `fredapi` (FRED_API_KEY), incremental per series."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from orchestration.sources.base import FredClient
from orchestration.sources.errors import MissingCredentialError
from orchestration.sources.parse_fred import FRED_COLUMNS


class LiveFredClient(FredClient):
    """Asks FRED for each configured series from its start date on."""

    def __init__(self, series_ids: Sequence[str], api_key: str | None = None, base_url: str | None = None):
        key = api_key or os.environ.get("FRED_API_KEY")
        if not key:
            raise MissingCredentialError("FRED_API_KEY", "live FRED loads need a free key from "
                                                         "fred.stlouisfed.org (set it, or run in replay mode)")
        from fredapi import Fred  # imported here so replay runs never need it configured

        self.fred = Fred(api_key=key)
        if base_url:  # a mirror or a local replica of the FRED API (fredapi builds every URL from root_url)
            self.fred.root_url = base_url.rstrip("/")
        self.series_ids = list(series_ids)

    def describe(self) -> str:
        return f"FRED API via fredapi ({len(self.series_ids)} series)"

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None
              ) -> pd.DataFrame:
        frames = []
        for series_id in self.series_ids:
            observations = self.fred.get_series(series_id, observation_start=since.get(series_id))
            frames.append(pd.DataFrame({
                "series_id": series_id,
                "obs_date": pd.to_datetime(observations.index).date,
                "value": observations.to_numpy(dtype="float64"),
                # fredapi returns the latest release without its vintage date.
                "realtime_start": None,
            }))
        frames = [frame for frame in frames if not frame.empty]
        return pd.concat(frames, ignore_index=True)[FRED_COLUMNS] if frames else pd.DataFrame(columns=FRED_COLUMNS)
