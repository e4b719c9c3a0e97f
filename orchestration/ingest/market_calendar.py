"""The New York Stock Exchange's sessions (exchange_calendars' XNYS): holidays, early closes, "the last N sessions"."""

from __future__ import annotations

import os
import pickle
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd
from platformdirs import user_cache_dir

NEW_YORK = "America/New_York"
FIRST_SESSION = "1990-01-02"  # older than any history the warehouse is built from


def cached_calendar_path(folder: Path, today: date) -> Path:
    """Where today's calendar is kept: it runs a year past the day it is built, and holds what the library and pandas
    of that day computed (a new release may add a holiday: another file)."""
    return folder / f"xnys-{FIRST_SESSION}-{today}-xcals{xcals.__version__}-pandas{pd.__version__}.pickle"


def load_or_build(path: Path) -> xcals.ExchangeCalendar:
    """The calendar pickled at `path`, else built and kept there (older days' files removed)."""
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - missing, partly written or from another library: a cache, rebuilt
        pass
    calendar = xcals.get_calendar("XNYS", start=FIRST_SESSION)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for older in path.parent.glob("xnys-*.pickle"):
            older.unlink(missing_ok=True)
        written = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        written.write_bytes(pickle.dumps(calendar))
        os.replace(written, path)  # another process reading at the same time sees the whole file or none
    except OSError:
        pass  # a read-only home: every process builds its own, as before
    return calendar


@lru_cache(maxsize=1)
def nyse() -> xcals.ExchangeCalendar:
    """XNYS from FIRST_SESSION. Building it evaluates pandas' holiday rules: about 0.2 s in every process (the daily
    run, the code server, each CLI command); the copy pickled in the user's cache folder loads in about 20 ms."""
    return load_or_build(cached_calendar_path(Path(user_cache_dir("stresswatch")), date.today()))


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
