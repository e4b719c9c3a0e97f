"""`stresswatch docs`: Great Expectations Data Docs read offline in a real browser, warned batches told from blocked."""

import re
import shutil
from pathlib import Path

import pytest

from orchestration.ingest.loading import load_source
from orchestration.ingest.sources.replay import ReplayPriceClient
from orchestration.ingest.validation import ValidationGate
from orchestration.settings import DEFAULT_OVERLAP_DAYS, SAMPLE_DATA_DIR, gx_root_for
from tests.conftest import copy_warehouse, run_cli
from tests.test_report import run_chromium

# no network at all: every http(s) request goes to a closed port on this machine
OFFLINE = ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
REMOTE_RESOURCE = re.compile(r'<(?:script|img)\b[^>]*\bsrc="https?://|<link\b[^>]*\bhref="https?://')


@pytest.fixture(scope="module")
def docs(sample_warehouse, tmp_path_factory) -> Path:
    """Data Docs of a warehouse whose sample loads passed with (staleness) warnings and whose next price load was
    blocked (a negative close)."""
    work = tmp_path_factory.mktemp("docs")
    db = copy_warehouse(sample_warehouse, work / "stresswatch.duckdb")
    data = work / "data"
    shutil.copytree(SAMPLE_DATA_DIR, data)
    spy = data / "prices" / "SPY.csv"
    lines = spy.read_text().splitlines()
    fields = lines[-1].split(",")
    fields[4] = "-680.06"
    spy.write_text("\n".join([*lines[:-1], ",".join(fields)]) + "\n")
    # the next evening's price load, blocked by the gate (the validation is stored as a run's would be)
    blocked = load_source(
        db, ReplayPriceClient(data), "evening-2", DEFAULT_OVERLAP_DAYS, gate=ValidationGate(gx_root_for(db))
    )
    assert blocked.status == "quarantined"
    assert run_cli("docs", "--db", str(db)) == 0
    return db.with_suffix(".gx") / "gx" / "uncommitted" / "data_docs" / "local_site"


def test_no_page_loads_anything_from_the_network(docs):
    pages = list(docs.rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        assert not REMOTE_RESOURCE.search(page.read_text()), page
    assert (docs / "static" / "vendor" / "jquery-3.7.1" / "jquery.min.js").exists()


def test_the_index_shows_every_validation_offline_with_its_status(docs, tmp_path):
    dom = run_chromium(tmp_path, *OFFLINE, "--virtual-time-budget=5000", "--dump-dom", (docs / "index.html").as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    console_errors = [
        line for line in dom.stderr.splitlines() if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]
    assert console_errors == []
    rows = re.findall(r'<tr [^>]*data-href="(validations/[^"]+)"[^>]*>(.*?)</tr>', dom.stdout, re.S)
    assert len(rows) == 5  # the table is drawn by bootstrap-table: empty when its script cannot load
    status = {"warned": 0, "failed": 0}
    for link, row in rows:
        if "fa-exclamation-triangle" in row:
            status["warned"] += 1
        elif "fa-times" in row:
            status["failed"] += 1
            assert "price_bars" in link  # only the blocked batch reads "Failed"
    assert status == {"warned": 4, "failed": 1}  # the sample's four loads, then the blocked price load

    screenshot = tmp_path / "data_docs.png"
    shot = run_chromium(
        tmp_path, *OFFLINE, "--window-size=1400,1000", f"--screenshot={screenshot}", (docs / "index.html").as_uri()
    )
    assert shot.returncode == 0 and screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_validation_page_says_passed_with_warnings_or_failed(docs, tmp_path):
    pages = {page: page.read_text() for page in (docs / "validations").rglob("*.html")}
    warned = [page for page, text in pages.items() if "Passed with warnings" in text]
    failed = [page for page, text in pages.items() if "</i> Failed" in text]
    assert len(failed) == 1 and "price_bars" in str(failed[0])
    assert len(warned) == len(pages) - 1
    dom = run_chromium(tmp_path, *OFFLINE, "--virtual-time-budget=5000", "--dump-dom", failed[0].as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Failed" in dom.stdout and "-680.06" in dom.stdout  # the offending value, shown by the page
