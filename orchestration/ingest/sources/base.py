"""The interface every source client implements, live or replay: fetch rows dated on or after a start date."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping
from datetime import date
from typing import ClassVar

import pandas as pd

from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.ingest.source_specs import table_source


class SourceClient(ABC):
    """Fetches one source family's rows in its raw table's columns (without load metadata)."""

    family: ClassVar[str]
    raw_table: ClassVar[str]
    entity_column: ClassVar[str]  # what `since` is keyed by: symbol, series_id, security_type, cik
    date_column: ClassVar[str]

    def __init_subclass__(cls, **kwargs):
        """An interface names its raw table; the family, entity and date columns follow from its definitions."""
        super().__init_subclass__(**kwargs)
        if "raw_table" in cls.__dict__:
            table = RAW_TABLES[cls.raw_table]
            cls.family = table_source(cls.raw_table)[0].family
            cls.entity_column, cls.date_column = table.entity_column, table.date_column

    @abstractmethod
    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        """Rows for every entity this client knows; for an entity in `since`, only rows dated on or after it, and
        also, for an entity in `history_from` (its first loaded date), the rows dated before that: history a data
        directory gained since the last load. Live APIs answer what they are asked from `since` on: their clients
        leave `history_from` aside (a full reload fetches a live series' whole history)."""

    @abstractmethod
    def describe(self) -> str:
        """One line saying where the data comes from (for logs and load_log)."""

    def history_of(self, entities: Collection[str]) -> pd.DataFrame:
        """Every row of these entities from their first day, as a fresh full load fetches them (after the source
        re-based their history). Clients that can fetch one entity alone override this full fetch."""
        frame = self.fetch({})
        return frame.loc[frame[self.entity_column].isin(entities)].reset_index(drop=True)

    def number_lines(self, batch: pd.DataFrame) -> pd.DataFrame:
        """The batch with every row's `_line` its line in the file, for messages that name rows. A client that
        numbers some rows within what it read, and counts the lines before only when asked (a replay tail), returns
        a new frame; the rest return the batch as it is."""
        return batch

    def take_notes(self) -> list[str]:
        """What the last fetch could not bring, in words (a symbol the feed returned nothing for), then cleared:
        the load reports each as a warning, so nothing is left out unsaid."""
        notes, self._notes = getattr(self, "_notes", []), []
        return notes

    def note(self, text: str) -> None:
        self._notes = [*getattr(self, "_notes", []), text]

    def fetch_batches(
        self, since: Mapping[str, date], max_rows: int, history_from: Mapping[str, date] | None = None
    ) -> Iterator[pd.DataFrame]:
        """The rows of `fetch`, in batches of whole entities of about `max_rows` rows, so that a full load of a
        large universe never holds it all in memory. One batch by default; clients of large sources override it."""
        yield self.fetch(since, history_from)


class PriceClient(SourceClient):
    raw_table = "price_bars"


class FredClient(SourceClient):
    raw_table = "fred_observations"


class FredVintageClient(SourceClient):
    """ALFRED vintages of the FRED series, incremental on the day each vintage started."""

    raw_table = "fred_vintages"


class TreasuryClient(SourceClient):
    raw_table = "treasury_auctions"


class SecClient(SourceClient):
    raw_table = "sec_company_facts"


def keep_since(
    frame: pd.DataFrame,
    since: Mapping[str, date],
    entity_column: str,
    date_column: str,
    history_from: Mapping[str, date] | None = None,
) -> pd.DataFrame:
    """Drop rows older than their entity's start date, except rows older than its first loaded date
    (`history_from`: history raw does not hold yet); entities without a start date keep every row.

    A row without a date is kept, so that the expectation suites see (and reject) a null key.
    """
    if frame.empty or not since:
        return frame
    starts = frame[entity_column].map(since)
    dates = pd.to_datetime(frame[date_column])
    keep = starts.isna() | dates.isna() | (dates >= pd.to_datetime(starts))
    if history_from:
        keep |= dates < pd.to_datetime(frame[entity_column].map(history_from))
    return frame.loc[keep].reset_index(drop=True)
