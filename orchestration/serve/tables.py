"""Text tables for the terminal (rich): as wide as the terminal, 120 columns when the output is a pipe or a file."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterable, Sequence

from rich import box
from rich.console import Console
from rich.table import Table

PIPE_WIDTH = 120  # what a table may use when stdout is no terminal (a file, `| less`, a test)


def terminal_width() -> int:
    """The terminal's columns ($COLUMNS first, as shutil reads it), else PIPE_WIDTH."""
    return shutil.get_terminal_size((PIPE_WIDTH, 24)).columns


def render_table(columns: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = ()) -> str:
    """A header, a rule and the rows; the columns numbered in `right` align right; a cell too long for the
    width folds inside its column instead of widening the table past the terminal."""
    aligned_right = set(right)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style=None)
    for index, name in enumerate(columns):
        table.add_column(name, justify="right" if index in aligned_right else "left", overflow="fold")
    for row in rows:
        table.add_row(*row)
    buffer = io.StringIO()
    Console(file=buffer, width=terminal_width(), color_system=None, force_terminal=False).print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").splitlines())
