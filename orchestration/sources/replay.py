"""Replay clients: read a data directory (the bundled sample by default) through the same interface as live."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pandas as pd

from orchestration.sources import data_dir
from orchestration.sources.base import FredClient, PriceClient, SecClient, TreasuryClient, keep_since
from orchestration.sources.parse_fred import FRED_COLUMNS, read_fred_file
from orchestration.sources.parse_prices import PRICE_COLUMNS, read_price_file
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


class ReplayPriceClient(_ReplayMixin, PriceClient):
    """prices/<SYMBOL>.csv plus Cboe's VIX history."""

    def fetch(self, since: Mapping[str, date]) -> pd.DataFrame:
        frames = [read_price_file(path, data_dir.symbol_for_price_file(path), f"prices/{path.name}")
                  for path in data_dir.files(self.root, "prices", "*.csv")]
        cboe = self.root / data_dir.CBOE_VIX_FILE
        if cboe.is_file():
            frames.append(read_price_file(cboe, data_dir.CBOE_VIX_SYMBOL, data_dir.CBOE_VIX_FILE,
                                          volume_required=False))
        return keep_since(_concat(frames, PRICE_COLUMNS), since, self.entity_column, self.date_column)


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
