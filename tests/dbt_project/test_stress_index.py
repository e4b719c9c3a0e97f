"""The composite stress index: point-in-time, its regimes on the sample, and the history table."""

import duckdb

from orchestration.settings import SAMPLE_DATA_DIR
from tests.conftest import run_cli, sample_as_of, table_snapshot

CUT = "2025-06-30"


def test_values_up_to_a_cut_date_do_not_change_when_later_data_arrives(sample_warehouse, tmp_path):
    data = tmp_path / "data"
    sample_as_of(data, CUT)
    db = tmp_path / "cut.duckdb"
    assert run_cli("run", "--db", str(db), "--data-dir", str(data)) == 0
    query = f"(select * from marts.fct_market_stress_daily where obs_date <= date '{CUT}')"
    cut_rows = table_snapshot(db, query)
    full_rows = table_snapshot(sample_warehouse, query)
    assert len(cut_rows) == len(full_rows) > 600
    assert sum(row[1] is not None for row in cut_rows) > 300  # the index exists on most of those days
    assert cut_rows == full_rows  # identical, value for value


def test_the_sample_peaks_at_its_three_known_stress_events(sample_warehouse):
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        peaks = con.execute(
            "select strftime(obs_date, '%Y-%m'), max(stress_index) from marts.fct_market_stress_daily "
            "group by 1 order by 2 desc nulls last limit 3").fetchall()
        regimes = dict(con.execute("select regime, count(*) from marts.fct_market_stress_daily "
                                   "where regime is not null group by 1").fetchall())
        contributions_add_up = con.execute(
            "select max(abs(stress_index - (contribution_volatility + contribution_credit + contribution_equity "
            "+ contribution_safe_assets + contribution_funding))) from marts.fct_market_stress_daily").fetchone()[0]
    # the April 2025 tariff shock, the August 2024 carry-trade unwind, Silicon Valley Bank in March 2023
    assert [month for month, _ in peaks] == ["2025-04", "2024-08", "2023-03"]
    assert peaks[0][1] > 2 and peaks[2][1] > 0.95  # SVB: 0.98, with FRED's spreads counted from their publication
    assert regimes["calm"] > regimes["elevated"] > regimes["stressed"] > 0
    assert contributions_add_up < 1e-12


def test_history_prints_the_episode_table(tmp_path, capsys):
    assert run_cli("history", "--data-dir", str(SAMPLE_DATA_DIR), "--db", str(tmp_path / "history.duckdb")) == 0
    table = capsys.readouterr().out.split("calm stretches")[1].splitlines()
    rows = {line[:7]: line for line in table if line[:4].isdigit()}
    assert set(rows) >= {"1998-10", "2008-10", "2020-03", "2023-03", "2025-04", "2025-11"}
    assert rows["2008-10"].rstrip().endswith("n/a")  # the bundled sample starts in 2022
    assert "Silicon Valley Bank" in rows["2023-03"] and rows["2023-03"].rstrip().endswith("elevated")
    assert rows["2024-05"].rstrip().endswith("calm")


def test_status_shows_index_regime_drivers_and_alerts(sample_warehouse, capsys):
    assert run_cli("status", "--db", str(sample_warehouse), "--sessions", "10") == 0
    out = capsys.readouterr().out
    assert out.startswith("Market stress on 2025-12-31: -0.39  CALM")
    assert "Top contributing components:" in out and "vix_level" in out
    assert "2025-12-19  info     Volume runs above 140% of its 30-session average: AAPL" in out
