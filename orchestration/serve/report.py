"""`stresswatch report`: one self-contained HTML page of the charts an analyst looks at, from the marts only."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

from orchestration.ingest.blocked_sources import stale_relations
from orchestration.ingest.market_calendar import last_sessions
from orchestration.serve.charts.filings import sec_charts
from orchestration.serve.charts.kit import REGIME_COLORS, read_frame
from orchestration.serve.charts.markets import equity_charts, megacap_chart, volatility_and_credit_charts
from orchestration.serve.charts.rates import auctions_chart, rates_chart
from orchestration.serve.charts.stress import stress_charts
from orchestration.serve.sandbox import open_reader

ALERT_SESSIONS = 10  # the alerts table covers this many NYSE sessions


def _table(columns: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if value is None else str(value))}</td>" for value in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def alerts_and_freshness(con) -> tuple[str, str]:
    newest = con.execute("select max(obs_date) from marts.fct_market_stress_daily").fetchone()[0]
    since = last_sessions(ALERT_SESSIONS, newest)[0] if newest else None  # NYSE sessions, holidays skipped
    alerts = read_frame(
        con,
        "select alert_date, severity, rule_id, subject, message from marts.fct_stress_alerts "
        f"where alert_date >= '{since}' order by alert_date desc, severity, rule_id, subject",
    )
    alert_html = (
        _table(list(alerts.columns), [tuple(row) for row in alerts.itertuples(index=False)])
        if not alerts.empty
        else f"<p>No alert in the last {ALERT_SESSIONS} sessions.</p>"
    )
    freshness = read_frame(
        con,
        "select info.relation as source_table, info.last_date, info.row_count as rows, "
        "log.status as last_load_status, log.finished_at as last_load_at "
        "from marts.build_info as info left join (select raw_table, status, finished_at, "
        "row_number() over (partition by raw_table order by finished_at desc) as recency "
        "from raw.load_log) as log on log.raw_table = info.relation and log.recency = 1 "
        "where info.kind = 'source' and info.relation <> 'raw.load_log' order by 1",
    )
    freshness_html = (
        _table(list(freshness.columns), [tuple(row) for row in freshness.itertuples(index=False)])
        if not freshness.empty
        else "<p>No build information.</p>"
    )
    return alert_html, freshness_html


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>StressWatch evening report {as_of}</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1100px;
       color: #212121; }}
h1 {{ margin-bottom: 4px; }} .sub {{ color: #616161; margin-top: 0; }}
.stale {{ padding: 8px 16px; border-left: 4px solid #e65100; background: #fff3e0; }}
.headline {{ font-size: 20px; padding: 12px 16px; border-radius: 6px; background: {band}; }}
figure.chart {{ margin: 28px 0; }} figure.chart h2 {{ font-size: 16px; margin: 0 0 4px; }}
figure.chart figcaption {{ color: #616161; font-size: 13px; margin-bottom: 6px; }}
figure.chart svg {{ width: 100%; height: auto; }}
table {{ border-collapse: collapse; font-size: 12px; width: 100%; }}
th, td {{ border-bottom: 1px solid #e0e0e0; padding: 4px 6px; text-align: left; }}
</style></head>
<body>
<h1>StressWatch: how stressed are markets, and why</h1>
<p class="sub">Evening report built {built} from {db} (data through {as_of}).
Every number comes from the warehouse marts.</p>
{stale}<p class="headline">{headline}</p>
{charts}
<h2>Alerts of the last {alert_sessions} sessions</h2>
{alerts}
<h2>Data freshness</h2>
{freshness}
<script>
  // a self-check the browser runs: every chart rendered with a size
  const charts = document.querySelectorAll("figure.chart svg");
  const drawn = Array.from(charts).filter(svg => svg.getBoundingClientRect().height > 20).length;
  document.body.dataset.chartsRendered = String(drawn);
</script>
</body></html>
"""


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


def build_report(db_path: Path, out_dir: Path) -> Path:
    """Write out_dir/index.html from the published warehouse (read-only) and return its path."""
    with open_reader(db_path) as con:
        latest = con.execute(
            "select obs_date, stress_index, regime from marts.fct_market_stress_daily "
            "where stress_index is not null order by obs_date desc limit 1"
        ).fetchone()
        charts = [
            *stress_charts(con),
            *equity_charts(con),
            *volatility_and_credit_charts(con),
            rates_chart(con),
            auctions_chart(con),
            megacap_chart(con),
            *sec_charts(con),
        ]
        alerts, freshness = alerts_and_freshness(con)
        stale = stale_relations(con)
    if latest:
        as_of, index, regime = latest
        headline = f"Stress index {index:+.2f}: <strong>{regime}</strong> on {as_of}"
        band = REGIME_COLORS[regime]
    else:
        as_of, headline, band = "n/a", "No stress index yet", "#eeeeee"
    figures = "\n".join(
        f'<figure class="chart"><h2>{html.escape(chart.title)}</h2>'
        f"<figcaption>{html.escape(chart.caption)}</figcaption>{chart.svg}</figure>"
        for chart in charts
    )
    page = PAGE.format(
        as_of=as_of,
        built=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        db=html.escape(str(db_path)),
        headline=headline,
        band=band,
        charts=figures,
        alerts=alerts,
        freshness=freshness,
        stale=_stale_notice(stale),
        alert_sessions=ALERT_SESSIONS,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    index_path = out_dir / "index.html"
    index_path.write_text(page)
    return index_path
