"""Live sources through the daily job against local replicas of their APIs (127.0.0.1, the sample's real data): FRED
and SEC equal to the replay build, FRED incremental and revised the next evening and retried on a 503, a CIK without
facts named, and the FRED key never written anywhere."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import quoteattr


from orchestration.run_failures import load_warnings
from orchestration.settings import SAMPLE_DATA_DIR, live_sec_ciks
from tests.conftest import copy_warehouse, dagster_instance, execute_daily, failure_of, raw_rows
from tests.replica_server import Replica, fred_observations_answer, sec_companyfacts_answer

FIRST_EVENING = "2025-12-19"  # the replica's last observation on the first evening; the second has the sample's
# a revision the second evening brings, three months back (the sample's real value is 329.793; this one is made up
# for the test and never leaves it)
CPI_REVISION = (("CPILFESL", "2025-08-01"), "330.101")


def live_fred(replica: Replica) -> dict:
    return {"live_sources": ["fred"], "api_urls": {"fred": f"{replica.url}/fred"}}


def live_fred_and_sec(fred: Replica, sec: Replica) -> dict:
    return {"live_sources": ["fred", "sec"], "api_urls": {"fred": f"{fred.url}/fred", "sec": sec.url}}


def observations(db: Path) -> list[tuple]:
    return sorted(row[:3] for row in raw_rows(db, "fred_observations"))  # series, date, value (not the vintage)


def load_log(db: Path, source: str) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select status, rows_inserted, rows_updated from raw.load_log where source = $s "
                           "order by started_at", {"s": source}).fetchall()


def test_live_fred_and_sec_equal_the_replay_build_and_fred_loads_the_new_days_and_revisions_next(
        sample_warehouse, tmp_path, replica_of, monkeypatch):
    monkeypatch.setenv("FRED_API_KEY", "replica-key")
    monkeypatch.setenv("SEC_USER_AGENT", "StressWatch tests tests@example.com")
    instance = dagster_instance(tmp_path / "home")
    db = tmp_path / "live.duckdb"
    first = replica_of(fred_observations_answer(SAMPLE_DATA_DIR / "fred", until=FIRST_EVENING, fail_first=True))
    sec = replica_of(sec_companyfacts_answer(SAMPLE_DATA_DIR / "sec"))  # the sample's real Snowflake document
    result = execute_daily(instance, db, **live_fred_and_sec(first, sec))
    assert result.success, failure_of(result)
    assert sum(path.startswith("/fred/series/observations") for path in first.requests) == 24  # 12 series, twice
    replayed = observations(sample_warehouse)
    assert observations(db) == [row for row in replayed if row[1].isoformat() <= FIRST_EVENING]
    # SEC: one request per company of the sec_companies seed; the replica has Snowflake's facts only
    assert len(sec.requests) == len(live_sec_ciks())
    assert raw_rows(db, "sec_company_facts") == raw_rows(sample_warehouse, "sec_company_facts")
    warnings = [line for line in load_warnings(result.all_events) if "everything_fetched" in line]
    others = [cik.lstrip("0") for cik in live_sec_ciks() if cik.lstrip("0") != "1640147"]
    assert len(warnings) == 1 and f"on {len(others)} row(s)" in warnings[0]  # every CIK counted, ten named
    assert all(f"CIK {cik}: the SEC has no company facts" in warnings[0] for cik in others[:10])

    (series, day), value = CPI_REVISION
    second = replica_of(fred_observations_answer(SAMPLE_DATA_DIR / "fred", revised=dict([CPI_REVISION])))
    result = execute_daily(instance, db, **live_fred(second))
    assert result.success, failure_of(result)
    revised = [(name, when, float(value) if (name, when.isoformat()) == (series, day) else figure)
               for name, when, figure in replayed]
    assert observations(db) == revised  # the whole sample as the replay build has it, and the CPI revision
    starts = {parse_qs(urlsplit(path).query)["series_id"][0]: parse_qs(urlsplit(path).query)["observation_start"][0]
              for path in second.requests}
    assert starts["DGS10"] == "2025-12-09"  # a daily series: its last loaded day minus the 10-day overlap
    assert starts["CPILFESL"] == "2024-10-02"  # a monthly one: 13 months (395 days) before its last, 2025-11-01
    new_rows = sum(row[1].isoformat() > FIRST_EVENING for row in replayed)
    assert load_log(db, "fred")[-1] == ("loaded", new_rows, 1)


def echoing_gateway(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
    """A gateway in front of FRED that refuses the request in FRED's error format, quoting the URL it was asked."""
    return 400, {"Content-Type": "text/xml"}, (
        f'<?xml version="1.0" encoding="utf-8" ?><error code="400" message={quoteattr("Bad Request: " + path)}/>'
    ).encode()


def test_the_fred_key_appears_nowhere_when_a_live_run_fails(sample_warehouse, tmp_path, replica_of, monkeypatch,
                                                            capfd):
    monkeypatch.setenv("FRED_API_KEY", "SECRET123")
    replica = replica_of(echoing_gateway)
    (tmp_path / "warehouse").mkdir()
    db = copy_warehouse(sample_warehouse, tmp_path / "warehouse" / "stresswatch.duckdb")
    result = execute_daily(dagster_instance(tmp_path / "home"), db, **live_fred(replica))
    assert not result.success
    assert "FRED series DGS2: HTTP 400: Bad Request: /fred/series/observations" in failure_of(result)
    assert "api_key=***" in failure_of(result)
    assert len(replica.requests) == 1  # a 400 is not retried
    leaks = [str(path) for path in tmp_path.rglob("*") if path.is_file() and b"SECRET123" in path.read_bytes()]
    assert leaks == []  # the warehouse, its build, GX results, the Dagster event log, dbt's logs
    events = " ".join(str(event) for event in result.all_events)
    captured = capfd.readouterr()
    assert "SECRET123" not in events + captured.out + captured.err
