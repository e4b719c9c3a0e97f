"""The composite stress index: point-in-time, its regimes on the sample, and the history table."""

import duckdb

from orchestration.serve.stress_components import CATEGORIES
from orchestration.serve.tables import PIPE_WIDTH
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
        peaks = con.execute(  # each year's month with the highest index, and that peak
            "select year(obs_date), arg_max(strftime(obs_date, '%Y-%m'), stress_index), max(stress_index) "
            "from marts.fct_market_stress_daily where stress_index is not null group by 1 order by 1"
        ).fetchall()
        regimes = dict(
            con.execute(
                "select regime, count(*) from marts.fct_market_stress_daily where regime is not null group by 1"
            ).fetchall()
        )
        contributions_add_up = con.execute(
            "select max(abs(stress_index - ("
            + " + ".join(f"contribution_{category}" for category in CATEGORIES)
            + "))) from marts.fct_market_stress_daily"
        ).fetchone()[0]
    # Silicon Valley Bank in March 2023, the August 2024 carry-trade unwind, the April 2025 tariff shock (the index
    # starts in December 2022, once its first components have a year of history)
    assert [month for _, month, _ in peaks] == ["2022-12", "2023-03", "2024-08", "2025-04"]
    assert [round(peak, 2) for *_, peak in peaks[-3:]] == [0.61, 0.97, 2.22]
    assert regimes["calm"] > regimes["elevated"] > regimes["stressed"] > 0
    assert contributions_add_up < 1e-12


def test_history_prints_the_episode_table(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(PIPE_WIDTH))  # as printed into a file (pytest-xdist's workers say 80 columns)
    assert run_cli("history", "--data-dir", str(SAMPLE_DATA_DIR), "--db", str(tmp_path / "history.duckdb")) == 0
    table = capsys.readouterr().out.split("calm stretches")[1].splitlines()
    rows = {line[:7]: line for line in table if line[:4].isdigit()}
    assert set(rows) >= {"1998-10", "2008-10", "2020-03", "2023-03", "2025-04", "2025-11"}
    assert rows["2008-10"].rstrip().endswith("n/a")  # the bundled sample starts in 2022
    # Silicon Valley Bank: calm on the month's mean (-0.07), elevated at its peak (+0.61 on 2023-03-20)
    assert "Silicon Valley Bank" in rows["2023-03"] and rows["2023-03"].split()[-3:-1] == ["+0.61", "2023-03-20"]
    assert rows["2024-05"].rstrip().endswith("calm")


def test_status_shows_index_regime_drivers_and_alerts(sample_warehouse, capsys):
    assert run_cli("status", "--db", str(sample_warehouse), "--sessions", "10") == 0
    out = capsys.readouterr().out
    assert out.startswith("Market stress on 2025-12-31: -0.83  CALM")
    assert "Top contributing components:\n  ig_oas_level            -0.10  (z-score -1.24, credit)" in out
    assert "  systemic      -0.15" in out  # every category of the registry has its line
    assert "2025-12-19  info     Volume runs above 140% of its 30-session average: AAPL" in out


def test_the_first_release_index_is_what_its_evening_knew_and_the_daily_index_today_s_values(
    sample_warehouse, tmp_path
):
    """Replay vintages (alfred/ in the data directory) for the real high-yield OAS of Friday 2025-04-04: first printed
    4.20 % on Monday 2025-04-07 (made up), revised to the real 4.45 % on 2025-04-15. The daily index keeps today's
    value, dated as before; the first-release index on 2025-04-07 equals the index a warehouse built that evening, with
    the first print, published."""
    data = sample_as_of(tmp_path / "data", "2025-12-31")
    (data / "alfred").mkdir()
    (data / "alfred" / "BAMLH0A0HYM2.csv").write_text(
        "realtime_start,realtime_end,date,value\n"
        "2025-04-07,2025-04-14,2025-04-04,4.20\n"
        "2025-04-15,9999-12-31,2025-04-04,4.45\n"
    )
    db = tmp_path / "vintages.duckdb"
    assert run_cli("run", "--db", str(db), "--data-dir", str(data)) == 0

    then = sample_as_of(tmp_path / "then", "2025-04-07")
    spreads = then / "fred" / "BAMLH0A0HYM2.csv"
    spreads.write_text(spreads.read_text().replace("2025-04-04,4.45", "2025-04-04,4.20"))
    evening = tmp_path / "evening.duckdb"
    assert run_cli("run", "--db", str(evening), "--data-dir", str(then)) == 0

    def rows(mart: str, until: str = "2099-12-31") -> str:
        return f"(select * exclude (value_basis) from marts.{mart} where obs_date <= '{until}')"

    # today's values, dated as before
    assert table_snapshot(db, rows("fct_market_stress_daily")) == table_snapshot(
        sample_warehouse, rows("fct_market_stress_daily")
    )
    # before the first print was public the two bases agree
    assert table_snapshot(db, rows("fct_market_stress_first_release", "2025-04-04")) == table_snapshot(
        db, rows("fct_market_stress_daily", "2025-04-04")
    )
    with duckdb.connect(str(db), read_only=True) as con:
        known_then = con.execute(
            "select stress_index, z_hy_oas_level from marts.fct_market_stress_first_release "
            "where obs_date = '2025-04-07'"
        ).fetchone()
        today = con.execute(
            "select stress_index, z_hy_oas_level from marts.fct_market_stress_daily where obs_date = '2025-04-07'"
        ).fetchone()
    with duckdb.connect(str(evening), read_only=True) as con:
        published_that_evening = con.execute(
            "select stress_index, z_hy_oas_level from marts.fct_market_stress_daily where obs_date = '2025-04-07'"
        ).fetchone()
    assert known_then == published_that_evening
    assert known_then[1] < today[1]  # 420 bp is a smaller spread than 445
