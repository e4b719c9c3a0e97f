"""Live SEC company facts through the daily job against a local replica of data.sec.gov (127.0.0.1, the sample's real
Snowflake document): equal to the replay build, and a CIK the SEC has nothing for is a warning, not a failed load."""

import pytest

from orchestration.run_failures import load_warnings
from orchestration.settings import SAMPLE_DATA_DIR, live_sec_ciks
from tests.conftest import dagster_instance, execute_daily, failure_of, raw_rows
from tests.replica_server import Replica, sec_companyfacts_answer, serve


@pytest.fixture
def sec_replica():
    replica, stop = serve(Replica(sec_companyfacts_answer(SAMPLE_DATA_DIR / "sec")))
    yield replica
    stop()


def test_live_sec_equals_the_replay_build_and_names_the_ciks_without_facts(sample_warehouse, tmp_path, sec_replica,
                                                                           monkeypatch):
    monkeypatch.setenv("SEC_USER_AGENT", "StressWatch tests tests@example.com")
    db = tmp_path / "live.duckdb"
    result = execute_daily(dagster_instance(tmp_path / "home"), db, live_sources=["sec"],
                           api_urls={"sec": sec_replica.url})
    assert result.success, failure_of(result)
    assert len(sec_replica.requests) == len(live_sec_ciks())  # one request per company of the sec_companies seed
    assert raw_rows(db, "sec_company_facts") == raw_rows(sample_warehouse, "sec_company_facts")
    warnings = [line for line in load_warnings(result.all_events) if "everything_fetched" in line]
    assert len(warnings) == 1
    others = [cik.lstrip("0") for cik in live_sec_ciks() if cik.lstrip("0") != "1640147"]
    assert f"on {len(others)} row(s)" in warnings[0]  # every CIK counted, the first ten named
    assert all(f"CIK {cik}: the SEC has no company facts" in warnings[0] for cik in others[:10])
