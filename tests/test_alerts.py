"""Alert delivery: each alert once (also to a slow receiver), retractions, a webhook that is down, masked URLs."""

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import duckdb
import pytest

from orchestration.serve.alerts import (
    FailureAlert,
    deliver_alerts,
    deliver_failure_alert,
    idempotency_key,
    ledger_path_for,
    mask_url,
    recent_alerts,
)
from tests.conftest import copy_warehouse, run_cli, sample_as_of

SECRET_PATH = "/services/T0AAA/B0BBB/s3cr3tT0ken"


@pytest.fixture
def webhook():
    """A receiver on 127.0.0.1 that records each POST; `behaviour` sets its answer and how long it takes."""
    received: list[dict] = []
    behaviour = {"status": 204, "sleep": 0.0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({**body, "_idempotency_key": self.headers.get("Idempotency-Key")})
            time.sleep(behaviour["sleep"])
            self.send_response(behaviour["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}{SECRET_PATH}?token=abc", received, behaviour
    server.shutdown()
    server.server_close()


def alerts_warehouse(path, count: int):
    """A warehouse holding `count` alerts on one evening (what the delivery reads of the published file)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_stress_alerts (alert_date date, rule_id varchar, subject varchar, "
            "metric varchar, observed_value double, threshold double, severity varchar, message varchar)"
        )
        # the index dates the evening: the sender reads it, and a warehouse without it is an error
        con.execute(
            "create table marts.fct_market_stress_daily as select date '2026-01-02' as obs_date, 0.5 as stress_index"
        )
        for number in range(count):
            con.execute(
                "insert into marts.fct_stress_alerts values (date '2026-01-02', 'vix_above_20', $s, "
                "'vix_close', 21.5, 20, 'warning', 'The VIX closes above 20')",
                {"s": f"VIX{number}"},
            )
    return path


def test_each_alert_is_delivered_once_across_runs(sample_warehouse, tmp_path, webhook):
    url, received, _ = webhook
    db = copy_warehouse(sample_warehouse, tmp_path / "stresswatch.duckdb")
    expected = recent_alerts(db)
    assert len(expected) >= 5 and expected[-1].rule_id == "weak_auction"  # a 6-week bill on 2026-01-20

    first = deliver_alerts(db, url, log=lambda line: None)
    assert len(received) == len(expected) == len(first.sent)
    assert {(a["alert_date"], a["rule_id"], a["subject"]) for a in received} == {
        (a.alert_date.isoformat(), a.rule_id, a.subject) for a in expected
    }
    assert all(
        a["_idempotency_key"] == idempotency_key(f"alert|{a['alert_date']}|{a['rule_id']}|{a['subject']}")
        for a in received
    )

    second = deliver_alerts(db, url, log=lambda line: None)  # the next evening, the same alerts: nothing again
    assert second.sent == () and len(received) == len(expected)

    with duckdb.connect(str(db)) as con:  # a new run publishes a new alert
        con.execute(
            "insert into marts.fct_stress_alerts by name select date '2026-01-02' as alert_date, "
            "'vix_above_20' as rule_id, 'VIX' as subject, 'vix_close' as metric, 21.5 as observed_value, "
            "20 as threshold, 'warning' as severity, "
            "'The VIX closes above 20: VIX vix_close 21.5 above 20.0' as message"
        )
    deliver_alerts(db, url, log=lambda line: None)
    assert [a["alert_date"] for a in received[len(expected) :]] == ["2026-01-02"]


def test_an_alert_whose_data_was_corrected_is_retracted_once(tmp_path, webhook):
    url, received, _ = webhook
    db = alerts_warehouse(tmp_path / "w.duckdb", 2)
    deliver_alerts(db, url, log=lambda line: None)
    assert len(received) == 2
    with duckdb.connect(str(db)) as con:  # the corrected data no longer crosses the threshold for VIX1
        con.execute("delete from marts.fct_stress_alerts where subject = 'VIX1'")

    lines = []
    done = deliver_alerts(db, url, log=lines.append)
    assert done.retracted == ("2026-01-02|vix_above_20|VIX1",) and done.sent == ()
    [retraction] = received[2:]
    assert retraction["kind"] == "retraction" and retraction["key"] == "2026-01-02|vix_above_20|VIX1"
    assert "The VIX closes above 20" in retraction["message"] and "[retraction]" in lines[0]
    assert deliver_alerts(db, url, log=lambda line: None).retracted == ()  # once
    assert len(received) == 3


def test_a_receiver_slower_than_the_timeout_gets_each_alert_once(tmp_path, webhook):
    url, received, behaviour = webhook
    behaviour["sleep"] = 15.0  # longer than the 10 s timeout: the request arrived, the answer did not
    db = alerts_warehouse(tmp_path / "w.duckdb", 2)
    done = deliver_alerts(db, url, log=lambda line: None)
    assert len(done.sent) == 2 and done.pending == 0
    deliver_alerts(db, url, log=lambda line: None)  # the next run does not send them again
    assert sorted(a["subject"] for a in received) == ["VIX0", "VIX1"]
    statuses = [json.loads(line)["status"] for line in ledger_path_for(db).read_text().splitlines()]
    assert statuses == ["unconfirmed", "unconfirmed"]


def test_a_published_warehouse_without_the_index_is_an_error_naming_it(tmp_path):
    db = alerts_warehouse(tmp_path / "w.duckdb", 1)
    with duckdb.connect(str(db)) as con:
        con.execute("drop table marts.fct_market_stress_daily")
    with pytest.raises(duckdb.CatalogException, match="fct_market_stress_daily does not exist"):
        deliver_alerts(db, None, log=lambda line: None)


def test_a_webhook_that_is_down_keeps_the_alerts_and_no_log_line_shows_its_path(tmp_path, webhook):
    url, received, behaviour = webhook
    db = alerts_warehouse(tmp_path / "w.duckdb", 3)
    lines: list[str] = []
    behaviour["status"] = 500
    done = deliver_alerts(db, url, log=lines.append)
    assert done.sent == () and done.pending == 3 and len(received) == 1  # stops at the first refusal
    down = "http://127.0.0.1:9" + SECRET_PATH  # nothing listens on port 9
    assert deliver_alerts(db, down, log=lines.append).pending == 3
    assert not ledger_path_for(db).exists()

    behaviour["status"] = 204
    assert len(deliver_alerts(db, url, log=lines.append).sent) == 3
    assert {a["subject"] for a in received[1:]} == {"VIX0", "VIX1", "VIX2"}
    assert lines and not [line for line in lines if "s3cr3tT0ken" in line or "T0AAA" in line], lines
    assert any("http://127.0.0.1:" in line and "/…" in line for line in lines)

    failure = FailureAlert("run-1", "stresswatch_daily", "raw.prices", ("prices",), "quarantined")
    behaviour["status"] = 500
    with pytest.raises(Exception) as raised:
        deliver_failure_alert(db, failure, url, log=lines.append)
    assert "s3cr3tT0ken" not in str(raised.value) and "s3cr3tT0ken" not in " ".join(lines)


def test_mask_url_keeps_only_scheme_and_host():
    assert mask_url("https://hooks.example.com/services/T/B/x?token=1") == "https://hooks.example.com/…"


def test_stresswatch_run_delivers_the_runs_alerts_and_retracts_one_whose_data_was_corrected(
    sample_warehouse, sample_copy, tmp_path, webhook, monkeypatch, capsys, caplog
):
    url, received, _ = webhook
    monkeypatch.setenv("STRESSWATCH_WEBHOOK_URL", url)
    db = copy_warehouse(sample_warehouse, tmp_path / "stresswatch.duckdb")
    caplog.set_level(logging.DEBUG)

    assert run_cli("run", "--db", str(db), "--data-dir", str(sample_copy)) == 0

    expected = recent_alerts(db)
    assert expected and len(received) == len(expected)
    assert {(a["alert_date"], a["rule_id"], a["subject"]) for a in received} == {
        (a.alert_date.isoformat(), a.rule_id, a.subject) for a in expected
    }
    shown = capsys.readouterr()
    assert "s3cr3tT0ken" not in shown.out + shown.err + caplog.text
    # the messages reach the run's log (the UI, `run --verbose`) as one entry: one event-log write, not one each
    instance = dg.DagsterInstance.from_config(str(db.parent / ".dagster"))
    [run] = instance.get_runs(limit=1)
    [entry] = [
        e
        for e in instance.all_logs(run.run_id)
        if e.step_key == "stress_alerts_sent" and e.level == logging.DEBUG and not e.is_dagster_event
    ]
    assert all(alert.message in entry.user_message for alert in expected)

    # GOOGL's volume of 2025-12-19 (1.43x its 30-day average, a volume_spike) is revised down by a tenth
    prices = sample_copy / "prices" / "GOOGL.csv"
    lines = prices.read_text().splitlines()
    lines = [
        ",".join([*line.split(",")[:5], str(int(float(line.split(",")[5]) * 0.9))])
        if line.startswith("2025-12-19")
        else line
        for line in lines
    ]
    prices.write_text("\n".join(lines) + "\n")
    assert run_cli("run", "--db", str(db), "--data-dir", str(sample_copy), "--full-reload") == 0
    retractions = [message for message in received[len(expected) :] if message.get("kind") == "retraction"]
    assert [message["key"] for message in retractions] == ["2025-12-19|volume_spike|GOOGL"]
    assert len(received) == len(expected) + 1  # nothing else is sent again


def test_a_cpi_release_is_delivered_the_evening_it_is_published_and_once(tmp_path, webhook, monkeypatch):
    """The real sample as it stood on 2025-08-14 (core CPI through June), then on 2025-08-15 with July's core CPI:
    3.05 % a year, the first above 3 % since June's 2.91 %, public by the 15th (var core_cpi_release_day)."""
    url, received, _ = webhook
    monkeypatch.setenv("STRESSWATCH_WEBHOOK_URL", url)
    db, data = tmp_path / "stresswatch.duckdb", tmp_path / "data"
    assert run_cli("run", "--db", str(db), "--data-dir", str(sample_as_of(data, "2025-08-14", "2025-06-01"))) == 0
    assert not [alert for alert in received if alert["rule_id"] == "core_cpi_above_3"]

    sample_as_of(data, "2025-08-15", "2025-07-01")  # the next evening: one more session, and July's CPI
    assert run_cli("run", "--db", str(db), "--data-dir", str(data)) == 0
    cpi = [alert for alert in received if alert["rule_id"] == "core_cpi_above_3"]
    assert [(alert["alert_date"], alert["subject"]) for alert in cpi] == [("2025-08-15", "core CPI of 2025-07-01")]
    assert deliver_alerts(db, url, log=lambda line: None).sent == ()  # asked again: nothing twice
