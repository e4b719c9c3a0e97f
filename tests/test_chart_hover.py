"""Hover columns sit over their dates: they tile the plot area, each holds its own date's x, and a long series keeps
evenly spaced dates ending with the newest."""

import re

import pandas as pd

from orchestration.serve.charts.hover import MAX_COLUMNS, Hover, kept_positions
from orchestration.serve.charts.kit import pyplot, svg


def rects(text: str) -> list[tuple[float, float, str]]:
    return [
        (float(x), float(width), title)
        for x, width, title in re.findall(
            r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" [^>]*><title>([^<]*)</title>', text
        )
    ]


def test_columns_tile_the_plot_area_and_each_holds_its_date():
    dates = pd.date_range("2025-01-01", periods=10, freq="D")
    figure, axis = pyplot().subplots(figsize=(10, 2))
    axis.plot(dates, range(10))
    axis.set_xlim(dates[0], dates[-1])
    text = svg(figure, [Hover([axis], dates, [f"{day.date()} <{number}>" for number, day in enumerate(dates)])])
    box = re.search(r"<g id=\"hover-area-0\">\s*<path d=\"M ([\d.]+) ([\d.]+)\s+L ([\d.]+)", text)
    left, right = float(box.group(1)), float(box.group(3))
    columns = rects(text)
    assert [title for _, _, title in columns] == [f"{day.date()} &lt;{number}&gt;" for number, day in enumerate(dates)]
    assert abs(columns[0][0] - left) < 0.01 and abs(columns[-1][0] + columns[-1][1] - right) < 0.02
    for (x, width, _), (next_x, _, _) in zip(columns, columns[1:]):
        assert abs(x + width - next_x) < 0.02  # no gap, no overlap
    for number, (x, width, _) in enumerate(columns):
        position = left + number / 9 * (right - left)  # the date's x: xlim runs from the first date to the last
        assert x - 0.01 <= position <= x + width + 0.01


def test_a_long_series_keeps_evenly_spaced_dates_ending_with_the_newest():
    kept = kept_positions(9000)
    assert len(kept) <= MAX_COLUMNS and kept[-1] == 8999 and kept[0] == 0
    gaps = set(kept[1:] - kept[:-1])
    assert max(gaps) - min(gaps) <= 1
    assert list(kept_positions(12)) == list(range(12))
