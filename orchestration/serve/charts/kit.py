"""What every chart shares: matplotlib set up for inline SVG with hover values, reading a mart (failing loudly when
it is missing), the report's window and the regime colours.

Charts are drawn server-side with matplotlib as inline SVG: the page needs no chart library, no CDN and no network.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from orchestration.serve.charts.hover import Hover, add_columns, mark_areas
from orchestration.serve.stress_components import regime_edges

REGIME_COLORS = {"calm": "#e8f5e9", "elevated": "#fff8e1", "stressed": "#ffe0b2", "severe": "#ffcdd2"}
# a filled area over more points than this is drawn as an embedded image: a vector polygon of 5,000 sessions is
# about 0.5 MB of SVG and looks the same (lines stay vectors: matplotlib simplifies them to what the pixels show)
RASTER_ABOVE_POINTS = 1000
DEFAULT_WINDOW_YEARS = 2  # `stresswatch report` without --since: the time-series charts show this many years


@dataclass
class Chart:
    title: str
    caption: str
    svg: str


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            # element ids from their content, not a random salt: the same rows draw the same SVG, byte for byte
            "svg.hashsalt": "stresswatch",
            "font.size": 9,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.dpi": 100,
        }
    )
    return plt


def svg(figure, hovers: Sequence[Hover] = ()) -> str:
    """The figure as inline SVG, with a hover column per date for each of `hovers`."""
    mark_areas(hovers)
    buffer = io.StringIO()
    # no creation time in the SVG's metadata: the same marts draw the same chart (and no stray timestamp in the page)
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    pyplot().close(figure)
    text = buffer.getvalue()
    return add_columns(text[text.index("<svg") :], hovers)


def area(points: int) -> dict:
    """fill_between's options for an area of this many points: rasterized when dense."""
    return {"rasterized": points > RASTER_ABOVE_POINTS, "linewidth": 0}


def number(value, fmt: str = "{:,.2f}", unit: str = "") -> str:
    """A value for a hover text or table, 'n/a' when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "n/a"
    return fmt.format(value) + unit


def day(value) -> str:
    """A date as a date (2025-12-31), never a timestamp."""
    return pd.Timestamp(value).date().isoformat()


class MissingMart(RuntimeError):
    """The report reads a relation the warehouse lacks: a renamed or unbuilt mart fails, not an empty chart."""


_recorded_reads: ContextVar[list[list[str]] | None] = ContextVar("recorded_reads", default=None)


def frame_digest(frame: pd.DataFrame) -> str:
    """sha256 over the columns, their types and every row's values, in order."""
    digest = hashlib.sha256(repr([(str(name), str(dtype)) for name, dtype in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def read_frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    try:
        frame = con.execute(sql).df()
    except duckdb.CatalogException as exc:
        raise MissingMart(f"the report cannot read the warehouse: {str(exc).splitlines()[0]}") from exc
    reads = _recorded_reads.get()
    if reads is not None:  # digested now: a chart may add columns to the frame it draws
        reads.append([sql, frame_digest(frame)])
    return frame


@contextmanager
def recorded_reads() -> Iterator[list[list[str]]]:
    """Every read_frame inside the block, in order, as [SQL, digest of the rows it returned]."""
    token = _recorded_reads.set([])
    try:
        yield _recorded_reads.get()
    finally:
        _recorded_reads.reset(token)


def regime_bands() -> list[tuple[float, float, str, str]]:
    """(bottom, top, colour, regime) per regime, from the dbt project's edges."""
    edges = list(regime_edges().items())
    tops = [edge for _, edge in edges[1:]] + [float("inf")]
    return [(bottom, top, REGIME_COLORS[regime], regime) for (regime, bottom), top in zip(edges, tops)]


def in_window(frame: pd.DataFrame, date_column: str, since: date) -> pd.DataFrame:
    """The rows from `since` on: every time-series chart shows the same window."""
    if frame.empty:
        return frame
    return frame[pd.to_datetime(frame[date_column]) >= pd.Timestamp(since)].reset_index(drop=True)


def empty_chart(title: str, caption: str, why: str) -> Chart:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(10, 1.2))
    axis.axis("off")
    axis.text(0.5, 0.5, why, ha="center", va="center")
    return Chart(title, caption, svg(figure))
