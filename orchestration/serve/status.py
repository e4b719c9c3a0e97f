"""`stresswatch status`: today's stress index, its regime, what drives it, and the newest alerts."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.ingest.blocked_sources import stale_relations
from orchestration.ingest.market_calendar import last_sessions
from orchestration.serve.sandbox import open_reader
from orchestration.serve.stress_components import CATEGORIES, COMPONENTS, regime_scale  # noqa: F401  (the MCP server reads them here)


def component_contributions(row: dict) -> dict[str, float]:
    """Each component's share of the index: its z / components present in its category / categories present."""
    present = {name: row[f"z_{name}"] for name in COMPONENTS if row.get(f"z_{name}") is not None}
    per_category: dict[str, int] = {}
    for name in present:
        per_category[COMPONENTS[name]] = per_category.get(COMPONENTS[name], 0) + 1
    n_categories = len(per_category)
    return {name: z / per_category[COMPONENTS[name]] / n_categories for name, z in present.items()}


def top_drivers(row: dict, count: int = 3) -> list[tuple[str, float]]:
    """The components with the largest contributions (either sign), largest first: `status`, the report, MCP."""
    return sorted(component_contributions(row).items(), key=lambda item: -abs(item[1]))[:count]


def latest_index(con: duckdb.DuckDBPyConnection) -> dict | None:
    cursor = con.execute(
        "select * from marts.fct_market_stress_daily where stress_index is not null order by obs_date desc limit 1"
    )
    row = cursor.fetchone()
    return dict(zip([column[0] for column in cursor.description], row)) if row else None


def status_text(db_path: Path, alert_sessions: int = 5) -> str:
    """A readable terminal summary of the latest index day."""
    with open_reader(db_path) as con:
        today = latest_index(con)
        if today is None:
            return "No stress index yet: the warehouse has too little history (the index needs 252 sessions)."
        previous = con.execute(
            "select stress_index, regime from marts.fct_market_stress_daily "
            "where stress_index is not null and obs_date < $d order by obs_date desc limit 1",
            {"d": today["obs_date"]},
        ).fetchone()
        since = last_sessions(alert_sessions, today["obs_date"])[0]  # NYSE sessions, holidays skipped
        stale = stale_relations(con)
        alerts = con.execute(
            "select alert_date, severity, message from marts.fct_stress_alerts "
            "where alert_date >= $since order by alert_date desc, severity, rule_id, subject",
            {"since": since},
        ).fetchall()
    lines = [f"Market stress on {today['obs_date']}: {today['stress_index']:+.2f}  {today['regime'].upper()}"]
    if previous:
        lines[0] += f"   (previous session {previous[0]:+.2f} {previous[1]})"
    if stale:
        lines.append(f"NOT REFRESHED by the last run ({len(stale)}; they keep their last good rows):")
        lines += [f"  {relation}: {reason}" for relation, reason in stale]
    lines.append(f"Scale: {regime_scale()} (standard deviations from normal)")
    lines.append("")
    lines.append("By category:")
    for category in CATEGORIES:
        value = today[f"contribution_{category}"]
        bar = "#" * min(40, int(abs(value or 0) * 20))
        lines.append(f"  {category.replace('_', ' '):<12}{value:+7.2f}  {'+' if (value or 0) >= 0 else '-'}{bar}")
    lines.append("")
    lines.append("Top contributing components:")
    for name, share in top_drivers(today):
        lines.append(f"  {name:<22}{share:+7.2f}  (z-score {today[f'z_{name}']:+.2f}, {COMPONENTS[name]})")
    lines.append("")
    lines.append(f"Alerts of the last {alert_sessions} sessions ({len(alerts)}):")
    for alert_date, severity, message in alerts[:25]:
        lines.append(f"  {alert_date}  {severity:<8} {message}")
    if len(alerts) > 25:
        lines.append(f'  ... and {len(alerts) - 25} more (stresswatch query "select * from marts.fct_stress_alerts")')
    return "\n".join(lines)
