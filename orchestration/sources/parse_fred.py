"""FRED observations: `date,value`, `observation_date,<ID>` and the legacy `DATE,<ID>` with '.' for missing."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from orchestration.sources.errors import SourceFormatError
from orchestration.sources.values import to_date, to_number

FRED_COLUMNS = ["series_id", "obs_date", "value", "realtime_start"]
_DATE_HEADERS = ("date", "observation_date")


def parse_fred_csv(content: str | bytes, where: str, series_id: str) -> pd.DataFrame:
    """Parse one series' CSV; listed dates without a value stay as rows with a null value."""
    if isinstance(content, bytes):
        content = content.decode("utf-8-sig")
    if not content.strip():
        raise SourceFormatError(where, "file is empty (expected a header 'date,value')",
                                check="file_not_empty")
    table = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False)
    header = [str(name).strip() for name in table.columns]
    if len(header) != 2 or header[0].lower() not in _DATE_HEADERS:
        raise SourceFormatError(
            where,
            f"unknown FRED header {header}: expected 'date,value', 'observation_date,{series_id}' "
            f"or 'DATE,{series_id}'",
        )
    value_header = header[1]
    if value_header.lower() != "value" and value_header.upper() != series_id.upper():
        raise SourceFormatError(
            where, f"value column is named {value_header!r}, expected 'value' or the series id {series_id!r}"
        )
    date_column, value_column = table.columns
    return pd.DataFrame({
        "series_id": series_id,
        "obs_date": to_date(table[date_column], where, header[0]),
        "value": to_number(table[value_column], where, value_header),
        # A CSV carries no vintage; the live API client fills this in when FRED reports it.
        "realtime_start": pd.Series([None] * len(table), dtype="object"),
    })[FRED_COLUMNS]


def parse_fred_observations_json(payload: dict, where: str, series_id: str) -> pd.DataFrame:
    """Parse a FRED API `series/observations` JSON body (the shape of the recorded fixtures)."""
    if not isinstance(payload, dict) or "observations" not in payload:
        raise SourceFormatError(where, "not a FRED observations response: no 'observations' key")
    rows = payload["observations"]
    table = pd.DataFrame(rows, columns=["date", "value", "realtime_start"], dtype="string")
    return pd.DataFrame({
        "series_id": series_id,
        "obs_date": to_date(table["date"], where, "date", first_line=0),
        "value": to_number(table["value"], where, "value", first_line=0),
        "realtime_start": to_date(table["realtime_start"], where, "realtime_start", first_line=0),
    })[FRED_COLUMNS]


def read_fred_file(path: Path) -> pd.DataFrame:
    """Read one `fred/<SERIES_ID>.csv`."""
    return parse_fred_csv(path.read_bytes(), str(path), path.stem)
