"""The evening report's HTML: the page around the charts, the headline block and the tables (dates as dates, numbers
with units), laid out to read on a 1,400 px screen and a 420 px phone alike."""

from __future__ import annotations

import html
from datetime import date, datetime

from orchestration.serve.headline import Headline
from orchestration.serve.stress_components import max_staleness_days


def cell(value) -> str:
    """One table cell's text: a date as 2025-12-31, a time to the minute, a number rounded, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(columns: list[str], rows: list[tuple], row_attributes: list[str] | None = None, table_id: str = "") -> str:
    """A table in its own horizontally scrolling box: a wide table never widens the page."""
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    attributes = row_attributes or [""] * len(rows)
    body = "".join(
        f"<tr{extra}>" + "".join(f"<td>{html.escape(cell(value))}</td>" for value in row) + "</tr>"
        for row, extra in zip(rows, attributes)
    )
    identity = f' id="{table_id}"' if table_id else ""
    return (
        f'<div class="table-scroll"><table{identity}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    )


def _signed(value: float | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:+.2f}{unit}"


def _data(name: str, value) -> str:
    """A machine-readable copy of a shown figure (the tests read the page's numbers from these)."""
    text = "" if value is None else repr(value) if isinstance(value, float) else str(value)
    return f' data-{name}="{html.escape(text)}"'


def _figure(label: str, value: str) -> str:
    label = f'<span class="label">{html.escape(label)}</span>'
    return f'<div class="figure">{label}<span class="value">{value}</span></div>'


def headline_block(headline: Headline | None, band: str) -> str:
    if headline is None:
        return '<section class="headline" id="headline"><p>No stress index yet: it needs 252 sessions.</p></section>'
    h = headline
    stats = (
        f'<div class="figure main" style="background: {band}"><span class="label">Stress index, {h.as_of}</span>'
        f'<span class="value">{h.index:+.2f} sd</span><span class="regime">{html.escape(h.regime.upper())}</span></div>'
        + _figure("1 session", _signed(h.change_1d))
        + _figure("5 sessions", _signed(h.change_5d))
        + _figure(f"percentile since {h.first_date}", f"{h.percentile:.0f}th")
    )
    attributes = "".join(
        _data(name, value)
        for name, value in (
            ("as-of", h.as_of),
            ("index", h.index),
            ("regime", h.regime),
            ("change-1d", h.change_1d),
            ("change-5d", h.change_5d),
            ("percentile", h.percentile),
        )
    )
    drivers = table(
        ["component", "category", "contribution (sd)", "z-score"],
        [(d.component, d.category.replace("_", " "), _signed(d.contribution), _signed(d.z)) for d in h.drivers],
        [_data("component", d.component) + _data("z", d.z) + _data("contribution", d.contribution) for d in h.drivers],
        "drivers",
    )
    inputs = table(
        ["input (component)", "category", "newest score", "age (days)", "age (sessions)", "status"],
        [
            (
                age.component,
                age.category.replace("_", " "),
                age.newest,
                age.age_days,
                age.age_sessions,
                f"STALE: older than {max_staleness_days()} days, not counted" if age.stale else "current",
            )
            for age in h.inputs
        ],
        [
            _data("component", age.component) + _data("newest", age.newest) + (' class="stale"' if age.stale else "")
            for age in h.inputs
        ],
        "inputs",
    )
    stops = f'<p class="stops" id="stops">{html.escape(h.stops_because)}</p>' if h.stops_because else ""
    return (
        f'<section class="headline" id="headline"{attributes}><div class="figures">{stats}</div>'
        f"<h2>What moves it: the three largest contributions</h2>{drivers}"
        f"<h2>Inputs: newest score of each component (age against the newest price session, "
        f"{h.newest_session})</h2>{inputs}{stops}</section>"
    )


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>StressWatch evening report {as_of}</title>
<style>
* {{ box-sizing: border-box; }}
body {{ font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto; padding: 16px 24px;
       max-width: 1200px; color: #212121; }}
h1 {{ margin-bottom: 4px; font-size: 26px; }} h2 {{ font-size: 17px; }} .sub {{ color: #616161; margin-top: 0; }}
.stale {{ padding: 8px 16px; border-left: 4px solid #e65100; background: #fff3e0; }}
.figures {{ display: flex; flex-wrap: wrap; gap: 10px; }}
.figure {{ padding: 10px 16px; border-radius: 6px; background: #f5f5f5; min-width: 130px; }}
.figure .label {{ display: block; color: #616161; font-size: 13px; }}
.figure .value {{ font-size: 26px; font-weight: 600; margin-right: 8px; }}
.figure.main .regime {{ font-size: 18px; font-weight: 600; }}
.stops {{ padding: 8px 12px; border-left: 4px solid #e65100; background: #fff3e0; }}
tr.stale td, tr.late td {{ color: #bf360c; }}
figure.chart {{ margin: 28px 0; }} figure.chart h2 {{ margin: 0 0 4px; }}
figure.chart figcaption {{ color: #616161; font-size: 13px; margin-bottom: 6px; }}
/* charts scale with the page down to 560 px; below that each scrolls in its own box (opened at its newest dates), so
   axis text stays legible and the page itself never scrolls sideways */
.plot, .table-scroll {{ overflow-x: auto; max-width: 100%; }}
.plot svg {{ display: block; width: 100%; min-width: 560px; height: auto; }}
.hover rect:hover {{ fill-opacity: 0.08; }}
table {{ border-collapse: collapse; font-size: 13px; }}
th, td {{ border-bottom: 1px solid #e0e0e0; padding: 4px 6px; text-align: left; white-space: nowrap; }}
@media (max-width: 600px) {{
  body {{ padding: 8px 10px; }} h1 {{ font-size: 21px; }}
  .figure {{ min-width: 0; flex: 1 1 40%; }} .figure .value {{ font-size: 21px; }}
}}
</style></head>
<body>
<h1>StressWatch: how stressed are markets, and why</h1>
<p class="sub">Evening report built {built} from {db} (data through {as_of}; charts from {since}).
Every number comes from the warehouse marts; hover a chart to read its values.</p>
{stale}{headline}
{claims}
{charts}
<h2>Alerts of the last {alert_sessions} sessions</h2>
{alerts}
<h2>Data freshness</h2>
{freshness}
<script>
  // a narrow screen shows each chart's newest dates first
  document.querySelectorAll(".plot").forEach(plot => {{ plot.scrollLeft = plot.scrollWidth; }});
  // a self-check the browser runs: every chart rendered with a size, and whether the page scrolls sideways
  const charts = document.querySelectorAll("figure.chart svg");
  const drawn = Array.from(charts).filter(svg => svg.getBoundingClientRect().height > 20).length;
  document.body.dataset.chartsRendered = String(drawn);
  document.body.dataset.bodyScrollWidth = String(document.documentElement.scrollWidth);
  document.body.dataset.viewportWidth = String(document.documentElement.clientWidth);
</script>
</body></html>
"""
