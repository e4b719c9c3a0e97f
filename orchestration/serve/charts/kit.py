"""What every chart shares: matplotlib set up for inline SVG, reading a mart (failing loudly when it is missing), the
report's window and the regime colours.

Charts are drawn server-side with matplotlib as inline SVG: the page needs no chart library, no CDN and no network.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import duckdb
import pandas as pd

from orchestration.serve.stress_components import regime_edges

REGIME_COLORS = {"calm": "#e8f5e9", "elevated": "#fff8e1", "stressed": "#ffe0b2", "severe": "#ffcdd2"}
DAILY_WINDOW_SESSIONS = 756  # about three years


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
            "font.size": 9,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.dpi": 100,
        }
    )
    return plt


def svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    pyplot().close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


class MissingMart(RuntimeError):
    """The report reads a relation the warehouse lacks: a renamed or unbuilt mart fails, not an empty chart."""


def read_frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    try:
        return con.execute(sql).df()
    except duckdb.CatalogException as exc:
        raise MissingMart(f"the report cannot read the warehouse: {str(exc).splitlines()[0]}") from exc


def regime_bands() -> list[tuple[float, float, str, str]]:
    """(bottom, top, colour, regime) per regime, from the dbt project's edges."""
    edges = list(regime_edges().items())
    tops = [edge for _, edge in edges[1:]] + [float("inf")]
    return [(bottom, top, REGIME_COLORS[regime], regime) for (regime, bottom), top in zip(edges, tops)]


def recent(frame: pd.DataFrame, date_column: str) -> pd.DataFrame:
    if frame.empty:
        return frame
    dates = sorted(frame[date_column].unique())[-DAILY_WINDOW_SESSIONS:]
    return frame[frame[date_column] >= dates[0]]


def empty_chart(title: str, caption: str, why: str) -> Chart:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(10, 1.2))
    axis.axis("off")
    axis.text(0.5, 0.5, why, ha="center", va="center")
    return Chart(title, caption, svg(figure))
