"""fct_stress_alerts is incremental; what a run cannot see from the newest equity rows makes it recompute every alert:
an edited seed (the thresholds or the symbols the asset rules skip), or a table built before the seed fingerprint."""

from __future__ import annotations

import shutil

import duckdb

from orchestration.settings import DBT_PROJECT_DIR
from tests.conftest import copy_warehouse, run_dbt, table_snapshot

BUILD_ALERTS = (
    "build",
    "--select",
    "stress_thresholds",
    "universe",
    "fct_stress_alerts",
    "--exclude-resource-type",
    "unit_test",
)


def volume_spikes(db) -> list[float]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [
            value
            for (value,) in con.execute(
                "select observed_value from marts.fct_stress_alerts where rule_id = 'volume_spike'"
            ).fetchall()
        ]


def test_an_edited_threshold_recomputes_every_alert_as_a_rebuild_would(sample_warehouse, tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    seed = project / "seeds" / "stress_thresholds.csv"
    edited = seed.read_text().replace(
        "volume_spike,rel_volume_30d,*,above,1.4,", "volume_spike,rel_volume_30d,*,above,2.5,"
    )
    assert edited != seed.read_text()
    seed.write_text(edited)
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    assert any(value <= 2.5 for value in volume_spikes(db))  # spikes of the 1.4 threshold, built with the old seed

    completed = run_dbt(db, *BUILD_ALERTS, target_path=tmp_path / "incremental", project_dir=project)

    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "computed with other thresholds or universe: recomputing every alert" in completed.stdout
    spikes = volume_spikes(db)
    assert spikes and all(value > 2.5 for value in spikes)
    rebuilt = copy_warehouse(sample_warehouse, tmp_path / "rebuilt.duckdb")
    completed = run_dbt(rebuilt, *BUILD_ALERTS, "--full-refresh", target_path=tmp_path / "full", project_dir=project)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert table_snapshot(db, "marts.fct_stress_alerts") == table_snapshot(rebuilt, "marts.fct_stress_alerts")


def test_an_alerts_table_built_before_the_fingerprint_is_recomputed_whole(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    expected = table_snapshot(db, "marts.fct_stress_alerts")
    with duckdb.connect(str(db)) as con:  # an older version's table, with an alert today's data does not support
        con.execute("alter table marts.fct_stress_alerts drop column _rules_fingerprint")
        con.execute(
            "insert into marts.fct_stress_alerts by name select date '2023-03-13' as alert_date, "
            "'volume_spike' as rule_id, 'ZZZZ' as subject"
        )

    completed = run_dbt(db, *BUILD_ALERTS, target_path=tmp_path / "target")

    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "lacks _rules_fingerprint: recomputing every row once" in completed.stdout
    assert table_snapshot(db, "marts.fct_stress_alerts") == expected


def test_regime_alerts_keep_a_regime_until_the_index_leaves_it_by_the_margin(sample_warehouse):
    """The real sample: the index crosses a band edge 22 times in three years (3 times in October 2023, hovering at
    the calm/elevated edge); the alert changes regime 12 times (once that October, never in October 2025), and
    only a rise is an alert above info."""
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        band_changes = dict(
            con.execute(
                "select strftime(obs_date, '%Y-%m'), count(*) from (select obs_date, regime, lag(regime) over "
                "(order by obs_date) as previous from marts.fct_market_stress_daily where regime is not null) "
                "where regime <> previous group by 1"
            ).fetchall()
        )
        alerts = con.execute(
            "select alert_date, observed_value, severity from marts.fct_stress_alerts "
            "where rule_id = 'regime_change' order by alert_date"
        ).fetchall()
    per_month = {}
    for day, _, _ in alerts:
        per_month[day.strftime("%Y-%m")] = per_month.get(day.strftime("%Y-%m"), 0) + 1
    assert sum(band_changes.values()) == 22 and len(alerts) == 12
    assert band_changes["2023-10"] == 3 and per_month["2023-10"] == 1
    assert per_month.get("2025-10", 0) <= 2
    for (_, before, _), (day, level, severity) in zip(alerts, alerts[1:]):
        assert severity == ("critical" if level > before else "info"), day


def test_a_volume_spike_alerts_once_per_episode(sample_warehouse):
    """Recomputed with pandas from the real sample's equity mart: an alert on the sessions above 1.4x volume that
    follow 10 sessions without one (1,006 alerts when every re-crossing alerted, 499 now)."""
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        equity = con.execute(
            "select symbol, trade_date, rel_volume_30d from marts.fct_equity_daily "
            "where symbol not in (select symbol from seeds.universe where sector = 'volatility')"
            " order by symbol, trade_date"
        ).df()
        alerts = set(
            con.execute(
                "select subject, alert_date from marts.fct_stress_alerts where rule_id = 'volume_spike'"
            ).fetchall()
        )
    spike = equity.rel_volume_30d > 1.4
    recent = spike.groupby(equity.symbol).transform(lambda days: days.shift(1).rolling(10, min_periods=1).max())
    first_sessions = equity[spike & (recent != 1)]
    expected = {(symbol, day.date()) for symbol, day in zip(first_sessions.symbol, first_sessions.trade_date)}
    assert alerts == expected and len(alerts) == 499
