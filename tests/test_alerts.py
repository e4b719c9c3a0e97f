"""Alert delivery: the sensor sends each new alert once, to the log and to a webhook on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import duckdb
import pytest

from orchestration.alerts import ledger_path_for, recent_alerts
from orchestration.resources import WarehouseResource
from orchestration.sensors import stress_alerts_sensor
from tests.conftest import copy_warehouse


@pytest.fixture
def webhook():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alerts", received
    server.shutdown()
    server.server_close()


def evaluate(db):
    # the resource sets up per evaluation (settings resolved once), so the context is opened as the daemon opens it
    with dg.build_sensor_context(resources={"warehouse": WarehouseResource(db_path=str(db))}) as context:
        return stress_alerts_sensor(context)


def test_the_sensor_delivers_each_alert_exactly_once(sample_warehouse, tmp_path, webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv("STRESSWATCH_WEBHOOK_URL", url)
    db = copy_warehouse(sample_warehouse, tmp_path / "stresswatch.duckdb")
    expected = recent_alerts(db)
    assert len(expected) >= 5

    first = evaluate(db)
    assert len(received) == len(expected)
    assert {(a["alert_date"], a["rule_id"], a["subject"]) for a in received} == {
        (a.alert_date.isoformat(), a.rule_id, a.subject) for a in expected}
    assert all(a["message"] and a["severity"] for a in received)
    assert f"delivered {len(expected)} new alert(s)" in first.skip_message

    second = evaluate(db)  # a later tick, the same alerts: nothing is sent again
    assert len(received) == len(expected) and "delivered 0" in second.skip_message

    with duckdb.connect(str(db)) as con:  # a new run publishes a new alert
        con.execute("insert into marts.fct_stress_alerts by name select date '2026-01-02' as alert_date, "
                    "'vix_above_20' as rule_id, 'VIX' as subject, 'vix_close' as metric, 21.5 as observed_value, "
                    "20 as threshold, 'warning' as severity, "
                    "'The VIX closes above 20: VIX vix_close 21.5 above 20.0' as message")
    evaluate(db)
    assert [a["alert_date"] for a in received[len(expected):]] == ["2026-01-02"]


def test_a_failed_webhook_keeps_the_alert_for_the_next_tick(sample_warehouse, tmp_path, webhook, monkeypatch):
    url, received = webhook
    db = copy_warehouse(sample_warehouse, tmp_path / "stresswatch.duckdb")
    monkeypatch.setenv("STRESSWATCH_WEBHOOK_URL", "http://127.0.0.1:9/nothing-listens-here")
    evaluate(db)
    assert not ledger_path_for(db).exists() or ledger_path_for(db).read_text() == ""
    monkeypatch.setenv("STRESSWATCH_WEBHOOK_URL", url)
    evaluate(db)
    assert len(received) == len(recent_alerts(db))


def test_without_a_webhook_alerts_go_to_the_log_once(sample_warehouse, tmp_path, monkeypatch):
    monkeypatch.delenv("STRESSWATCH_WEBHOOK_URL", raising=False)
    db = copy_warehouse(sample_warehouse, tmp_path / "stresswatch.duckdb")
    assert "delivered" in evaluate(db).skip_message
    assert len(ledger_path_for(db).read_text().splitlines()) == len(recent_alerts(db))
    assert "delivered 0" in evaluate(db).skip_message
