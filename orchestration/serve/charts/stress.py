"""The composite stress index, its category contributions stacked, and its whole history with the known episodes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

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
    regime_bands,
    svg,
)
from orchestration.serve.stress_components import CATEGORIES

CATEGORY_COLORS = ["#6a1b9a", "#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#00838f", "#5d4037", "#546e7a"]
EPISODE_SHADE = "#9e9e9e"


def read_index(con):
    return read_frame(
        con, "select * from marts.fct_market_stress_daily where stress_index is not null order by obs_date"
    )


def read_episodes(con):
    """The known stress episodes (seed `stress_episodes`, dates only)."""
    return read_frame(
        con,
        "select label, start_date, end_date from seeds.stress_episodes where kind = 'episode' order by start_date",
    )


def _index_texts(stress) -> list[str]:
    return [
        f"{day(row.obs_date)}: index {number(row.stress_index, '{:+.2f}')} sd ({row.regime})"
        for row in stress.itertuples(index=False)
    ]


def _draw_index(axis, stress, episodes, label_episodes: bool) -> None:
    low, high = min(-1.0, stress.stress_index.min() - 0.2), max(2.5, stress.stress_index.max() + 0.2)
    for bottom, top, color, label in regime_bands():
        axis.axhspan(max(bottom, low), min(top, high), color=color, zorder=0, label=label)
    first, last = pd.Timestamp(stress.obs_date.iloc[0]), pd.Timestamp(stress.obs_date.iloc[-1])
    shown = episodes[(pd.to_datetime(episodes.end_date) >= first) & (pd.to_datetime(episodes.start_date) <= last)]
    for shown_before, episode in enumerate(shown.itertuples()):
        axis.axvspan(
            pd.Timestamp(episode.start_date),
            pd.Timestamp(episode.end_date),
            color=EPISODE_SHADE,
            alpha=0.3,
            linewidth=0,
            zorder=1,
            label="known stress episode" if shown_before == 0 else None,
        )
        if label_episodes:  # numbered at the top; the caption names them (labels side by side would overlap)
            ordinal = episode.Index + 1  # its row in the seed, as the caption numbers it
            axis.annotate(
                str(ordinal),
                (pd.Timestamp(episode.start_date), high),
                xytext=(1, -2),
                textcoords="offset points",
                fontsize=7,
                va="top",
                color="#424242",
                gid=f"episode-{ordinal}",
            )
    axis.plot(stress.obs_date, stress.stress_index, color="#b71c1c", linewidth=1.0, label="stress index", zorder=2)
    axis.set_ylim(low, high)
    axis.set_xlim(first, last)
    axis.set_ylabel("standard deviations from normal")
    axis.set_xlabel("date")


def stress_charts(con, since: date) -> list[Chart]:
    plt = pyplot()
    history = read_index(con)
    stress = in_window(history, "obs_date", since)
    episodes = read_episodes(con)
    title = "Composite market stress index"
    caption = (
        "Where stress stands: above 0 is more stressed than a normal day of the index's history; bands mark "
        "regimes, grey spans the known stress episodes."
    )
    if stress.empty:
        why = "no stress index yet (it needs 252 sessions of history)" if history.empty else f"no index since {since}"
        return [empty_chart(title, caption, why)]
    figure, axis = plt.subplots(figsize=(10, 3.2))
    _draw_index(axis, stress, episodes, label_episodes=False)
    axis.legend(loc="upper left", ncol=6, fontsize=8)
    charts = [Chart(title, caption, svg(figure, [Hover([axis], stress.obs_date, _index_texts(stress))]))]
    charts.append(contributions_chart(stress))
    charts.append(long_history_chart(history, episodes))
    return charts


def contributions_chart(stress) -> Chart:
    """Each category's contribution stacked, positive above zero and negative below: they sum to the index."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(10, 3.0))
    values = stress[[f"contribution_{category}" for category in CATEGORIES]].astype(float).fillna(0.0).to_numpy()
    above, below = np.zeros(len(stress)), np.zeros(len(stress))
    dense = area(len(stress) * 2 * len(CATEGORIES))  # the twelve stacked areas share one budget of points
    for column, (category, color) in enumerate(zip(CATEGORIES, CATEGORY_COLORS)):
        positive, negative = np.clip(values[:, column], 0, None), np.clip(values[:, column], None, 0)
        label = category.replace("_", " ")
        axis.fill_between(stress.obs_date, above, above + positive, step="mid", color=color, label=label, **dense)
        axis.fill_between(stress.obs_date, below, below + negative, step="mid", color=color, **dense)
        above, below = above + positive, below + negative
    axis.plot(stress.obs_date, stress.stress_index, color="black", linewidth=0.8, label="index (the sum)")
    axis.axhline(0, color="black", linewidth=0.6)
    axis.set_ylabel("contribution to the index (sd)")
    axis.set_xlabel("date")
    axis.legend(loc="upper left", ncol=4, fontsize=8)
    texts = [
        f"{day(row['obs_date'])}: index {number(row['stress_index'], '{:+.2f}')} = "
        + ", ".join(
            f"{category.replace('_', ' ')} {number(row[f'contribution_{category}'], '{:+.2f}')}"
            for category in CATEGORIES
        )
        for row in stress.to_dict("records")
    ]
    return Chart(
        "What drives it: category contributions",
        "Which part of the market is stressed: the stacked areas above zero less those below add up to the index "
        "(black line).",
        svg(figure, [Hover([axis], stress.obs_date, texts)]),
    )


def long_history_chart(history, episodes) -> Chart:
    """The index over all its history, whatever the report's window, with the known episodes shaded and named."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(10, 3.4))
    _draw_index(axis, history, episodes, label_episodes=True)
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=6, fontsize=8)
    key = "; ".join(
        f"{ordinal} {episode.label} ({day(episode.start_date)} to {day(episode.end_date)})"
        for ordinal, episode in enumerate(episodes.itertuples(index=False), start=1)
    )
    return Chart(
        f"The index since it began ({day(history.obs_date.iloc[0])})",
        "Today against past crises: grey spans are the known stress episodes (seed stress_episodes, dates only): "
        + key
        + ".",
        svg(figure, [Hover([axis], history.obs_date, _index_texts(history))]),
    )
