"""Calibration check of the plausibility rules on a real full-history data directory (not shipped: pass its path).

Loads every family into a scratch warehouse with no accepted move, reports each load's outcome, and prints the
real moves that come closest to their limits (headroom used 1.0 = at the limit). Usage:
    .venv/bin/python -m bench.plausibility_history ../shared/data
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from orchestration.ingest.loading import load_source
from orchestration.ingest.plausibility import checks_table, tightest_moves
from orchestration.ingest.plausibility_sql import RATIO_MOVES
from orchestration.ingest.raw_layer import connect
from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.ingest.sources.factory import build_client
from orchestration.ingest.validation import ValidationGate
from orchestration.settings import resolve_settings


def main(data_dir: Path, shown: int = 12) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "history.duckdb"
        run = resolve_settings(db, data_dir, "replay")
        gate = ValidationGate(run.gx_root)
        empty = Path(scratch) / "no_accepted_moves.csv"
        refused = 0
        for family in ("prices", "fred", "treasury", "sec"):
            started = time.perf_counter()
            result = load_source(db, build_client(family, run), "history", None, gate=gate, accepted_moves=empty)
            print(
                f"{family:9s} {result.status:11s} {result.rows_in:>10,} rows  {time.perf_counter() - started:6.1f} s"
                + (f"  {result.reason()[:600]}" if result.blocked else "")
            )
            refused += result.blocked
        print(f"\nthe {shown} real moves closest to their limits (no accepted move):")
        with connect(db) as con:
            for table in (table for table in RAW_TABLES.values() if checks_table(table)):
                batch = con.execute(f"select * exclude (_loaded_at, _run_id) from {table.qualified}").df()
                # the whole table as the batch: every row measured against the rows before it, as in a first load
                tight = tightest_moves(con, table, batch, shown) if len(batch) else None
                if tight is None or tight.empty:
                    continue
                for row in tight.to_dict("records"):
                    # a size against a baseline reads no previous value (plausibility_sql.RATIO_MOVES)
                    previous = "" if row["move"] in RATIO_MOVES else f", previous {row['previous_v']:.6g}"
                    print(
                        f"  {table.name:18s} {row['measure']:7s} {row['entity']:14.14s} {row['day']} "
                        f"used {row['headroom_used']:.2f} of its limit ({row['move']}: value {row['v']:.6g}"
                        f"{previous})"
                    )
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
