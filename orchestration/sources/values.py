"""Turning text cells into typed columns, with errors that point at the offending row."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from orchestration.sources.errors import SourceFormatError

# Every spelling of "no value" the real sources use: FRED '.', Fiscal Data 'null', TreasuryDirect ''.
MISSING_TOKENS = frozenset({"", ".", "null", "NULL", "None", "NaN", "nan", "N/A"})


def blank_to_na(text: pd.Series) -> pd.Series:
    """Strip cells and turn the sources' missing-value spellings into NA."""
    stripped = text.astype("string").str.strip()
    return stripped.mask(stripped.isin(MISSING_TOKENS))


def to_number(text: pd.Series, where: str, column: str, first_line: int = 2) -> pd.Series:
    """Parse a text column as float64; a cell that is neither a number nor a missing token is an error."""
    cleaned = blank_to_na(text)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    bad = cleaned.notna() & numbers.isna()
    if bad.any():
        position = int(bad.to_numpy().nonzero()[0][0])
        raise SourceFormatError(
            where,
            f"column {column!r} has a non-numeric value {cleaned.iloc[position]!r} "
            f"(line {position + first_line}; {int(bad.sum())} such value(s))",
            check="values_are_numeric",
        )
    return numbers.astype("float64")


def to_date(text: pd.Series, where: str, column: str, first_line: int = 2) -> pd.Series:
    """Parse ISO dates (a trailing time such as 'T00:00:00' is dropped); garbage is an error, a blank is null.

    A blank key date is left for the expectation suites (not-null on the key) to reject with the whole batch.
    """
    cleaned = blank_to_na(text).str.slice(0, 10)
    dates = pd.to_datetime(cleaned, format="%Y-%m-%d", errors="coerce")
    bad = cleaned.notna() & dates.isna()
    if bad.any():
        position = int(bad.to_numpy().nonzero()[0][0])
        raise SourceFormatError(
            where, f"column {column!r} has an invalid date {cleaned.iloc[position]!r} (line {position + first_line})",
            check="dates_are_valid",
        )
    return dates.dt.date


def read_json(path: Path) -> object:
    """Decode a JSON file; a truncated or invalid one is a reader-check failure naming the file."""
    try:
        return json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise SourceFormatError(str(path), f"invalid or truncated JSON ({exc.msg} at line {exc.lineno})",
                                check="json_is_valid") from exc
