"""`stresswatch mcp`: the published warehouse for LLM agents, over the Model Context Protocol (stdio).

Every tool reads through the reader sandbox (orchestration/serve/sandbox.py): an agent can query anything and change
nothing. Tools: the marts with their column descriptions (from the dbt manifest), one read-only SQL statement with a
row limit, the latest stress summary with its drivers, and one claim checked against the marts.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from orchestration.serve.analyst import plain_value
from orchestration.serve.sandbox import QueryFailed, RefusedStatement, StatementTimedOut, open_reader, run_statement
from orchestration.serve.stress_components import regime_scale
from orchestration.settings import DBT_TARGET_DIR, PROJECT_ROOT

MANIFEST = DBT_TARGET_DIR / "manifest.json"
README = PROJECT_ROOT / "README.md"
MART_TABLE_HEADING = "## The indicators (schema `marts`)"
AGENT_MAX_ROWS = 200  # an agent's context is small: a few hundred rows, unless it asks for more
AGENT_MAX_ROWS_CEILING = 5_000
AGENT_TIMEOUT_SECONDS = 30.0
INSTRUCTIONS = (
    "StressWatch: a daily market-stress warehouse (DuckDB). Call list_marts for the tables and their "
    "columns, stress_summary for tonight's index and what drives it, query to run one read-only SQL "
    "query (DuckDB dialect, tables as marts.<name>), check_claim to test a numeric statement."
)


@cache
def _manifest_marts(manifest_path: Path) -> dict[str, dict]:
    nodes = json.loads(manifest_path.read_text())["nodes"].values()
    return {node["name"]: node for node in nodes if node["resource_type"] == "model" and node["schema"] == "marts"}


def list_marts(db_path: Path, manifest_path: Path = MANIFEST) -> list[dict]:
    """Every mart of the published warehouse: its description, rows, and columns with type and description."""
    described = _manifest_marts(manifest_path) if manifest_path.exists() else {}
    with open_reader(db_path) as con:
        columns = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall()
        tables = sorted({table for table, _, _ in columns})
        rows = {table: con.execute(f'select count(*) from marts."{table}"').fetchone()[0] for table in tables}
    marts = []
    for table in tables:
        node = described.get(table, {})
        documented = node.get("columns", {})
        marts.append(
            {
                "name": f"marts.{table}",
                "description": node.get("description") or "",
                "rows": rows[table],
                "columns": [
                    {"name": name, "type": kind, "description": documented.get(name, {}).get("description", "")}
                    for mart, name, kind in columns
                    if mart == table
                ],
            }
        )
    return marts


def query(
    db_path: Path, sql: str, max_rows: int = AGENT_MAX_ROWS, timeout_seconds: float = AGENT_TIMEOUT_SECONDS
) -> dict:
    """One read-only statement through the sandbox: columns, rows, and whether the row limit cut the result."""
    result = run_statement(
        db_path, sql, max_rows=max(1, min(max_rows, AGENT_MAX_ROWS_CEILING)), timeout_seconds=timeout_seconds
    )
    return {
        "columns": result.columns,
        "rows": [[plain_value(value) for value in row] for row in result.rows],
        "row_count": len(result.rows),
        "truncated": result.truncated,
    }


def stress_summary(db_path: Path, alert_sessions: int = 5) -> dict:
    """The latest index day: value, regime, previous session, categories, top drivers, new alerts, stale tables."""
    from orchestration.ingest.blocked_sources import stale_relations
    from orchestration.ingest.market_calendar import last_sessions
    from orchestration.serve.status import CATEGORIES, COMPONENTS, latest_index, status_text, top_drivers

    with open_reader(db_path) as con:
        today = latest_index(con)
        if today is None:
            return {"text": status_text(db_path, alert_sessions), "obs_date": None}
        previous = con.execute(
            "select obs_date, stress_index, regime from marts.fct_market_stress_daily "
            "where stress_index is not null and obs_date < $d order by obs_date desc limit 1",
            {"d": today["obs_date"]},
        ).fetchone()
        since = last_sessions(alert_sessions, today["obs_date"])[0]
        alerts = con.execute(
            "select alert_date, severity, rule_id, subject, message from marts.fct_stress_alerts "
            "where alert_date >= $since order by alert_date desc, severity, rule_id, subject",
            {"since": since},
        ).fetchall()
        stale = stale_relations(con)
    drivers = top_drivers(today)
    return {
        "obs_date": today["obs_date"].isoformat(),
        "stress_index": today["stress_index"],
        "regime": today["regime"],
        "previous_session": (
            {"obs_date": previous[0].isoformat(), "stress_index": previous[1], "regime": previous[2]}
            if previous
            else None
        ),
        "categories": {category: today[f"contribution_{category}"] for category in CATEGORIES},
        "top_drivers": [
            {"component": name, "contribution": share, "z_score": today[f"z_{name}"], "category": COMPONENTS[name]}
            for name, share in drivers
        ],
        "alerts": [
            {
                "alert_date": day.isoformat(),
                "severity": severity,
                "rule_id": rule,
                "subject": subject,
                "message": message,
            }
            for day, severity, rule, subject, message in alerts
        ],
        "not_refreshed": [{"relation": relation, "reason": reason} for relation, reason in stale],
        "text": status_text(db_path, alert_sessions),
    }


def check_claim(db_path: Path, claim: dict) -> dict:
    """One claim, written as an entry of a claims file (see examples/), checked against the marts."""
    from orchestration.serve.claims import check_note, parse_claim, verdict_records

    parsed = parse_claim(claim, 0)
    with open_reader(db_path) as con:
        verdicts = check_note(con, [parsed])
    return json.loads(json.dumps(verdict_records(verdicts)[0], default=str))


def readme_text(readme: Path = README) -> str:
    """The README of the clone, else the installed wheel's description (the same file)."""
    if readme.exists():
        return readme.read_text()
    from importlib.metadata import metadata

    return metadata("stresswatch").get_payload()


def mart_table(readme: Path = README) -> str:
    """The README's table of marts (name, grain, what each holds), as Markdown."""
    lines = readme_text(readme).splitlines()
    start = lines.index(MART_TABLE_HEADING)
    section = lines[start + 1 :]
    end = next((index for index, line in enumerate(section) if line.startswith("## ")), len(section))
    return "\n".join([MART_TABLE_HEADING, ""] + [line for line in section[:end] if line.startswith("|")])


def build_server(db_path: Path, timeout_seconds: float = AGENT_TIMEOUT_SECONDS):
    """The MCP server over one published warehouse; a query is cut off after `timeout_seconds`."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    from orchestration.serve.claims import ClaimsFileError

    server = MCPServer(name="stresswatch", instructions=INSTRUCTIONS)

    def guarded(call, *args: Any) -> Any:
        """An expected failure (a refused statement, a bad claim, no warehouse yet) is a tool error with its
        one-line reason, which the agent reads; anything else is a crash the SDK reports as such."""
        try:
            return call(*args)
        except (RefusedStatement, QueryFailed, StatementTimedOut, ClaimsFileError, FileNotFoundError) as exc:
            kind = "refused" if isinstance(exc, RefusedStatement) else "failed"
            raise ToolError(f"{kind}: {exc}") from None

    @server.tool(
        name="list_marts",
        description="List the marts (schema marts) with their row counts and every column's type and description.",
    )
    def list_marts_tool() -> list[dict]:
        return guarded(list_marts, db_path)

    @server.tool(
        name="query",
        description="Run ONE read-only SQL query (DuckDB dialect) on the warehouse, e.g. "
        '"select * from marts.fct_market_stress_daily order by obs_date desc limit 5". '
        f"At most max_rows rows come back (default {AGENT_MAX_ROWS}, at most "
        f"{AGENT_MAX_ROWS_CEILING:,}); a query running longer than {timeout_seconds:g} s "
        "is cut off. Writes, file access, ATTACH, INSTALL and SET are refused.",
    )
    def query_tool(sql: str, max_rows: int = AGENT_MAX_ROWS) -> dict:
        return guarded(query, db_path, sql, max_rows, timeout_seconds)

    @server.tool(
        name="stress_summary",
        description=f"Tonight's market stress: the composite index, its regime ({regime_scale()}), the "
        "previous session, category contributions, the top three drivers with z-scores, the "
        "alerts of the last sessions and any table not refreshed.",
    )
    def stress_summary_tool(alert_sessions: int = 5) -> dict:
        return guarded(stress_summary, db_path, alert_sessions)

    @server.tool(
        name="check_claim",
        description="Check one numeric claim against the marts; the claim is an entry of a claims file, "
        'e.g. {"id": "ust10", "metric": "fct_rates_daily.ust_10y_pct", "date": '
        '"2025-11-21", "comparator": "equals", "stated": 4.06, "tolerance": 0.005}. '
        "Comparators: equals, below, above, in_month, is_true, change_over. Returns the verdict "
        "(supported, contradicted, not verifiable) with the observed value.",
    )
    def check_claim_tool(claim: dict) -> dict:
        return guarded(check_claim, db_path, claim)

    @server.resource(
        "stresswatch://marts",
        name="marts",
        mime_type="text/markdown",
        description="The README's table of marts: name, grain and what each holds.",
    )
    def marts_resource() -> str:
        return mart_table()

    return server
