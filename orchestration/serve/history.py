"""`stresswatch history`: the stress index at the known stress episodes, next to calm stretches."""

from __future__ import annotations

from pathlib import Path

from orchestration.serve.sandbox import open_reader
from orchestration.serve.stress_components import regime_of
from orchestration.serve.tables import render_table

EPISODES = {
    "1998-10": "LTCM and the Russian default",
    "2001-09": "September 11",
    "2008-10": "Lehman and the global financial crisis",
    "2011-08": "US downgrade, euro debt crisis",
    "2015-08": "China devaluation, flash crash",
    "2016-02": "oil collapse, bank fears",
    "2018-12": "Fed tightening sell-off",
    "2020-03": "COVID-19 crash",
    "2022-06": "inflation shock, Fed 75 bp",
    "2023-03": "Silicon Valley Bank",
    "2025-04": "tariff shock",
    "2025-11": "AI-led sell-off",
}
CALM_STRETCHES = {
    month: "a quiet month, for comparison"
    for month in ("1995-06", "2005-06", "2006-05", "2014-07", "2017-07", "2019-07", "2024-05")
}


def episode_rows(db_path: Path) -> list[tuple[str, str, str, float | None, float | None, object, str]]:
    """(month, kind, label, mean index, peak index, peak date, regime of the month's mean) per month."""
    months = {
        **{month: ("episode", label) for month, label in EPISODES.items()},
        **{month: ("calm", label) for month, label in CALM_STRETCHES.items()},
    }
    with open_reader(db_path) as con:
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
