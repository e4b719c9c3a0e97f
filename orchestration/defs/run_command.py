"""The build commands (`run`, `backfill`, `history`): the daily job executed by Dagster on the persistent instance."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from orchestration.ingest.freshness import STALENESS_CHECK
from orchestration.settings import DEFAULT_DB_PATH, SAMPLE_DATA_DIR, resolve_settings


def failure_reason(result) -> str:
    """The failed step and its own message without Dagster's wrapping, else why the run itself failed."""
    from orchestration.defs.run_failures import describe_failure

    failure = describe_failure(result.all_events)
    if failure is None:
        return "the run did not succeed (no step failure recorded)"
    return f"{failure.step}: {failure.reason}"


def step_timings(instance, run_id: str) -> dict[str, float]:
    """Seconds per step of a run, from the Dagster instance's step statistics."""
    return {
        stats.step_key.replace("__", "."): round(stats.end_time - stats.start_time, 3)
        for stats in instance.get_run_step_stats(run_id)
        if stats.start_time and stats.end_time
    }


def _published_by(db_path: Path, run_id: str) -> bool:
    """Whether the published warehouse is the one this run wrote (a run with a blocked source still publishes)."""
    import duckdb

    from orchestration.serve.sandbox import open_reader

    if not db_path.exists():
        return False
    with open_reader(db_path) as con:
        try:
            return (
                con.execute("select count(*) from marts.build_info where run_id = $r", {"r": run_id}).fetchone()[0] > 0
            )
        except duckdb.Error:
            return False


def _run_config(args: argparse.Namespace, run) -> dict:
    config = {
        "db_path": str(run.db_path),
        "data_dir": str(run.data_dir),
        "mode": run.mode,
        "full_reload": bool(getattr(args, "full_reload", False)),
        "engine": getattr(args, "engine", "duckdb"),
        "spark_master": getattr(args, "spark_master", None),
        "claims_file": str(args.claims) if getattr(args, "claims", None) else None,
        "accepted_moves": str(run.accepted_moves),
        "keep_failed_build": run.keep_failed_build,
        "memory_limit": run.memory_limit,
        "threads": run.threads,
        "echo_dbt_output": bool(getattr(args, "verbose", False)),
    }
    if getattr(args, "backfill_from", None):
        config.update(backfill_from=args.backfill_from.isoformat(), backfill_to=args.backfill_to.isoformat())
    verbose = {"verbose": bool(getattr(args, "verbose", False))}
    return {"loggers": {"progress": {"config": verbose}}, "resources": {"warehouse": {"config": config}}}


def _record_accepted(args: argparse.Namespace, run) -> None:
    """Write the moves confirmed with --accept into the accepted-moves file before the run reads it."""
    from orchestration.ingest.accepted_moves import AcceptedMove, write_accepted

    moves = [AcceptedMove.parse(text) for text in getattr(args, "accept", None) or []]
    reason = getattr(args, "reason", None) or "confirmed on the command line"
    for move in write_accepted(run.accepted_moves, moves, reason):
        print(f"accepted {move.source}:{move.entity}@{move.day} in {run.accepted_moves}")


def command_run(args: argparse.Namespace) -> int:
    """Record --accept moves, execute the job on the persistent instance, then say what it published."""
    run = resolve_settings(
        args.db,
        args.data_dir,
        args.mode,
        accepted_moves=getattr(args, "accepted_moves", None),
        keep_failed_build=getattr(args, "keep_failed_build", False),
        memory_limit=getattr(args, "memory_limit", None),
        threads=getattr(args, "threads", None),
    )
    try:
        _record_accepted(args, run)
    except ValueError as exc:
        print(f"stresswatch run: {exc}", file=sys.stderr)
        return 2
    window = f", backfill {args.backfill_from}..{args.backfill_to}" if getattr(args, "backfill_from", None) else ""
    print(
        f"StressWatch run: {run.mode} mode, data {run.data_dir if run.mode == 'replay' else 'live APIs'}, "
        f"warehouse {run.db_path}{window}",
        flush=True,
    )
    engine = getattr(args, "engine", "duckdb")
    result, instance = _execute(args, run, engine)
    if getattr(args, "timings", None):
        import json

        args.timings.write_text(
            json.dumps(
                {"run_id": result.run_id, "success": result.success, "steps": step_timings(instance, result.run_id)},
                indent=2,
            )
        )
    published = engine != "spark" and _published_by(run.db_path, result.run_id)
    from orchestration.defs.run_failures import load_warnings

    warnings = load_warnings(result.all_events)  # a failed run's build, with its load log, is removed
    for warning in warnings:
        print(f"warning: {warning}")
    if (
        run.mode == "replay"
        and run.data_dir.resolve() == SAMPLE_DATA_DIR.resolve()
        and any(STALENESS_CHECK in warning for warning in warnings)
    ):
        print("(staleness is expected on the bundled sample: a fixed snapshot of real data, not tonight's)")
    if not (result.success and (engine == "spark" or published)):  # a skipped publish step is no success
        return _report_failure(run, engine, result, published)
    if engine == "spark":
        return _report_spark_run(run.db_path, result.run_id)
    return _report_published(run, result.run_id)


def _execute(args: argparse.Namespace, run, engine: str):
    """The daily (or Spark) job executed by Dagster on the persistent instance: listed in the UI with its checks."""
    from orchestration.defs.dbt_setup import prepare_manifest

    prepare_manifest()  # written by the install step; refreshed here only when a dbt file is newer
    import dagster as dg

    from orchestration import definitions
    from orchestration.defs.instance import persistent_instance

    instance = persistent_instance(run.db_path)
    target = definitions.spark_job_definition if engine == "spark" else definitions.daily_job_definition
    # what is loaded by now (Dagster, dagster-dbt, the definitions: about 300,000 objects) lives as long as the run:
    # kept out of the collector's full passes during it (0.3 s of them at 8,000 symbols), then handed back, so a
    # long-lived caller (a test session) still collects it
    gc.freeze()
    try:
        result = dg.execute_job(
            dg.reconstructable(target), instance=instance, run_config=_run_config(args, run), raise_on_error=False
        )
    finally:
        gc.unfreeze()
    return result, instance


def _report_failure(run, engine: str, result, published: bool) -> int:
    """Why the run failed and what readers see now: a partial publish, or the unchanged warehouse."""
    from orchestration.defs.run_failures import blocked_loads

    blocked = blocked_loads(result.all_events)
    reason = " | ".join(blocked) if blocked else failure_reason(result)
    print(f"stresswatch run failed: {reason}", file=sys.stderr)
    if published:
        from orchestration.serve.status import status_text

        print(
            f"\nRun {result.run_id} published {run.db_path} without refreshing what reads the sources above "
            f"(see marts.build_info)\n{status_text(run.db_path)}"
        )
    elif engine == "spark":
        print(
            f"Nothing was published: {run.spark_link} is unchanged; {_failed_build(run)}; Spark's output "
            f"stays in {run.spark_runs_dir / result.run_id}."
        )
    else:
        print(f"Nothing was published: {run.db_path} is unchanged; {_failed_build(run)}.")
    return 1


def _report_published(run, run_id: str) -> int:
    """The loads' summary, the market snapshot, the stress status and the report's path."""
    from orchestration.serve.status import status_text
    from orchestration.serve.summary import format_summary, market_snapshot, raw_summary

    print(f"\nRun {run_id} succeeded and published {run.db_path}\n{format_summary(raw_summary(run.db_path))}")
    snapshot = market_snapshot(run.db_path)
    if snapshot:
        print("\nStress summary (latest data in the warehouse)\n" + "\n".join(snapshot))
    print("\n" + status_text(run.db_path))
    report = run.report_path / "index.html"
    if report.exists():
        print(f"\nEvening report: {report}")
    return 0


def _failed_build(run) -> str:
    from orchestration.settings import failed_path_for

    if run.keep_failed_build:
        return f"the build is kept for diagnosis in {failed_path_for(run.db_path)}"
    return "the failed build was removed (run with --keep-failed-build to keep it)"


def command_backfill(args: argparse.Namespace) -> int:
    if args.backfill_to < args.backfill_from:
        print(f"stresswatch backfill: --to {args.backfill_to} is before --from {args.backfill_from}", file=sys.stderr)
        return 2
    return command_run(args)


def _report_spark_run(db_path: Path, run_id: str) -> int:
    import json

    from orchestration.publish.spark_engine import BUILD_INFO_FILE
    from orchestration.settings import spark_link_for

    link = spark_link_for(db_path)
    info = json.loads((link / BUILD_INFO_FILE).read_text())
    print(f"\nRun {run_id} succeeded on Spark and published {link} -> {link.resolve().name}")
    for mart, rows in info["mart_rows"].items():
        print(f"  {mart:38} {rows:>10,} rows   {link / 'marts' / mart}")
    print(
        f"\nRead them with DuckDB: select * from read_parquet('{link}/marts/fct_market_stress_daily/*.parquet')\n"
        f"Compare with the DuckDB build: stresswatch compare-engines --db {db_path}"
    )
    return 0


def command_history(args: argparse.Namespace) -> int:
    from orchestration.serve.calibration import (
        FIRST_DAY,
        LAST_DAY,
        format_correlations,
        index_correlations,
        load_yardsticks,
    )
    from orchestration.serve.history import episode_rows, format_episode_table
    from orchestration.serve.sandbox import open_reader

    # beside the default warehouse, not beside the data (which may be read-only or shared)
    db = args.db or DEFAULT_DB_PATH.with_name("stresswatch-history.duckdb")
    code = command_run(
        argparse.Namespace(
            db=db,
            data_dir=args.data_dir,
            mode="replay",
            full_reload=False,
            claims=None,
            timings=None,
            verbose=getattr(args, "verbose", False),
        )
    )
    if code != 0:
        return code
    print(
        "\nThe stress index at known stress episodes, next to calm stretches "
        "(monthly mean and peak of the daily index)\n"
    )
    published = resolve_settings(db, None, None).db_path
    print(format_episode_table(episode_rows(published)))
    with open_reader(published) as con:
        correlations = index_correlations(con, load_yardsticks())
    print(
        f"\nWeekly correlation with the published stress indexes, {FIRST_DAY.year}-{LAST_DAY.year} (Friday weeks; "
        "the components were chosen here, later years are a holdout)\n"
    )
    print(format_correlations(correlations))
    return 0
