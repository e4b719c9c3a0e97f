"""The evening report renders in headless Chromium, offline, with every chart drawn and no script error."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestration.serve.report import build_report
from tests.conftest import run_cli

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Debian's chromium is required for this test (.ci/run installs it: apt-get install chromium)"
    return found


@pytest.fixture(scope="module")
def report(sample_warehouse, tmp_path_factory) -> Path:
    return build_report(sample_warehouse, tmp_path_factory.mktemp("report"))


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_page_renders_every_chart_without_script_errors(report, tmp_path):
    dom = run_chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = re.search(r'data-charts-rendered="(\d+)"', dom.stdout)
    assert rendered, "the page's script did not run"
    assert int(rendered.group(1)) >= 8
    console_errors = [
        line for line in dom.stderr.splitlines() if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]
    assert console_errors == []

    screenshot = tmp_path / "report.png"
    shot = run_chromium(tmp_path, "--window-size=1200,7000", f"--screenshot={screenshot}", report.as_uri())
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 100_000


def test_the_page_is_self_contained_small_and_titled(report):
    page = report.read_text()
    assert report.stat().st_size < 10 * 1024 * 1024
    assert not re.search(r'(src|href)="https?://', page)  # nothing to fetch: works offline
    assert page.count('<figure class="chart">') >= 8
    for title in (
        "Composite market stress index",
        "close, 50- and 200-day averages",
        "VIX",
        "high-yield and investment-grade spreads",
        "10- and 2-year yields",
        "bid-to-cover by term",
        "Mega-cap breadth",
        "unrealized losses",
        "gross margin by quarter",
    ):
        assert title in page
    assert "Alerts of the last 10 sessions" in page and "Data freshness" in page
    assert "raw.price_bars" in page and "loaded" in page


def test_run_writes_the_report_and_prints_its_path(tmp_path, capsys):
    db = tmp_path / "warehouse" / "stresswatch.duckdb"
    assert run_cli("run", "--db", str(db)) == 0
    report_path = db.parent / "report" / "index.html"
    assert f"Evening report: {report_path}" in capsys.readouterr().out
    assert report_path.exists()
    assert run_cli("report", "--db", str(db), "--out", str(tmp_path / "again")) == 0
    assert (tmp_path / "again" / "index.html").exists()
