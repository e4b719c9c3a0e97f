"""Equity, volatility, credit and the mega-caps."""

from __future__ import annotations

from datetime import date

from orchestration.serve.charts.hover import Hover
from orchestration.serve.charts.kit import (
    Chart,
    area,
    day,
    empty_chart,
    in_window,
    number,
    pyplot,
    read_frame,
    svg,
)


def equity_charts(con, since: date) -> list[Chart]:
    plt = pyplot()
    spx = in_window(
        read_frame(con, "select * from marts.fct_equity_daily where symbol = '^GSPC' order by trade_date"),
        "trade_date",
        since,
    )
    name = "S&P 500"
    if spx.empty:
        spx = in_window(
            read_frame(con, "select * from marts.fct_equity_daily where symbol = 'SPY' order by trade_date"),
            "trade_date",
            since,
        )
        name = "SPY"
    if spx.empty:
        return [empty_chart("S&P 500 and its moving averages", "", "no S&P 500 or SPY prices")] * 2
    figure, axis = plt.subplots(figsize=(10, 3.2))
    axis.plot(spx.trade_date, spx.close, color="black", linewidth=1, label="close")
    axis.plot(spx.trade_date, spx.sma_50d, color="#1565c0", linewidth=1, label="50-day SMA")
    axis.plot(spx.trade_date, spx.sma_200d, color="#c62828", linewidth=1.2, label="200-day SMA")
    breaches = spx[spx.is_sma_200d_breach == True]  # noqa: E712  (nullable booleans)
    axis.scatter(
        breaches.trade_date,
        breaches.close,
        color="#c62828",
        marker="v",
        s=30,
        zorder=3,
        label="close breaks below the 200-day SMA",
    )
    unit = " points" if name == "S&P 500" else " USD"
    axis.set_ylabel("index points" if name == "S&P 500" else "USD")
    axis.set_xlabel("date")
    axis.legend(loc="upper left", fontsize=8)
    texts = [
        f"{day(row.trade_date)}: close {number(row.close, unit=unit)}, 50-day {number(row.sma_50d, unit=unit)}, "
        f"200-day {number(row.sma_200d, unit=unit)}"
        for row in spx.itertuples(index=False)
    ]
    charts = [
        Chart(
            f"{name}: close, 50- and 200-day averages",
            "Is the trend broken? Red triangles mark the days the close fell below its 200-day average.",
            svg(figure, [Hover([axis], spx.trade_date, texts)]),
        )
    ]
    figure, axis = plt.subplots(figsize=(10, 2.6))
    average = spx.volume / spx.rel_volume_30d
    # one filled step path, not a bar per session: the same picture, drawn in a fraction of the time
    axis.fill_between(
        spx.trade_date, 0, spx.volume / 1e9, step="mid", color="#90a4ae", label="volume", **area(len(spx))
    )
    axis.plot(spx.trade_date, average / 1e9, color="#c62828", linewidth=1, label="30-session average")
    axis.set_ylabel("shares traded, billions")
    axis.set_xlabel("date")
    axis.legend(loc="upper left", fontsize=8)
    texts = [
        f"{day(when)}: volume {number(volume / 1e9, unit=' bn shares')}, {number(relative, '{:.2f}')}x its "
        f"30-session average"
        for when, volume, relative in zip(spx.trade_date, spx.volume, spx.rel_volume_30d)
    ]
    charts.append(
        Chart(
            f"{name}: volume against its 30-session average",
            "Conviction: bars well above the red line (relative volume above 1.4) mark heavy selling or buying.",
            svg(figure, [Hover([axis], spx.trade_date, texts)]),
        )
    )
    return charts


def volatility_and_credit_charts(con, since: date) -> list[Chart]:
    plt = pyplot()
    charts = []
    vix = in_window(
        read_frame(
            con, "select trade_date, close from marts.fct_equity_daily where symbol = 'VIX' order by trade_date"
        ),
        "trade_date",
        since,
    )
    if vix.empty:
        charts.append(empty_chart("VIX", "", "no VIX history"))
    else:
        figure, axis = plt.subplots(figsize=(10, 2.6))
        axis.plot(vix.trade_date, vix.close, color="#6a1b9a", linewidth=1, label="VIX close")
        axis.axhline(20, color="#c62828", linestyle="--", linewidth=0.8, label="alert threshold 20")
        axis.set_ylabel("index points (annualized %)")
        axis.set_xlabel("date")
        axis.legend(loc="upper left", fontsize=8)
        charts.append(
            Chart(
                "VIX: the market's fear gauge",
                "Options-implied volatility; above 20 the market pays up for protection.",
                svg(
                    figure,
                    [
                        Hover(
                            [axis],
                            vix.trade_date,
                            [f"{day(d)}: VIX {number(v)}" for d, v in zip(vix.trade_date, vix.close)],
                        )
                    ],
                ),
            )
        )
    credit = in_window(
        read_frame(con, "select * from marts.fct_credit_spreads_daily order by obs_date"), "obs_date", since
    )
    if credit.empty:
        charts.append(empty_chart("Credit spreads", "", "no credit spread history"))
    else:
        figure, (top, bottom) = plt.subplots(
            2, 1, figsize=(10, 4.2), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
        )
        top.plot(credit.obs_date, credit.hy_oas_bp, color="#c62828", linewidth=1, label="high yield OAS")
        top.plot(credit.obs_date, credit.ig_oas_bp, color="#1565c0", linewidth=1, label="investment grade OAS")
        top.set_ylabel("spread over Treasuries, bp")
        top.legend(loc="upper left", fontsize=8)
        bottom.fill_between(
            credit.obs_date,
            0,
            credit.hy_oas_change_3d_bp.fillna(0),
            step="mid",
            color="#ef9a9a",
            label="high yield, 3-session change",
            **area(len(credit)),
        )
        bottom.axhline(40, color="#c62828", linestyle="--", linewidth=0.8, label="alert +40 bp")
        bottom.set_ylabel("bp")
        bottom.set_xlabel("date")
        bottom.legend(loc="upper left", fontsize=8)
        texts = [
            f"{day(row.obs_date)}: high yield {number(row.hy_oas_bp, '{:,.0f}', ' bp')}, investment grade "
            f"{number(row.ig_oas_bp, '{:,.0f}', ' bp')}, high yield 3-session change "
            f"{number(row.hy_oas_change_3d_bp, '{:+,.0f}', ' bp')}"
            for row in credit.itertuples(index=False)
        ]
        charts.append(
            Chart(
                "Credit: high-yield and investment-grade spreads",
                "Credit leads equities in a real crisis: watch for a fast widening (+40 bp in 3 sessions).",
                svg(figure, [Hover([top, bottom], credit.obs_date, texts)]),
            )
        )
    return charts


def megacap_chart(con, since: date) -> Chart:
    plt = pyplot()
    megacaps = in_window(
        read_frame(con, "select * from marts.fct_megacap_daily order by trade_date"), "trade_date", since
    )
    if megacaps.empty:
        return empty_chart("Mega-caps", "", "no mega-cap data")
    figure, axis = plt.subplots(figsize=(10, 3.0))
    axis.fill_between(
        megacaps.trade_date,
        megacaps.n_below_sma_200d,
        step="mid",
        color="#ffcdd2",
        label="members below their 200-day SMA",
        **area(len(megacaps)),
    )
    axis.set_ylabel("members (of 7)")
    axis.set_xlabel("date")
    twin = axis.twinx()
    twin.plot(
        megacaps.trade_date,
        megacaps.avg_pairwise_corr_60d,
        color="#1565c0",
        linewidth=1,
        label="average pairwise 60-session correlation",
    )
    twin.set_ylabel("correlation")
    twin.set_ylim(-0.2, 1)
    handles = axis.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    labels = axis.get_legend_handles_labels()[1] + twin.get_legend_handles_labels()[1]
    axis.legend(handles, labels, loc="upper left", fontsize=8)
    texts = [
        f"{day(row.trade_date)}: {number(row.n_below_sma_200d, '{:.0f}')} of 7 below their 200-day SMA, "
        f"average correlation {number(row.avg_pairwise_corr_60d)}"
        for row in megacaps.itertuples(index=False)
    ]
    return Chart(
        "Mega-cap breadth and correlation",
        "When the leaders break their trend together and move as one, the whole index is at risk.",
        svg(figure, [Hover([axis], megacaps.trade_date, texts)]),
    )
