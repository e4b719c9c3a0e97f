"""How fresh each source must be, on the NYSE calendar: the deadlines in dbt's `_raw__sources.yml` (one home for the
Dagster check `fresh_by_deadline`, the staleness expectation and `dbt source freshness`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import yaml

from orchestration.ingest.market_calendar import NEW_YORK, last_sessions, previous_session
from orchestration.settings import DBT_PROJECT_DIR

SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "_raw__sources.yml"
STALENESS_CHECK = "staleness"  # the suites' name for the expectation on each table's newest date


@dataclass(frozen=True)
class Deadline:
    """When a source's data is due: by session (daily data), or by calendar age (auctions, filings)."""

    table: str  # raw.price_bars
    family: str
    sessions_late: int | None = None  # how many sessions the newest row may trail the last session that is due
    due_time: time | None = None  # New York time on a session's evening by which its data is due
    max_age_days: int | None = None

    def due_date(self, now: datetime) -> date:
        """The oldest newest-date that is still on time at `now`."""
        local = now.astimezone(ZoneInfo(NEW_YORK))
        if self.max_age_days is not None:
            return local.date() - timedelta(days=self.max_age_days)
        session = last_sessions(1, local.date())[0]
        if session == local.date() and local.time() < self.due_time:
            session = previous_session(session)  # tonight's data is not due yet
        return last_sessions(self.sessions_late + 1, session)[0]

    def describe(self) -> str:
        if self.max_age_days is not None:
            return f"at most {self.max_age_days} days old"
        within = f"within {self.sessions_late} session(s)" if self.sessions_late else "that evening"
        return f"each NYSE session's data {within}, by {self.due_time:%H:%M} New York time"


@lru_cache(maxsize=1)
def deadlines() -> dict[str, Deadline]:
    """family -> its deadline, read from the dbt source definitions."""
    spec = yaml.safe_load(SOURCES_YML.read_text())
    found = {}
    for source in spec["sources"]:
        for table in source["tables"]:
            rule = ((table.get("config") or {}).get("meta") or {}).get("deadline")
            if rule:
                due = rule.get("due_time")
                found[rule["family"]] = Deadline(
                    f"{source['schema']}.{table['name']}",
                    rule["family"],
                    rule.get("sessions_late"),
                    time.fromisoformat(due) if due else None,
                    rule.get("max_age_days"),
                )
    return found


def freshness_verdict(family: str, newest: date | None, now: datetime, table: str | None = None) -> tuple[bool, str]:
    """Whether the newest row of a source's table (its main one unless named) is on time at `now`, in a sentence."""
    deadline = deadlines()[family]
    due = deadline.due_date(now)
    table = table or deadline.table
    if newest is None:
        return False, f"{table} is empty; data through {due} was due ({deadline.describe()})"
    if newest >= due:
        return True, f"{table} has data through {newest}; {due} was due ({deadline.describe()})"
    return False, f"{table} is stale: data through {newest}, {due} was due ({deadline.describe()})"


def lateness(family: str, newest: date, now: datetime) -> str:
    """A stale source in a sentence with its age and its limit: 'newest 2025-12-31, 334 days old; ...'."""
    deadline = deadlines()[family]
    age = (now.astimezone(ZoneInfo(NEW_YORK)).date() - newest).days
    return f"newest {newest}, {age} days old; {deadline.due_date(now)} was due ({deadline.describe()})"
