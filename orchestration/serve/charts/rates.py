"""Treasury yields and auctions."""

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


def rates_chart(con, since: date) -> Chart:
    plt = pyplot()
    rates = in_window(read_frame(con, "select * from marts.fct_rates_daily order by obs_date"), "obs_date", since)
    if rates.empty:
        return empty_chart("Treasury yields", "", "no Treasury yields")
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 4.2), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    top.plot(rates.obs_date, rates.ust_10y_pct, color="#1565c0", linewidth=1, label="10-year")
    top.plot(rates.obs_date, rates.ust_2y_pct, color="#ef6c00", linewidth=1, label="2-year")
    top.set_ylabel("yield, %")
    top.legend(loc="upper left", fontsize=8)
    bottom.fill_between(
        rates.obs_date, rates.curve_10y_2y_bp, 0, color="#81c784", step="mid", label="10y - 2y", **area(len(rates))
    )
    bottom.axhline(0, color="black", linewidth=0.6)
    bottom.set_ylabel("bp")
    bottom.set_xlabel("date")
    bottom.legend(loc="upper left", fontsize=8)
    texts = [
        f"{day(row.obs_date)}: 10-year {number(row.ust_10y_pct, unit='%')}, 2-year {number(row.ust_2y_pct, unit='%')}, "
        f"10y - 2y {number(row.curve_10y_2y_bp, '{:+,.0f}', ' bp')}"
        for row in rates.itertuples(index=False)
    ]
    return Chart(
        "Rates: 10- and 2-year yields and the curve",
        "A rising 10-year in a sell-off means no safe-haven bid; below zero the curve is inverted.",
        svg(figure, [Hover([top, bottom], rates.obs_date, texts)]),
    )


def auctions_chart(con, since: date) -> Chart:
    plt = pyplot()
    auctions = in_window(
        read_frame(
            con, "select * from marts.fct_treasury_auctions where bid_to_cover is not null order by auction_date"
        ),
        "auction_date",
        since,
    )
    if auctions.empty:
        return empty_chart("Treasury auctions", "", f"no auction since {since}")
    figure, axis = plt.subplots(figsize=(10, 3.0))
    terms = auctions.groupby("security_term").size().sort_values(ascending=False).index[:8]
    for term in terms:
        subset = auctions[auctions.security_term == term]
        axis.scatter(subset.auction_date, subset.bid_to_cover, s=10, label=term)
    weak = auctions[auctions.is_weak_demand == True]  # noqa: E712
    axis.scatter(
        weak.auction_date, weak.bid_to_cover, s=40, facecolors="none", edgecolors="#c62828", label="weak demand"
    )
    axis.axhline(
        float(auctions.weak_demand_threshold.min()),
        color="#c62828",
        linestyle="--",
        linewidth=0.8,
        label=f"threshold {auctions.weak_demand_threshold.min():g}",
    )
    axis.set_ylabel("bid-to-cover ratio (x)")
    axis.set_xlabel("auction date")
    axis.legend(loc="upper left", fontsize=7, ncol=5)
    # one hover column per auction day, naming every auction held that day
    days, texts = [], []
    for when, rows in auctions.groupby("auction_date", sort=True):
        days.append(when)
        texts.append(
            f"{day(when)}: "
            + "; ".join(
                f"{term} {number(ratio)}x" + (" (weak demand)" if str(weak) == "True" else "")
                for term, ratio, weak in zip(rows.security_term, rows.bid_to_cover, rows.is_weak_demand)
            )
        )
    return Chart(
        "Treasury auctions: bid-to-cover by term",
        "Demand for US debt: points under the red line are weak auctions.",
        svg(figure, [Hover([axis], days, texts)]),
    )
