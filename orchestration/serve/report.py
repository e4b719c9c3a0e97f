"""`stresswatch report`: one self-contained HTML page of the charts an analyst looks at, from the marts only.

Charts are drawn server-side with matplotlib as inline SVG: the page needs no chart library, no CDN and no network.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.ingest.blocked_sources import stale_relations
from orchestration.ingest.market_calendar import last_sessions
from orchestration.serve.sandbox import open_reader
from orchestration.serve.stress_components import CATEGORIES

REGIME_BANDS = [(-10, 0, "#e8f5e9", "calm"), (0, 1, "#fff8e1", "elevated"), (1, 2, "#ffe0b2", "stressed"),
                (2, 10, "#ffcdd2", "severe")]
DAILY_WINDOW_SESSIONS = 756  # about three years
ALERT_SESSIONS = 10  # the alerts table covers this many NYSE sessions


@dataclass
class Chart:
    title: str
    caption: str
    svg: str


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100})
    return plt


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    _pyplot().close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    try:
        return con.execute(sql).df()
    except duckdb.CatalogException:
        return pd.DataFrame()


def _recent(frame: pd.DataFrame, date_column: str) -> pd.DataFrame:
    if frame.empty:
        return frame
    dates = sorted(frame[date_column].unique())[-DAILY_WINDOW_SESSIONS:]
    return frame[frame[date_column] >= dates[0]]


def _empty(title: str, caption: str, why: str) -> Chart:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(10, 1.2))
    axis.axis("off")
    axis.text(0.5, 0.5, why, ha="center", va="center")
    return Chart(title, caption, _svg(figure))


def stress_charts(con) -> list[Chart]:
    plt = _pyplot()
    stress = _recent(_frame(con, "select * from marts.fct_market_stress_daily where stress_index is not null "
                                 "order by obs_date"), "obs_date")
    title = "Composite market stress index"
    caption = "Where stress stands: above 0 is more stressed than a normal day of the index's history; bands mark regimes."
    if stress.empty:
        return [_empty(title, caption, "no stress index yet (it needs 252 sessions of history)")]
    figure, axis = plt.subplots(figsize=(10, 3.2))
    low, high = min(-1.0, stress.stress_index.min() - 0.2), max(2.5, stress.stress_index.max() + 0.2)
    for bottom, top, color, label in REGIME_BANDS:
        axis.axhspan(max(bottom, low), min(top, high), color=color, zorder=0, label=label)
    axis.plot(stress.obs_date, stress.stress_index, color="#b71c1c", linewidth=1.2, label="stress index")
    axis.set_ylim(low, high)
    axis.set_ylabel("standard deviations from normal")
    axis.set_xlabel("date")
    axis.legend(loc="upper left", ncol=5, fontsize=8)
    charts = [Chart(title, caption, _svg(figure))]
    figure, axis = plt.subplots(figsize=(10, 3.0))
    colors = ["#6a1b9a", "#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#00838f", "#5d4037", "#546e7a"]
    for category, color in zip(CATEGORIES, colors):
        axis.plot(stress.obs_date, stress[f"contribution_{category}"], label=category.replace("_", " "),
                  color=color, linewidth=1)
    axis.axhline(0, color="black", linewidth=0.6)
    axis.set_ylabel("contribution to the index (sd)")
    axis.set_xlabel("date")
    axis.legend(loc="upper left", ncol=5, fontsize=8)
    charts.append(Chart("What drives it: category contributions",
                        "Which part of the market is stressed: the lines add up to the index.", _svg(figure)))
    return charts


def equity_charts(con) -> list[Chart]:
    plt = _pyplot()
    spx = _recent(_frame(con, "select * from marts.fct_equity_daily where symbol = '^GSPC' order by trade_date"),
                  "trade_date")
    name = "S&P 500"
    if spx.empty:
        spx = _recent(_frame(con, "select * from marts.fct_equity_daily where symbol = 'SPY' order by trade_date"),
                      "trade_date")
        name = "SPY"
    if spx.empty:
        return [_empty("S&P 500 and its moving averages", "", "no S&P 500 or SPY prices")] * 2
    figure, axis = plt.subplots(figsize=(10, 3.2))
    axis.plot(spx.trade_date, spx.close, color="black", linewidth=1, label="close")
    axis.plot(spx.trade_date, spx.sma_50d, color="#1565c0", linewidth=1, label="50-day SMA")
    axis.plot(spx.trade_date, spx.sma_200d, color="#c62828", linewidth=1.2, label="200-day SMA")
    breaches = spx[spx.is_sma_200d_breach == True]  # noqa: E712  (nullable booleans)
    axis.scatter(breaches.trade_date, breaches.close, color="#c62828", marker="v", s=30, zorder=3,
                 label="close breaks below the 200-day SMA")
    axis.set_ylabel("index points" if name == "S&P 500" else "USD")
    axis.set_xlabel("date")
    axis.legend(loc="upper left", fontsize=8)
    charts = [Chart(f"{name}: close, 50- and 200-day averages",
                    "Is the trend broken? Red triangles mark the days the close fell below its 200-day average.",
                    _svg(figure))]
    figure, axis = plt.subplots(figsize=(10, 2.6))
    average = spx.volume / spx.rel_volume_30d
    axis.bar(spx.trade_date, spx.volume / 1e9, color="#90a4ae", width=1.0, label="volume")
    axis.plot(spx.trade_date, average / 1e9, color="#c62828", linewidth=1, label="30-session average")
    axis.set_ylabel("shares traded, billions")
    axis.set_xlabel("date")
    axis.legend(loc="upper left", fontsize=8)
    charts.append(Chart(f"{name}: volume against its 30-session average",
                        "Conviction: bars well above the red line (relative volume above 1.4) mark heavy selling or buying.",
                        _svg(figure)))
    return charts


def volatility_and_credit_charts(con) -> list[Chart]:
    plt = _pyplot()
    charts = []
    vix = _recent(_frame(con, "select trade_date, close from marts.fct_equity_daily where symbol = 'VIX' "
                              "order by trade_date"), "trade_date")
    if vix.empty:
        charts.append(_empty("VIX", "", "no VIX history"))
    else:
        figure, axis = plt.subplots(figsize=(10, 2.6))
        axis.plot(vix.trade_date, vix.close, color="#6a1b9a", linewidth=1, label="VIX close")
        axis.axhline(20, color="#c62828", linestyle="--", linewidth=0.8, label="alert threshold 20")
        axis.set_ylabel("index points (annualized %)")
        axis.set_xlabel("date")
        axis.legend(loc="upper left", fontsize=8)
        charts.append(Chart("VIX: the market's fear gauge", "Options-implied volatility; above 20 the market pays up "
                                                           "for protection.", _svg(figure)))
    credit = _recent(_frame(con, "select * from marts.fct_credit_spreads_daily order by obs_date"), "obs_date")
    if credit.empty:
        charts.append(_empty("Credit spreads", "", "no credit spread history"))
    else:
        figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 4.2), sharex=True,
                                             gridspec_kw={"height_ratios": [2, 1]})
        top.plot(credit.obs_date, credit.hy_oas_bp, color="#c62828", linewidth=1, label="high yield OAS")
        top.plot(credit.obs_date, credit.ig_oas_bp, color="#1565c0", linewidth=1, label="investment grade OAS")
        top.set_ylabel("spread over Treasuries, bp")
        top.legend(loc="upper left", fontsize=8)
        bottom.bar(credit.obs_date, credit.hy_oas_change_3d_bp, color="#ef9a9a", width=1.0,
                   label="high yield, 3-session change")
        bottom.axhline(40, color="#c62828", linestyle="--", linewidth=0.8, label="alert +40 bp")
        bottom.set_ylabel("bp")
        bottom.set_xlabel("date")
        bottom.legend(loc="upper left", fontsize=8)
        charts.append(Chart("Credit: high-yield and investment-grade spreads",
                            "Credit leads equities in a real crisis: watch for a fast widening (+40 bp in 3 sessions).",
                            _svg(figure)))
    return charts


def rates_chart(con) -> Chart:
    plt = _pyplot()
    rates = _recent(_frame(con, "select * from marts.fct_rates_daily order by obs_date"), "obs_date")
    if rates.empty:
        return _empty("Treasury yields", "", "no Treasury yields")
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 4.2), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    top.plot(rates.obs_date, rates.ust_10y_pct, color="#1565c0", linewidth=1, label="10-year")
    top.plot(rates.obs_date, rates.ust_2y_pct, color="#ef6c00", linewidth=1, label="2-year")
    top.set_ylabel("yield, %")
    top.legend(loc="upper left", fontsize=8)
    bottom.fill_between(rates.obs_date, rates.curve_10y_2y_bp, 0, color="#81c784", step="mid", label="10y - 2y")
    bottom.axhline(0, color="black", linewidth=0.6)
    bottom.set_ylabel("bp")
    bottom.set_xlabel("date")
    bottom.legend(loc="upper left", fontsize=8)
    return Chart("Rates: 10- and 2-year yields and the curve",
                 "A rising 10-year in a sell-off means no safe-haven bid; below zero the curve is inverted.", _svg(figure))


def auctions_chart(con) -> Chart:
    plt = _pyplot()
    auctions = _frame(con, "select * from marts.fct_treasury_auctions where bid_to_cover is not null "
                           "and auction_date >= (select max(auction_date) - interval 6 year from marts.fct_treasury_auctions) "
                           "order by auction_date")
    if auctions.empty:
        return _empty("Treasury auctions", "", "no auctions")
    figure, axis = plt.subplots(figsize=(10, 3.0))
    terms = auctions.groupby("security_term").size().sort_values(ascending=False).index[:8]
    for term in terms:
        subset = auctions[auctions.security_term == term]
        axis.scatter(subset.auction_date, subset.bid_to_cover, s=10, label=term)
    weak = auctions[auctions.is_weak_demand == True]  # noqa: E712
    axis.scatter(weak.auction_date, weak.bid_to_cover, s=40, facecolors="none", edgecolors="#c62828",
                 label="weak demand")
    axis.axhline(float(auctions.weak_demand_threshold.min()), color="#c62828", linestyle="--", linewidth=0.8,
                 label=f"threshold {auctions.weak_demand_threshold.min():g}")
    axis.set_ylabel("bid-to-cover ratio (x)")
    axis.set_xlabel("auction date")
    axis.legend(loc="upper left", fontsize=7, ncol=5)
    return Chart("Treasury auctions: bid-to-cover by term",
                 "Demand for US debt: points under the red line are weak auctions.", _svg(figure))


def megacap_chart(con) -> Chart:
    plt = _pyplot()
    megacaps = _recent(_frame(con, "select * from marts.fct_megacap_daily order by trade_date"), "trade_date")
    if megacaps.empty:
        return _empty("Mega-caps", "", "no mega-cap data")
    figure, axis = plt.subplots(figsize=(10, 3.0))
    axis.fill_between(megacaps.trade_date, megacaps.n_below_sma_200d, step="mid", color="#ffcdd2",
                      label="members below their 200-day SMA")
    axis.set_ylabel("members (of 7)")
    axis.set_xlabel("date")
    twin = axis.twinx()
    twin.plot(megacaps.trade_date, megacaps.avg_pairwise_corr_60d, color="#1565c0", linewidth=1,
              label="average pairwise 60-session correlation")
    twin.set_ylabel("correlation")
    twin.set_ylim(-0.2, 1)
    handles = axis.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    labels = axis.get_legend_handles_labels()[1] + twin.get_legend_handles_labels()[1]
    axis.legend(handles, labels, loc="upper left", fontsize=8)
    return Chart("Mega-cap breadth and correlation",
                 "When the leaders break their trend together and move as one, the whole index is at risk.", _svg(figure))


def sec_charts(con) -> list[Chart]:
    plt = _pyplot()
    losses = _frame(con, "select losses.*, coalesce(companies.ticker, losses.cik) as ticker "
                         "from marts.fct_securities_losses_quarterly as losses "
                         "left join seeds.sec_companies as companies on losses.cik = companies.cik order by period_end")
    fundamentals = _frame(con, "select fundamentals.*, coalesce(companies.ticker, fundamentals.cik) as ticker "
                               "from marts.fct_company_fundamentals_quarterly as fundamentals "
                               "left join seeds.sec_companies as companies on fundamentals.cik = companies.cik "
                               "where gross_margin_pct is not null order by period_end")
    charts = []
    if losses.empty:
        charts.append(_empty("Unrealized securities losses", "", "no SEC securities data"))
    else:
        figure, axis = plt.subplots(figsize=(10, 2.8))
        for ticker, subset in losses.groupby("ticker"):
            axis.plot(subset.period_end, subset.unrealized_loss_to_equity_pct, marker="o", markersize=3, label=ticker)
        axis.axhline(25, color="#c62828", linestyle="--", linewidth=0.8, label="alert 25%")
        axis.set_ylabel("unrealized losses, % of equity")
        axis.set_xlabel("period end")
        axis.legend(loc="upper left", fontsize=8)
        charts.append(Chart("SEC filings: unrealized losses on securities relative to equity",
                            "Hidden balance-sheet damage: banks above 25% of equity were 2023's casualties.",
                            _svg(figure)))
    if fundamentals.empty:
        charts.append(_empty("Gross margin by quarter", "", "no SEC revenue data"))
    else:
        figure, axis = plt.subplots(figsize=(10, 2.8))
        for ticker, subset in fundamentals.groupby("ticker"):
            axis.plot(subset.period_end, subset.gross_margin_pct, marker="o", markersize=3, label=ticker)
        axis.set_ylabel("gross margin, %")
        axis.set_xlabel("fiscal quarter end")
        axis.legend(loc="upper left", fontsize=8)
        charts.append(Chart("SEC filings: gross margin by quarter",
                            "Pricing power: a drop of more than 200 bp in a quarter raises an alert.", _svg(figure)))
    return charts


def _table(columns: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if value is None else str(value))}</td>" for value in row)
                   + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def alerts_and_freshness(con) -> tuple[str, str]:
    newest = con.execute("select max(obs_date) from marts.fct_market_stress_daily").fetchone()[0]
    since = last_sessions(ALERT_SESSIONS, newest)[0] if newest else None  # NYSE sessions, holidays skipped
    alerts = _frame(con, "select alert_date, severity, rule_id, subject, message from marts.fct_stress_alerts "
                         f"where alert_date >= '{since}' order by alert_date desc, severity, rule_id, subject")
    alert_html = (_table(list(alerts.columns), [tuple(row) for row in alerts.itertuples(index=False)])
                  if not alerts.empty else f"<p>No alert in the last {ALERT_SESSIONS} sessions.</p>")
    freshness = _frame(con, "select info.relation as source_table, info.last_date, info.row_count as rows, "
                            "log.status as last_load_status, log.finished_at as last_load_at "
                            "from marts.build_info as info left join (select raw_table, status, finished_at, "
                            "row_number() over (partition by raw_table order by finished_at desc) as recency "
                            "from raw.load_log) as log on log.raw_table = info.relation and log.recency = 1 "
                            "where info.kind = 'source' and info.relation <> 'raw.load_log' order by 1")
    freshness_html = (_table(list(freshness.columns), [tuple(row) for row in freshness.itertuples(index=False)])
                      if not freshness.empty else "<p>No build information.</p>")
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
<p class="sub">Evening report built {built} from {db} (data through {as_of}). Every number comes from the warehouse marts.</p>
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
    items = "".join(f"<li><code>{html.escape(relation)}</code>: {html.escape(reason or '')}</li>"
                    for relation, reason in stale)
    return (f'<div class="stale" id="stale"><strong>Not refreshed tonight</strong> ({len(stale)} tables keep their '
            f"last good rows):<ul>{items}</ul></div>\n")


def build_report(db_path: Path, out_dir: Path) -> Path:
    """Write out_dir/index.html from the published warehouse (read-only) and return its path."""
    with open_reader(db_path) as con:
        latest = con.execute("select obs_date, stress_index, regime from marts.fct_market_stress_daily "
                             "where stress_index is not null order by obs_date desc limit 1").fetchone()
        charts = [*stress_charts(con), *equity_charts(con), *volatility_and_credit_charts(con), rates_chart(con),
                  auctions_chart(con), megacap_chart(con), *sec_charts(con)]
        alerts, freshness = alerts_and_freshness(con)
        stale = stale_relations(con)
    if latest:
        as_of, index, regime = latest
        headline = f"Stress index {index:+.2f}: <strong>{regime}</strong> on {as_of}"
        band = {name: color for _, _, color, name in REGIME_BANDS}[regime]
    else:
        as_of, headline, band = "n/a", "No stress index yet", "#eeeeee"
    figures = "\n".join(
        f'<figure class="chart"><h2>{html.escape(chart.title)}</h2>'
        f"<figcaption>{html.escape(chart.caption)}</figcaption>{chart.svg}</figure>" for chart in charts)
    page = PAGE.format(as_of=as_of, built=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                       db=html.escape(str(db_path)), headline=headline, band=band, charts=figures, alerts=alerts,
                       freshness=freshness, stale=_stale_notice(stale), alert_sessions=ALERT_SESSIONS)
    out_dir.mkdir(parents=True, exist_ok=True)
    index_path = out_dir / "index.html"
    index_path.write_text(page)
    return index_path
