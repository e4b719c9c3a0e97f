"""Benchmark: what a full build and a one-day incremental run cost as history and universe grow, against the
pure-DuckDB floor and the dataframe peers. Prints a table and writes it as JSON. Not a test: figures only.

Usage: python bench/pipeline_bench.py [--scales sample,100,1000] [--data-dir DIR] [--years 30] [--out FILE]
                                     [--engines duckdb | duckdb,spark]
Scales: `sample` (the bundled real sample), `full` (the --data-dir history), or a number of synthetic symbols.
With spark in --engines, each scale also builds its marts on a local Spark session from the same validated raw data
(`stresswatch run --engine spark`) and checks them against DuckDB's (needs the spark extra and Java 17).
Each pipeline run is a separate `stresswatch run` process; peak memory is that process tree's maximum RSS.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.acceptance import print_acceptance  # noqa: E402
from bench.synthetic import append_next_day, generate_universe  # noqa: E402
from orchestration.publish.next_build import wait_for_copier  # noqa: E402
from orchestration.settings import SAMPLE_DATA_DIR  # noqa: E402

BIN = Path(sys.executable).parent
MEASURE = (
    "import resource, subprocess, sys, time; started = time.perf_counter(); "
    "code = subprocess.run(sys.argv[1:]).returncode; wall = time.perf_counter() - started; "
    "print('BENCH', code, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
)


def measured(command: list[str], log: Path) -> dict:
    """Run a command in a fresh process; wall seconds and peak RSS of its whole process tree."""
    with log.open("a") as handle:
        completed = subprocess.run(
            [sys.executable, "-c", MEASURE, *command], stdout=handle, stderr=subprocess.PIPE, text=True
        )
    line = [row for row in completed.stderr.splitlines() if row.startswith("BENCH ")][-1].split()
    if int(line[1]) != 0:
        raise RuntimeError(f"{' '.join(command)} failed (exit {line[1]}); see {log}")
    return {"wall_s": round(float(line[2]), 2), "peak_rss_mb": round(int(line[3]) / 1024)}


def pipeline_run(data_dir: Path, db: Path, log: Path) -> dict:
    timings = db.with_suffix(".timings.json")
    figures = measured(
        [str(BIN / "stresswatch"), "run", "--data-dir", str(data_dir), "--db", str(db), "--timings", str(timings)], log
    )
    steps = json.loads(timings.read_text())["steps"]
    # daily runs are a day apart: the next run's copy of the published file, written in the background after the
    # publish (publish/next_build.py), has long been ready by then; here the next run waits for it, timed apart
    waited = time.perf_counter()
    if not wait_for_copier(db):
        raise RuntimeError(f"the next build of {db} was still being copied after the copier's timeout")
    figures["next_build_wait_s"] = round(time.perf_counter() - waited, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        validation = con.execute(
            "select coalesce(sum(validation_s), 0) from raw.load_log where run_id = "
            "(select max(run_id) from marts.build_info)"
        ).fetchone()[0]
    loads = sum(seconds for step, seconds in steps.items() if step.startswith("raw."))
    figures["slowest_dbt_nodes_s"] = slowest_dbt_nodes()
    figures["split_s"] = {
        "load": round(loads - validation, 2),
        "validation": round(validation, 2),
        "dbt": steps.get("stresswatch_dbt_models", 0.0),
        "publish": round(
            steps.get("build_database", 0)
            + steps.get("published_warehouse", 0)
            + steps.get("marts.fct_claim_checks", 0),
            2,
        ),
        "report": steps.get("evening_report", 0.0),
    }
    return figures


def slowest_dbt_nodes(count: int = 5) -> dict[str, float]:
    """The newest run's slowest dbt nodes (models and tests), from its run_results.json."""
    from orchestration.defs.dbt_setup import project_target_dir

    runs = sorted(
        project_target_dir().glob("stresswatch_dbt_models-*/run_results.json"), key=lambda path: path.stat().st_mtime
    )
    if not runs:
        return {}
    results = json.loads(runs[-1].read_text())["results"]
    slowest = sorted(results, key=lambda result: result["execution_time"], reverse=True)[:count]
    return {
        result["unique_id"].split(".")[-1 if result["unique_id"].startswith("model") else 2]: round(
            result["execution_time"], 2
        )
        for result in slowest
    }


def spark_run(data_dir: Path, duckdb_db: Path, workdir: Path, log: Path) -> dict:
    """The same data's marts on Spark: a Spark run over a copy of the DuckDB warehouse, then the parity check."""
    from orchestration.publish.engine_parity import compare_engines
    from orchestration.publish.spark_engine import spark_link_for

    db = workdir / "stresswatch.duckdb"
    workdir.mkdir(parents=True)
    shutil.copyfile(duckdb_db, db)
    timings = db.with_suffix(".timings.json")
    figures = measured(
        [
            str(BIN / "stresswatch"),
            "run",
            "--engine",
            "spark",
            "--data-dir",
            str(data_dir),
            "--db",
            str(db),
            "--timings",
            str(timings),
        ],
        log,
    )
    steps = json.loads(timings.read_text())["steps"]
    figures["dbt_s"] = steps.get("stresswatch_dbt_models", 0.0)
    parity = compare_engines(db, spark_link_for(db))
    figures["parity"] = {
        "marts": len(parity),
        "marts_identical": sum(result.matches for result in parity),
        "rows_one_side_only": sum(r.only_duckdb + r.only_spark for r in parity),
        "values_differing": sum(result.differing_values for result in parity),
        "largest_relative_difference": max(r.largest_relative_difference for r in parity),
    }
    return figures


def peers(db: Path, log: Path) -> dict:
    results = {}
    for engine in ("duckdb", "pandas", "polars"):
        if engine == "polars":
            try:
                import polars  # noqa: F401
            except ImportError:
                results[engine] = {"skipped": "polars not installed (pip install 'stresswatch[bench]')"}
                continue
        output = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("equity_peers.py")), engine, str(db)],
            capture_output=True,
            text=True,
        )
        if output.returncode != 0:
            results[engine] = {"error": output.stderr[-500:]}
            continue
        figures = json.loads(output.stdout.strip().splitlines()[-1])
        rss = measured([sys.executable, str(Path(__file__).with_name("equity_peers.py")), engine, str(db)], log)
        results[engine] = {
            "compute_s": round(figures["compute_s"], 2),
            "load_s": round(figures["load_s"], 2),
            "peak_rss_mb": rss["peak_rss_mb"],
            "rows": figures["rows"],
        }
    return results


def bench_scale(
    scale: str, workdir: Path, data_dir: Path | None, years: int, log: Path, engines: tuple[str, ...] = ("duckdb",)
) -> dict:
    print(f"== scale {scale}", flush=True)
    started = time.perf_counter()
    if scale == "sample":
        source, synthetic = SAMPLE_DATA_DIR, False
    elif scale == "full":
        if data_dir is None:
            raise SystemExit("--scales full needs --data-dir")
        source, synthetic = data_dir, False
    else:
        source, synthetic = workdir / f"universe-{scale}", True
        generate_universe(source, int(scale), years=years)
    copy = workdir / f"data-{scale}"
    if not synthetic:
        shutil.copytree(source, copy)
        source = copy
    prepared = time.perf_counter() - started
    db = workdir / f"warehouse-{scale}" / "stresswatch.duckdb"
    full = pipeline_run(source, db, log)
    print(f"   full build {full['wall_s']} s, peak {full['peak_rss_mb']} MB", flush=True)
    if synthetic:
        append_next_day(source)
    incremental = pipeline_run(source, db, log)
    print(f"   one-day run {incremental['wall_s']} s", flush=True)
    nothing_new = pipeline_run(source, db, log)  # the next evening, before any new data arrived
    print(f"   a run with nothing new {nothing_new['wall_s']} s", flush=True)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = dict(con.execute("select relation, row_count from marts.build_info where kind = 'source'").fetchall())
    peer_figures = peers(db, log)
    floor = peer_figures.get("duckdb", {}).get("compute_s")
    spark = None
    if "spark" in engines:
        spark = spark_run(source, db, workdir / f"spark-{scale}", log)
        print(f"   spark run {spark['wall_s']} s (dbt {spark['dbt_s']} s), parity {spark['parity']}", flush=True)
    return {
        "scale": scale,
        "synthetic": synthetic,
        "prepare_s": round(prepared, 1),
        "rows": rows,
        "full_build": full,
        "one_day_run": incremental,
        "nothing_new_run": nothing_new,
        "incremental_to_full": round(incremental["wall_s"] / full["wall_s"], 3),
        "floor_duckdb_s": floor,
        "pipeline_to_floor": round(full["split_s"]["dbt"] / floor, 2) if floor else None,
        "peers": peer_figures,
        **({"spark": spark} if spark else {}),
    }


def print_table(results: list[dict]) -> None:
    header = (
        f"{'scale':<8}{'price rows':>12}{'full s':>8}{'1-day s':>9}{'1d/full':>8}{'peak MB':>8}"
        f"{'load':>7}{'valid':>7}{'dbt':>7}{'publ':>6}{'floor s':>8}{'dbt/floor':>10}{'pandas s':>9}"
        f"{'polars s':>9}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for result in results:
        split = result["full_build"]["split_s"]
        pandas = result["peers"].get("pandas", {}).get("compute_s", "n/a")
        polars = result["peers"].get("polars", {}).get("compute_s", "n/a")
        print(
            f"{result['scale']:<8}{result['rows'].get('raw.price_bars', 0):>12,}{result['full_build']['wall_s']:>8}"
            f"{result['one_day_run']['wall_s']:>9}{result['incremental_to_full']:>8}"
            f"{result['full_build']['peak_rss_mb']:>8}{split['load']:>7}{split['validation']:>7}{split['dbt']:>7}"
            f"{split['publish']:>6}{str(result['floor_duckdb_s']):>8}{str(result['pipeline_to_floor']):>10}"
            f"{str(pandas):>9}{str(polars):>9}"
        )
    print(
        "\nfull s / 1-day s: wall time of `stresswatch run` (process start to exit) for a full build and for the "
        "run after one more day; load/valid/dbt/publ: seconds of the full build per phase; floor: one DuckDB SQL "
        "statement for fct_equity_daily's columns; dbt/floor: the dbt build against it; pandas/polars: the same "
        "columns in memory (compute only). Synthetic scales are geometric Brownian motion, not market data."
    )
    print("\nrows per raw table after the one-day run:")
    for result in results:
        counts = ", ".join(
            f"{relation.removeprefix('raw.')} {count:,}"
            for relation, count in sorted(result["rows"].items())
            if relation != "raw.load_log"
        )
        print(f"  {result['scale']:<8}{counts}")
    header = (
        f"{'scale':<8}{'1-day s':>9}{'load':>7}{'valid':>7}{'dbt':>7}{'publ':>6}{'report':>8}"
        "  slowest dbt nodes of the one-day run (s)"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for result in results:
        run = result["one_day_run"]
        split = run["split_s"]
        nodes = ", ".join(f"{name} {seconds}" for name, seconds in run.get("slowest_dbt_nodes_s", {}).items())
        print(
            f"{result['scale']:<8}{run['wall_s']:>9}{split['load']:>7}{split['validation']:>7}{split['dbt']:>7}"
            f"{split['publish']:>6}{split['report']:>8}  {nodes}"
        )
    print(
        "\nThe one-day run's phases: what remains of a run that touches one new session per symbol. After each run "
        "the next run's copy of the published file is written in the background; the bench waited for it (s): "
        + "; ".join(
            f"{result['scale']} full {result['full_build'].get('next_build_wait_s')}, "
            f"1-day {result['one_day_run'].get('next_build_wait_s')}"
            for result in results
        )
    )
    with_spark = [result for result in results if "spark" in result]
    if with_spark:
        header = (
            f"{'scale':<8}{'duckdb run s':>13}{'duckdb dbt s':>13}{'spark run s':>12}{'spark dbt s':>12}"
            f"{'spark peak MB':>14}{'marts equal':>12}{'max rel diff':>13}"
        )
        print("\n" + header + "\n" + "-" * len(header))
        for result in with_spark:
            spark, parity = result["spark"], result["spark"]["parity"]
            print(
                f"{result['scale']:<8}{result['full_build']['wall_s']:>13}{result['full_build']['split_s']['dbt']:>13}"
                f"{spark['wall_s']:>12}{spark['dbt_s']:>12}{spark['peak_rss_mb']:>14}"
                f"{str(parity['marts_identical']) + '/' + str(parity['marts']):>12}"
                f"{parity['largest_relative_difference']:>13.1e}"
            )
        print(
            "\nduckdb: the full build; spark: `stresswatch run --engine spark` over the same validated raw data on a "
            "local Spark session (its dbt build also runs the 14 dbt unit tests); marts equal: no row on one side "
            "only and no value differing beyond 1e-9 relative."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="sample,100,1000")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--years", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    parser.add_argument("--keep", action="store_true", help="keep the generated data and warehouses")
    parser.add_argument(
        "--engines",
        default="duckdb",
        help="duckdb, or duckdb,spark to also build each scale's marts on Spark (default duckdb)",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="stresswatch-bench-"))
    log = workdir / "runs.log"
    try:
        engines = tuple(engine.strip() for engine in args.engines.split(","))
        results = [
            bench_scale(scale.strip(), workdir, args.data_dir, args.years, log, engines)
            for scale in args.scales.split(",")
            if scale.strip()
        ]
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(results)
    print_acceptance(results)
    machine = {
        "cpus": __import__("os").cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "platform": platform.platform(),
    }
    args.out.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
