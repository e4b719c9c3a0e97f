"""The Dagster resource that carries where the warehouse and the data live, resolved at run time."""

from __future__ import annotations

import dagster as dg

from pathlib import Path

from orchestration.publishing import build_path_for
from orchestration.spark_engine import spark_link_for
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
    engine: str = "duckdb"  # where dbt builds the marts: "duckdb" (the published file) or "spark" (Parquet marts)
    spark_master: str | None = None  # the Spark master for engine "spark" (default $STRESSWATCH_SPARK_MASTER, local[2])

    def settings(self) -> RunSettings:
        return resolve_settings(self.db_path, self.data_dir, self.mode)

    def report_dir_path(self) -> Path:
        return Path(self.report_dir) if self.report_dir else self.settings().db_path.parent / "report"

    def spark_link(self) -> Path:
        """Where the Spark engine publishes its Parquet marts (a symlink to the latest successful run)."""
        return spark_link_for(self.settings().db_path)

    def build_path(self) -> Path:
        """The run's private build database; readers only ever open the published db_path."""
        return build_path_for(self.settings().db_path)
