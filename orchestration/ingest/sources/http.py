"""A polite HTTP session: a request-rate ceiling, and retries (tenacity) with jittered backoff on 429 and 5xx."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import requests
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_SECONDS = 60.0


class HttpError(RuntimeError):
    """A request that failed for good (retries exhausted, or a status that retrying cannot fix)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status that ended it, when the server answered


class _Transient(Exception):
    """A failure worth another attempt: a retryable status or a lost connection."""

    def __init__(self, problem: str, retry_after: float | None = None):
        super().__init__(problem)
        self.retry_after = retry_after


class _RetryAfterOrBackoff:
    """Wait what the server's Retry-After asks for, else exponential backoff with jitter."""

    def __init__(self, backoff_seconds: float):
        self.backoff = wait_exponential_jitter(
            multiplier=backoff_seconds, max=MAX_BACKOFF_SECONDS, jitter=backoff_seconds
        )

    def __call__(self, state: RetryCallState) -> float:
        problem = state.outcome.exception() if state.outcome else None
        if isinstance(problem, _Transient) and problem.retry_after is not None:
            return min(problem.retry_after, MAX_BACKOFF_SECONDS)
        return self.backoff(state)


class PoliteSession:
    """GETs JSON at most `max_per_second` times a second (retries included), retrying transient failures
    `retries` times."""

    def __init__(
        self,
        headers: Mapping[str, str] | None = None,
        max_per_second: float = 10.0,
        retries: int = 4,
        backoff_seconds: float = 0.5,
        timeout_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
    ):
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

    def _get_once(self, url: str, params: Mapping[str, str] | None) -> requests.Response:
        self._wait_for_slot()
        self.requests_sent += 1
        try:
            response = self.session.get(url, params=params, timeout=self.timeout_seconds)
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            # a refused or dropped connection, or one that ended before the body it announced: worth another try
            raise _Transient(f"connection failed ({exc})") from exc
        if response.status_code in RETRY_STATUSES:
            retry_after = response.headers.get("Retry-After", "")
            raise _Transient(f"HTTP {response.status_code}", float(retry_after) if retry_after.isdigit() else None)
        if response.status_code != 200:
            raise HttpError(f"{url}: HTTP {response.status_code} {response.reason}", response.status_code)
        return response

    def get(self, url: str, params: Mapping[str, str] | None = None) -> requests.Response:
        """GET, retrying 429/5xx and connection errors with jittered exponential backoff; a 200 or HttpError."""
        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=_RetryAfterOrBackoff(self.backoff_seconds),
            retry=retry_if_exception_type(_Transient),
            sleep=self.sleep,
        )
        try:
            return retrying(self._get_once, url, params)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            raise HttpError(f"{url}: gave up after {self.retries + 1} attempts, last {last}") from last

    def get_json(self, url: str, params: Mapping[str, str] | None = None) -> object:
        """GET (retried as `get`) and decode JSON."""
        response = self.get(url, params)
        try:
            return response.json()
        except ValueError as exc:
            raise HttpError(f"{url}: response is not valid JSON ({exc})") from exc
