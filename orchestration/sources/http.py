"""A polite HTTP session: a request-rate ceiling, and retries with backoff on 429 and 5xx."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class HttpError(RuntimeError):
    """A request that failed for good (retries exhausted, or a status that retrying cannot fix)."""


class PoliteSession:
    """GETs JSON at most `max_per_second` times a second, retrying transient failures `retries` times."""

    def __init__(self, headers: Mapping[str, str] | None = None, max_per_second: float = 10.0, retries: int = 4,
                 backoff_seconds: float = 0.5, timeout_seconds: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 session: requests.Session | None = None):
        self.session = session or requests.Session()
        self.session.headers.update(headers or {})
        self.min_interval = 1.0 / max_per_second
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.sleep = sleep
        self.clock = clock
        self._last_request_at: float | None = None
        self.requests_sent = 0

    def _wait_for_slot(self) -> None:
        if self._last_request_at is not None:
            wait = self.min_interval - (self.clock() - self._last_request_at)
            if wait > 0:
                self.sleep(wait)
        self._last_request_at = self.clock()

    def get_json(self, url: str, params: Mapping[str, str] | None = None) -> object:
        """GET and decode JSON, retrying 429/5xx and connection errors with exponential backoff."""
        last_problem = ""
        for attempt in range(self.retries + 1):
            self._wait_for_slot()
            self.requests_sent += 1
            try:
                response = self.session.get(url, params=params, timeout=self.timeout_seconds)
            except requests.ConnectionError as exc:
                last_problem = f"connection failed ({exc})"
            else:
                if response.status_code == 200:
                    try:
                        return response.json()
                    except ValueError as exc:
                        raise HttpError(f"{url}: response is not valid JSON ({exc})") from exc
                if response.status_code not in RETRY_STATUSES:
                    raise HttpError(f"{url}: HTTP {response.status_code} {response.reason}")
                last_problem = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After", "")
                if attempt < self.retries and retry_after.isdigit():
                    self.sleep(float(retry_after))
                    continue
            if attempt < self.retries:
                self.sleep(self.backoff_seconds * 2**attempt)
        raise HttpError(f"{url}: gave up after {self.retries + 1} attempts, last {last_problem}")
