"""Delivering stress alerts to people: each new alert once, to the log and to a webhook when one is configured."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import requests

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
        return {"alert_date": self.alert_date.isoformat(), "rule_id": self.rule_id, "subject": self.subject,
                "severity": self.severity, "observed_value": self.observed_value, "threshold": self.threshold,
                "message": self.message}


def ledger_path_for(published: Path) -> Path:
    """The delivered-alerts ledger lives beside the published warehouse (which readers only ever read)."""
    return published.with_name(f"{published.stem}.alerts-sent.jsonl")


def recent_alerts(published: Path, lookback_days: int = DEFAULT_LOOKBACK_DAYS) -> list[Alert]:
    """Alerts dated within `lookback_days` of the newest alert: history is not news."""
    if not published.exists():
        return []
    with duckdb.connect(str(published), read_only=True) as con:
        try:
            newest = con.execute("select max(alert_date) from marts.fct_stress_alerts").fetchone()[0]
        except duckdb.CatalogException:
            return []
        if newest is None:
            return []
        rows = con.execute(
            "select alert_date, rule_id, subject, severity, observed_value, threshold, message "
            "from marts.fct_stress_alerts where alert_date >= $since order by alert_date, rule_id, subject",
            {"since": newest - timedelta(days=lookback_days)}).fetchall()
    return [Alert(*row) for row in rows]


def _delivered(ledger: Path) -> set[str]:
    if not ledger.exists():
        return set()
    return {json.loads(line)["key"] for line in ledger.read_text().splitlines() if line.strip()}


def deliver_new_alerts(published: Path, webhook_url: str | None, log: Callable[[str], None],
                       lookback_days: int = DEFAULT_LOOKBACK_DAYS, timeout_seconds: float = 10.0) -> list[Alert]:
    """Send every recent alert not yet in the ledger; an alert enters the ledger only once it has been sent."""
    ledger = ledger_path_for(published)
    sent_before = _delivered(ledger)
    delivered = []
    for alert in recent_alerts(published, lookback_days):
        if alert.key in sent_before:
            continue
        log(f"[{alert.severity}] {alert.message}")
        if webhook_url:
            try:
                response = requests.post(webhook_url, json=alert.as_json(), timeout=timeout_seconds)
                response.raise_for_status()
            except requests.RequestException as exc:  # keep it for the next tick rather than lose it
                log(f"webhook delivery failed, will retry: {alert.key}: {exc}")
                continue
        with ledger.open("a") as handle:
            handle.write(json.dumps({"key": alert.key, "sent_at": datetime.now().isoformat(timespec="seconds"),
                                     "webhook": bool(webhook_url)}) + "\n")
        delivered.append(alert)
    return delivered


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
        return {"kind": "run_failure", "run_id": self.run_id, "job": self.job, "step": self.step,
                "sources": list(self.sources), "reason": self.reason, "message": self.message}


def deliver_failure_alert(published: Path, alert: FailureAlert, webhook_url: str | None,
                          log: Callable[[str], None], timeout_seconds: float = 10.0) -> bool:
    """Announce a failed run once: to the log, and to the webhook when set. False when it was announced before."""
    ledger = failure_ledger_path_for(published)
    if alert.run_id in _delivered(ledger):
        return False
    log(alert.message)
    if webhook_url:
        try:
            response = requests.post(webhook_url, json=alert.as_json(), timeout=timeout_seconds)
            response.raise_for_status()
        except requests.RequestException as exc:
            log(f"webhook delivery of the failure of run {alert.run_id} failed: {exc}")
            raise
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with ledger.open("a") as handle:
        handle.write(json.dumps({"key": alert.run_id, "sent_at": datetime.now().isoformat(timespec="seconds"),
                                 "webhook": bool(webhook_url), "message": alert.message}) + "\n")
    return True
