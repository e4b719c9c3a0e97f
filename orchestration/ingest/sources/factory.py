"""Choosing the replay or live client of each raw table from the run's settings (as source_specs.py names them)."""

from __future__ import annotations

from importlib import import_module

from orchestration.ingest.source_specs import SOURCE_FAMILIES as FAMILIES
from orchestration.ingest.source_specs import SPECS, table_source
from orchestration.ingest.sources.base import SourceClient
from orchestration.settings import RunSettings

__all__ = ["FAMILIES", "build_client", "build_table_client"]


def _named(target: str):
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


def build_table_client(table: str, run: RunSettings) -> SourceClient:
    """Replay reads the data directory; live calls the public API (or the base URL `run.api_urls` names for the
    family), and needs its key or user agent."""
    spec, source = table_source(table)
    if run.source_mode(spec.family) == "replay":
        return _named(source.replay)(run.data_dir)
    return _named(source.live)(run)


def build_client(family: str, run: RunSettings) -> SourceClient:
    """The client of a family's main raw table."""
    if family not in SPECS:
        raise ValueError(f"unknown source family {family!r}; expected one of {FAMILIES}")
    return build_table_client(SPECS[family].tables[0].table, run)
