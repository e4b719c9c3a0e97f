"""NYSE sessions from exchange_calendars: what "the last N sessions" means everywhere."""

from datetime import date

import exchange_calendars as xcals
import pandas as pd

from orchestration.ingest.market_calendar import (
    FIRST_SESSION,
    cached_calendar_path,
    is_early_close,
    is_session,
    last_sessions,
    load_or_build,
    previous_session,
    sessions_between,
)


def test_holidays_and_weekends_are_not_sessions():
    assert not is_session(date(2025, 11, 27)) and not is_session(date(2025, 11, 29))
    assert is_session(date(2025, 11, 28)) and is_early_close(date(2025, 11, 28))
    assert not is_early_close(date(2025, 11, 21))


def test_the_last_sessions_skip_the_holiday():
    assert last_sessions(3, date(2025, 11, 30)) == [date(2025, 11, 25), date(2025, 11, 26), date(2025, 11, 28)]
    assert previous_session(date(2025, 11, 28)) == date(2025, 11, 26)
    assert len(sessions_between(date(2025, 11, 17), date(2025, 11, 28))) == 9


def test_the_kept_calendar_has_the_sessions_and_closes_a_fresh_one_has(tmp_path):
    path = cached_calendar_path(tmp_path, date(2026, 12, 1))
    built = load_or_build(path)  # nothing kept yet: built, then kept
    assert path.is_file()
    kept = load_or_build(path)
    fresh = xcals.get_calendar("XNYS", start=FIRST_SESSION)

    assert kept is not built
    pd.testing.assert_index_equal(kept.sessions, fresh.sessions)
    pd.testing.assert_series_equal(kept.closes, fresh.closes)
    assert kept.is_session(pd.Timestamp("2025-01-09")) is False  # a day of mourning, not a weekday rule


def test_a_damaged_or_older_kept_calendar_is_replaced(tmp_path):
    older = cached_calendar_path(tmp_path, date(2026, 11, 30))
    older.write_bytes(b"not a calendar")
    path = cached_calendar_path(tmp_path, date(2026, 12, 1))
    path.write_bytes(b"\x80\x04 a partly written pickle")

    calendar = load_or_build(path)

    assert calendar.is_session(pd.Timestamp("2025-11-28"))
    assert load_or_build(path).sessions.equals(calendar.sessions)  # the damaged file was written again
    assert sorted(file.name for file in tmp_path.iterdir()) == [path.name]
