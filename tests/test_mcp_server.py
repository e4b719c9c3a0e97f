"""`stresswatch mcp` as an agent meets it: the official SDK's client starts the server on stdio and calls its tools."""

import json
import shutil
from pathlib import Path

import anyio
import duckdb
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from orchestration.publish.publishing import build_path_for
from orchestration.serve.alerts import ledger_path_for
from orchestration.settings import PROJECT_ROOT
from tests.conftest import copy_warehouse
from tests.test_sandbox import ENDLESS_CROSS_JOIN, digests, hostile_statements

STRESSWATCH = shutil.which("stresswatch", path=str(PROJECT_ROOT / ".venv" / "bin")) or shutil.which("stresswatch")


@pytest.fixture(scope="module")
def served(sample_warehouse, tmp_path_factory) -> Path:
    db = copy_warehouse(sample_warehouse, tmp_path_factory.mktemp("mcp") / "stresswatch.duckdb")
    shutil.copyfile(db, build_path_for(db))  # a run building beside it
    ledger_path_for(db).write_text('{"key": "2025-12-30|vix_regime|VIX", "status": "sent"}\n')
    return db


def session(db: Path, work):
    """Start `stresswatch mcp` as a client would and run `work(client)` in one session."""
    assert STRESSWATCH, "the stresswatch console script is installed by `make install`"
    params = StdioServerParameters(
        command=STRESSWATCH, args=["mcp", "--db", str(db), "--timeout", "2"], cwd=str(PROJECT_ROOT)
    )

    async def main():
        async with Client(params, read_timeout_seconds=120) as client:
            return await work(client)

    return anyio.run(main)


def payload(result) -> object:
    """A tool's answer: its structured content when typed, else the JSON text it sent."""
    assert not result.is_error, result.content[0].text
    if result.structured_content is not None and "result" in result.structured_content:
        return result.structured_content["result"]
    return json.loads(result.content[0].text)


def test_a_session_lists_the_tools_runs_a_query_and_gets_the_stress_summary(served):
    async def work(client):
        tools = await client.list_tools()
        answers = {"tools": {tool.name for tool in tools.tools}}
        answers["query"] = payload(
            await client.call_tool(
                "query",
                {
                    "sql": "select obs_date, stress_index, regime from marts.fct_market_stress_daily "
                    "where stress_index is not null order by obs_date desc",
                    "max_rows": 3,
                },
            )
        )
        answers["summary"] = payload(await client.call_tool("stress_summary", {}))
        answers["marts"] = payload(await client.call_tool("list_marts", {}))
        answers["supported"] = payload(
            await client.call_tool(
                "check_claim",
                {
                    "claim": {
                        "id": "ust10",
                        "metric": "fct_rates_daily.ust_10y_pct",
                        "date": "2025-11-21",
                        "comparator": "equals",
                        "stated": 4.06,
                        "tolerance": 0.005,
                    }
                },
            )
        )
        answers["contradicted"] = payload(
            await client.call_tool(
                "check_claim",
                {
                    "claim": {
                        "id": "ust10",
                        "metric": "fct_rates_daily.ust_10y_pct",
                        "date": "2025-11-21",
                        "comparator": "equals",
                        "stated": 4.91,
                        "tolerance": 0.005,
                    }
                },
            )
        )
        bad_claim = await client.call_tool(
            "check_claim",
            {"claim": {"id": "x", "metric": "fct_nothing.y", "comparator": "is_true", "date": "2025-11-21"}},
        )
        answers["bad_claim"] = (bad_claim.is_error, bad_claim.content[0].text)
        resources = await client.list_resources()
        answers["resources"] = [str(resource.uri) for resource in resources.resources]
        answers["mart_table"] = (await client.read_resource("stresswatch://marts")).contents[0].text
        return answers

    answers = session(served, work)
    assert answers["tools"] == {"list_marts", "query", "stress_summary", "check_claim"}
    with duckdb.connect(str(served), read_only=True) as con:
        latest = con.execute(
            "select obs_date, stress_index, regime from marts.fct_market_stress_daily "
            "where stress_index is not null order by obs_date desc limit 3"
        ).fetchall()
    query = answers["query"]
    assert query["columns"] == ["obs_date", "stress_index", "regime"] and query["truncated"]
    assert query["rows"] == [[day.isoformat(), index, regime] for day, index, regime in latest]
    summary = answers["summary"]
    assert [summary["obs_date"], summary["stress_index"], summary["regime"]] == query["rows"][0]
    assert len(summary["top_drivers"]) == 3 and set(summary["categories"]) >= {"volatility", "credit"}
    assert summary["text"].startswith(f"Market stress on {summary['obs_date']}")
    stress = next(mart for mart in answers["marts"] if mart["name"] == "marts.fct_market_stress_daily")
    described = {column["name"]: column["description"] for column in stress["columns"]}
    assert stress["rows"] > 1000 and described["stress_index"]  # descriptions come from the dbt manifest
    assert answers["supported"]["verdict"] == "supported"
    assert answers["contradicted"]["verdict"] == "contradicted"
    assert answers["bad_claim"][0] and "unknown metric" in answers["bad_claim"][1]
    assert answers["resources"] == ["stresswatch://marts"]
    assert "| `fct_market_stress_daily` | obs_date |" in answers["mart_table"]


def test_every_hostile_statement_is_refused_through_the_query_tool(served, tmp_path):
    statements = [*hostile_statements(served, tmp_path), (ENDLESS_CROSS_JOIN, "cut off after 2 s")]

    async def work(client):
        return [await client.call_tool("query", {"sql": sql}) for sql, _ in statements]

    before = digests(served)
    results = session(served, work)
    for (sql, word), result in zip(statements, results, strict=True):
        text = result.content[0].text
        assert result.is_error and len(text.splitlines()) == 1 and word.lower() in text.lower(), (sql, text)
    assert digests(served) == before
    assert list(tmp_path.iterdir()) == []
