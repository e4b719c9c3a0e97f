"""The reader commands: status, report, query, export, check-note, mcp, compare-engines and docs."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from orchestration.serve.mcp_server import AGENT_TIMEOUT_SECONDS
from orchestration.serve.sandbox import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_SECONDS
from orchestration.settings import resolve_settings


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
    print(build_report(db, args.out or db.parent / "report", since=args.since))
    return 0


def command_status(args: argparse.Namespace) -> int:
    from orchestration.serve.sandbox import open_reader
    from orchestration.serve.status import status_text

    db = resolve_settings(args.db, None, None).db_path
    open_reader(db).close()  # a clear error when nothing was published yet
    print(status_text(db, alert_sessions=args.sessions))
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
        print(
            format_rows(
                columns,
                [tuple(json.dumps(v) if isinstance(v, list) else v for v in r.values()) for r in records],
                "csv",
            )
        )
    else:
        print(format_verdicts(note, verdicts))
    return 0


def command_query(args: argparse.Namespace) -> int:
    from orchestration.serve.analyst import format_rows
    from orchestration.serve.sandbox import QueryFailed, RefusedStatement, StatementTimedOut, run_statement

    try:
        result = run_statement(
            resolve_settings(args.db, None, None).db_path,
            args.sql,
            max_rows=args.max_rows,
            timeout_seconds=args.timeout,
        )
    except RefusedStatement as exc:
        print(f"stresswatch query refused: {exc}", file=sys.stderr)
        return 2
    except (QueryFailed, StatementTimedOut) as exc:
        print(f"stresswatch query failed: {exc}", file=sys.stderr)
        return 1
    print(format_rows(result.columns, result.rows, args.format))
    if result.truncated:  # on stderr: a CSV or JSON on stdout stays parseable
        print(
            f"stresswatch query: only the first {result.max_rows:,} rows are shown (--max-rows raises the limit)",
            file=sys.stderr,
        )
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


def add_reader_commands(commands, published_db: argparse.ArgumentParser) -> None:
    """The reader subcommands with their arguments; `published_db` declares --db for all of them."""
    docs = commands.add_parser(
        "docs",
        help="build Great Expectations Data Docs for the latest validations",
        description="Render the GX Data Docs (HTML) of the validations stored beside the "
        "warehouse and print the path of index.html.",
        parents=[published_db],
    )
    docs.set_defaults(handler=command_docs)
    check = commands.add_parser(
        "check-note",
        help="check a market note's numeric claims against the warehouse",
        description="Resolve each claim of a claims file (YAML, see examples/) against the "
        "published marts: supported, contradicted, or not verifiable with the "
        "reason. Exits 0 whatever the verdicts; non-zero only on errors.",
        parents=[published_db],
    )
    check.add_argument("file", type=Path, help="claims file, e.g. examples/market_note_2025-11-21.yml")
    check.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")
    check.set_defaults(handler=command_check_note)
    report = commands.add_parser(
        "report",
        help="write the evening report (one self-contained HTML page)",
        description="Draw the stress charts from the published marts into "
        "warehouse/report/index.html (works offline) and print its path.",
        parents=[published_db],
    )
    report.add_argument("--out", type=Path, default=None, help="output folder (default: report/ beside the db)")
    report.add_argument(
        "--since",
        type=date.fromisoformat,
        default=None,
        metavar="DATE",
        help="first day of the time-series charts, e.g. 2007-01-01 (default: two years before the newest index "
        "day); the long-history panel always shows all of it",
    )
    report.set_defaults(handler=command_report)
    status = commands.add_parser(
        "status",
        help="today's stress index, regime, drivers and new alerts",
        description="Print the latest stress index with its regime, category contributions, "
        "top three components and the alerts of the last sessions.",
        parents=[published_db],
    )
    status.add_argument("--sessions", type=int, default=5, help="show alerts of this many sessions (default 5)")
    status.set_defaults(handler=command_status)
    query = commands.add_parser(
        "query",
        help="run read-only SQL on the published warehouse",
        description="Run one query on the published warehouse through the reader sandbox: "
        "read-only, no file access, no ATTACH/COPY/INSTALL/SET (never blocked "
        "by a running build). Exit code 2 when the statement is refused.",
        parents=[published_db],
    )
    query.add_argument("sql", help='the SQL, e.g. "select * from marts.fct_rates_daily order by obs_date desc limit 5"')
    query.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    query.add_argument(
        "--max-rows",
        type=int,
        default=DEFAULT_MAX_ROWS,
        help=f"return at most this many rows (default {DEFAULT_MAX_ROWS:,})",
    )
    query.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"interrupt the query after this long (default {DEFAULT_TIMEOUT_SECONDS:g} s)",
    )
    query.set_defaults(handler=command_query)
    export = commands.add_parser(
        "export",
        help="write every mart as Parquet",
        description="Export every table of schema marts to DIR/<mart>.parquet, for pandas, Spark or Trino users.",
        parents=[published_db],
    )
    export.add_argument("--parquet", type=Path, required=True, metavar="DIR", help="target directory")
    export.set_defaults(handler=command_export)
    mcp = commands.add_parser(
        "mcp",
        help="serve the published warehouse to LLM agents (Model Context Protocol, stdio)",
        description="An MCP server on stdin/stdout for agent clients (Claude Desktop, Claude Code, editors): tools "
        "list_marts, query (one read-only statement through the reader sandbox, row limit), "
        "stress_summary and check_claim; resource stresswatch://marts. See the README for client set-up.",
        parents=[published_db],
    )
    mcp.add_argument(
        "--timeout",
        type=float,
        default=AGENT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"interrupt an agent's query after this long (default {AGENT_TIMEOUT_SECONDS:g} s)",
    )
    mcp.set_defaults(handler=command_mcp)
    compare = commands.add_parser(
        "compare-engines",
        help="compare the Spark marts with the DuckDB marts, mart by mart",
        description="Join every mart of the published DuckDB warehouse with the Parquet mart Spark built on its key "
        "(the key of the mart's uniqueness test) and report rows on one side only and values that "
        "differ beyond the relative tolerance. Exit code 1 when anything differs.",
        parents=[published_db],
    )
    compare.add_argument(
        "--spark-dir",
        type=Path,
        default=None,
        help="the Spark marts' directory (default: warehouse/spark beside the DuckDB file)",
    )
    compare.add_argument(
        "--tolerance",
        type=float,
        default=1e-9,
        help="largest relative difference two numbers may have and still match (default 1e-9)",
    )
    compare.set_defaults(handler=command_compare_engines)
