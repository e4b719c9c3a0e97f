"""FRED observations: `date,value`, `observation_date,<ID>` and the legacy `DATE,<ID>` with '.' for missing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.values import ORIGIN_COLUMNS, read_cells, to_date, to_number

FRED_COLUMNS = ["series_id", "obs_date", "value", "realtime_start"]
# ALFRED: every value a series had, each with the days it was FRED's answer (realtime_end null: still current)
VINTAGE_COLUMNS = ["series_id", "obs_date", "realtime_start", "realtime_end", "value"]
ALFRED_HEADER = ["realtime_start", "realtime_end", "date", "value"]
STILL_CURRENT = "9999-12-31"  # FRED's realtime_end of a value that has not been revised
_DATE_HEADERS = ("date", "observation_date")


def parse_fred_csv(content: str | bytes, where: str, series_id: str) -> pd.DataFrame:
    """Parse one series' CSV; listed dates without a value stay as rows with a null value."""
    if isinstance(content, str):
        content = content.encode()
    if not content.strip():
        raise SourceFormatError(where, "file is empty (expected a header 'date,value')", check="file_not_empty")
    table = read_cells(content, where)
    header = list(table.columns[:-1])
    if len(header) != 2 or header[0].lower() not in _DATE_HEADERS:
        raise SourceFormatError(
            where,
            f"unknown FRED header {header}: expected 'date,value', 'observation_date,{series_id}' "
            f"or 'DATE,{series_id}'",
            line=1,
        )
    value_header = header[1]
    if value_header.lower() != "value" and value_header.upper() != series_id.upper():
        raise SourceFormatError(
            where,
            f"value column is named {value_header!r}, expected 'value' or the series id {series_id!r}",
            line=1,
        )
    date_column, value_column = header
    lines = table["_line"]
    return pd.DataFrame(
        {
            "series_id": series_id,
            "obs_date": to_date(table[date_column], where, header[0], lines=lines),
            "value": to_number(table[value_column], where, value_header, lines=lines),
            # A CSV carries no vintage; the live API client fills this in when FRED reports it.
            "realtime_start": pd.Series([None] * len(table), dtype="object"),
            "_file": where,
            "_line": lines.astype("int64"),
        }
    )[FRED_COLUMNS + ORIGIN_COLUMNS]


def parse_fred_observations_json(payload: dict, where: str, series_id: str) -> pd.DataFrame:
    """Parse a FRED API `series/observations` JSON body (the shape of the recorded fixtures)."""
    if not isinstance(payload, dict) or "observations" not in payload:
        raise SourceFormatError(where, "not a FRED observations response: no 'observations' key")
    rows = payload["observations"]
    table = pd.DataFrame(rows, columns=["date", "value", "realtime_start"], dtype="string")
    return pd.DataFrame(
        {
            "series_id": series_id,
            "obs_date": to_date(table["date"], where, "date", first_line=1, line_kind="record"),
            "value": to_number(table["value"], where, "value", first_line=1, line_kind="record"),
            "realtime_start": to_date(
                table["realtime_start"], where, "realtime_start", first_line=1, line_kind="record"
            ),
            "_file": where,
            "_line": range(1, len(table) + 1),
        }
    )[FRED_COLUMNS + ORIGIN_COLUMNS]


def parse_alfred_csv(content: str | bytes, where: str, series_id: str) -> pd.DataFrame:
    """Parse one series' vintages in the API's long shape, `realtime_start,realtime_end,date,value` ('.' or blank
    for a missing value, realtime_end 9999-12-31 for a value still current)."""
    if isinstance(content, str):
        content = content.encode()
    if not content.strip():
        raise SourceFormatError(
            where, f"file is empty (expected a header {','.join(ALFRED_HEADER)!r})", check="file_not_empty"
        )
    table = read_cells(content, where)
    header = [name.lower() for name in table.columns[:-1]]
    if header != ALFRED_HEADER:
        raise SourceFormatError(
            where, f"unknown ALFRED header {list(table.columns[:-1])}: expected {','.join(ALFRED_HEADER)!r}", line=1
        )
    table.columns = [*header, "_line"]
    lines = table["_line"]
    ends = table["realtime_end"].mask(table["realtime_end"] == STILL_CURRENT)
    return pd.DataFrame(
        {
            "series_id": series_id,
            "obs_date": to_date(table["date"], where, "date", lines=lines),
            "realtime_start": to_date(table["realtime_start"], where, "realtime_start", lines=lines),
            "realtime_end": to_date(ends, where, "realtime_end", lines=lines),
            "value": to_number(table["value"], where, "value", lines=lines),
            "_file": where,
            "_line": lines.astype("int64"),
        }
    )[VINTAGE_COLUMNS + ORIGIN_COLUMNS]


def with_realtime_end(vintages: pd.DataFrame) -> pd.DataFrame:
    """Each vintage's last day: the day before the same observation's next vintage starts (null for the newest).
    fredapi's all-releases call drops FRED's realtime_end; it follows from the starts."""
    ordered = vintages.sort_values(["series_id", "obs_date", "realtime_start"]).reset_index(drop=True)
    starts = pd.to_datetime(ordered["realtime_start"])
    following = starts.groupby([ordered["series_id"], ordered["obs_date"]]).shift(-1)
    ordered["realtime_end"] = (following - pd.Timedelta(days=1)).dt.date.astype(object).where(following.notna(), None)
    return ordered


def read_fred_file(path: Path) -> pd.DataFrame:
    """Read one `fred/<SERIES_ID>.csv`."""
    return parse_fred_csv(path.read_bytes(), str(path), path.stem)
