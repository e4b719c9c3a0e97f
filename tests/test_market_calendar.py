"""NYSE sessions from exchange_calendars: what "the last N sessions" means everywhere."""

from datetime import date

from orchestration.ingest.market_calendar import (
    is_early_close,
    is_session,
    last_sessions,
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
