"""The daily job with every source live against local replicas of their APIs (127.0.0.1, the sample's real data):
equal to the replay build; each service's 503 retried; the next evening incremental, a CPI revision and a split of
the price feed loaded; a CIK without facts named; and the FRED key never written anywhere."""

from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import quoteattr

import duckdb

from orchestration.defs.run_failures import load_warnings
from orchestration.settings import SAMPLE_DATA_DIR, live_price_symbols, live_sec_ciks
from tests.conftest import assert_same_marts, copy_warehouse, dagster_instance, execute_daily, failure_of
from tests.replica_server import (
    Replica,
    cboe_vix_history_answer,
    fiscal_data_auctions_answer,
    fred_observations_answer,
    sec_companyfacts_answer,
    yahoo_chart_answer,
)

FIRST_EVENING = "2025-12-19"  # the replica's last observation on the first evening; the second has the sample's
# CPI for August 2025 as first published on 2025-09-15: the value is made up for the test (the first evening
# serves it); the second evening serves the sample's real value, 329.793, as its revision of 2025-12-31
CPI_AUGUST = ("CPILFESL", "2025-08-01")
CPI_FIRST_PRINT = ("2025-09-15", "330.101")
CPI_REVISED_ON = "2025-12-31"
SPLIT = ("NVDA", "2025-12-22", 4)  # made up: before it the feed served NVDA's real bars x4 (the pre-split basis)
FAMILIES = ["prices", "fred", "treasury", "sec"]


def live_fred(replica: Replica) -> dict:
    return {"live_sources": ["fred"], "api_urls": {"fred": f"{replica.url}/fred"}}


def replicas(replica_of, until: str | None = None, first_evening: bool = False) -> dict[str, Replica]:
    """Every service the daily job calls, serving the sample (up to `until`); the first evening, each service
    answers its first request 503, CPI's first print and NVDA's pre-split bars."""
    return {
        "prices": replica_of(
            yahoo_chart_answer(SAMPLE_DATA_DIR / "prices", until=until, fail_first=first_evening, split=SPLIT)
        ),
        "cboe": replica_of(
            cboe_vix_history_answer(SAMPLE_DATA_DIR / "cboe" / "vix-daily.csv", until=until, fail_first=first_evening)
        ),
        "fred": replica_of(
            fred_observations_answer(
                SAMPLE_DATA_DIR / "fred",
                until=until,
                fail_first=first_evening,
                first_prints={CPI_AUGUST: CPI_FIRST_PRINT},
                revised_on=None if first_evening else CPI_REVISED_ON,
            )
        ),
        "treasury": replica_of(fiscal_data_auctions_answer(SAMPLE_DATA_DIR / "treasury", fail_first=first_evening)),
        "sec": replica_of(sec_companyfacts_answer(SAMPLE_DATA_DIR / "sec", fail_first=first_evening)),
    }


def live_config(services: dict[str, Replica]) -> dict:
    urls = {family: replica.url for family, replica in services.items()}
    return {"live_sources": FAMILIES, "api_urls": {**urls, "fred": f"{urls['fred']}/fred"}}


# README, "Vintages": what FRED said about a series' day as of an evening (null: nothing published yet)
VALUE_AS_OF = """
    select arg_max(value, realtime_start) from raw.fred_vintages
    where series_id = $series and obs_date = $day and realtime_start <= $evening
"""


def values(db: Path, table: str) -> list[tuple]:
    """A raw table's values: no load metadata, no `source` (a URL live, a file name replayed), no vintage."""
    with duckdb.connect(str(db), read_only=True) as con:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = $t "
                "and not starts_with(column_name, '_') and column_name not in ('source', 'realtime_start') "
                "order by ordinal_position",
                {"t": table},
            ).fetchall()
        ]
        return sorted(con.execute(f"select {', '.join(columns)} from raw.{table}").fetchall(), key=repr)


def observations(db: Path) -> list[tuple]:
    return sorted(values(db, "fred_observations"))


def load_log(db: Path, raw_table: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select status, rows_inserted, rows_updated from raw.load_log where raw_table = $t order by started_at",
            {"t": raw_table},
        ).fetchall()


def test_every_source_live_equals_the_replay_build_and_the_next_evening_loads_new_days_revisions_and_a_split(
    sample_warehouse, tmp_path, replica_of, monkeypatch
):
    monkeypatch.setenv("FRED_API_KEY", "replica-key")
    monkeypatch.setenv("SEC_USER_AGENT", "StressWatch tests tests@example.com")
    instance = dagster_instance(tmp_path / "home")
    db = tmp_path / "live.duckdb"
    first = replicas(replica_of, until=FIRST_EVENING, first_evening=True)
    result = execute_daily(instance, db, **live_config(first))
    assert result.success, failure_of(result)
    # every service's 503 was retried: FRED and prices once per series or symbol, the others once
    # FRED: each of 12 series' values after a 503 (24 requests), then its vintages (12)
    assert sum(path.startswith("/fred/series/observations") for path in first["fred"].requests) == 36
    assert len(first["prices"].requests) == 2 * len(live_price_symbols())
    assert len(first["cboe"].requests) == 2
    assert len(first["treasury"].requests) == 3  # the 503, then two pages of 1,000 auctions
    assert len(first["sec"].requests) == len(live_sec_ciks()) + 1
    replayed = observations(sample_warehouse)
    first_print = float(CPI_FIRST_PRINT[1])
    assert observations(db) == [
        (name, when, first_print if (name, when.isoformat()) == CPI_AUGUST else figure)
        for name, when, figure in replayed
        if when.isoformat() <= FIRST_EVENING
    ]
    warnings = [line for line in load_warnings(result.all_events) if "everything_fetched" in line]
    others = [cik.lstrip("0") for cik in live_sec_ciks() if cik.lstrip("0") != "1640147"]
    assert len(warnings) == 1 and f"on {len(others)} row(s)" in warnings[0]  # every CIK counted, ten named
    assert all(f"CIK {cik}: the SEC has no company facts" in warnings[0] for cik in others[:10])

    second = replicas(replica_of)
    result = execute_daily(instance, db, **live_config(second))
    assert result.success, failure_of(result)
    for table in ("price_bars", "fred_observations", "treasury_auctions", "sec_company_facts"):
        assert values(db, table) == values(sample_warehouse, table), table
    assert_same_marts(db, sample_warehouse)  # every mart, the index and fct_equity_daily free of the split's crash
    starts = {
        parse_qs(urlsplit(path).query)["series_id"][0]: parse_qs(urlsplit(path).query)["observation_start"][0]
        for path in second["fred"].requests
        if "observation_start" in path
    }
    assert starts["DGS10"] == "2025-12-09"  # a daily series: its last loaded day minus the 10-day overlap
    assert starts["CPILFESL"] == "2024-10-02"  # a monthly one: 13 months (395 days) before its last, 2025-11-01
    new_rows = sum(row[1].isoformat() > FIRST_EVENING for row in replayed)
    assert load_log(db, "raw.fred_observations")[-1] == ("loaded", new_rows, 1)  # the new days, the revised CPI
    # the vintages: the new days' and CPI's revision (inserted), the first print's vintage now ended (updated)
    assert load_log(db, "raw.fred_vintages")[-1] == ("loaded", new_rows + 1, 1)
    # NVDA asked from its overlap, then (re-based by the split) from its first day; every other symbol once
    charts = [urlsplit(path).path.rsplit("/", 1)[-1] for path in second["prices"].requests]
    assert charts.count("NVDA") == 2 and len(charts) == len(live_price_symbols()) + 1
    with duckdb.connect(str(db), read_only=True) as con:
        assert (
            con.execute("select min(return_1d_pct) from marts.fct_equity_daily where symbol = 'NVDA'").fetchone()[0]
            > -50
        )
        message = con.execute(
            "select message from raw.load_log where source = 'prices' order by started_at desc"
        ).fetchone()[0]
        assert "re-based and loaded whole: NVDA (closes x0.25" in message
        # the vintages: what FRED said about August's core CPI on each evening, and when each value was its answer
        as_of = {
            evening: con.execute(
                VALUE_AS_OF, {"series": CPI_AUGUST[0], "day": CPI_AUGUST[1], "evening": evening}
            ).fetchone()[0]
            for evening in ("2025-09-14", FIRST_EVENING, CPI_REVISED_ON)
        }
        assert as_of == {"2025-09-14": None, FIRST_EVENING: first_print, CPI_REVISED_ON: 329.793}
        assert con.execute(
            "select realtime_start, realtime_end, value from raw.fred_vintages where series_id = $s "
            "and obs_date = $d order by realtime_start",
            {"s": CPI_AUGUST[0], "d": CPI_AUGUST[1]},
        ).fetchall() == [(date(2025, 9, 15), date(2025, 12, 30), first_print), (date(2025, 12, 31), None, 329.793)]
    # the vintages were asked from a year before the last loaded CPI vintage (a monthly series' revision window), and
    # from 10 days before the last DGS10 vintage (Friday 2025-12-19's value, published Monday 2025-12-22)
    vintage_starts = {
        parse_qs(urlsplit(path).query)["series_id"][0]: parse_qs(urlsplit(path).query)["realtime_start"][0]
        for path in second["fred"].requests
        if "realtime_start" in path
    }
    assert vintage_starts["CPILFESL"] == "2024-11-15" and vintage_starts["DGS10"] == "2025-12-12"


def echoing_gateway(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
    """A gateway in front of FRED that refuses the request in FRED's error format, quoting the URL it was asked."""
    return (
        400,
        {"Content-Type": "text/xml"},
        (
            f'<?xml version="1.0" encoding="utf-8" ?><error code="400" message={quoteattr("Bad Request: " + path)}/>'
        ).encode(),
    )


def test_the_fred_key_appears_nowhere_when_a_live_run_fails(sample_warehouse, tmp_path, replica_of, monkeypatch, capfd):
    monkeypatch.setenv("FRED_API_KEY", "SECRET123")
    replica = replica_of(echoing_gateway)
    (tmp_path / "warehouse").mkdir()
    db = copy_warehouse(sample_warehouse, tmp_path / "warehouse" / "stresswatch.duckdb")
    result = execute_daily(dagster_instance(tmp_path / "home"), db, **live_fred(replica))
    assert not result.success
    assert "FRED series DGS2: HTTP 400: Bad Request: /fred/series/observations" in failure_of(result)
    assert "api_key=***" in failure_of(result)
    assert len(replica.requests) == 2  # a 400 is not retried: one request for the values, one for the vintages
    leaks = [str(path) for path in tmp_path.rglob("*") if path.is_file() and b"SECRET123" in path.read_bytes()]
    assert leaks == []  # the warehouse, its build, GX results, the Dagster event log, dbt's logs
    events = " ".join(str(event) for event in result.all_events)
    captured = capfd.readouterr()
    assert "SECRET123" not in events + captured.out + captured.err
