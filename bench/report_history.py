"""The evening report on a full-history warehouse (figures, not a test: the full history is not in the project).

    make bench-report DATA_DIR=/path/to/a/full-history/data-directory

Builds the warehouse from DATA_DIR with `stresswatch history` (unless --db names one already built), then writes the
report three times (the default two-year window, --since 2007-01-01, and the whole history) and prints, for each,
the page size against the 3 MB limit, the time taken, the years the time-series charts cover, and whether 2008 and
2020 share the window.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from datetime import date
from pathlib import Path

from orchestration.cli import main as stresswatch
from orchestration.serve.report import build_report

PAGE_LIMIT_MB = 3.0
WINDOWS = {"default (two years)": None, "--since 2007-01-01": date(2007, 1, 1), "--since 1990-01-01": date(1990, 1, 1)}


def index_chart_years(page: str) -> list[int]:
    """The years the windowed index chart's hover columns cover."""
    body = re.search(r'<figure class="chart"><h2>Composite market stress index</h2>(.*?)</figure>', page, re.S)
    return sorted({int(title[:4]) for title in re.findall(r"<title>(\d{4}-\d\d-\d\d)[^<]*</title>", body.group(1))})


def measure(db: Path, out: Path) -> list[dict]:
    rows = []
    for name, since in WINDOWS.items():
        started = time.perf_counter()
        page_path = build_report(db, out / name.replace(" ", "_").strip("-"), since=since)
        seconds = time.perf_counter() - started
        page = page_path.read_text()
        years = index_chart_years(page)
        rows.append(
            {
                "window": name,
                "size_mb": page_path.stat().st_size / 1e6,
                "seconds": seconds,
                "charts": page.count('<figure class="chart">'),
                "years": f"{years[0]}-{years[-1]}" if years else "none",
                "2008_and_2020": 2008 in years and 2020 in years,
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="a full-history data directory (built with `history`)")
    parser.add_argument("--db", type=Path, help="an already built full-history warehouse")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stresswatch-report-bench-"))
    db = args.db
    if db is None:
        if args.data_dir is None:
            parser.error("give --data-dir (or --db of a built full-history warehouse)")
        db = work / "history.duckdb"
        assert stresswatch(["history", "--data-dir", str(args.data_dir), "--db", str(db)]) == 0
    rows = measure(db, work / "reports")
    print(f"\nEvening report on {db} (pages under {work / 'reports'})")
    print(f"{'window':<22}{'page MB':>9}{'limit':>7}{'seconds':>9}{'charts':>8}  {'index chart':<11}  2008 and 2020")
    for row in rows:
        limit = "met" if row["size_mb"] < PAGE_LIMIT_MB else "NOT MET"
        both = "both shown" if row["2008_and_2020"] else "no"
        print(
            f"{row['window']:<22}{row['size_mb']:>9.2f}{limit:>7}{row['seconds']:>9.1f}{row['charts']:>8}  "
            f"{row['years']:<11}  {both}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
