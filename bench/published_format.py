"""What publishing in DuckDB's 1.0/1.1 storage format costs against DuckDB 2.0's own format (issue 17).

Builds a warehouse of N synthetic symbols (geometric Brownian motion, labelled as such; the other families are the
bundled sample's real files) with `stresswatch run`, which writes the 1.1 format, copies it into the 2.0 format, and
on both files times the same work: the equity indicators of fct_equity_daily written as a table (the heaviest dbt
step), a scan aggregating every price bar, and the file's size. Also the one-off conversion an upgrading warehouse
pays. Usage:
    .venv/bin/python -m bench.published_format [N_SYMBOLS]      (default 1000)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench.equity_peers import FLOOR_SQL
from bench.synthetic import generate_universe
from orchestration.publish.publishing import STORAGE_TAG, storage_tag

BIN = Path(sys.executable).parent
SCAN_SQL = "select symbol, count(*), avg(close), max(volume) from raw.price_bars group by symbol"
WRITE_SQL = FLOOR_SQL.replace("create temp table equity_floor", "create or replace table main.equity_floor")


def best_of(count: int, work) -> float:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(db: Path) -> dict:
    size_mb = db.stat().st_size / 1e6  # as published, before the timed write adds a table

    def write():
        with duckdb.connect(str(db)) as con:
            con.execute(WRITE_SQL)
            con.execute("checkpoint")

    def scan():
        with duckdb.connect(str(db), read_only=True) as con:
            con.execute(SCAN_SQL).fetchall()

    return {"write_s": best_of(2, write), "scan_s": best_of(3, scan), "size_mb": size_mb, "format": storage_tag(db)}


def main(n_symbols: int = 1000) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        data = generate_universe(work / "data", n_symbols)
        old_format = work / "stresswatch.duckdb"
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "stresswatch"), "run", "--data-dir", str(data), "--db", str(old_format)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        build_s = time.perf_counter() - started
        assert storage_tag(old_format) == STORAGE_TAG
        new_format = work / "stresswatch-v2.duckdb"
        started = time.perf_counter()
        with duckdb.connect() as con:
            con.execute(f"attach '{new_format}' as target (storage_version 'v2.0.0')")
            con.execute(f"attach '{old_format}' as source (read_only)")
            con.execute("copy from database source to target")
        convert_s = time.perf_counter() - started
        with duckdb.connect(str(old_format), read_only=True) as con:
            bars = con.execute("select count(*) from raw.price_bars").fetchone()[0]
        shutil.rmtree(data)
        published = measure(old_format)
        native = measure(new_format)
    print(
        f"{n_symbols:,} synthetic symbols, {bars:,} price bars; "
        f"full build (stresswatch run, 1.1 format) {build_s:.1f} s;"
        f" one-off conversion between the formats {convert_s:.1f} s\n"
    )
    print(f"{'file format':<34}{'size MB':>10}{'equity indicators written s':>30}{'scan of every bar s':>22}")
    for label, figures in (("1.0/1.1 (published)", published), ("2.0 (DuckDB's default)", native)):
        print(
            f"{label + ' ' + figures['format']:<34}{figures['size_mb']:>10.1f}{figures['write_s']:>30.2f}"
            f"{figures['scan_s']:>22.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
