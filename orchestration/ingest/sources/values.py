"""Turning text cells into typed columns, with errors that point at the offending file and line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.ingest.sources.errors import SourceFormatError

# Every spelling of "no value" the real sources use: FRED '.', Fiscal Data 'null', TreasuryDirect ''.
MISSING_TOKENS = frozenset({"", ".", "null", "NULL", "None", "NaN", "nan", "N/A"})

# Where each parsed row came from: the file (or request) and its line (CSV, from the file's start) or record (JSON).
# Not stored in raw; the suites report them with a failing row.
ORIGIN_COLUMNS = ["_file", "_line"]

# 'YYYY-MM-DD', or TreasuryDirect's 'YYYY-MM-DDT00:00:00': anything else (a time of day, a suffix) is refused.
_ISO_DAY = r"\d{4}-\d{2}-\d{2}(?:T00:00:00)?"


def blank_to_na(text: pd.Series) -> pd.Series:
    """Strip cells and turn the sources' missing-value spellings into NA."""
    stripped = text.astype("string").str.strip()
    return stripped.mask(stripped.isin(MISSING_TOKENS))


def _first_bad(bad: pd.Series, lines: pd.Series | None, first_line: int) -> tuple[int, int]:
    position = int(bad.to_numpy().nonzero()[0][0])
    line = int(lines.iloc[position]) if lines is not None else position + first_line
    return position, line


def to_number(
    text: pd.Series,
    where: str,
    column: str,
    first_line: int = 2,
    lines: pd.Series | None = None,
    line_kind: str = "line",
) -> pd.Series:
    """Parse a text column as float64; a cell that is neither a finite number nor a missing token is an error.

    `lines` gives each cell's line in its file (else the position plus `first_line`)."""
    cleaned = blank_to_na(text)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    bad = cleaned.notna() & numbers.isna()
    if bad.any():
        position, line = _first_bad(bad, lines, first_line)
        raise SourceFormatError(
            where,
            f"column {column!r} has a non-numeric value {cleaned.iloc[position]!r} ({int(bad.sum())} such value(s))",
            check="values_are_numeric",
            line=line,
            line_kind=line_kind,
        )
    numbers = numbers.astype("float64")
    infinite = pd.Series(np.isinf(numbers.to_numpy()), index=numbers.index)
    if infinite.any():
        position, line = _first_bad(infinite, lines, first_line)
        raise SourceFormatError(
            where,
            f"column {column!r} has an infinite value {cleaned.iloc[position]!r} ({int(infinite.sum())} such value(s))",
            check="values_are_finite",
            line=line,
            line_kind=line_kind,
        )
    return numbers


def to_date(
    text: pd.Series,
    where: str,
    column: str,
    first_line: int = 2,
    lines: pd.Series | None = None,
    line_kind: str = "line",
) -> pd.Series:
    """Parse exact ISO dates ('YYYY-MM-DD', or with 'T00:00:00'); anything else is an error, a blank is null.

    A blank key date is left for the expectation suites (not-null on the key) to reject with the whole batch.
    """
    cleaned = blank_to_na(text)
    shaped = cleaned.str.fullmatch(_ISO_DAY).fillna(True).astype(bool)
    dates = pd.to_datetime(cleaned.str.slice(0, 10).where(shaped), format="%Y-%m-%d", errors="coerce")
    bad = cleaned.notna() & dates.isna()
    if bad.any():
        position, line = _first_bad(bad, lines, first_line)
        raise SourceFormatError(
            where,
            f"column {column!r} has an invalid date {cleaned.iloc[position]!r} (expected YYYY-MM-DD)",
            check="dates_are_valid",
            line=line,
            line_kind=line_kind,
        )
    return dates.dt.date


def decode_text(content: bytes, where: str, line_of: Callable[[int], int] = lambda line: line) -> str:
    """UTF-8 text (a byte-order mark dropped); other bytes are refused naming their line (`line_of` turns a line
    of the content into the file's line)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise SourceFormatError(
            where, f"byte 0x{content[exc.start]:02x} is not UTF-8 text", check="text_is_utf8", line=line_of(line)
        ) from exc


def _fields_per_line(content: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Each line's field count (commas + 1) and whether it is blank (empty, or a lone carriage return), at C speed
    (the sources never quote): the commas' positions are binned by the line they fall in."""
    buffer = np.frombuffer(content, dtype=np.uint8)
    newlines = np.flatnonzero(buffer == ord("\n"))
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(buffer)]))
    commas = np.bincount(np.searchsorted(newlines, np.flatnonzero(buffer == ord(","))), minlength=len(starts))
    lengths = ends - starts
    lone_return = np.zeros(len(starts), dtype=bool)
    single = np.flatnonzero(lengths == 1)
    lone_return[single] = buffer[starts[single]] == ord("\r")
    return commas + 1, (lengths == 0) | lone_return


def read_cells(content: bytes, where: str, body_first_line: int = 2) -> pd.DataFrame:
    """A CSV's cells as text, with `_line` (each row's line in the file; the text after the header starts at
    `body_first_line` when only a file's tail was read). Refused: non-UTF-8 bytes, a row with another field count
    than the header's (a line cut short, an extra field). Blank lines are no rows."""

    def file_line(line_in_text: int) -> int:
        return line_in_text if line_in_text <= 1 else body_first_line + line_in_text - 2

    text = decode_text(content, where, file_line)
    raw = content.removeprefix(b"\xef\xbb\xbf")  # the text's own bytes: it decoded as UTF-8
    if b'"' in raw:  # a quoted field may hold commas or newlines: count fields the slow, exact way
        rows = list(csv.reader(io.StringIO(text)))
        counts = np.array([len(row) for row in rows])
        blank = np.array([not row for row in rows])
    else:
        counts, blank = _fields_per_line(raw.removesuffix(b"\n"))
    header_fields = counts[0]
    wrong = np.flatnonzero((counts != header_fields) & ~blank)
    if len(wrong):
        line = int(wrong[0]) + 1
        raise SourceFormatError(
            where,
            f"the line has {counts[wrong[0]]} field(s), the header {header_fields} "
            f"({len(wrong)} such line(s); a line cut short or an extra field)",
            check="fields_match_header",
            line=file_line(line),
        )
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    table.columns = [str(name).strip() for name in table.columns]
    data_lines = np.flatnonzero(~blank[1:]) + 2  # the text's lines holding a row, in order
    table["_line"] = body_first_line + data_lines - 2
    return table


def read_json(path: Path) -> object:
    """Decode a JSON file; a truncated or invalid one is a reader-check failure naming the file."""
    try:
        return json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise SourceFormatError(
            str(path), f"invalid or truncated JSON ({exc.msg})", check="json_is_valid", line=exc.lineno
        ) from exc
    except UnicodeDecodeError as exc:
        raise SourceFormatError(str(path), f"not UTF-8 text ({exc.reason})", check="text_is_utf8") from exc
