"""SEC filings: the companies' fundamentals by quarter (every quarter filed: a few dozen points, not the report's
daily window)."""

from __future__ import annotations

from orchestration.serve.charts.hover import Hover
from orchestration.serve.charts.kit import (
    Chart,
    day,
    empty_chart,
    number,
    pyplot,
    read_frame,
    svg,
)


def _by_quarter(frame, column: str, unit: str) -> tuple[list, list[str]]:
    """One hover column per quarter end, naming each company's value."""
    quarters, texts = [], []
    for period_end, rows in frame.groupby("period_end", sort=True):
        quarters.append(period_end)
        texts.append(
            f"{day(period_end)}: "
            + "; ".join(f"{ticker} {number(value, unit=unit)}" for ticker, value in zip(rows.ticker, rows[column]))
        )
    return quarters, texts


def sec_charts(con) -> list[Chart]:
    plt = pyplot()
    losses = read_frame(
        con,
        "select losses.*, coalesce(companies.ticker, losses.cik) as ticker "
        "from marts.fct_securities_losses_quarterly as losses "
        "left join seeds.sec_companies as companies on losses.cik = companies.cik order by period_end",
    )
    fundamentals = read_frame(
        con,
        "select fundamentals.*, coalesce(companies.ticker, fundamentals.cik) as ticker "
        "from marts.fct_company_fundamentals_quarterly as fundamentals "
        "left join seeds.sec_companies as companies on fundamentals.cik = companies.cik "
        "where gross_margin_pct is not null order by period_end",
    )
    charts = []
    if losses.empty:
        charts.append(empty_chart("Unrealized securities losses", "", "no SEC securities data"))
    else:
        figure, axis = plt.subplots(figsize=(10, 2.8))
        for ticker, subset in losses.groupby("ticker"):
            axis.plot(subset.period_end, subset.unrealized_loss_to_equity_pct, marker="o", markersize=3, label=ticker)
        axis.axhline(25, color="#c62828", linestyle="--", linewidth=0.8, label="alert 25%")
        axis.set_ylabel("unrealized losses, % of equity")
        axis.set_xlabel("period end")
        axis.legend(loc="upper left", fontsize=8)
        charts.append(
            Chart(
                "SEC filings: unrealized losses on securities relative to equity",
                "Hidden balance-sheet damage: banks above 25% of equity were 2023's casualties.",
                svg(figure, [Hover([axis], *_by_quarter(losses, "unrealized_loss_to_equity_pct", "%"))]),
            )
        )
    if fundamentals.empty:
        charts.append(empty_chart("Gross margin by quarter", "", "no SEC revenue data"))
    else:
        figure, axis = plt.subplots(figsize=(10, 2.8))
        for ticker, subset in fundamentals.groupby("ticker"):
            axis.plot(subset.period_end, subset.gross_margin_pct, marker="o", markersize=3, label=ticker)
        axis.set_ylabel("gross margin, %")
        axis.set_xlabel("fiscal quarter end")
        axis.legend(loc="upper left", fontsize=8)
        charts.append(
            Chart(
                "SEC filings: gross margin by quarter",
                "Pricing power: a drop of more than 200 bp in a quarter raises an alert.",
                svg(figure, [Hover([axis], *_by_quarter(fundamentals, "gross_margin_pct", "%"))]),
            )
        )
    return charts
