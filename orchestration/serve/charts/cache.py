"""Charts reused from the last report when they would be drawn from the same rows: a chart is a function of the rows
it reads, its window and the chart code, and drawing it (matplotlib to SVG) is most of the report's cost. An evening
with nothing new, or one that did not touch a chart's marts, redraws nothing.

Each chart function's reads are recorded as (SQL, digest of the rows returned) when it draws. Next time the same SQL
runs again, in the same order; only when every digest matches are the stored charts returned. Reading again costs what
the first read did, a filtered scan: a fraction of drawing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

from orchestration.serve.charts.kit import Chart, frame_digest, read_frame, recorded_reads
from orchestration.settings import DBT_PROJECT_DIR

CACHE_FILE = ".chart-cache.json"  # beside the page it serves
CHARTS_PACKAGE = Path(__file__).resolve().parent
# besides its rows, a chart reads the index's categories and regime edges from the dbt project's vars
CODE_INPUTS = (
    *sorted(CHARTS_PACKAGE.glob("*.py")),
    CHARTS_PACKAGE.parent / "stress_components.py",
    DBT_PROJECT_DIR / "dbt_project.yml",
)


def code_fingerprint() -> str:
    """sha256 over the chart code, what it reads besides the marts, and matplotlib's version."""
    digest = hashlib.sha256(version("matplotlib").encode())  # not an import of matplotlib: a second of start-up
    for path in CODE_INPUTS:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass
class ChartCache:
    """The charts of one report directory, by chart function, with the reads that drew them."""

    path: Path
    code: str = field(default_factory=code_fingerprint)
    entries: dict = field(default_factory=dict)
    reused: int = 0
    drawn: int = 0

    @classmethod
    def beside(cls, out_dir: Path) -> ChartCache:
        """The cache kept in out_dir; empty when missing, unreadable or written by other chart code."""
        cache = cls(out_dir / CACHE_FILE)
        try:
            stored = json.loads(cache.path.read_text())
        except (OSError, ValueError):
            return cache
        if isinstance(stored, dict) and stored.get("code") == cache.code:
            cache.entries = stored.get("charts", {})
        return cache

    def charts(self, draw: Callable[..., Chart | list[Chart]], con, *args) -> list[Chart]:
        """draw(con, *args) as a list of charts, reused when its recorded reads return the same rows again."""
        name = f"{draw.__module__}.{draw.__qualname__}"
        arguments = [str(argument) for argument in args]
        entry = self.entries.get(name)
        if entry and entry["args"] == arguments and self._same_rows(con, entry["reads"]):
            self.reused += len(entry["charts"])
            return [Chart(**chart) for chart in entry["charts"]]
        with recorded_reads() as reads:
            drawn = draw(con, *args)
        charts = drawn if isinstance(drawn, list) else [drawn]
        self.entries[name] = {
            "args": arguments,
            "reads": reads,
            "charts": [asdict(chart) for chart in charts],
        }
        self.drawn += len(charts)
        return charts

    @staticmethod
    def _same_rows(con, reads: list[list[str]]) -> bool:
        # in the recorded order, stopping at the first change: a later read may depend on an earlier one's rows
        return all(frame_digest(read_frame(con, sql)) == digest for sql, digest in reads)

    def save(self) -> None:
        """Write the entries (atomically: a reader never sees half a file)."""
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps({"code": self.code, "charts": self.entries}))
        os.replace(partial, self.path)
