"""Cut the bundled sample out of a full data directory (maintainers only; runs and tests never call it).

Usage: python warehouse/make_sample.py SOURCE_DATA_DIR [DEST]   (DEST defaults to warehouse/sample)

Vendor series (prices, Cboe VIX, ICE BofA spreads, S&P 500, FRED's VIX copy) are cut to 2022-01-01..2025-12-31;
public-domain series (Treasury yields, CPI, fed funds, recession flag, auctions, SEC facts) are kept whole, except the
largest TreasuryDirect file, cut to auctions from 2019 on to keep every file under 5 MB. Rows are copied
unchanged: CSV lines byte for byte, JSON records field for field.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

VENDOR_START, VENDOR_END = "2022-01-01", "2025-12-31"
VENDOR_FRED = {"VIXCLS", "SP500", "BAMLH0A0HYM2", "BAMLC0A0CM"}
TRIMMED_TREASURY = {"treasurydirect_securities_search_2008-2022.json": "2019-01-01"}


def cut_csv(source: Path, dest: Path) -> None:
    lines = source.read_text().splitlines(keepends=True)
    kept = [line for line in lines[1:] if VENDOR_START <= line[:10] <= VENDOR_END]
    dest.write_text(lines[0] + "".join(kept))


def main(argv: list[str]) -> None:
    source = Path(argv[0])
    dest = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent / "sample"
    for folder in ("prices", "cboe", "fred", "treasury", "sec"):
        (dest / folder).mkdir(parents=True, exist_ok=True)
    for path in sorted((source / "prices").glob("*.csv")) + [source / "cboe" / "vix-daily.csv"]:
        cut_csv(path, dest / path.parent.name / path.name)
    for path in sorted((source / "fred").glob("*.csv")):
        if path.stem in VENDOR_FRED:
            cut_csv(path, dest / "fred" / path.name)
        else:
            shutil.copyfile(path, dest / "fred" / path.name)
    for path in sorted((source / "treasury").glob("*.json")):
        if path.name in TRIMMED_TREASURY:
            records = [
                record
                for record in json.loads(path.read_text())
                if record["auctionDate"] >= TRIMMED_TREASURY[path.name]
            ]
            (dest / "treasury" / path.name).write_text(json.dumps(records, indent=1) + "\n")
        else:
            shutil.copyfile(path, dest / "treasury" / path.name)
    for path in sorted((source / "sec").glob("*.json")):
        shutil.copyfile(path, dest / "sec" / path.name)


if __name__ == "__main__":
    main(sys.argv[1:])
