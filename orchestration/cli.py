"""`stresswatch`: build the warehouse from the bundled sample, a data directory, or the live sources."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from importlib.metadata import version as installed_version
from pathlib import Path

from orchestration.serve.mcp_server import AGENT_TIMEOUT_SECONDS
from orchestration.serve.sandbox import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_SECONDS
from orchestration.settings import DEFAULT_DB_PATH, SAMPLE_DATA_DIR, resolve_settings


def _failure_reason(result) -> str:
    """The failed step and its own message without Dagster's wrapping, else why the run itself failed."""
    from orchestration.defs.run_failures import describe_failure

    failure = describe_failure(result.all_events)
    if failure is None:
        return "the run did not succeed (no step failure recorded)"
    return f"{failure.step}: {failure.reason}"


def step_timings(instance, run_id: str) -> dict[str, float]:
    """Seconds per step of a run, from the Dagster instance's step statistics."""
    return {stats.step_key.replace("__", "."): round(stats.end_time - stats.start_time, 3)
            for stats in instance.get_run_step_stats(run_id) if stats.start_time and stats.end_time}


def _published_by(db_path: Path, run_id: str) -> bool:
    """Whether the published warehouse is the one this run wrote (a run with a blocked source still publishes)."""
    import duckdb

    from orchestration.serve.sandbox import open_reader

    if not db_path.exists():
        return False
    with open_reader(db_path) as con:
        try:
            return con.execute("select count(*) from marts.build_info where run_id = $r",
                               {"r": run_id}).fetchone()[0] > 0
        except duckdb.Error:
            return False


def _run_config(args: argparse.Namespace, run) -> dict:
    config = {"db_path": str(run.db_path), "data_dir": str(run.data_dir), "mode": run.mode,
              "full_reload": bool(getattr(args, "full_reload", False)), "engine": getattr(args, "engine", "duckdb"),
              "spark_master": getattr(args, "spark_master", None),
              "claims_file": str(args.claims) if getattr(args, "claims", None) else None,
              "accepted_moves": str(run.accepted_moves), "keep_failed_build": run.keep_failed_build}
    if getattr(args, "backfill_from", None):
        config.update(backfill_from=args.backfill_from.isoformat(), backfill_to=args.backfill_to.isoformat())
    return {"loggers": {"progress": {}}, "resources": {"warehouse": {"config": config}}}


def _record_accepted(args: argparse.Namespace, run) -> None:
    """Write the moves confirmed with --accept into the accepted-moves file before the run reads it."""
    from orchestration.ingest.plausibility import AcceptedMove, write_accepted

    moves = [AcceptedMove.parse(text) for text in getattr(args, "accept", None) or []]
    reason = getattr(args, "reason", None) or "confirmed on the command line"
    for move in write_accepted(run.accepted_moves, moves, reason):
        print(f"accepted {move.source}:{move.entity}@{move.day} in {run.accepted_moves}")


def command_run(args: argparse.Namespace) -> int:
    run = resolve_settings(args.db, args.data_dir, args.mode, accepted_moves=getattr(args, "accepted_moves", None),
                           keep_failed_build=getattr(args, "keep_failed_build", False))
    try:
        _record_accepted(args, run)
    except ValueError as exc:
        print(f"stresswatch run: {exc}", file=sys.stderr)
        return 2
    window = (f", backfill {args.backfill_from}..{args.backfill_to}" if getattr(args, "backfill_from", None) else "")
    print(f"StressWatch run: {run.mode} mode, data {run.data_dir if run.mode == 'replay' else 'live APIs'}, "
          f"warehouse {run.db_path}{window}", flush=True)
    from orchestration.defs.dbt_setup import prepare_manifest

    prepare_manifest()  # written by the install step; refreshed here only when a dbt file is newer
    import dagster as dg

    from orchestration import definitions
    from orchestration.defs.instance import persistent_instance

    engine = getattr(args, "engine", "duckdb")
    # the run goes on the persistent instance: it is listed in the UI with its materializations and check results
    instance = persistent_instance(run.db_path)
    target = definitions.spark_job_definition if engine == "spark" else definitions.daily_job_definition
    result = dg.execute_job(dg.reconstructable(target), instance=instance, run_config=_run_config(args, run),
                            raise_on_error=False)
    from orchestration.defs.run_failures import blocked_loads, load_warnings
    from orchestration.serve.summary import format_summary, market_snapshot, raw_summary

    published = engine != "spark" and _published_by(run.db_path, result.run_id)
    succeeded = result.success and (engine == "spark" or published)  # a skipped publish step is no success
    if getattr(args, "timings", None):
        import json

        args.timings.write_text(json.dumps({"run_id": result.run_id, "success": result.success,
                                            "steps": step_timings(instance, result.run_id)}, indent=2))
    events = result.all_events  # what the loads said: a failed run's build, with its load log, is removed
    for warning in load_warnings(events):
        print(f"warning: {warning}")
    if not succeeded:
        blocked = blocked_loads(events)
        reason = " | ".join(blocked) if blocked else _failure_reason(result)
        print(f"stresswatch run failed: {reason}", file=sys.stderr)
        if published:
            from orchestration.serve.status import status_text

            print(f"\nRun {result.run_id} published {run.db_path} without refreshing what reads the sources above "
                  f"(see marts.build_info)\n{status_text(run.db_path)}")
        elif engine == "spark":
            print(f"Nothing was published: {run.spark_link} is unchanged; {_failed_build(run)}; Spark's output "
                  f"stays in {run.spark_runs_dir / result.run_id}.")
        else:
            print(f"Nothing was published: {run.db_path} is unchanged; {_failed_build(run)}.")
        return 1
    if engine == "spark":
        return _report_spark_run(run.db_path, result.run_id)
    print(f"\nRun {result.run_id} succeeded and published {run.db_path}\n"
          f"{format_summary(raw_summary(run.db_path))}")
    snapshot = market_snapshot(run.db_path)
    if snapshot:
        print("\nStress summary (latest data in the warehouse)\n" + "\n".join(snapshot))
    from orchestration.serve.status import status_text

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

    from orchestration.settings import spark_link_for
    from orchestration.publish.spark_engine import BUILD_INFO_FILE

    link = spark_link_for(db_path)
    info = json.loads((link / BUILD_INFO_FILE).read_text())
    print(f"\nRun {run_id} succeeded on Spark and published {link} -> {link.resolve().name}")
    for mart, rows in info["mart_rows"].items():
        print(f"  {mart:38} {rows:>10,} rows   {link / 'marts' / mart}")
    print(f"\nRead them with DuckDB: select * from read_parquet('{link}/marts/fct_market_stress_daily/*.parquet')\n"
          f"Compare with the DuckDB build: stresswatch compare-engines --db {db_path}")
    return 0


def command_compare_engines(args: argparse.Namespace) -> int:
    from orchestration.publish.engine_parity import compare_engines, format_parity
    from orchestration.serve.sandbox import open_reader
    from orchestration.settings import spark_link_for

    db = resolve_settings(args.db, None, None).db_path
    open_reader(db).close()  # a clear error when no DuckDB warehouse was published yet
    spark_dir = args.spark_dir or spark_link_for(db)
    if not (spark_dir / "marts").is_dir():
        print(f"no Spark marts at {spark_dir}: run `stresswatch run --engine spark` first", file=sys.stderr)
        return 2
    results = compare_engines(db, spark_dir, args.tolerance)
    print(f"DuckDB marts of {db} against the Spark marts in {spark_dir}\n")
    print(format_parity(results, args.tolerance))
    return 0 if all(result.matches for result in results) else 1


def command_report(args: argparse.Namespace) -> int:
    from orchestration.serve.report import build_report
    from orchestration.serve.sandbox import open_reader

    db = resolve_settings(args.db, None, None).db_path
    open_reader(db).close()
    print(build_report(db, args.out or db.parent / "report"))
    return 0


def command_status(args: argparse.Namespace) -> int:
    from orchestration.serve.sandbox import open_reader
    from orchestration.serve.status import status_text

    db = resolve_settings(args.db, None, None).db_path
    open_reader(db).close()  # a clear error when nothing was published yet
    print(status_text(db, alert_sessions=args.sessions))
    return 0


def command_history(args: argparse.Namespace) -> int:
    from orchestration.serve.calibration import (FIRST_DAY, LAST_DAY, format_correlations, index_correlations,
                                           load_yardsticks)
    from orchestration.serve.history import episode_rows, format_episode_table
    from orchestration.serve.sandbox import open_reader

    db = args.db or (args.data_dir.resolve().parent / "stresswatch-history.duckdb")
    code = command_run(argparse.Namespace(db=db, data_dir=args.data_dir, mode="replay", full_reload=False,
                                          claims=None, timings=None))
    if code != 0:
        return code
    print("\nThe stress index at known stress episodes, next to calm stretches "
          "(monthly mean and peak of the daily index)\n")
    published = resolve_settings(db, None, None).db_path
    print(format_episode_table(episode_rows(published)))
    with open_reader(published) as con:
        correlations = index_correlations(con, load_yardsticks())
    print(f"\nWeekly correlation with the published stress indexes, {FIRST_DAY.year}-{LAST_DAY.year} (Friday weeks; "
          "the components were chosen here, later years are a holdout)\n")
    print(format_correlations(correlations))
    return 0


def command_check_note(args: argparse.Namespace) -> int:
    import json

    from orchestration.serve.analyst import format_rows
    from orchestration.serve.claims import check_note, format_verdicts, load_claims, verdict_records
    from orchestration.serve.sandbox import open_reader

    note, claims = load_claims(args.file)
    with open_reader(resolve_settings(args.db, None, None).db_path) as con:
        verdicts = check_note(con, claims)
    if args.format == "json":
        print(json.dumps({"note": note, "claims": verdict_records(verdicts)}, indent=2, default=str))
    elif args.format == "csv":
        records = verdict_records(verdicts)
        columns = list(records[0]) if records else []
        print(format_rows(columns, [tuple(json.dumps(v) if isinstance(v, list) else v for v in r.values())
                                    for r in records], "csv"))
    else:
        print(format_verdicts(note, verdicts))
    return 0


def command_query(args: argparse.Namespace) -> int:
    from orchestration.serve.analyst import format_rows
    from orchestration.serve.sandbox import QueryFailed, RefusedStatement, StatementTimedOut, run_statement

    try:
        result = run_statement(resolve_settings(args.db, None, None).db_path, args.sql, max_rows=args.max_rows,
                               timeout_seconds=args.timeout)
    except RefusedStatement as exc:
        print(f"stresswatch query refused: {exc}", file=sys.stderr)
        return 2
    except (QueryFailed, StatementTimedOut) as exc:
        print(f"stresswatch query failed: {exc}", file=sys.stderr)
        return 1
    print(format_rows(result.columns, result.rows, args.format))
    if result.truncated:  # on stderr: a CSV or JSON on stdout stays parseable
        print(f"stresswatch query: only the first {result.max_rows:,} rows are shown (--max-rows raises the limit)",
              file=sys.stderr)
    return 0


def command_export(args: argparse.Namespace) -> int:
    from orchestration.serve.analyst import export_marts

    written = export_marts(resolve_settings(args.db, None, None).db_path, args.parquet)
    for mart, rows in written.items():
        print(f"{args.parquet / (mart + '.parquet')}  {rows:,} rows")
    return 0


def command_mcp(args: argparse.Namespace) -> int:
    from orchestration.serve.mcp_server import build_server
    from orchestration.serve.sandbox import open_reader

    db = resolve_settings(args.db, None, None).db_path
    open_reader(db).close()  # a clear error before the client connects when nothing was published yet
    # stdout carries the protocol: nothing else may print there
    build_server(db, timeout_seconds=args.timeout).run("stdio")
    return 0


def command_docs(args: argparse.Namespace) -> int:
    from orchestration.ingest.validation import build_data_docs

    docs = build_data_docs(resolve_settings(args.db, None, None).gx_root)
    for remote in docs.remote_resources:  # a GX upgrade that loads a new CDN file: the page needs the network
        print(f"warning: needs the network: {remote}", file=sys.stderr)
    print(docs.index)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stresswatch",
        description="A daily market-stress warehouse: loads prices, FRED series, Treasury auctions and SEC facts "
                    "into DuckDB and derives the stress indicators with dbt.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version('stresswatch')}")
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
    run.add_argument("--full-reload", action="store_true",
                     help="fetch every source's whole history instead of the increment since the last load "
                          "(picks up edits to old rows of a data directory)")
    run.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                     help="where dbt builds the marts: duckdb (default; the published DuckDB file) or spark "
                          "(Parquet marts under warehouse/spark/; needs `pip install stresswatch[spark]` and Java 17)")
    run.add_argument("--spark-master", default=None, metavar="URL",
                     help="the Spark master for --engine spark, e.g. spark://host:7077 or yarn "
                          "(default: $STRESSWATCH_SPARK_MASTER, else local[2])")
    run.add_argument("--timings", type=Path, default=None, metavar="JSON",
                     help="write the seconds each step took to this JSON file (for benchmarks)")
    run.add_argument("--claims", type=Path, default=None,
                     help="a claims file to check on this run into marts.fct_claim_checks "
                          "(default: $STRESSWATCH_CLAIMS_FILE, else none)")
    run.add_argument("--keep-failed-build", action="store_true",
                     help="when the run fails, keep its build database as <db>.failed.duckdb for diagnosis "
                          "(default: remove it, so a full disk frees itself)")
    run.add_argument("--accept", action="append", default=[], metavar="SOURCE:ENTITY@DATE",
                     help="confirm a real extreme the plausibility check refused, e.g. prices:SPY@2020-03-16 "
                          "(repeatable; written to the accepted-moves file before the run)")
    run.add_argument("--reason", default=None, help="why the --accept moves are real (kept in the file)")
    run.add_argument("--accepted-moves", type=Path, default=None, metavar="CSV",
                     help="the accepted-moves file (default: $STRESSWATCH_ACCEPTED_MOVES, else "
                          "expectations/accepted_moves.csv)")
    run.set_defaults(handler=command_run)
    backfill = commands.add_parser(
        "backfill", help="reload a date range of every source and rebuild the marts (idempotent)",
        description="Re-fetch every source's rows dated from --from to --to (both included), validate and upsert them, "
                    "then rebuild every mart whole, as one Dagster run of the daily job on the persistent instance. "
                    "Running it twice changes nothing; after a failure, run it again. The result equals a full build "
                    "over the same data.")
    backfill.add_argument("--from", dest="backfill_from", type=date.fromisoformat, required=True, metavar="DATE",
                          help="first date to reload (YYYY-MM-DD)")
    backfill.add_argument("--to", dest="backfill_to", type=date.fromisoformat, required=True, metavar="DATE",
                          help="last date to reload (YYYY-MM-DD)")
    backfill.add_argument("--data-dir", type=Path, default=None, help="data directory to replay (default as for run)")
    backfill.add_argument("--db", type=Path, default=None, help="DuckDB file to build (default as for run)")
    backfill.add_argument("--mode", choices=("replay", "live"), default=None, help="as for run")
    backfill.set_defaults(handler=command_backfill)
    docs = commands.add_parser("docs", help="build Great Expectations Data Docs for the latest validations",
                               description="Render the GX Data Docs (HTML) of the validations stored beside the "
                                           "warehouse and print the path of index.html.")
    docs.add_argument("--db", type=Path, default=None, help="the warehouse whose validations to render")
    docs.set_defaults(handler=command_docs)
    check = commands.add_parser("check-note", help="check a market note's numeric claims against the warehouse",
                                description="Resolve each claim of a claims file (YAML, see examples/) against the "
                                            "published marts: supported, contradicted, or not verifiable with the "
                                            "reason. Exits 0 whatever the verdicts; non-zero only on errors.")
    check.add_argument("file", type=Path, help="claims file, e.g. examples/market_note_2025-11-21.yml")
    check.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")
    check.add_argument("--db", type=Path, default=None, help="the published warehouse (default as for run)")
    check.set_defaults(handler=command_check_note)
    report = commands.add_parser("report", help="write the evening report (one self-contained HTML page)",
                                 description="Draw the stress charts from the published marts into "
                                             "warehouse/report/index.html (works offline) and print its path.")
    report.add_argument("--db", type=Path, default=None, help="the published warehouse (default as for run)")
    report.add_argument("--out", type=Path, default=None, help="output folder (default: report/ beside the db)")
    report.set_defaults(handler=command_report)
    status = commands.add_parser("status", help="today's stress index, regime, drivers and new alerts",
                                 description="Print the latest stress index with its regime, category contributions, "
                                             "top three components and the alerts of the last sessions.")
    status.add_argument("--db", type=Path, default=None, help="the published warehouse (default as for run)")
    status.add_argument("--sessions", type=int, default=5, help="show alerts of this many sessions (default 5)")
    status.set_defaults(handler=command_status)
    history = commands.add_parser("history", help="build from a full-history data directory and print the index at "
                                                  "known stress episodes",
                                  description="Build a warehouse from DATA_DIR (replay) and print the stress index "
                                              "at 1998-10, 2001-09, 2008-10, ... next to calm stretches.")
    history.add_argument("--data-dir", type=Path, required=True, help="a full-history data directory")
    history.add_argument("--db", type=Path, default=None,
                         help="where to build (default: stresswatch-history.duckdb beside the data directory)")
    history.set_defaults(handler=command_history)
    query = commands.add_parser("query", help="run read-only SQL on the published warehouse",
                                description="Run one query on the published warehouse through the reader sandbox: "
                                            "read-only, no file access, no ATTACH/COPY/INSTALL/SET (never blocked "
                                            "by a running build). Exit code 2 when the statement is refused.")
    query.add_argument("sql", help='the SQL, e.g. "select * from marts.fct_rates_daily order by obs_date desc limit 5"')
    query.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    query.add_argument("--db", type=Path, default=None, help="the published warehouse (default as for run)")
    query.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS,
                       help=f"return at most this many rows (default {DEFAULT_MAX_ROWS:,})")
    query.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, metavar="SECONDS",
                       help=f"interrupt the query after this long (default {DEFAULT_TIMEOUT_SECONDS:g} s)")
    query.set_defaults(handler=command_query)
    export = commands.add_parser("export", help="write every mart as Parquet",
                                 description="Export every table of schema marts to DIR/<mart>.parquet, for pandas, "
                                             "Spark or Trino users.")
    export.add_argument("--parquet", type=Path, required=True, metavar="DIR", help="target directory")
    export.add_argument("--db", type=Path, default=None, help="the published warehouse (default as for run)")
    export.set_defaults(handler=command_export)
    mcp = commands.add_parser(
        "mcp", help="serve the published warehouse to LLM agents (Model Context Protocol, stdio)",
        description="An MCP server on stdin/stdout for agent clients (Claude Desktop, Claude Code, editors): tools "
                    "list_marts, query (one read-only statement through the reader sandbox, row limit), "
                    "stress_summary and check_claim; resource stresswatch://marts. See the README for client set-up.")
    mcp.add_argument("--db", type=Path, default=None, help="the published warehouse (default as for run)")
    mcp.add_argument("--timeout", type=float, default=AGENT_TIMEOUT_SECONDS, metavar="SECONDS",
                     help=f"interrupt an agent's query after this long (default {AGENT_TIMEOUT_SECONDS:g} s)")
    mcp.set_defaults(handler=command_mcp)
    compare = commands.add_parser(
        "compare-engines", help="compare the Spark marts with the DuckDB marts, mart by mart",
        description="Join every mart of the published DuckDB warehouse with the Parquet mart Spark built on its key "
                    "(the key of the mart's uniqueness test) and report rows on one side only and values that "
                    "differ beyond the relative tolerance. Exit code 1 when anything differs.")
    compare.add_argument("--db", type=Path, default=None, help="the DuckDB warehouse (default: as for run)")
    compare.add_argument("--spark-dir", type=Path, default=None,
                         help="the Spark marts' directory (default: warehouse/spark beside the DuckDB file)")
    compare.add_argument("--tolerance", type=float, default=1e-9,
                         help="largest relative difference two numbers may have and still match (default 1e-9)")
    compare.set_defaults(handler=command_compare_engines)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.handler(args)
        sys.stdout.flush()  # inside the try: a reader that left shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # the reader went away (`stresswatch query ... | head`): it has what it wanted, so no traceback and no
        # failure; stdout points at /dev/null so Python's own flush at exit stays quiet (Python's SIGPIPE note)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a one-line reason, not a traceback, for anything the run could not start with
        print(f"stresswatch {args.command} failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
