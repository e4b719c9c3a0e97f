"""The one door readers open the published warehouse by: read-only, no file system, no extensions, settings locked.

`stresswatch query`, the MCP server, the report, `status`, `check-note` and the alert sender all read through it. A
reader can look at every table and run any query, but cannot write a file (COPY ... TO, EXPORT DATABASE), read one
(read_csv, read_text, glob), open another database (ATTACH), load code (INSTALL, LOAD) or loosen any of this (SET,
RESET, PRAGMA): DuckDB itself refuses, because the connection is opened with external access disabled and its
configuration locked. User-supplied SQL is also checked before it runs: one statement, and only a query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

# DuckDB settings fixed when the connection opens; then `lock_configuration` makes every later SET/RESET/PRAGMA fail
READER_CONFIG = {
    "enable_external_access": False,  # no file reads or writes beyond the database file, no ATTACH, no INSTALL
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "memory_limit": "2GB",  # an interactive query must not take the machine from the evening's run (it spills)
}
# session settings, set before the lock: stdout carries query output, and for `stresswatch mcp` the protocol
READER_SESSION = ("set enable_progress_bar = false", "set lock_configuration = true")
# what user SQL may be: queries (select, with, from, values, describe, show, summarize, pivot) and their plans
ALLOWED_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
DEFAULT_MAX_ROWS = 10_000
DEFAULT_TIMEOUT_SECONDS = 60.0


class RefusedStatement(ValueError):
    """User SQL the sandbox will not run; the message is one line saying why."""


class QueryFailed(RuntimeError):
    """A query DuckDB could not run (a missing table, a type error); the message is DuckDB's first line."""


class StatementTimedOut(RuntimeError):
    """A statement interrupted because it ran longer than its time limit."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]
    truncated: bool  # more rows existed than the row limit let through
    max_rows: int


def open_reader(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A sandboxed read-only connection: it never blocks, and is never blocked by, a running build."""
    if not db_path.exists():
        raise FileNotFoundError(f"{db_path} does not exist yet: run `stresswatch run` first")
    con = duckdb.connect(str(db_path), read_only=True, config=READER_CONFIG)
    for statement in READER_SESSION:
        con.execute(statement)
    return con


def check_statement(sql: str) -> str:
    """The one query in `sql`, or RefusedStatement with a one-line reason."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise RefusedStatement(_first_line(exc)) from None
    if not statements:
        raise RefusedStatement("no SQL statement given")
    if len(statements) > 1:
        kinds = ", ".join(statement.type.name for statement in statements)
        raise RefusedStatement(f"one statement per call, got {len(statements)} ({kinds})")
    kind = statements[0].type
    if kind not in ALLOWED_STATEMENTS:
        raise RefusedStatement(
            f"{kind.name} statements are refused: the warehouse is read-only for readers "
            f"(queries only: select, with, from, describe, show, summarize, explain)"
        )
    return sql


def run_statement(
    db_path: Path, sql: str, max_rows: int = DEFAULT_MAX_ROWS, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> QueryResult:
    """Run one read-only query; at most `max_rows` rows come back, and it is interrupted after `timeout_seconds`."""
    check_statement(sql)
    with open_reader(db_path) as con:
        # DuckDB runs the query outside the GIL; a timer thread interrupts it where it stands
        timer = threading.Timer(timeout_seconds, con.interrupt)
        timer.start()
        try:
            cursor = con.execute(sql)
            columns = [description[0] for description in cursor.description or []]
            rows = cursor.fetchmany(max_rows + 1)  # results stream: only what is shown is computed and held
        except duckdb.InterruptException:
            raise StatementTimedOut(f"the statement was cut off after {timeout_seconds:g} s") from None
        except duckdb.PermissionException as exc:  # a file, a database or an extension outside the warehouse
            raise RefusedStatement(_first_line(exc)) from None
        except duckdb.Error as exc:
            raise QueryFailed(_first_line(exc)) from None
        finally:
            timer.cancel()
    return QueryResult(columns, rows[:max_rows], len(rows) > max_rows, max_rows)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
