"""dbt exposures name every mart each outside reader reads, so `dbt docs` shows who depends on a mart."""

import json
import re

from orchestration.defs.dbt_setup import require_manifest
from orchestration.serve.claims import MARTS as CLAIM_MARTS
from orchestration.settings import PROJECT_ROOT


def exposures() -> dict[str, set[str]]:
    manifest = json.loads(require_manifest().read_text())
    return {
        exposure["name"]: {node.rsplit(".", 1)[1] for node in exposure["depends_on"]["nodes"]}
        for exposure in manifest["exposures"].values()
    }


def marts_named_in(*patterns: str) -> set[str]:
    """The marts the modules matching these globs (under orchestration/) name in their SQL."""
    paths = [path for pattern in patterns for path in (PROJECT_ROOT / "orchestration").glob(f"{pattern}.py")]
    assert len(paths) >= len(patterns), patterns
    return set(re.findall(r"marts\.(fct_\w+)", "".join(path.read_text() for path in paths)))


def dbt_marts() -> set[str]:
    manifest = json.loads(require_manifest().read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def test_the_report_exposure_lists_exactly_the_marts_the_report_reads():
    read = marts_named_in("serve/report", "serve/headline", "serve/charts/*", "ingest/blocked_sources")
    # marts.fct_claim_checks is written by a Dagster asset, not a dbt model: an exposure cannot name it
    assert read - dbt_marts() == {"fct_claim_checks"}
    assert exposures()["evening_report"] == read & dbt_marts()


def test_the_alert_webhook_exposure_lists_the_alerts_mart_and_the_index_that_dates_the_evening():
    webhook_marts = marts_named_in("serve/alerts")
    assert exposures()["alert_webhook"] == webhook_marts == {"fct_stress_alerts", "fct_market_stress_daily"}


def test_the_mcp_server_exposure_covers_every_mart_an_agent_can_reach():
    reached = exposures()["mcp_server"]
    assert marts_named_in("serve/mcp_server", "serve/status") | set(CLAIM_MARTS) <= reached
    assert reached == dbt_marts()  # its query tool reads any mart
