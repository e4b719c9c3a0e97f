"""The data-directory format: which files hold which source family, and how file names map to symbols."""

from __future__ import annotations

from pathlib import Path

from orchestration.sources.errors import SourceFormatError

FAMILY_FOLDERS = ("prices", "cboe", "fred", "treasury", "sec")

# Yahoo index tickers start with a caret, which the shared data's file names leave out (GSPC.csv is ^GSPC).
# A file may also be named with the caret itself (prices/^GSPC.csv).
INDEX_FILE_SYMBOLS = {"GSPC": "^GSPC", "IXIC": "^IXIC", "VIX": "^VIX", "DJI": "^DJI", "RUT": "^RUT", "NDX": "^NDX"}

# Cboe's own VIX history is the reference VIX; it is stored under Cboe's ticker so it never collides with
# Yahoo's ^VIX, which differs from it on a few days.
CBOE_VIX_FILE = "cboe/vix-daily.csv"
CBOE_VIX_SYMBOL = "VIX"


def check_data_dir(root: Path) -> Path:
    """Fail early and clearly when the data directory is missing or holds none of the family folders."""
    if not root.is_dir():
        raise SourceFormatError(str(root), "data directory does not exist", check="data_dir_exists")
    if not any((root / folder).is_dir() for folder in FAMILY_FOLDERS):
        raise SourceFormatError(str(root), f"data directory has none of the folders {list(FAMILY_FOLDERS)}",
                                check="data_dir_exists")
    return root


def symbol_for_price_file(path: Path) -> str:
    """`prices/SPY.csv` -> SPY, `prices/GSPC.csv` -> ^GSPC."""
    return INDEX_FILE_SYMBOLS.get(path.stem, path.stem)


def files(root: Path, folder: str, pattern: str) -> list[Path]:
    """The files of one family folder, sorted so every run reads them in the same order."""
    return sorted((root / folder).glob(pattern)) if (root / folder).is_dir() else []
