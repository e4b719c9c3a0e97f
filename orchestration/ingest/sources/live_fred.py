"""Live FRED observations through `fredapi` (FRED_API_KEY), incremental per series, retried, the key never shown."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from urllib.error import HTTPError, URLError

import pandas as pd
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from orchestration.ingest.sources.base import FredClient, FredVintageClient
from orchestration.ingest.sources.errors import MissingCredentialError
from orchestration.ingest.sources.parse_fred import FRED_COLUMNS, VINTAGE_COLUMNS, with_realtime_end

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FredFetchError(RuntimeError):
    """A series FRED did not deliver; the message names the series and never holds the API key. `permanent`: FRED
    refused the request itself (a 400: an unknown series, a bad key), which asking again later cannot fix."""

    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


def _transient(exc: BaseException) -> bool:
    """A lost connection, a timeout, or an HTTP 429/5xx. fredapi turns an HTTP error into a ValueError carrying
    FRED's message (or a ParseError when the body is a proxy's HTML page), raised while handling the HTTPError:
    the status is read from that. A 400 (an unknown series, a bad key) is not retried."""
    if isinstance(exc, HTTPError):
        return exc.code in RETRY_STATUSES
    if isinstance(exc.__context__, HTTPError):
        return exc.__context__.code in RETRY_STATUSES
    if isinstance(exc, URLError):  # a refused or dropped connection, not a malformed URL
        return isinstance(exc.reason, OSError)
    return isinstance(exc, (socket.timeout, ConnectionError))


def _described(exc: BaseException) -> str:
    """'HTTP 400: Bad Request.  The series does not exist.' rather than fredapi's bare ValueError."""
    status = exc.code if isinstance(exc, HTTPError) else getattr(exc.__context__, "code", None)
    message = str(exc) if str(exc) not in ("", "None") else type(exc).__name__
    return f"HTTP {status}: {message}" if status else f"{type(exc).__name__}: {message}"


class _FredApi:
    """fredapi with the key from the environment, a retry per series and every message masked."""

    def __init__(
        self,
        series_ids: Sequence[str],
        api_key: str | None = None,
        base_url: str | None = None,
        attempts: int = 4,
        backoff_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        key = api_key or os.environ.get("FRED_API_KEY")
        if not key:
            raise MissingCredentialError(
                "FRED_API_KEY",
                "live FRED loads need a free key from fred.stlouisfed.org (set it, or run in replay mode)",
            )
        from fredapi import Fred  # imported here so replay runs never need it configured

        self.fred = Fred(api_key=key)
        if base_url:  # a mirror or a local replica of the FRED API (fredapi builds every URL from root_url)
            self.fred.root_url = base_url.rstrip("/")
        self.series_ids = list(series_ids)
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep

    def _masked(self, text: str) -> str:
        """fredapi puts the key in every request URL, and some errors quote the URL: never let it through."""
        return text.replace(self.fred.api_key, "***") if self.fred.api_key else text

    def _call(self, series_id: str, method: Callable[..., object], **arguments: object) -> object:
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            retry=retry_if_exception(_transient),
            wait=wait_exponential_jitter(initial=self.backoff_seconds, max=30, jitter=self.backoff_seconds),
            sleep=self.sleep,
        )
        try:
            return retrying(method, series_id, **arguments)
        except RetryError as exc:
            problem = f"gave up after {self.attempts} attempts, last {_described(exc.last_attempt.exception())}"
            permanent = False
        except Exception as exc:  # noqa: BLE001 - every fredapi failure is reported the same, masked, way
            problem, permanent = _described(exc), True
        # `from None`: the original exception (and Dagster's record of it) would carry the unmasked URL
        raise FredFetchError(f"FRED series {series_id}: {self._masked(problem)}", permanent) from None


class LiveFredClient(_FredApi, FredClient):
    """Asks FRED for each configured series from its start date on (its values as of today)."""

    def describe(self) -> str:
        return f"FRED API via fredapi ({len(self.series_ids)} series)"

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        frames = []
        for series_id in self.series_ids:
            observations = self._call(series_id, self.fred.get_series, observation_start=since.get(series_id))
            frames.append(
                pd.DataFrame(
                    {
                        "series_id": series_id,
                        "obs_date": pd.to_datetime(observations.index).date,
                        "value": observations.to_numpy(dtype="float64"),
                        # fredapi returns the latest release without its vintage date (raw.fred_vintages keeps them).
                        "realtime_start": None,
                    }
                )
            )
        frames = [frame for frame in frames if not frame.empty]
        return pd.concat(frames, ignore_index=True)[FRED_COLUMNS] if frames else pd.DataFrame(columns=FRED_COLUMNS)


class LiveFredVintageClient(_FredApi, FredVintageClient):
    """Asks ALFRED (fredapi's all-releases call) for every vintage of each series that was current on or after its
    start date: the vintages published since, and the one each observation then had."""

    def describe(self) -> str:
        return f"ALFRED vintages via fredapi ({len(self.series_ids)} series)"

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        frames = []
        for series_id in self.series_ids:
            start = since.get(series_id)
            releases = self._call(
                series_id, self.fred.get_series_all_releases, realtime_start=start.isoformat() if start else None
            )
            if len(releases):
                frames.append(
                    pd.DataFrame(
                        {
                            "series_id": series_id,
                            "obs_date": pd.to_datetime(releases["date"]).dt.date,
                            "realtime_start": pd.to_datetime(releases["realtime_start"]).dt.date,
                            # fredapi transposes rows of mixed types: a missing value arrives as NaT
                            "value": pd.to_numeric(releases["value"].mask(releases["value"].isna(), None)).to_numpy(
                                dtype="float64"
                            ),
                        }
                    )
                )
        if not frames:
            return pd.DataFrame(columns=VINTAGE_COLUMNS)
        return with_realtime_end(pd.concat(frames, ignore_index=True))[VINTAGE_COLUMNS]


def from_settings(run) -> LiveFredClient:
    """The project's FRED series (settings.DEFAULT_FRED_SERIES) from the API or api_urls["fred"]."""
    from orchestration.settings import DEFAULT_FRED_SERIES

    return LiveFredClient(DEFAULT_FRED_SERIES, base_url=run.api_urls.get("fred"))


def vintages_from_settings(run) -> LiveFredVintageClient:
    """ALFRED's vintages of the same series, with the same key and base URL."""
    from orchestration.settings import DEFAULT_FRED_SERIES

    return LiveFredVintageClient(DEFAULT_FRED_SERIES, base_url=run.api_urls.get("fred"))
