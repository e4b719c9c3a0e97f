"""`stresswatch`: the command line: build the warehouse (run, backfill, history) and read it (status, query, ...)."""

from __future__ import annotations

import argparse
import difflib
import gc
import os
import sys
from datetime import date
from importlib.metadata import version as installed_version
from pathlib import Path

from orchestration.defs.run_command import command_backfill, command_history, command_run
from orchestration.serve.commands import (
    add_reader_commands,
)
from orchestration.settings import DEFAULT_DB_PATH, SAMPLE_DATA_DIR


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stresswatch",
        description="A daily market-stress warehouse: loads prices, FRED series, Treasury auctions and SEC facts "
        "into DuckDB and derives the stress indicators with dbt.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version('stresswatch')}")
    # one declaration each of the two --db meanings, shared by the subcommands as argparse parents
    build_db = argparse.ArgumentParser(add_help=False)
    build_db.add_argument(
        "-v", "--verbose", action="store_true", help="also print dbt's line per model and test, and Dagster's detail"
    )
    build_db.add_argument(
        "--db",
        type=Path,
        default=None,
        help=f"DuckDB file to build (default: $STRESSWATCH_DB or "
        f"{DEFAULT_DB_PATH.relative_to(DEFAULT_DB_PATH.parents[1])})",
    )
    published_db = argparse.ArgumentParser(add_help=False)
    published_db.add_argument(
        "--db",
        type=Path,
        default=None,
        help="the published warehouse (default: $STRESSWATCH_DB or the one `run` builds)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="load every source and build the dbt models",
        description="Materialize every asset in-process: the four raw loads, then dbt build.",
        parents=[build_db],
    )
    run.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"data directory to replay (default: $STRESSWATCH_DATA_DIR or the bundled sample, "
        f"{SAMPLE_DATA_DIR.relative_to(SAMPLE_DATA_DIR.parents[1])})",
    )
    run.add_argument(
        "--mode",
        choices=("replay", "live"),
        default=None,
        help="replay a data directory (default) or call the live APIs (needs FRED_API_KEY and SEC_USER_AGENT)",
    )
    run.add_argument(
        "--full-reload",
        action="store_true",
        help="fetch every source's whole history instead of the increment since the last load "
        "(picks up edits to old rows of a data directory)",
    )
    run.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="where dbt builds the marts: duckdb (default; the published DuckDB file) or spark "
        "(Parquet marts under warehouse/spark/; needs `pip install stresswatch[spark]` and Java 17)",
    )
    run.add_argument(
        "--spark-master",
        default=None,
        metavar="URL",
        help="the Spark master for --engine spark, e.g. spark://host:7077 or yarn "
        "(default: $STRESSWATCH_SPARK_MASTER, else local[2])",
    )
    run.add_argument(
        "--timings",
        type=Path,
        default=None,
        metavar="JSON",
        help="write the seconds each step took to this JSON file (for benchmarks)",
    )
    run.add_argument(
        "--claims",
        type=Path,
        default=None,
        help="a claims file to check on this run into marts.fct_claim_checks "
        "(default: $STRESSWATCH_CLAIMS_FILE, else none)",
    )
    run.add_argument(
        "--memory-limit",
        default=None,
        metavar="SIZE",
        help="DuckDB's memory limit for the loads and dbt, e.g. 8GB; beyond it DuckDB spills to disk "
        "(default: $STRESSWATCH_MEMORY_LIMIT, else 6GB)",
    )
    run.add_argument(
        "--threads",
        type=int,
        default=None,
        help="DuckDB's threads (default: $STRESSWATCH_THREADS, else one per core)",
    )
    run.add_argument(
        "--keep-failed-build",
        action="store_true",
        help="when the run fails, keep its build database as <db>.failed.duckdb for diagnosis "
        "(default: remove it, so a full disk frees itself)",
    )
    run.add_argument(
        "--accept",
        action="append",
        default=[],
        metavar="SOURCE:ENTITY@DATE",
        help="confirm a real extreme the plausibility check refused, e.g. prices:SPY@2020-03-16 "
        "(repeatable; written to the accepted-moves file before the run)",
    )
    run.add_argument("--reason", default=None, help="why the --accept moves are real (kept in the file)")
    run.add_argument(
        "--accepted-moves",
        type=Path,
        default=None,
        metavar="CSV",
        help="the accepted-moves file (default: $STRESSWATCH_ACCEPTED_MOVES, else expectations/accepted_moves.csv)",
    )
    run.set_defaults(handler=command_run)
    backfill = commands.add_parser(
        "backfill",
        help="reload a date range of every source and rebuild the marts (idempotent)",
        description="Re-fetch every source's rows dated from --from to --to (both included), validate and upsert them, "
        "then rebuild every mart whole, as one Dagster run of the daily job on the persistent instance. "
        "Running it twice changes nothing; after a failure, run it again. The result equals a full build "
        "over the same data.",
        parents=[build_db],
    )
    backfill.add_argument(
        "--from",
        dest="backfill_from",
        type=date.fromisoformat,
        required=True,
        metavar="DATE",
        help="first date to reload (YYYY-MM-DD)",
    )
    backfill.add_argument(
        "--to",
        dest="backfill_to",
        type=date.fromisoformat,
        required=True,
        metavar="DATE",
        help="last date to reload (YYYY-MM-DD)",
    )
    backfill.add_argument("--data-dir", type=Path, default=None, help="data directory to replay (default as for run)")
    backfill.add_argument("--mode", choices=("replay", "live"), default=None, help="as for run")
    backfill.set_defaults(handler=command_backfill)
    history = commands.add_parser(
        "history",
        help="build from a full-history data directory and print the index at known stress episodes",
        description="Build a warehouse from DATA_DIR (replay) and print the stress index "
        "at 1998-10, 2001-09, 2008-10, ... next to calm stretches.",
    )
    history.add_argument("--data-dir", type=Path, required=True, help="a full-history data directory")
    history.add_argument("-v", "--verbose", action="store_true", help="as for run")
    history.add_argument(
        "--db",
        type=Path,
        default=None,
        help="where to build (default: stresswatch-history.duckdb beside the default warehouse)",
    )
    history.set_defaults(handler=command_history)
    add_reader_commands(commands, published_db)
    return parser


def _did_you_mean(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """A mistyped command's nearest real one (argparse only lists them all)."""
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    if word is None or word in commands.choices:
        return None
    close = difflib.get_close_matches(word, list(commands.choices), n=1, cutoff=0.6)
    return f"stresswatch: unknown command '{word}'" + (f"; did you mean '{close[0]}'?" if close else "")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if (hint := _did_you_mean(parser, argv)) is not None:
        print(f"{hint}\n{parser.format_usage().rstrip()}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
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


def entry() -> int:
    """The `stresswatch` command: main() in a process of its own."""
    code = main()
    # the interpreter's last collection would walk everything the command created (Dagster's run, dbt's manifest,
    # pandas): 1.3 s of a run's exit at 8,000 symbols. The process ends here, so its memory goes back whole instead
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(entry())
