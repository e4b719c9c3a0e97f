"""Delivering stress alerts to people: each new alert once, to the log and to a webhook when one is configured, and
a retraction when a delivered alert stops being true. The run sends them itself (the CLI and Dagster alike)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests

from orchestration.serve.sandbox import open_reader

WEBHOOK_ENV = "STRESSWATCH_WEBHOOK_URL"
DEFAULT_LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class Alert:
    alert_date: date
    rule_id: str
    subject: str
    severity: str
    observed_value: float | None
    threshold: float | None
    message: str

    @property
    def key(self) -> str:
        return f"{self.alert_date.isoformat()}|{self.rule_id}|{self.subject}"

    def as_json(self) -> dict:
        return {
            "alert_date": self.alert_date.isoformat(),
            "rule_id": self.rule_id,
            "subject": self.subject,
            "severity": self.severity,
            "observed_value": self.observed_value,
            "threshold": self.threshold,
            "message": self.message,
        }


def ledger_path_for(published: Path) -> Path:
    """The delivered-alerts ledger lives beside the published warehouse (which readers only ever read)."""
    return published.with_name(f"{published.stem}.alerts-sent.jsonl")


def recent_alerts(published: Path, lookback_days: int = DEFAULT_LOOKBACK_DAYS) -> list[Alert]:
    """Alerts dated within `lookback_days` of the newest alert, and any later: history is not news. The newest alert
    is taken up to the index's last session (the evening), so a source that runs ahead of the others (auctions
    already held when the price history stops) does not push the evening's alerts out of the window."""
    if not published.exists():
        return []
    with open_reader(published) as con:
        evening = con.execute(
            "select max(obs_date) from marts.fct_market_stress_daily where stress_index is not null"
        ).fetchone()[0]
        newest = con.execute(
            "select coalesce(max(alert_date) filter (where alert_date <= $evening), max(alert_date)) "
            "from marts.fct_stress_alerts",
            {"evening": evening},
        ).fetchone()[0]
        if newest is None:
            return []
        rows = con.execute(
            "select alert_date, rule_id, subject, severity, observed_value, threshold, message "
            "from marts.fct_stress_alerts where alert_date >= $since order by alert_date, rule_id, subject",
            {"since": newest - timedelta(days=lookback_days)},
        ).fetchall()
    return [Alert(*row) for row in rows]


def mask_url(url: str) -> str:
    """'https://hooks.example.com/services/T0/B0/secret?x=1' -> 'https://hooks.example.com/…': a webhook's path
    and query are its credential, so no log line carries them."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.netloc else "the webhook"


def scrub(text: str, url: str | None) -> str:
    """The text with the webhook URL (and its path alone) replaced by its masked form."""
    if not url:
        return text
    parts = urlsplit(url)
    secret_part = parts.path + (f"?{parts.query}" if parts.query else "")
    text = text.replace(url, mask_url(url))
    return text.replace(secret_part, "/…") if len(secret_part) > 1 else text


def _ledger(ledger: Path) -> list[dict]:
    if not ledger.exists():
        return []
    return [json.loads(line) for line in ledger.read_text().splitlines() if line.strip()]


def _delivered(ledger: Path) -> set[str]:
    return {entry["key"] for entry in _ledger(ledger) if entry.get("kind", "alert") != "retraction"}


def _record(ledger: Path, *entries: dict) -> None:
    """Append the entries to the ledger and wait until they are on disk (one fsync for all of them)."""
    ledger.parent.mkdir(parents=True, exist_ok=True)
    sent_at = datetime.now().isoformat(timespec="seconds")
    with ledger.open("a") as handle:
        handle.write("".join(json.dumps({**entry, "sent_at": sent_at}) + "\n" for entry in entries))
        handle.flush()
        os.fsync(handle.fileno())


def idempotency_key(key: str) -> str:
    """The same key on every attempt of one message, so a receiver can drop a repeat."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class WebhookDown(RuntimeError):
    """The webhook did not take the message (no connection, or a server error): it stays for the next run."""


class _MaskedInLogs(logging.Filter):
    """Masks the webhook's path in urllib3's own (debug) log lines while a message is posted."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage(), self.url)
        record.args = ()
        return True


def post_once(webhook_url: str, payload: dict, key: str, timeout_seconds: float) -> str:
    """POST one message; 'sent', or 'unconfirmed' when the receiver took the request but answered too slowly
    (it is not sent again: a timed-out request has arrived). Raises WebhookDown when nothing was delivered."""
    masked = _MaskedInLogs(webhook_url)
    urllib3_log = logging.getLogger("urllib3.connectionpool")
    urllib3_log.addFilter(masked)
    try:
        response = requests.post(
            webhook_url, json=payload, timeout=timeout_seconds, headers={"Idempotency-Key": idempotency_key(key)}
        )
    except requests.exceptions.ReadTimeout:
        return "unconfirmed"
    except requests.RequestException as exc:
        raise WebhookDown(scrub(f"{type(exc).__name__}: {exc}", webhook_url)) from None
    finally:
        urllib3_log.removeFilter(masked)
    if response.status_code >= 400:
        raise WebhookDown(f"HTTP {response.status_code} from {mask_url(webhook_url)}")
    return "sent"


@dataclass(frozen=True)
class Deliveries:
    """What one delivery pass did."""

    sent: tuple[Alert, ...] = ()
    retracted: tuple[str, ...] = ()
    pending: int = 0  # messages the webhook did not take, left for the next run


def withdrawn_alert_keys(published: Path, keys: list[str]) -> set[str] | None:
    """The keys among `keys` the published marts no longer hold; None before the first publish. Matched inside
    DuckDB: the marts hold hundreds of thousands of alerts on a large universe, and only the sent ones matter."""
    if not published.exists():
        return None
    with open_reader(published) as con:  # a missing alerts mart is an error naming it (DuckDB's catalog error)
        rows = con.execute(
            "select sent.key from (select unnest($keys::varchar[]) as key) as sent "
            "anti join marts.fct_stress_alerts as held "
            "on sent.key = strftime(held.alert_date, '%Y-%m-%d') || '|' || held.rule_id || '|' || held.subject",
            {"keys": keys},
        ).fetchall()
    return {key for (key,) in rows}


def deliver_alerts(
    published: Path,
    webhook_url: str | None,
    log: Callable[[str], None],
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    timeout_seconds: float = 10.0,
) -> Deliveries:
    """Send every recent alert not yet delivered, then a retraction for each delivered alert the marts no longer
    hold (its data was corrected). The ledger beside the warehouse records each message once it reached the
    receiver; a webhook that is down keeps the rest for the next run. No log line shows the webhook's path."""
    ledger = ledger_path_for(published)
    entries = _ledger(ledger)
    delivered = {entry["key"]: entry for entry in entries if entry.get("kind", "alert") == "alert"}
    retracted = {entry["key"] for entry in entries if entry.get("kind") == "retraction"}
    sent: list[Alert] = []
    withdrawn: list[str] = []
    outbox: list[tuple[str, str, dict, str]] = []  # (kind, key, payload, log line)
    recent = {alert.key: alert for alert in recent_alerts(published, lookback_days)}
    for alert in recent.values():
        if alert.key not in delivered:
            outbox.append(("alert", alert.key, alert.as_json(), f"[{alert.severity}] {alert.message}"))
    withdrawn_keys = withdrawn_alert_keys(published, [key for key in delivered if key not in retracted])
    if withdrawn_keys:
        for key, entry in delivered.items():
            if key in withdrawn_keys:
                message = f"[retraction] no longer true after a data correction: {entry.get('message') or key}"
                retraction = {"kind": "retraction", "key": key, "alert_date": key[:10], "message": message}
                outbox.append(("retraction", key, retraction, message))
    logged: list[dict] = []  # without a webhook the messages only go to the log: recorded together at the end
    for number, (kind, key, payload, line) in enumerate(outbox):
        status = "logged"
        if webhook_url:
            try:
                status = post_once(webhook_url, payload, f"{kind}|{key}", timeout_seconds)
            except WebhookDown as exc:
                log(f"webhook delivery failed, {len(outbox) - number} message(s) kept for the next run: {exc}")
                return Deliveries(tuple(sent), tuple(withdrawn), len(outbox) - number)
        log(line)
        entry = {"key": key, "kind": kind, "status": status, "webhook": bool(webhook_url)}
        entry["message"] = payload.get("message")
        if webhook_url:  # each message the receiver took is on disk before the next is posted: never sent twice
            _record(ledger, entry)
        else:
            logged.append(entry)
        if kind == "alert":
            sent.append(recent[key])
        else:
            withdrawn.append(key)
    if logged:
        _record(ledger, *logged)
    return Deliveries(tuple(sent), tuple(withdrawn))


def failure_ledger_path_for(published: Path) -> Path:
    """The ledger of failed runs already announced, beside the published warehouse."""
    return published.with_name(f"{published.stem}.failures-sent.jsonl")


@dataclass(frozen=True)
class FailureAlert:
    """One failed run: which job, which step, which sources, and why."""

    run_id: str
    job: str
    step: str
    sources: tuple[str, ...]
    reason: str

    @property
    def message(self) -> str:
        sources = f" (source {', '.join(self.sources)})" if self.sources else ""
        return f"StressWatch run {self.run_id[:8]} of {self.job} failed at {self.step}{sources}: {self.reason}"

    def as_json(self) -> dict:
        return {
            "kind": "run_failure",
            "run_id": self.run_id,
            "job": self.job,
            "step": self.step,
            "sources": list(self.sources),
            "reason": self.reason,
            "message": self.message,
        }


def deliver_failure_alert(
    published: Path,
    alert: FailureAlert,
    webhook_url: str | None,
    log: Callable[[str], None],
    timeout_seconds: float = 10.0,
) -> bool:
    """Announce a failed run once: to the log, and to the webhook when set. False when it was announced before."""
    ledger = failure_ledger_path_for(published)
    if alert.run_id in _delivered(ledger):
        return False
    log(alert.message)
    status = "logged"
    if webhook_url:
        try:
            status = post_once(webhook_url, alert.as_json(), f"failure|{alert.run_id}", timeout_seconds)
        except WebhookDown as exc:
            log(f"webhook delivery of the failure of run {alert.run_id} failed: {exc}")
            raise
    _record(
        ledger,
        {
            "key": alert.run_id,
            "kind": "failure",
            "status": status,
            "webhook": bool(webhook_url),
            "message": alert.message,
        },
    )
    return True
