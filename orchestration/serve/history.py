"""`stresswatch history`: the stress index at the known stress episodes, next to calm stretches."""

from __future__ import annotations

from pathlib import Path

from orchestration.serve.sandbox import open_reader
from orchestration.serve.stress_components import regime_of
from orchestration.serve.tables import render_table


def episode_rows(db_path: Path) -> list[tuple[str, str, str, float | None, float | None, object, str]]:
    """(month, kind, label, mean index, peak index, peak date, regime of the month's mean) per month of the
    `stress_episodes` seed (known stress episodes and calm months, its one home)."""
    with open_reader(db_path) as con:
        months = {
            month: (kind, label)
            for month, kind, label in con.execute("select month, kind, label from seeds.stress_episodes").fetchall()
        }
        figures = {
            month: (mean, peak, peak_date)
            for month, mean, peak, peak_date in con.execute(
                "select strftime(obs_date, '%Y-%m'), avg(stress_index), max(stress_index), "
                "arg_max(obs_date, stress_index) "
                "from marts.fct_market_stress_daily where stress_index is not null group by 1"
            ).fetchall()
        }
    rows = []
    for month in sorted(months):
        kind, label = months[month]
        mean, peak, peak_date = figures.get(month, (None, None, None))
        rows.append((month, kind, label, mean, peak, peak_date, regime_of(mean)))
    return rows


def format_episode_table(rows: list[tuple]) -> str:
    cells = [
        (month, kind, label, _signed(mean), _signed(peak), str(peak_date or ""), regime)
        for month, kind, label, mean, peak, peak_date, regime in rows
    ]
    columns = ("month", "", "what happened", "mean", "peak", "peak day", "regime (of the mean)")
    return render_table(columns, cells, right=[3, 4])


def _signed(value: float | None) -> str:
    return f"{value:+.2f}" if value is not None else "n/a"
