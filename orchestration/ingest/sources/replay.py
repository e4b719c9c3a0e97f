"""Replay clients: read a data directory (the bundled sample by default) through the same interface as live."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from orchestration.ingest.source_specs import table_source
from orchestration.ingest.sources import data_dir
from orchestration.ingest.sources.base import (
    FredClient,
    FredVintageClient,
    PriceClient,
    SecClient,
    TreasuryClient,
    keep_since,
)
from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.parse_fred import FRED_COLUMNS, VINTAGE_COLUMNS, parse_alfred_csv, read_fred_file
from orchestration.ingest.sources.parse_prices import PRICE_COLUMNS, PriceFile, WholeFile, parse_price_files
from orchestration.ingest.sources.parse_sec import SEC_COLUMNS, read_companyfacts_file
from orchestration.ingest.sources.parse_treasury import TREASURY_COLUMNS, merge_auction_files, read_treasury_file
from orchestration.ingest.sources.tails import Tail, first_line_after, read_tail


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


class _ReplayMixin:
    raw_table: str

    @property
    def folders(self) -> tuple[str, ...]:
        """The data directory's folders this table is replayed from (source_specs.py)."""
        return table_source(self.raw_table)[1].folders

    def __init__(self, root: Path):
        self.root = data_dir.check_data_dir(Path(root))

    def describe(self) -> str:
        """Where the rows come from; a family whose folders are all missing says so (families are optional)."""
        if not any((self.root / folder).is_dir() for folder in self.folders):
            missing = " or ".join(f"{folder}/" for folder in self.folders)
            return f"replay of {self.root} (no {missing} folder there: nothing to load for this family)"
        return f"replay of {self.root}"


class ReplayPriceClient(_ReplayMixin, PriceClient):
    """prices/<SYMBOL>.csv plus Cboe's VIX history; with a start date, only the tail of each file is read."""

    taken: frozenset[str] = frozenset()  # symbols handed over whole to DuckDB's reader, left out of the batches

    def __init__(self, root: Path):
        super().__init__(root)
        # file -> the first byte of the tail read from it, numbered from the header on: the lines before it are
        # counted only for a message that names a row (counting them read every file whole: over 8,000 files,
        # about 1.2 s of a daily run, and a minute when the files were no longer in the page cache)
        self._uncounted: dict[str, int] = {}

    def whole_files(self, since: Mapping[str, date]) -> list[WholeFile]:
        """The files of the symbols raw does not hold yet, to be read whole by DuckDB (ingest/engine_load.py); the
        batches fetched after this call leave them out."""
        whole = [
            WholeFile(path, data_dir.symbol_for_price_file(path), f"prices/{path.name}")
            for path in data_dir.files(self.root, "prices", "*.csv")
            if data_dir.symbol_for_price_file(path) not in since
        ]
        if data_dir.CBOE_VIX_SYMBOL not in since:
            whole += [
                WholeFile(cboe, data_dir.CBOE_VIX_SYMBOL, data_dir.CBOE_VIX_FILE, volume_required=False)
                for cboe in data_dir.files(self.root, *data_dir.CBOE_VIX_FILE.split("/"))
            ]
        self.taken = frozenset(file.symbol for file in whole)
        return whole

    def _files(
        self, since: Mapping[str, date], history_from: Mapping[str, date], only: Collection[str] | None = None
    ) -> Iterator[PriceFile]:
        """Each price file's content (its tail on an incremental run), one symbol per file (of `only`'s, if given)."""
        for path in data_dir.files(self.root, "prices", "*.csv"):
            symbol = data_dir.symbol_for_price_file(path)
            if (only is not None and symbol not in only) or (only is None and symbol in self.taken):
                continue
            tail = self._read_tail(path, since.get(symbol), history_from.get(symbol))
            yield PriceFile(
                tail.content, str(path), symbol, f"prices/{path.name}", body_first_line=tail.body_first_line
            )
        for cboe in data_dir.files(self.root, *data_dir.CBOE_VIX_FILE.split("/")):
            wanted = (
                data_dir.CBOE_VIX_SYMBOL in only if only is not None else data_dir.CBOE_VIX_SYMBOL not in self.taken
            )
            if not wanted:
                continue
            tail = self._read_tail(
                cboe, since.get(data_dir.CBOE_VIX_SYMBOL), history_from.get(data_dir.CBOE_VIX_SYMBOL)
            )
            yield PriceFile(
                tail.content,
                str(cboe),
                data_dir.CBOE_VIX_SYMBOL,
                data_dir.CBOE_VIX_FILE,
                volume_required=False,
                body_first_line=tail.body_first_line,
            )

    def _read_tail(self, path: Path, start: date | None, history_from: date | None) -> Tail:
        """read_tail without counting the lines before the tail; the file is remembered until they are counted."""
        tail = read_tail(path, start, history_from=history_from, count_lines=False)
        if tail.uncounted_bytes:
            self._uncounted[str(path)] = tail.uncounted_bytes
        else:  # read whole: its rows carry their own lines
            self._uncounted.pop(str(path), None)
        return tail

    def _line_shift(self, where: str) -> int:
        """How far the rows of a tail numbered from the header lie below their lines in the file; then counted."""
        uncounted = self._uncounted.pop(where, None)
        return 0 if uncounted is None else first_line_after(Path(where), uncounted) - 2

    def number_lines(self, batch: pd.DataFrame) -> pd.DataFrame:
        files = [where for where in batch["_file"].dropna().unique() if where in self._uncounted] if len(batch) else []
        if not files:
            return batch
        shifts = {where: self._line_shift(where) for where in files}
        numbered = batch.copy()
        numbered["_line"] = batch["_line"] + batch["_file"].astype(object).map(shifts).fillna(0).astype("int64")
        return numbered

    def _parsed(self, files: list[PriceFile]) -> pd.DataFrame:
        """parse_price_files; when a file is refused, its tail's lines are counted first, so the error names the
        file's own line."""
        try:
            return parse_price_files(files)
        except SourceFormatError:
            counted = [
                replace(file, body_first_line=file.body_first_line + self._line_shift(file.where))
                if file.where in self._uncounted
                else file
                for file in files
            ]
            if counted == files:
                raise
            return parse_price_files(counted)

    def _frames(
        self,
        since: Mapping[str, date],
        history_from: Mapping[str, date],
        max_bytes: int = 8 << 20,
        only: Collection[str] | None = None,
    ) -> Iterator[pd.DataFrame]:
        """Parsed bars, several files per frame (up to about `max_bytes` of CSV), each file's symbol whole."""
        pending: list[PriceFile] = []
        size = 0
        for file in self._files(since, history_from, only):
            pending.append(file)
            size += len(file.content)
            if size >= max_bytes:
                yield self._parsed(pending)
                pending, size = [], 0
        if pending:
            yield self._parsed(pending)

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        history_from = history_from or {}
        return keep_since(
            _concat(list(self._frames(since, history_from)), PRICE_COLUMNS),
            since,
            self.entity_column,
            self.date_column,
            history_from,
        )

    def history_of(self, entities: Collection[str]) -> pd.DataFrame:
        return _concat(list(self._frames({}, {}, only=entities)), PRICE_COLUMNS)

    def fetch_batches(
        self, since: Mapping[str, date], max_rows: int, history_from: Mapping[str, date] | None = None
    ) -> Iterator[pd.DataFrame]:
        history_from = history_from or {}
        pending: list[pd.DataFrame] = []
        rows, batches = 0, 0
        # a CSV line of a bar is 40-70 bytes: parse in pieces well below a batch
        for frame in self._frames(since, history_from, max_bytes=min(8 << 20, max_rows * 16)):
            pending.append(frame)
            rows += len(frame)
            if rows >= max_rows:
                yield keep_since(
                    _concat(pending, PRICE_COLUMNS), since, self.entity_column, self.date_column, history_from
                )
                pending, rows, batches = [], 0, batches + 1
        if pending or not batches:
            yield keep_since(_concat(pending, PRICE_COLUMNS), since, self.entity_column, self.date_column, history_from)


class ReplayFredClient(_ReplayMixin, FredClient):
    """fred/<SERIES_ID>.csv."""

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        frames = [read_fred_file(path) for path in data_dir.files(self.root, "fred", "*.csv")]
        return keep_since(_concat(frames, FRED_COLUMNS), since, self.entity_column, self.date_column, history_from)


class ReplayFredVintageClient(_ReplayMixin, FredVintageClient):
    """alfred/<SERIES_ID>.csv: a series' vintages, `realtime_start,realtime_end,date,value` (optional: a data
    directory without the folder keeps no vintages)."""

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        frames = [
            parse_alfred_csv(path.read_bytes(), str(path), path.stem)
            for path in data_dir.files(self.root, self.folders[0], "*.csv")
        ]
        return keep_since(_concat(frames, VINTAGE_COLUMNS), since, self.entity_column, self.date_column, history_from)


class ReplayTreasuryClient(_ReplayMixin, TreasuryClient):
    """treasury/*.json in either auction shape."""

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        frames = [read_treasury_file(path) for path in data_dir.files(self.root, "treasury", "*.json")]
        merged = merge_auction_files([frame for frame in frames if not frame.empty])
        return keep_since(
            merged if not merged.empty else pd.DataFrame(columns=TREASURY_COLUMNS),
            since,
            self.entity_column,
            self.date_column,
            history_from,
        )


class ReplaySecClient(_ReplayMixin, SecClient):
    """sec/*.json companyfacts documents."""

    def fetch(self, since: Mapping[str, date], history_from: Mapping[str, date] | None = None) -> pd.DataFrame:
        frames = [read_companyfacts_file(path) for path in data_dir.files(self.root, "sec", "*.json")]
        return keep_since(_concat(frames, SEC_COLUMNS), since, self.entity_column, self.date_column, history_from)
