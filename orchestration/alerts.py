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
