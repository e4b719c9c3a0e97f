"""`stresswatch report`: one self-contained HTML page of the headline and the charts an analyst looks at, from the
marts only."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from orchestration.ingest.blocked_sources import stale_relations
from orchestration.ingest.freshness import deadlines, freshness_verdict
from orchestration.ingest.market_calendar import last_sessions
from orchestration.serve.charts.cache import ChartCache
from orchestration.serve.charts.filings import sec_charts
from orchestration.serve.charts.kit import DEFAULT_WINDOW_YEARS, REGIME_COLORS
from orchestration.serve.charts.markets import equity_charts, megacap_chart, volatility_and_credit_charts
from orchestration.serve.charts.rates import auctions_chart, rates_chart
from orchestration.serve.charts.stress import stress_charts
from orchestration.serve.headline import read_headline
from orchestration.serve.report_page import PAGE, headline_block, table
from orchestration.serve.sandbox import open_reader

ALERT_SESSIONS = 10  # the alerts table covers this many NYSE sessions


def alerts_table(con, newest: date | None) -> str:
    since = last_sessions(ALERT_SESSIONS, newest)[0] if newest else None  # NYSE sessions, holidays skipped
    cursor = con.execute(
        "select alert_date, severity, rule_id, subject, message from marts.fct_stress_alerts "
        "where alert_date >= $since order by alert_date desc, severity, rule_id, subject",
        {"since": since},
    )
    rows = cursor.fetchall()
    if not rows:
        return f"<p>No alert in the last {ALERT_SESSIONS} sessions.</p>"
    return table([column[0] for column in cursor.description], rows)


def freshness_table(con, now: datetime) -> str:
    """Each source table's newest date, its age today and whether that is late by the source's deadline."""
    rows = con.execute(
        "select info.relation, info.last_date, info.row_count, log.status, log.finished_at "
        "from marts.build_info as info left join (select raw_table, status, finished_at, "
        "row_number() over (partition by raw_table order by finished_at desc) as recency "
        "from raw.load_log) as log on log.raw_table = info.relation and log.recency = 1 "
        "where info.kind = 'source' and info.relation <> 'raw.load_log' order by 1"
    ).fetchall()
    if not rows:
        return "<p>No build information.</p>"
    family_of = {deadline.table: family for family, deadline in deadlines().items()}
    cells, classes = [], []
    for relation, last_date, row_count, status, finished_at in rows:
        verdict = ""
        if relation in family_of:
            on_time, sentence = freshness_verdict(family_of[relation], last_date, now, relation)
            verdict = "on time" if on_time else "LATE: " + sentence.split(": ", 1)[-1]
        age = (now.date() - last_date).days if last_date else None
        cells.append((relation, last_date, age, verdict, row_count, status, finished_at))
        classes.append(' class="late"' if verdict.startswith("LATE") else "")
    return table(
        ["source table", "newest date", "age (days)", "deadline", "rows", "last load", "last load at"],
        cells,
        classes,
        "freshness",
    )


def claims_section(con) -> str:
    """The market note's verdicts, when the run was given a claims file (empty otherwise)."""
    rows = con.execute(
        "select note, claim_id, verdict, stated, observed, difference, reason, claim_text "
        "from marts.fct_claim_checks order by claim_id"
    ).fetchall()
    if not rows:
        return ""
    counts = {kind: sum(row[2] == kind for row in rows) for kind in ("supported", "contradicted", "not verifiable")}
    summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    return (
        f'<section id="claims"><h2>The market note checked: {html.escape(str(rows[0][0]))} ({summary})</h2>'
        + table(
            ["claim", "verdict", "stated", "observed", "difference", "reason", "claim text"],
            [row[1:] for row in rows],
            [f' class="verdict-{row[2].replace(" ", "-")}"' for row in rows],
            "claim-checks",
        )
        + "</section>"
    )


def default_since(as_of: date | None) -> date:
    """The charts' window without --since: DEFAULT_WINDOW_YEARS before the newest index day."""
    anchor = pd.Timestamp(as_of or datetime.now(UTC).date())
    return (anchor - pd.DateOffset(years=DEFAULT_WINDOW_YEARS)).date()


def _stale_notice(stale: list[tuple[str, str]]) -> str:
    """A warning above the headline when tonight's run could not refresh some tables: their numbers are older."""
    if not stale:
        return ""
    items = "".join(
        f"<li><code>{html.escape(relation)}</code>: {html.escape(reason or '')}</li>" for relation, reason in stale
    )
    return (
        f'<div class="stale" id="stale"><strong>Not refreshed tonight</strong> ({len(stale)} tables keep their '
        f"last good rows):<ul>{items}</ul></div>\n"
    )


def build_report(db_path: Path, out_dir: Path, since: date | None = None, cache: ChartCache | None = None) -> Path:
    """Write out_dir/index.html from the published warehouse (read-only) and return its path; the time-series charts
    start at `since` (default: two years before the newest index day). Charts whose rows did not change since the
    last report in out_dir are reused from its chart cache."""
    now = datetime.now(UTC)
    with open_reader(db_path) as con:
        headline = read_headline(con)
        since = since or default_since(headline.as_of if headline else None)
        cache = cache or ChartCache.beside(out_dir)
        in_window = (
            stress_charts,
            equity_charts,
            volatility_and_credit_charts,
            rates_chart,
            auctions_chart,
            megacap_chart,
        )
        charts = [chart for draw in in_window for chart in cache.charts(draw, con, since)]
        charts += cache.charts(sec_charts, con)  # every quarter filed: no window
        newest = con.execute("select max(obs_date) from marts.fct_market_stress_daily").fetchall()[0][0]
        alerts = alerts_table(con, newest)
        freshness = freshness_table(con, now)
        claims = claims_section(con)
        stale = stale_relations(con)
    figures = "\n".join(
        f'<figure class="chart"><h2>{html.escape(chart.title)}</h2>'
        f'<figcaption>{html.escape(chart.caption)}</figcaption><div class="plot">{chart.svg}</div></figure>'
        for chart in charts
    )
    page = PAGE.format(
        as_of=headline.as_of if headline else "n/a",
        since=since,
        built=now.strftime("%Y-%m-%d %H:%M UTC"),
        db=html.escape(str(db_path)),
        headline=headline_block(headline, REGIME_COLORS[headline.regime] if headline else "#eeeeee"),
        claims=claims,
        charts=figures,
        alerts=alerts,
        freshness=freshness,
        stale=_stale_notice(stale),
        alert_sessions=ALERT_SESSIONS,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    index_path = out_dir / "index.html"
    index_path.write_text(page)
    cache.save()
    return index_path
