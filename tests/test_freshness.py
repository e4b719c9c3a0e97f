"""Source deadlines on the NYSE calendar, and dbt's calendar-blind `source freshness` kept in step with them."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from orchestration.ingest.freshness import SOURCES_YML, deadlines, freshness_verdict

NY = ZoneInfo("America/New_York")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def test_every_loaded_source_has_a_deadline():
    assert set(deadlines()) == {"prices", "fred", "treasury", "sec"}


def test_prices_of_a_session_are_due_that_evening_and_not_before():
    prices = deadlines()["prices"]
    assert prices.due_date(at(date(2025, 11, 21), 18, 59)) == date(2025, 11, 20)
    assert prices.due_date(at(date(2025, 11, 21), 19, 1)) == date(2025, 11, 21)
    # Thanksgiving is no session: Wednesday's bars are what is due until Friday evening
    assert prices.due_date(at(date(2025, 11, 27), 22)) == date(2025, 11, 26)
    assert prices.due_date(at(date(2025, 11, 29), 12)) == date(2025, 11, 28)


def test_fred_daily_series_are_due_one_session_later():
    assert deadlines()["fred"].due_date(at(date(2025, 12, 1), 19, 1)) == date(2025, 11, 28)


def test_the_verdict_names_the_table_the_newest_date_and_what_was_due():
    on_time, sentence = freshness_verdict("prices", date(2025, 11, 21), at(date(2025, 11, 21), 20))
    assert on_time and "raw.price_bars has data through 2025-11-21" in sentence
    late, sentence = freshness_verdict("prices", date(2025, 11, 20), at(date(2025, 11, 21), 20))
    assert not late and "stale: data through 2025-11-20, 2025-11-21 was due" in sentence
    assert freshness_verdict("sec", None, at(date(2025, 11, 21), 20))[0] is False


def _dbt_error_after_hours() -> dict[str, float]:
    hours = {"hour": 1, "day": 24}
    bounds = {}
    for table in yaml.safe_load(SOURCES_YML.read_text())["sources"][0]["tables"]:
        config = table.get("config") or {}
        if "deadline" in (config.get("meta") or {}):
            error_after = config["freshness"]["error_after"]
            bounds[config["meta"]["deadline"]["family"]] = error_after["count"] * hours[error_after["period"]]
    return bounds


@pytest.mark.parametrize("family", ["prices", "fred", "treasury"])
def test_dbt_source_freshness_never_passes_data_the_calendar_rule_calls_stale(family):
    """dbt measures hours from the newest date (midnight UTC) to now; over seven years of evenings, the longest lag
    the session rule accepts must not exceed dbt's error_after, or `dbt source freshness` would flag on-time data."""
    deadline, bound = deadlines()[family], _dbt_error_after_hours()[family]
    longest = 0.0
    day = date(2019, 1, 1)
    while day < date(2026, 12, 31):
        for hour, minute in ((18, 59), (23, 59)):
            now = at(day, hour, minute)
            due = deadline.due_date(now)
            lag = now.astimezone(UTC) - datetime(due.year, due.month, due.day, tzinfo=UTC)
            longest = max(longest, lag / timedelta(hours=1))
        day += timedelta(days=1)
    assert longest <= bound, f"{family}: the session rule accepts {longest:.1f} h, dbt errors after {bound} h"
    assert longest > bound - 48, f"{family}: dbt's bound {bound} h is much looser than the rule ({longest:.1f} h)"
