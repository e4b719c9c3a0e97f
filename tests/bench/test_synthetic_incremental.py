"""On a small generated universe, a one-day incremental run gives the same warehouse as a full rebuild."""

from bench.synthetic import NEXT_DAY, append_next_day, generate_universe
from tests.conftest import run_cli, table_snapshot
from tests.dbt_project.test_marts import assert_same_rows


def test_one_day_incremental_run_equals_a_full_rebuild(tmp_path):
    data = generate_universe(tmp_path / "universe", n_symbols=6, years=2)
    assert (data / "SYNTHETIC.md").read_text().startswith("Synthetic benchmark data, NOT market data")
    incremental = tmp_path / "incremental" / "stresswatch.duckdb"
    assert run_cli("run", "--data-dir", str(data), "--db", str(incremental)) == 0
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
    assert table_snapshot(incremental, "marts.fct_fibonacci_levels") == \
        table_snapshot(rebuilt, "marts.fct_fibonacci_levels")
    # the alerts read the incremental mart's previous-session columns: the same crossings as a rebuild
    alerts = table_snapshot(incremental, "marts.fct_stress_alerts")
    assert any(row[1] == "volume_spike" for row in alerts)
    assert_same_rows(alerts, table_snapshot(rebuilt, "marts.fct_stress_alerts"))
