"""The Dagster resource that carries where the warehouse and the data live, resolved at run time."""

from __future__ import annotations

import dagster as dg

from pathlib import Path

from orchestration.publishing import build_path_for
from orchestration.settings import DEFAULT_OVERLAP_DAYS, RunSettings, resolve_settings


class WarehouseResource(dg.ConfigurableResource):
    """Database path, data directory and mode; unset fields fall back to STRESSWATCH_* env vars, then defaults."""

    db_path: str | None = None
    data_dir: str | None = None
    mode: str | None = None
    overlap_days: int = DEFAULT_OVERLAP_DAYS
    full_reload: bool = False  # fetch every source's whole history instead of the increment
    claims_file: str | None = None  # a market note to check on every run (else $STRESSWATCH_CLAIMS_FILE)
    report_dir: str | None = None  # where the evening report goes (default: report/ beside the warehouse)

    def settings(self) -> RunSettings:
        return resolve_settings(self.db_path, self.data_dir, self.mode)

    def report_dir_path(self) -> Path:
        return Path(self.report_dir) if self.report_dir else self.settings().db_path.parent / "report"

    def build_path(self) -> Path:
        """The run's private build database; readers only ever open the published db_path."""
        return build_path_for(self.settings().db_path)
