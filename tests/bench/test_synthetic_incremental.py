"""On a small generated universe, a one-day incremental run gives the same warehouse as a full rebuild."""

from pathlib import Path

import duckdb

from bench.synthetic import NEXT_DAY, append_next_day, generate_universe
from tests.conftest import run_cli, table_snapshot
from tests.dbt_project.test_marts import assert_same_rows


def test_one_day_incremental_run_equals_a_full_rebuild(tmp_path):
    data = generate_universe(tmp_path / "universe", n_symbols=6, years=2)
    assert (data / "SYNTHETIC.md").read_text().startswith("Synthetic benchmark data, NOT market data")
    incremental = tmp_path / "incremental" / "stresswatch.duckdb"
    assert run_cli("run", "--data-dir", str(data), "--db", str(incremental)) == 0
    spike = revise_a_recent_volume_spike(data, incremental)
    assert append_next_day(data) == 6
    assert run_cli("run", "--data-dir", str(data), "--db", str(incremental)) == 0

    rebuilt = tmp_path / "rebuilt" / "stresswatch.duckdb"
    assert run_cli("run", "--data-dir", str(data), "--db", str(rebuilt)) == 0

    bars = "(select * exclude (_loaded_at, _run_id) from raw.price_bars)"
    assert table_snapshot(incremental, bars) == table_snapshot(rebuilt, bars)
    equity_rows = "(select * exclude (_built_at) from marts.fct_equity_daily)"  # when each row was computed
    equity = table_snapshot(incremental, equity_rows)
    assert any(str(row[1]) == NEXT_DAY for row in equity)
    assert_same_rows(equity, table_snapshot(rebuilt, equity_rows))
    assert table_snapshot(incremental, "marts.fct_fibonacci_levels") == table_snapshot(
        rebuilt, "marts.fct_fibonacci_levels"
    )
    # the alerts read the incremental mart's previous-session columns: the same crossings as a rebuild
    alerts = table_snapshot(incremental, "marts.fct_stress_alerts")
    assert any(row[1] == "volume_spike" for row in alerts)
    assert_same_rows(alerts, table_snapshot(rebuilt, "marts.fct_stress_alerts"))
    assert spike not in {(row[0], row[1], row[2]) for row in alerts}  # gone, not left over from the first run


def revise_a_recent_volume_spike(data: Path, db: Path) -> tuple:
    """Cut the volume of a recent volume-spike day to 1 share in its price file (a revised bar, re-read through the
    loader's overlap): the next run must drop that alert."""
    with duckdb.connect(str(db), read_only=True) as con:
        spike = con.execute(
            "select alert_date, rule_id, subject from marts.fct_stress_alerts "
            "where rule_id = 'volume_spike' and alert_date >= date '2025-12-24' "
            "order by alert_date desc, subject limit 1"
        ).fetchone()
    assert spike is not None, "the generated universe has no recent volume spike to revise"
    path = data / "prices" / f"{spike[2]}.csv"
    lines = path.read_text().splitlines()
    day = str(spike[0])
    revised = [",".join([*line.split(",")[:-1], "1"]) if line.startswith(day) else line for line in lines]
    assert revised != lines
    path.write_text("\n".join(revised) + "\n")
    return spike
