"""Benchmark: the share of load time spent validating (the SQL suites and plausibility), per source.

Usage: python bench/validation_overhead.py [--data-dir DIR] [--repeat N]
Loads every source family into a fresh temporary warehouse N times (default 3) and prints, per source, rows,
load time, validation time and the validation share, using the best of the N runs. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from orchestration.ingest.loading import load_source
from orchestration.ingest.source_specs import SOURCE_FAMILIES as FAMILIES
from orchestration.ingest.sources.factory import build_client
from orchestration.ingest.validation import ValidationGate
from orchestration.settings import SAMPLE_DATA_DIR, gx_root_for, resolve_settings


def measure(data_dir: Path) -> dict[str, tuple[int, float, float]]:
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "bench.duckdb"
        gate = ValidationGate(gx_root_for(db))
        run = resolve_settings(db, data_dir, "replay")
        figures = {}
        for family in FAMILIES:
            result = load_source(db, build_client(family, run), f"bench-{time.time_ns()}", None, gate=gate)
            figures[family] = (result.rows_in, result.seconds, result.validation_seconds)
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=SAMPLE_DATA_DIR)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [measure(args.data_dir) for _ in range(args.repeat)]
    print(f"validation overhead on {args.data_dir} (best of {args.repeat}, full load into a fresh warehouse)")
    print(f"{'source':<10}{'rows':>10}{'load s':>10}{'validate s':>12}{'share':>8}")
    total_load = total_validation = 0.0
    for family in FAMILIES:
        rows, load_s, validation_s = min((run[family] for run in runs), key=lambda figures: figures[1])
        total_load += load_s
        total_validation += validation_s
        print(f"{family:<10}{rows:>10,}{load_s:>10.2f}{validation_s:>12.2f}{validation_s / load_s:>8.0%}")
    print(f"{'all':<10}{'':>10}{total_load:>10.2f}{total_validation:>12.2f}{total_validation / total_load:>8.0%}")


if __name__ == "__main__":
    main()
