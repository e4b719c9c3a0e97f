"""Choosing the replay or live client of each source family from the run's settings."""

from __future__ import annotations

from orchestration import settings as defaults
from orchestration.settings import RunSettings
from orchestration.sources.base import SourceClient

FAMILIES = ("prices", "fred", "treasury", "sec")


def build_client(family: str, run: RunSettings) -> SourceClient:
    """Replay reads the data directory; live calls the public API (and needs its key or user agent)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown source family {family!r}; expected one of {FAMILIES}")
    if run.mode == "replay":
        from orchestration.sources import replay

        return {
            "prices": replay.ReplayPriceClient,
            "fred": replay.ReplayFredClient,
            "treasury": replay.ReplayTreasuryClient,
            "sec": replay.ReplaySecClient,
        }[family](run.data_dir)
    if family == "prices":
        from orchestration.sources.live_prices import LivePriceClient

        return LivePriceClient(defaults.live_price_symbols())
    if family == "fred":
        from orchestration.sources.live_fred import LiveFredClient

        return LiveFredClient(defaults.DEFAULT_FRED_SERIES)
    if family == "treasury":
        from orchestration.sources.live_treasury import LiveTreasuryClient

        return LiveTreasuryClient()
    from orchestration.sources.live_sec import LiveSecClient

    return LiveSecClient(defaults.live_sec_ciks())
