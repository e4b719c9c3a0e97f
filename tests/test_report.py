"""The evening report in headless Chromium, offline: every chart drawn with no script error at 1,400 and 420 px (the
screenshots are kept), no sideways scroll on a phone, one window for the time series, hover values, dates as dates."""

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from orchestration.serve.report import build_report
from orchestration.settings import PROJECT_ROOT
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
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: any host the page named would fail to resolve
]
SCREENSHOTS = PROJECT_ROOT / "build" / "test-artifacts" / "report"  # kept after the run (build/ is not committed)
TIME_SERIES_CHARTS = (
    "Composite market stress index",
    "What drives it: category contributions",
    "close, 50- and 200-day averages",
    "volume against its 30-session average",
    "VIX: the market",
    "Credit: high-yield and investment-grade spreads",
    "Rates: 10- and 2-year yields and the curve",
    "Treasury auctions: bid-to-cover by term",
    "Mega-cap breadth and correlation",
)


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


def charts_of(page: str) -> dict[str, str]:
    """chart title -> its figure's HTML."""
    return {
        title: body for title, body in re.findall(r'<figure class="chart"><h2>(.*?)</h2>(.*?)</figure>', page, re.S)
    }


def chart(page: str, title_part: str) -> str:
    found = [body for title, body in charts_of(page).items() if title_part in title.replace("&#x27;", "'")]
    assert len(found) == 1, title_part
    return found[0]


def hover_dates(body: str) -> list[date]:
    return [date.fromisoformat(text[:10]) for text in re.findall(r"<rect [^>]*><title>([^<]*)</title>", body)]


def at_width(report: Path, width: int, tmp_path: Path) -> str:
    """The URI that shows the report `width` px wide: Chromium's window is at least 500 px, so a phone's width is an
    iframe of that width in a small harness page, which copies the report's self-check into its own body."""
    harness = tmp_path / f"at-{width}px.html"
    harness.write_text(
        f'<!doctype html><html><body style="margin:0"><iframe id="page" src="{report.as_uri()}" '
        f'style="width:{width}px;height:8800px;border:0"></iframe><script>'
        'document.getElementById("page").addEventListener("load", event => {'
        "  Object.assign(document.body.dataset, event.target.contentDocument.body.dataset); });"
        "</script></body></html>"
    )
    return harness.as_uri()


@pytest.mark.parametrize("width", [1400, 420])
def test_the_page_renders_every_chart_without_script_errors_at_desktop_and_phone_width(report, tmp_path, width):
    uri = at_width(report, width, tmp_path)
    window = f"--window-size={max(width, 500)},9000"
    dom = run_chromium(
        tmp_path, window, "--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom", uri
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = re.search(r'data-charts-rendered="(\d+)"', dom.stdout)
    assert rendered, "the page's script did not run"
    assert int(rendered.group(1)) == report.read_text().count('<figure class="chart">') >= 12
    console_errors = [
        line for line in dom.stderr.splitlines() if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]
    assert console_errors == []
    scroll_width = int(re.search(r'data-body-scroll-width="(\d+)"', dom.stdout).group(1))
    viewport = int(re.search(r'data-viewport-width="(\d+)"', dom.stdout).group(1))
    assert viewport == width and scroll_width <= viewport  # the body never scrolls sideways

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot = SCREENSHOTS / f"report-{width}px.png"
    shot = run_chromium(tmp_path, window, "--allow-file-access-from-files", f"--screenshot={screenshot}", uri)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 100_000


def test_the_page_is_self_contained_small_titled_and_readable_on_a_phone(report):
    page = report.read_text()
    assert report.stat().st_size < 3 * 1024 * 1024
    assert not re.search(r'(src|href)="https?://', page)  # nothing to fetch: works offline
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    for title in (
        *TIME_SERIES_CHARTS,
        "The index since it began",
        "unrealized losses",
        "gross margin by quarter",
    ):
        chart(page, title)
    assert "Alerts of the last 10 sessions" in page and "Data freshness" in page
    assert "raw.price_bars" in page and "loaded" in page
    assert page.count('<div class="plot">') == page.count('<figure class="chart">')  # each chart scrolls alone
    assert page.count('<div class="table-scroll">') >= 4  # drivers, inputs, alerts, freshness


def test_dates_show_as_dates_and_the_freshness_table_gives_each_source_its_age(report, sample_warehouse):
    page = report.read_text()
    assert "00:00:00" not in page
    freshness = re.search(r'<table id="freshness">(.*?)</table>', page, re.S).group(1)
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr.*?</tr>", freshness)]
    rows = {row[0]: row for row in cells if row}
    newest = date.fromisoformat(rows["raw.price_bars"][1])
    assert newest == date(2025, 12, 31)  # the sample's last session
    age = int(rows["raw.price_bars"][2].replace(",", ""))
    assert age == (date.today() - newest).days or age == (date.today() - newest).days + 1  # built around midnight
    # the sample ends in 2025: by its own deadline every daily source is late, and the page says so
    assert rows["raw.price_bars"][3].startswith("LATE: data through 2025-12-31, ")
    assert '<tr class="late"><td>raw.price_bars</td>' in freshness


def test_every_time_series_chart_shows_the_same_default_window_of_two_years(report):
    page = report.read_text()
    as_of = date.fromisoformat(re.search(r'data-as-of="([\d-]+)"', page).group(1))
    since = date(as_of.year - 2, as_of.month, as_of.day)
    assert f"charts from {since}" in page
    for title in TIME_SERIES_CHARTS:
        dates = hover_dates(chart(page, title))
        assert dates, title
        assert min(dates) >= since, title
        if "auctions" not in title:  # auctions are held on some days only; every other series is daily
            assert (min(dates) - since).days <= 5, title
    history = hover_dates(chart(page, "The index since it began"))
    assert min(history) < since  # the long-history panel ignores the window


def test_since_widens_every_time_series_chart_to_the_date_given(sample_warehouse, tmp_path, capsys):
    out = tmp_path / "since"
    assert run_cli("report", "--db", str(sample_warehouse), "--out", str(out), "--since", "2023-01-01") == 0
    assert str(out / "index.html") in capsys.readouterr().out
    page = (out / "index.html").read_text()
    assert "charts from 2023-01-01" in page
    for title in ("Composite market stress index", "close, 50- and 200-day averages", "Rates: 10- and 2-year"):
        dates = hover_dates(chart(page, title))
        assert date(2023, 1, 3) <= min(dates) <= date(2023, 1, 6) and max(dates).year == 2025, title


def test_hover_gives_each_session_its_values_as_the_marts_hold_them(report, sample_warehouse):
    import duckdb

    page = report.read_text()
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        index = con.execute(
            "select obs_date, stress_index, regime from marts.fct_market_stress_daily "
            "where stress_index is not null order by obs_date"
        ).fetchall()
        vix = dict(con.execute("select trade_date, close from marts.fct_equity_daily where symbol = 'VIX'").fetchall())
    titles = re.findall(r"<title>([^<]*)</title>", chart(page, "Composite market stress index"))
    shown = [row for row in index if row[0] >= hover_dates(chart(page, "Composite"))[0]]
    assert len(titles) == len(shown) > 500  # two years of sessions: one column each
    for title, (obs_date, stress_index, regime) in zip(titles, shown):
        assert title == f"{obs_date}: index {stress_index:+.2f} sd ({regime})"
    for title in re.findall(r"<title>([^<]*)</title>", chart(page, "VIX: the market")):
        assert title == f"{title[:10]}: VIX {vix[date.fromisoformat(title[:10])]:,.2f}"


def test_the_stacked_contributions_add_up_to_the_index_on_every_session(report):
    titles = re.findall(r"<title>([^<]*)</title>", chart(report.read_text(), "category contributions"))
    assert len(titles) > 400
    for title in titles:
        index = float(re.search(r"index ([+-][\d.]+) =", title).group(1))
        parts = [float(value) for value in re.findall(r" ([+-]\d+\.\d+)(?:,|$)", title.split("=", 1)[1])]
        assert len(parts) == 6 and abs(sum(parts) - index) <= 0.035, title  # six parts, each rounded to 0.005


def test_the_long_history_panel_shades_and_names_the_seeded_episodes(report, sample_warehouse):
    import duckdb

    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        episodes = con.execute(
            "select label, start_date, end_date from seeds.stress_episodes where kind = 'episode' order by start_date"
        ).fetchall()
    body = chart(report.read_text(), "The index since it began")
    caption = re.search(r"<figcaption>(.*?)</figcaption>", body).group(1)
    for ordinal, (label, start, end) in enumerate(episodes, start=1):
        assert f"{ordinal} {label} ({start} to {end})".replace(",", "") in caption.replace(",", "").replace(
            "&#x27;", "'"
        )
    # the sample's index (from 2022-12-23) spans three of them: each is numbered on the chart
    first = min(hover_dates(body))
    in_sample = [ordinal for ordinal, (_, _, end) in enumerate(episodes, start=1) if end >= first]
    assert len(in_sample) == 3
    assert sorted(int(number) for number in re.findall(r'<g id="episode-(\d+)">', body)) == in_sample


def test_run_writes_the_report_and_prints_its_path(tmp_path, capsys):
    db = tmp_path / "warehouse" / "stresswatch.duckdb"
    assert run_cli("run", "--db", str(db)) == 0
    report_path = db.parent / "report" / "index.html"
    assert f"Evening report: {report_path}" in capsys.readouterr().out
    assert report_path.exists()
    assert run_cli("report", "--db", str(db), "--out", str(tmp_path / "again")) == 0
    assert (tmp_path / "again" / "index.html").exists()
