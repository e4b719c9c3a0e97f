"""SEC filings: the companies' fundamentals by quarter."""

from __future__ import annotations

from orchestration.serve.charts.kit import (
    Chart,
    empty_chart,
    pyplot,
    read_frame,
    svg,
)


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
                svg(figure),
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
                svg(figure),
            )
        )
    return charts
