"""The daily schedule as the daemon evaluates it: NYSE sessions only, after the close."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import yaml

from orchestration.definitions import defs

NEW_YORK = ZoneInfo("America/New_York")


def evaluate(day: int, month: int = 11, year: int = 2025):
    schedule = defs.resolve_schedule_def("stresswatch_daily_after_close")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(year, month, day, 18, 30, tzinfo=NEW_YORK))
    return schedule.evaluate_tick(context)


def test_no_run_on_thanksgiving():
    tick = evaluate(27)
    assert tick.run_requests == []
    assert "not an NYSE session" in tick.skip_message


def test_one_run_on_an_ordinary_session_tagged_with_it():
    tick = evaluate(21)
    assert len(tick.run_requests) == 1
    request = tick.run_requests[0]
    assert request.run_key == "2025-11-21"  # the daemon never launches the same session twice
    assert request.tags["stresswatch/session"] == "2025-11-21" and request.tags["stresswatch/close"] == "16:00"


def test_the_early_close_after_thanksgiving_still_runs_and_says_so():
    request = evaluate(28).run_requests[0]
    assert request.tags["stresswatch/close"] == "13:00" and request.tags["stresswatch/early_close"] == "true"


def test_other_exchange_holidays_are_skipped_too():
    assert evaluate(1, 1, 2026).run_requests == []  # New Year's Day
    assert evaluate(3, 4, 2026).run_requests == []  # Good Friday: a weekday the exchange is closed
    assert len(evaluate(2, 4, 2026).run_requests) == 1


def test_every_writing_job_carries_the_writer_tag_the_run_queue_limits(tmp_path):
    from orchestration.defs.instance import WRITER_TAG, ensure_dagster_home

    for name in ("stresswatch_daily", "stresswatch_spark"):
        assert defs.resolve_job_def(name).tags[WRITER_TAG] == "warehouse"
    limits = yaml.safe_load((ensure_dagster_home(tmp_path) / "dagster.yaml").read_text())["run_queue"]
    assert {"key": WRITER_TAG, "limit": 1} in limits["tag_concurrency_limits"]
