"""A live source that stumbles, then one that fails for good, through the daily job against a local replica of
Fiscal Data (127.0.0.1, recorded real payload): retried and loaded; or one failure alert and the rest published."""

import dagster as dg
import duckdb

from orchestration.defs.resources import WarehouseResource
from orchestration.defs.sensors import run_failure_alerts
from orchestration.serve.alerts import failure_ledger_path_for, recent_alerts
from orchestration.serve.status import status_text
from tests.conftest import FIXTURES, copy_warehouse, dagster_instance, execute_daily, mart_rows
from tests.replica_server import Replica

AUCTIONS_PAGE = (FIXTURES / "treasury" / "fiscaldata_auctions_query_bills_2026-01.json").read_bytes()
AUCTIONS_PATH = "/v1/accounting/od/auctions_query"


def live_treasury(replica: Replica) -> dict:
    """The daily job's settings for Treasury fetched live from the replica, everything else replayed."""
    return {"live_sources": ["treasury"], "api_urls": {"treasury": replica.url}}


def test_a_live_source_answering_503_twice_is_retried_and_loads(sample_warehouse, tmp_path, replica_of):
    replica = replica_of(lambda path, attempt: (503, {}, b"{}") if attempt <= 2 else (200, {}, AUCTIONS_PAGE))
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")

    result = execute_daily(dagster_instance(tmp_path / "home"), db, **live_treasury(replica))

    assert result.success
    assert len(replica.requests) == 3 and all(path.startswith(AUCTIONS_PATH) for path in replica.requests)
    assert "filter=auction_date%3Agte%3A" in replica.requests[-1]  # incremental, from the loaded dates
    with duckdb.connect(str(db), read_only=True) as con:
        status, origin, rows_in = con.execute(
            "select status, origin, rows_in from raw.load_log where run_id = $r and source = 'treasury'",
            {"r": result.run_id},
        ).fetchone()
        stale = con.execute("select count(*) from marts.build_info where is_stale").fetchone()[0]
    assert status == "loaded" and replica.url in origin and rows_in == 25
    assert stale == 0


def test_a_source_failing_for_good_alerts_once_and_the_other_marts_are_published(
    sample_warehouse, tmp_path, replica_of
):
    # Fiscal Data down all evening; Retry-After: 0 keeps the HTTP retries quick, Dagster's policy still backs off
    replica = replica_of(lambda path, attempt: (503, {"Retry-After": "0"}, b'{"error": "Service Unavailable"}'))
    webhook = replica_of(lambda path, attempt: (404, {}, b""))
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    treasury_before = mart_rows(db, "fct_treasury_auctions")
    instance = dagster_instance(tmp_path / "home")

    result = execute_daily(instance, db, webhook_url=webhook.url, **live_treasury(replica))

    assert not result.success
    attempts = [event for event in result.all_events if event.event_type_value == "STEP_UP_FOR_RETRY"]
    assert len(attempts) == 2  # the load step ran three times (RetryPolicy max_retries=2)
    assert len(replica.requests) == 3 * 5  # and each time the HTTP client tried its request five times
    with duckdb.connect(str(db), read_only=True) as con:  # the evening was published all the same
        info = dict(
            con.execute(
                "select relation, is_stale from marts.build_info where run_id = $r", {"r": result.run_id}
            ).fetchall()
        )
    assert info["raw.treasury_auctions"] and info["marts.fct_treasury_auctions"]
    assert not info["marts.fct_rates_daily"] and not info["marts.fct_market_stress_daily"]
    assert mart_rows(db, "fct_treasury_auctions") == treasury_before  # the last good rows stay
    # status and the evening report say what is stale and why
    status = status_text(db)
    assert "NOT REFRESHED by the last run" in status and "marts.fct_treasury_auctions: not rebuilt" in status
    report = (db.parent / "report" / "index.html").read_text()
    assert 'id="stale"' in report and "raw.treasury_auctions" in report and "HTTP 503" in report

    # the failure sensor, evaluated as the daemon does, and evaluated again: one message
    run = instance.get_run_by_id(result.run_id)
    failure = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0].dagster_event
    for _ in range(2):
        with dg.build_run_status_sensor_context(
            sensor_name="run_failure_alerts",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=run,
            resources={"warehouse": WarehouseResource()},
        ) as context:
            run_failure_alerts(context.for_run_failure())
    failures = [message for message in webhook.posted if message.get("kind") == "run_failure"]
    assert len(failures) == 1
    alert = failures[0]
    assert alert["run_id"] == result.run_id and alert["step"] == "raw.treasury_auctions"
    assert alert["sources"] == ["treasury"] and "HTTP 503" in alert["reason"]
    assert "failed at raw.treasury_auctions (source treasury)" in alert["message"]
    assert len(failure_ledger_path_for(db).read_text().splitlines()) == 1
    # the run itself sent the evening's stress alerts to the same webhook before it was judged failed
    assert len(webhook.posted) - 1 == len(recent_alerts(db)) > 0


def test_the_evening_after_a_blocked_source_rebuilds_the_incremental_marts_whole(sample_warehouse, tmp_path):
    """An incremental mart left stale for a while would otherwise catch up only its newest sessions."""
    from orchestration.ingest.blocked_sources import stale_relations
    from tests.conftest import assert_same_marts

    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    with duckdb.connect(str(db)) as con:  # as a run with Treasury blocked left it
        con.execute(
            "update marts.build_info set is_stale = true, stale_reason = 'not rebuilt in run x' "
            "where relation in ('raw.treasury_auctions', 'marts.fct_stress_alerts')"
        )
        con.execute("delete from marts.fct_stress_alerts where alert_date >= date '2025-11-01'")  # sessions missed
    instance = dagster_instance(tmp_path / "home")

    result = execute_daily(instance, db)

    assert result.success
    logged = [record.user_message for record in instance.all_logs(result.run_id) if not record.is_dagster_event]
    assert any("rebuilding the incremental marts whole" in message for message in logged)
    with duckdb.connect(str(db), read_only=True) as con:
        assert stale_relations(con) == []
    assert_same_marts(db, sample_warehouse)  # the missed November alerts are back
