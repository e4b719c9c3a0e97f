"""The composite stress index and its category contributions."""

from __future__ import annotations

from orchestration.serve.charts.kit import (
    Chart,
    empty_chart,
    pyplot,
    read_frame,
    recent,
    regime_bands,
    svg,
)
from orchestration.serve.stress_components import CATEGORIES


def stress_charts(con) -> list[Chart]:
    plt = pyplot()
    stress = recent(
        read_frame(con, "select * from marts.fct_market_stress_daily where stress_index is not null order by obs_date"),
        "obs_date",
    )
    title = "Composite market stress index"
    caption = (
        "Where stress stands: above 0 is more stressed than a normal day of the index's history; bands mark regimes."
    )
    if stress.empty:
        return [empty_chart(title, caption, "no stress index yet (it needs 252 sessions of history)")]
    figure, axis = plt.subplots(figsize=(10, 3.2))
    low, high = min(-1.0, stress.stress_index.min() - 0.2), max(2.5, stress.stress_index.max() + 0.2)
    for bottom, top, color, label in regime_bands():
        axis.axhspan(max(bottom, low), min(top, high), color=color, zorder=0, label=label)
    axis.plot(stress.obs_date, stress.stress_index, color="#b71c1c", linewidth=1.2, label="stress index")
    axis.set_ylim(low, high)
    axis.set_ylabel("standard deviations from normal")
    axis.set_xlabel("date")
    axis.legend(loc="upper left", ncol=5, fontsize=8)
    charts = [Chart(title, caption, svg(figure))]
    figure, axis = plt.subplots(figsize=(10, 3.0))
    colors = ["#6a1b9a", "#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#00838f", "#5d4037", "#546e7a"]
    for category, color in zip(CATEGORIES, colors):
        axis.plot(
            stress.obs_date,
            stress[f"contribution_{category}"],
            label=category.replace("_", " "),
            color=color,
            linewidth=1,
        )
    axis.axhline(0, color="black", linewidth=0.6)
    axis.set_ylabel("contribution to the index (sd)")
    axis.set_xlabel("date")
    axis.legend(loc="upper left", ncol=5, fontsize=8)
    charts.append(
        Chart(
            "What drives it: category contributions",
            "Which part of the market is stressed: the lines add up to the index.",
            svg(figure),
        )
    )
    return charts
