"""dbt exposures name every mart each outside reader reads, so `dbt docs` shows who depends on a mart."""

import json
import re

from orchestration.serve.claims import MARTS as CLAIM_MARTS
from orchestration.defs.dbt_setup import require_manifest
from orchestration.settings import PROJECT_ROOT


def exposures() -> dict[str, set[str]]:
    manifest = json.loads(require_manifest().read_text())
    return {exposure["name"]: {node.rsplit(".", 1)[1] for node in exposure["depends_on"]["nodes"]}
            for exposure in manifest["exposures"].values()}


def marts_named_in(*modules: str) -> set[str]:
    source = "".join((PROJECT_ROOT / "orchestration" / f"{module}.py").read_text() for module in modules)
    return set(re.findall(r"marts\.(fct_\w+)", source))


def dbt_marts() -> set[str]:
    manifest = json.loads(require_manifest().read_text())
    return {node["name"] for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["schema"] == "marts"}


def test_the_report_exposure_lists_exactly_the_marts_the_report_reads():
    assert exposures()["evening_report"] == marts_named_in("report", "blocked_sources")


def test_the_alert_webhook_exposure_lists_the_alerts_mart_and_the_index_that_dates_the_evening():
    assert exposures()["alert_webhook"] == marts_named_in("alerts") == {"fct_stress_alerts", "fct_market_stress_daily"}


def test_the_mcp_server_exposure_covers_every_mart_an_agent_can_reach():
    reached = exposures()["mcp_server"]
    assert marts_named_in("mcp_server", "status") | set(CLAIM_MARTS) <= reached
    assert reached == dbt_marts()  # its query tool reads any mart
