"""Replay clients: read a data directory (the bundled sample by default) through the same interface as live."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

import pandas as pd

from orchestration.sources import data_dir
from orchestration.sources.base import FredClient, PriceClient, SecClient, TreasuryClient, keep_since
from orchestration.sources.parse_fred import FRED_COLUMNS, read_fred_file
from orchestration.sources.parse_prices import PRICE_COLUMNS, PriceFile, parse_price_files
from orchestration.sources.parse_sec import SEC_COLUMNS, read_companyfacts_file
from orchestration.sources.parse_treasury import TREASURY_COLUMNS, merge_auction_files, read_treasury_file


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


class _ReplayMixin:
    def __init__(self, root: Path):
        self.root = data_dir.check_data_dir(Path(root))

    def describe(self) -> str:
        return f"replay of {self.root}"


_ISO_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}")


def read_tail(path: Path, start: date | None, chunk_bytes: int = 1 << 16) -> bytes:
    """The header and the lines dated on or after `start` of an ascending CSV, reading from the end of the file,
    so that a daily run reads the new days and not the whole history."""
    if start is None:
        return path.read_bytes()
    marker = start.isoformat().encode()
    with path.open("rb") as handle:
        header = handle.readline()
        body_start = handle.tell()
        end = handle.seek(0, 2)
        position, tail = end, b""
        while position > body_start:
            position = max(body_start, position - chunk_bytes)
            handle.seek(position)
            tail = handle.read(end - position)
            lines = tail.split(b"\n")
            complete = lines[1:] if position > body_start else lines  # the first piece may be a partial line
            dated = [line for line in complete if _ISO_DATE.match(line)]
            if dated and dated[0][:10] < marker:
                break
        lines = tail.split(b"\n")
        if position > body_start:
            lines = lines[1:]
    # a line without a date is kept: the reader checks and the suites must see (and reject) it
    kept = [line for line in lines if line.strip() and (not _ISO_DATE.match(line) or line[:10] >= marker)]
    return header + b"\n".join(kept) + b"\n"


class ReplayPriceClient(_ReplayMixin, PriceClient):
    """prices/<SYMBOL>.csv plus Cboe's VIX history; with a start date, only the tail of each file is read."""

    def _files(self, since: Mapping[str, date]) -> Iterator[PriceFile]:
        """Each price file's content (its tail on an incremental run), one symbol per file."""
        for path in data_dir.files(self.root, "prices", "*.csv"):
            symbol = data_dir.symbol_for_price_file(path)
            yield PriceFile(read_tail(path, since.get(symbol)), str(path), symbol, f"prices/{path.name}")
        cboe = self.root / data_dir.CBOE_VIX_FILE
        if cboe.is_file():
            yield PriceFile(read_tail(cboe, since.get(data_dir.CBOE_VIX_SYMBOL)), str(cboe),
                            data_dir.CBOE_VIX_SYMBOL, data_dir.CBOE_VIX_FILE, volume_required=False)

    def _frames(self, since: Mapping[str, date], max_bytes: int = 8 << 20) -> Iterator[pd.DataFrame]:
        """Parsed bars, several files per frame (up to about `max_bytes` of CSV), each file's symbol whole."""
        pending: list[PriceFile] = []
        size = 0
        for file in self._files(since):
            pending.append(file)
            size += len(file.content)
            if size >= max_bytes:
                yield parse_price_files(pending)
                pending, size = [], 0
        if pending:
            yield parse_price_files(pending)

    def fetch(self, since: Mapping[str, date]) -> pd.DataFrame:
        return keep_since(_concat(list(self._frames(since)), PRICE_COLUMNS), since, self.entity_column,
                          self.date_column)

    def fetch_batches(self, since: Mapping[str, date], max_rows: int) -> Iterator[pd.DataFrame]:
        pending: list[pd.DataFrame] = []
        rows, batches = 0, 0
        # a CSV line of a bar is 40-70 bytes: parse in pieces well below a batch
        for frame in self._frames(since, max_bytes=min(8 << 20, max_rows * 16)):
            pending.append(frame)
            rows += len(frame)
            if rows >= max_rows:
                yield keep_since(_concat(pending, PRICE_COLUMNS), since, self.entity_column, self.date_column)
                pending, rows, batches = [], 0, batches + 1
        if pending or not batches:
            yield keep_since(_concat(pending, PRICE_COLUMNS), since, self.entity_column, self.date_column)


class ReplayFredClient(_ReplayMixin, FredClient):
    """fred/<SERIES_ID>.csv."""

    def fetch(self, since: Mapping[str, date]) -> pd.DataFrame:
        frames = [read_fred_file(path) for path in data_dir.files(self.root, "fred", "*.csv")]
        return keep_since(_concat(frames, FRED_COLUMNS), since, self.entity_column, self.date_column)


class ReplayTreasuryClient(_ReplayMixin, TreasuryClient):
    """treasury/*.json in either auction shape."""

    def fetch(self, since: Mapping[str, date]) -> pd.DataFrame:
        frames = [read_treasury_file(path) for path in data_dir.files(self.root, "treasury", "*.json")]
        merged = merge_auction_files([frame for frame in frames if not frame.empty])
        return keep_since(merged if not merged.empty else pd.DataFrame(columns=TREASURY_COLUMNS), since,
                          self.entity_column, self.date_column)


class ReplaySecClient(_ReplayMixin, SecClient):
    """sec/*.json companyfacts documents."""

    def fetch(self, since: Mapping[str, date]) -> pd.DataFrame:
        frames = [read_companyfacts_file(path) for path in data_dir.files(self.root, "sec", "*.json")]
        return keep_since(_concat(frames, SEC_COLUMNS), since, self.entity_column, self.date_column)
