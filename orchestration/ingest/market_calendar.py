"""The New York Stock Exchange's sessions (exchange_calendars' XNYS): holidays, early closes, "the last N sessions"."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd

NEW_YORK = "America/New_York"
FIRST_SESSION = "1990-01-02"  # older than any history the warehouse is built from


@lru_cache(maxsize=1)
def nyse() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XNYS", start=FIRST_SESSION)


def is_session(day: date) -> bool:
    """Whether the NYSE trades on `day` (weekends and exchange holidays are not sessions)."""
    return bool(nyse().is_session(pd.Timestamp(day)))


def session_close(day: date) -> datetime:
    """The session's close in New York time: 16:00, or 13:00 on an early close."""
    return nyse().session_close(pd.Timestamp(day)).tz_convert(NEW_YORK).to_pydatetime()


def is_early_close(day: date) -> bool:
    return session_close(day).hour < 16


def sessions_between(start: date, end: date) -> list[date]:
    """Every session from `start` to `end`, both included."""
    return [stamp.date() for stamp in nyse().sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))]


def last_sessions(count: int, as_of: date) -> list[date]:
    """The `count` newest sessions on or before `as_of`, oldest first."""
    calendar = nyse()
    newest = calendar.date_to_session(pd.Timestamp(as_of), direction="previous")
    return [stamp.date() for stamp in calendar.sessions_window(newest, -count)]


def previous_session(day: date) -> date:
    """The last session strictly before `day`."""
    return nyse().date_to_session(pd.Timestamp(day) - pd.Timedelta(days=1), direction="previous").date()


def new_york_today() -> date:
    """Today's date in New York, where the sessions and the sources' publishing days are reckoned."""
    return datetime.now(ZoneInfo(NEW_YORK)).date()
