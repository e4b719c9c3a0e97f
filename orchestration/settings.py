"""Where things live and the defaults a run uses; environment variables are read when asked, never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
WAREHOUSE_DIR = PROJECT_ROOT / "warehouse"
SAMPLE_DATA_DIR = WAREHOUSE_DIR / "sample"
DEFAULT_DB_PATH = WAREHOUSE_DIR / "stresswatch.duckdb"

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

# How many days before the last loaded date an incremental fetch starts again, to pick up revisions.
DEFAULT_OVERLAP_DAYS = 10


@dataclass(frozen=True)
class RunSettings:
    """The resolved settings of one run."""

    db_path: Path
    data_dir: Path
    mode: str  # "replay" (read a data directory) or "live" (call the public APIs)


def resolve_settings(db_path: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None,
                     mode: str | None = None) -> RunSettings:
    """Explicit arguments win, then STRESSWATCH_* environment variables, then the bundled defaults."""
    db = Path(db_path or os.environ.get("STRESSWATCH_DB") or DEFAULT_DB_PATH)
    data = Path(data_dir or os.environ.get("STRESSWATCH_DATA_DIR") or SAMPLE_DATA_DIR)
    chosen_mode = mode or os.environ.get("STRESSWATCH_MODE") or "replay"
    if chosen_mode not in ("replay", "live"):
        raise ValueError(f"STRESSWATCH_MODE must be 'replay' or 'live', not {chosen_mode!r}")
    return RunSettings(db_path=db.resolve(), data_dir=data.resolve(), mode=chosen_mode)
