"""`stresswatch`: build the warehouse from the bundled sample, a data directory, or the live sources."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.settings import DEFAULT_DB_PATH, SAMPLE_DATA_DIR, resolve_settings


def _failure_reason(result) -> str:
    """The first step failure's own message, without Dagster's wrapping."""
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            while error.cause is not None and error.cls_name in ("DagsterExecutionStepExecutionError",):
                error = error.cause
            message = error.message.strip().splitlines()[0] if error.message.strip() else error.cls_name
            return f"{event.step_key.replace('__', '.')}: {message}"
    return "the run did not succeed (no step failure recorded)"


def command_run(args: argparse.Namespace) -> int:
    run = resolve_settings(args.db, args.data_dir, args.mode)
    print(f"StressWatch run: {run.mode} mode, data {run.data_dir if run.mode == 'replay' else 'live APIs'}, "
          f"warehouse {run.db_path}", flush=True)
    from orchestration.dbt_setup import prepare_manifest

    prepare_manifest()
    from orchestration.definitions import defs

    job = defs.resolve_job_def("stresswatch_daily")
    result = job.execute_in_process(
        run_config={
            "loggers": {"progress": {}},
            "resources": {"warehouse": {"config": {
                "db_path": str(run.db_path), "data_dir": str(run.data_dir), "mode": run.mode}}},
        },
        raise_on_error=False,
    )
    if not result.success:
        print(f"stresswatch run failed: {_failure_reason(result)}", file=sys.stderr)
        return 1
    from orchestration.summary import format_summary, raw_summary

    print(f"\nRun {result.run_id} succeeded.\n{format_summary(raw_summary(run.db_path))}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stresswatch",
        description="A daily market-stress warehouse: loads prices, FRED series, Treasury auctions and SEC facts "
                    "into DuckDB and derives the stress indicators with dbt.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="load every source and build the dbt models",
                              description="Materialize every asset in-process: the four raw loads, then dbt build.")
    run.add_argument("--data-dir", type=Path, default=None,
                     help=f"data directory to replay (default: $STRESSWATCH_DATA_DIR or the bundled sample, "
                          f"{SAMPLE_DATA_DIR.relative_to(SAMPLE_DATA_DIR.parents[1])})")
    run.add_argument("--db", type=Path, default=None,
                     help=f"DuckDB file to build (default: $STRESSWATCH_DB or "
                          f"{DEFAULT_DB_PATH.relative_to(DEFAULT_DB_PATH.parents[1])})")
    run.add_argument("--mode", choices=("replay", "live"), default=None,
                     help="replay a data directory (default) or call the live APIs "
                          "(needs FRED_API_KEY and SEC_USER_AGENT)")
    run.set_defaults(handler=command_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except Exception as exc:  # a one-line reason, not a traceback, for anything the run could not start with
        print(f"stresswatch {args.command} failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
