"""Choosing the replay or live client of each source family from the run's settings."""

from __future__ import annotations

from orchestration import settings as defaults
from orchestration.ingest.sources.base import (
    FredClient,
    FredVintageClient,
    PriceClient,
    SecClient,
    SourceClient,
    TreasuryClient,
)
from orchestration.settings import SOURCE_FAMILIES as FAMILIES
from orchestration.settings import RunSettings

_INTERFACES: dict[str, type[SourceClient]] = {
    "prices": PriceClient,
    "fred": FredClient,
    "treasury": TreasuryClient,
    "sec": SecClient,
}


def client_class(family: str) -> type[SourceClient]:
    """The interface a family's live and replay clients share (its raw table, entity and date columns)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown source family {family!r}; expected one of {FAMILIES}")
    return _INTERFACES[family]


def build_client(family: str, run: RunSettings) -> SourceClient:
    """Replay reads the data directory; live calls the public API (or the base URL `run.api_urls` names for it),
    and needs its key or user agent."""
    client_class(family)
    if run.source_mode(family) == "replay":
        from orchestration.ingest.sources import replay

        return {
            "prices": replay.ReplayPriceClient,
            "fred": replay.ReplayFredClient,
            "treasury": replay.ReplayTreasuryClient,
            "sec": replay.ReplaySecClient,
        }[family](run.data_dir)
    base_url = run.api_urls.get(family)
    if family == "prices":
        from orchestration.ingest.sources.live_prices import LivePriceClient
        from orchestration.ingest.sources.live_vix import CboeVixHistory

        # Cboe's VIX file comes from its own site (api_urls["cboe"] replaces https://cdn.cboe.com)
        return LivePriceClient(
            defaults.live_price_symbols(), base_url=base_url, vix=CboeVixHistory(run.api_urls.get("cboe"))
        )
    if family == "fred":
        from orchestration.ingest.sources.live_fred import LiveFredClient

        return LiveFredClient(defaults.DEFAULT_FRED_SERIES, base_url=base_url)
    if family == "treasury":
        from orchestration.ingest.sources.live_treasury import LiveTreasuryClient

        return LiveTreasuryClient(base_url=base_url)
    from orchestration.ingest.sources.live_sec import LiveSecClient

    return LiveSecClient(defaults.live_sec_ciks(), base_url=base_url)


def build_vintage_client(run: RunSettings) -> FredVintageClient:
    """FRED's vintages: ALFRED through fredapi when FRED is live (same key, same base URL), alfred/*.csv in replay."""
    if run.source_mode("fred") == "replay":
        from orchestration.ingest.sources.replay import ReplayFredVintageClient

        return ReplayFredVintageClient(run.data_dir)
    from orchestration.ingest.sources.live_fred import LiveFredVintageClient

    return LiveFredVintageClient(defaults.DEFAULT_FRED_SERIES, base_url=run.api_urls.get("fred"))
