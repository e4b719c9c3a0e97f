"""Turning text cells into typed columns, with errors that point at the offending row."""

from __future__ import annotations

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
        )
    return numbers.astype("float64")


def to_date(text: pd.Series, where: str, column: str, first_line: int = 2, required: bool = True) -> pd.Series:
    """Parse ISO dates (a trailing time such as 'T00:00:00' is dropped); unparseable cells are an error."""
    cleaned = blank_to_na(text).str.slice(0, 10)
    dates = pd.to_datetime(cleaned, format="%Y-%m-%d", errors="coerce")
    bad = cleaned.notna() & dates.isna()
    if required:
        bad = bad | cleaned.isna()
    if bad.any():
        position = int(bad.to_numpy().nonzero()[0][0])
        raise SourceFormatError(
            where, f"column {column!r} has an invalid date {cleaned.iloc[position]!r} (line {position + first_line})"
        )
    return dates.dt.date
