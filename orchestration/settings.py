"""Where things live and the defaults a run uses; environment variables are read when asked, never at import."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# In a clone the project's files sit beside the package and the warehouse in warehouse/. An installed wheel carries
# the same files read-only as the package `stresswatch_project` (pyproject's package-dir) and builds in warehouse/
# under the directory the command runs in; dbt's own output then goes there too, never into site-packages.
_PACKAGE_PARENT = Path(__file__).resolve().parents[1]
IN_CLONE = (_PACKAGE_PARENT / "dbt_project" / "dbt_project.yml").is_file()
PROJECT_ROOT = _PACKAGE_PARENT if IN_CLONE else _PACKAGE_PARENT / "stresswatch_project"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
WAREHOUSE_DIR = PROJECT_ROOT / "warehouse" if IN_CLONE else Path.cwd() / "warehouse"
SAMPLE_DATA_DIR = PROJECT_ROOT / ("warehouse/sample" if IN_CLONE else "sample")
# published stress indexes up to 2011: yardsticks, never inputs
CALIBRATION_DIR = PROJECT_ROOT / ("warehouse/calibration" if IN_CLONE else "calibration")
DEFAULT_DB_PATH = WAREHOUSE_DIR / "stresswatch.duckdb"
DBT_TARGET_DIR = DBT_PROJECT_DIR / "target" if IN_CLONE else WAREHOUSE_DIR / "dbt-target"  # manifest, run artifacts
DBT_LOG_DIR = DBT_PROJECT_DIR / "logs" if IN_CLONE else WAREHOUSE_DIR / "dbt-logs"

# The FRED series a run loads; the live client asks for exactly these, replay loads whatever the data dir holds.
DEFAULT_FRED_SERIES = (
    "DGS2",
    "DGS10",
    "DGS30",
    "T10Y2Y",
    "T10YIE",
    "VIXCLS",
    "SP500",
    "BAMLH0A0HYM2",
    "BAMLC0A0CM",
    "CPILFESL",
    "FEDFUNDS",
    "USREC",
)

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


def _seed_column(seed: str, column: str) -> tuple[str, ...]:
    import csv

    with (SEEDS_DIR / seed).open(newline="") as handle:
        return tuple(row[column] for row in csv.DictReader(handle))


def live_price_symbols() -> tuple[str, ...]:
    """The universe seed's Yahoo symbols (Cboe's own VIX history comes from a file, not from Yahoo)."""
    return tuple(symbol for symbol in _seed_column("universe.csv", "symbol") if symbol != "VIX")


def live_sec_ciks() -> tuple[str, ...]:
    """The SEC filers in the sec_companies seed."""
    return _seed_column("sec_companies.csv", "cik")


# Analysts' confirmations of real extremes the plausibility check would refuse (stresswatch run --accept).
ACCEPTED_MOVES_FILE = (PROJECT_ROOT / "expectations" if IN_CLONE else WAREHOUSE_DIR) / "accepted_moves.csv"

# How many days before the last loaded date an incremental fetch starts again, to pick up revisions: 10 days for a
# daily series; 13 months for a monthly or quarterly one (its rows at least 28 days apart on average), whose values
# are revised months later (core CPI with its seasonal factors, fed funds).
DEFAULT_OVERLAP_DAYS = 10
LOW_FREQUENCY_REVISION_DAYS = 395
LOW_FREQUENCY_SPACING_DAYS = 28


# The files beside a warehouse, named from its path (one home for these names).
def build_path_for(published: Path) -> Path:
    """warehouse/stresswatch.duckdb -> warehouse/stresswatch.build.duckdb (a run's private copy; readers never
    open it)."""
    return published.with_name(f"{published.stem}.build{published.suffix}")


def failed_path_for(published: Path) -> Path:
    """Where the build of the last failed run is kept for diagnosis (only with --keep-failed-build)."""
    return published.with_name(f"{published.stem}.failed{published.suffix}")


def retired_path_for(published: Path) -> Path:
    """The warehouse a publish replaced, kept by a second name until the run has ended: freeing a file of
    gigabytes takes seconds (4.5 s for 4.8 GB here), which no evening needs to wait for."""
    return published.with_name(f"{published.stem}.retired{published.suffix}")


def gx_root_for(db_path: Path) -> Path:
    """Great Expectations keeps its validation results (for Data Docs) beside the warehouse file."""
    return db_path.with_suffix(".gx")


def spark_link_for(db_path: Path) -> Path:
    """warehouse/stresswatch.duckdb -> warehouse/spark (what Spark readers open: a link to the latest good run)."""
    return db_path.parent / "spark"


def spark_runs_dir_for(db_path: Path) -> Path:
    return db_path.parent / "spark-runs"


ENGINES = ("duckdb", "spark")
# DuckDB's own default is 80 % of the machine's memory; a full build of 8,000 symbols x 30 years needs far less
# when DuckDB spills sorts and joins to its temp directory (beside the build file), and the machine stays usable.
# 4GB kept the 8,000-symbol build at 4.9 GB peak but made dbt spill (212 s against 128 s): BENCHMARKS.md
DEFAULT_MEMORY_LIMIT = "6GB"
MODES = ("replay", "live")
DEFAULT_SPARK_MASTER = "local[2]"


@dataclass(frozen=True)
class RunSettings:
    """Everything one run needs to know about where things live and how to fetch, resolved once per run.

    Every asset reads it from the warehouse resource; no module passes a path through the process environment.
    """

    db_path: Path  # the published warehouse readers open
    data_dir: Path
    mode: str  # "replay" (read a data directory) or "live" (call the public APIs)
    live_sources: frozenset[str] = frozenset()  # families fetched live even in replay mode
    api_urls: Mapping[str, str] = field(default_factory=dict)  # family -> base URL replacing the public API's
    overlap_days: int = DEFAULT_OVERLAP_DAYS
    full_reload: bool = False
    engine: str = "duckdb"
    spark_master: str = DEFAULT_SPARK_MASTER
    claims_file: Path | None = None
    report_dir: Path | None = None
    webhook_url: str | None = None
    backfill: tuple[date, date] | None = None  # reload rows dated in this range (both included), rebuild the marts
    accepted_moves: Path = ACCEPTED_MOVES_FILE  # real extremes analysts confirmed (stresswatch run --accept)
    keep_failed_build: bool = False  # set a failed run's build aside for diagnosis instead of removing it
    # after publishing, copy the published file in the background for the next run (publish/next_build.py): the
    # next evening starts without a whole-file copy, for a second copy of the warehouse on disk between runs
    prepare_next_build: bool = True
    memory_limit: str = DEFAULT_MEMORY_LIMIT  # DuckDB's memory_limit for loads and dbt; beyond it DuckDB spills to disk
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)  # DuckDB's threads

    def duckdb_settings(self) -> dict[str, str | int]:
        """The DuckDB settings every read-write connection of the run applies (loads here, dbt in its profile)."""
        return {"memory_limit": self.memory_limit, "threads": self.threads}

    @property
    def build_path(self) -> Path:
        return build_path_for(self.db_path)

    @property
    def gx_root(self) -> Path:
        return gx_root_for(self.db_path)

    @property
    def report_path(self) -> Path:
        return self.report_dir or self.db_path.parent / "report"

    @property
    def spark_link(self) -> Path:
        return spark_link_for(self.db_path)

    @property
    def spark_runs_dir(self) -> Path:
        return spark_runs_dir_for(self.db_path)

    def source_mode(self, family: str) -> str:
        """Whether one source family is fetched live or replayed from the data directory."""
        return "live" if self.mode == "live" or family in self.live_sources else "replay"

    def dbt_vars(self, spark_build: Path | None = None) -> dict[str, str]:
        """What the dbt subprocess needs, passed as `--vars` (profiles.yml and dbt_project.yml read them)."""
        if spark_build is not None:
            return {"spark_dir": str(spark_build), "spark_master": self.spark_master}
        return {
            "warehouse_path": str(self.build_path),
            "duckdb_memory_limit": self.memory_limit,
            "duckdb_threads": self.threads,
        }


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def resolve_settings(
    db_path: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    mode: str | None = None,
    *,
    live_sources: Iterable[str] = (),
    api_urls: Mapping[str, str] | None = None,
    overlap_days: int | None = None,
    full_reload: bool = False,
    engine: str | None = None,
    spark_master: str | None = None,
    claims_file: str | os.PathLike | None = None,
    report_dir: str | os.PathLike | None = None,
    webhook_url: str | None = None,
    backfill_from: str | date | None = None,
    backfill_to: str | date | None = None,
    accepted_moves: str | os.PathLike | None = None,
    keep_failed_build: bool = False,
    prepare_next_build: bool = True,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> RunSettings:
    """Explicit arguments win, then STRESSWATCH_* environment variables (read, never written), then the defaults."""
    db = Path(db_path or _env("STRESSWATCH_DB") or DEFAULT_DB_PATH)
    data = Path(data_dir or _env("STRESSWATCH_DATA_DIR") or SAMPLE_DATA_DIR)
    chosen_mode = mode or _env("STRESSWATCH_MODE") or "replay"
    if chosen_mode not in MODES:
        raise ValueError(f"STRESSWATCH_MODE must be 'replay' or 'live', not {chosen_mode!r}")
    live = frozenset(live_sources)
    from orchestration.ingest.source_specs import SOURCE_FAMILIES

    if unknown := live - set(SOURCE_FAMILIES):
        raise ValueError(f"unknown source families {sorted(unknown)}; expected some of {SOURCE_FAMILIES}")
    engine = engine or "duckdb"
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    claims = claims_file or _env("STRESSWATCH_CLAIMS_FILE")
    if (backfill_from is None) != (backfill_to is None):
        raise ValueError("a backfill needs both backfill_from and backfill_to")
    backfill = None
    if backfill_from is not None:
        backfill = (_as_date(backfill_from), _as_date(backfill_to))
        if backfill[1] < backfill[0]:
            raise ValueError(f"backfill_to {backfill[1]} is before backfill_from {backfill[0]}")
    return RunSettings(
        db_path=db.resolve(),
        data_dir=data.resolve(),
        mode=chosen_mode,
        live_sources=live,
        api_urls=dict(api_urls or {}),
        overlap_days=DEFAULT_OVERLAP_DAYS if overlap_days is None else overlap_days,
        full_reload=full_reload,
        engine=engine,
        spark_master=spark_master or _env("STRESSWATCH_SPARK_MASTER") or DEFAULT_SPARK_MASTER,
        claims_file=Path(claims).resolve() if claims else None,
        report_dir=Path(report_dir).resolve() if report_dir else None,
        webhook_url=webhook_url or _env("STRESSWATCH_WEBHOOK_URL"),
        backfill=backfill,
        accepted_moves=Path(accepted_moves or _env("STRESSWATCH_ACCEPTED_MOVES") or ACCEPTED_MOVES_FILE).resolve(),
        keep_failed_build=keep_failed_build,
        prepare_next_build=prepare_next_build,
        memory_limit=memory_limit or _env("STRESSWATCH_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT,
        threads=threads or int(_env("STRESSWATCH_THREADS") or 0) or os.cpu_count() or 1,
    )


def _as_date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
