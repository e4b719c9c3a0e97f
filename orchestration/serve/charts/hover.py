"""Hover values for a matplotlib chart drawn as SVG: a column of transparent rectangles over the plot area, one per
date, each with an SVG `<title>` the browser shows as a tooltip. No script and nothing to fetch.

The columns are placed from the plot area's box in the SVG itself (matplotlib writes the axes background as a path
under the group id we give it), so they stay aligned whatever `bbox_inches="tight"` trimmed around the chart.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

# the default two-year window (about 520 index days) gets a column per session; a longer window gets evenly spaced
# ones (a chart is about 1,000 px wide: finer columns could not be told apart and would only grow the page)
MAX_COLUMNS = 600
_BOX = re.compile(r'<g id="(?P<gid>hover-area-\d+)">\s*<path d="(?P<d>[^"]+)"')


@dataclass
class Hover:
    """What to show on hover: one text per date, over these axes (the first gives the x scale; all share it)."""

    axes: Sequence
    dates: Sequence
    texts: Sequence[str]


def kept_positions(count: int, limit: int = MAX_COLUMNS) -> np.ndarray:
    """Which of `count` dates get a column: all of them, or evenly spaced ones ending with the newest."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.round(np.linspace(count - 1, 0, limit)).astype(int))


def mark_areas(hovers: Sequence[Hover]) -> None:
    """Name each hovered axes' background so its box can be found in the SVG; call before saving."""
    number = 0
    for hover in hovers:
        for axis in hover.axes:
            axis.patch.set_gid(f"hover-area-{number}")
            number += 1


def _boxes(svg_text: str) -> dict[str, tuple[float, float, float, float]]:
    """gid -> (left, top, right, bottom) of each marked plot area, in the SVG's own units."""
    boxes = {}
    for match in _BOX.finditer(svg_text):
        numbers = [float(value) for value in re.findall(r"-?\d+(?:\.\d+)?", match["d"])]
        xs, ys = numbers[0::2], numbers[1::2]
        boxes[match["gid"]] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def add_columns(svg_text: str, hovers: Sequence[Hover]) -> str:
    """The SVG with a hover column per kept date appended before `</svg>`."""
    boxes = _boxes(svg_text)
    layers = []
    number = 0
    for hover in hovers:
        ids = [f"hover-area-{number + offset}" for offset in range(len(hover.axes))]
        number += len(hover.axes)
        if not len(hover.dates) or any(gid not in boxes for gid in ids):
            continue
        left, top, right, _ = boxes[ids[0]]
        bottom = max(boxes[gid][3] for gid in ids)
        low, high = hover.axes[0].get_xlim()
        positions = kept_positions(len(hover.dates))
        numbers = mdates.date2num(pd.to_datetime(pd.Series(hover.dates).iloc[positions]).to_numpy())
        xs = left + (numbers - low) / (high - low) * (right - left)
        # each column reaches halfway to its neighbours, so together they tile the plot area
        edges = np.concatenate([[left], (xs[1:] + xs[:-1]) / 2, [right]]) if len(xs) > 1 else np.array([left, right])
        rects = []
        for position, start, end in zip(positions, edges[:-1], edges[1:]):
            start, end = max(start, left), min(end, right)
            if end <= start:
                continue
            text = html.escape(hover.texts[position])
            rects.append(
                f'<rect x="{start:.2f}" y="{top:.2f}" width="{end - start:.2f}" height="{bottom - top:.2f}">'
                f"<title>{text}</title></rect>"
            )
        layers.append(f'<g class="hover" fill="#000000" fill-opacity="0">{"".join(rects)}</g>')
    return svg_text.replace("</svg>", "".join(layers) + "</svg>") if layers else svg_text
