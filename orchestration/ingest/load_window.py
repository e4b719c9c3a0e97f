"""Where a load's fetch starts: the overlap an incremental fetch re-reads, and a backfill's window."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from orchestration.ingest.raw_layer import LoadedRange
from orchestration.ingest.raw_tables import RawTable
from orchestration.settings import LOW_FREQUENCY_REVISION_DAYS, LOW_FREQUENCY_SPACING_DAYS


def fetch_starts(
    known: dict[str, LoadedRange], overlap_days: int | None, window: tuple[date, date] | None
) -> dict[str, date]:
    """entity -> the first date to fetch: the window's start (a backfill), the last date minus the overlap
    (incremental), or nothing (None overlap: the whole history)."""
    if window is not None:
        return {entity: window[0] for entity in known}
    if overlap_days is None:
        return {}
    return {entity: revision_start(loaded, overlap_days) for entity, loaded in known.items()}


def revision_start(loaded: LoadedRange, overlap_days: int) -> date:
    """Where an incremental fetch of an entity starts again: its last date minus the overlap, or minus 13 months
    for a monthly or quarterly series (orchestration/settings.py says why)."""
    low_frequency = loaded.spacing_days >= LOW_FREQUENCY_SPACING_DAYS
    return loaded.last - timedelta(
        days=max(overlap_days, LOW_FREQUENCY_REVISION_DAYS) if low_frequency else overlap_days
    )


def rows_within(frame: pd.DataFrame, date_column: str, window: tuple[date, date]) -> pd.DataFrame:
    """The rows dated in the window, both ends included; a row without a date stays, for the suites to reject."""
    dates = pd.to_datetime(frame[date_column])
    keep = dates.isna() | ((dates >= pd.Timestamp(window[0])) & (dates <= pd.Timestamp(window[1])))
    return frame.loc[keep].reset_index(drop=True)


def fetch_scope(table: RawTable, since: dict[str, date], window: tuple[date, date] | None) -> str:
    """What a load asks its source for: a backfill's window, each entity's increment, or the whole history."""
    if window is not None:
        return f"backfill of {window[0]}..{window[1]}"
    return f"incremental for {len(since)} {table.entity_column}(s)" if since else "full history"
