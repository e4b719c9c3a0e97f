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

# Yahoo symbols the live price client downloads (indexes keep Yahoo's caret).
DEFAULT_PRICE_SYMBOLS = (
    "SPY", "QQQ", "^GSPC", "^IXIC", "^VIX", "AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA",
    "XLK", "XLP", "XLU", "XLF", "HYG", "TLT",
)

# SEC CIKs the live SEC client fetches (Snowflake is the bundled sample's filer; banks carry HTM losses).
DEFAULT_SEC_CIKS = ("1640147", "1045810", "19617", "72971", "36104")

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
