"""The index against two published yardsticks (St. Louis Fed STLFSI4, Chicago Fed ANFCI) over 1997-2011: the
weekly correlation of the index, each category and each component. Later years are a holdout: never read here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.serve.stress_components import COMPONENTS, stress_categories
from orchestration.serve.tables import render_table
from orchestration.settings import CALIBRATION_DIR

YARDSTICKS = ("STLFSI4", "ANFCI")
FIRST_DAY, LAST_DAY = date(1997, 1, 1), date(2011, 12, 31)  # where the components were chosen
WEEK = "W-FRI"  # both publishers date a week by its Friday


@dataclass(frozen=True)
class Correlation:
    name: str
    kind: str  # index, category or component
    category: str
    r: dict[str, float]  # yardstick -> weekly Pearson correlation
    weeks: int


def load_yardsticks(folder: Path = CALIBRATION_DIR) -> dict[str, pd.Series]:
    """Each yardstick's weekly values up to 2011, indexed by their Friday."""
    series = {}
    for name in YARDSTICKS:
        frame = pd.read_csv(folder / f"{name}_to_2011.csv", parse_dates=["date"])
        series[name] = frame.set_index("date")["value"].loc[: pd.Timestamp(LAST_DAY)]
    return series


def weekly_mean(daily: pd.Series) -> pd.Series:
    """The mean of a daily series over each Saturday-to-Friday week, labelled by the Friday."""
    daily = daily.dropna()
    daily.index = pd.to_datetime(daily.index)
    return daily.resample(WEEK).mean().dropna()


def correlate(name: str, kind: str, category: str, daily: pd.Series, yardsticks: dict[str, pd.Series]) -> Correlation:
    weekly = weekly_mean(daily).loc[pd.Timestamp(FIRST_DAY) : pd.Timestamp(LAST_DAY)]
    r, weeks = {}, 0
    for yardstick, values in yardsticks.items():
        joined = pd.concat([weekly, values], axis=1, join="inner", keys=["index", "yardstick"]).dropna()
        r[yardstick] = float(joined["index"].corr(joined["yardstick"])) if len(joined) > 2 else float("nan")
        weeks = max(weeks, len(joined))
    return Correlation(name, kind, category, r, weeks)


def index_correlations(con: duckdb.DuckDBPyConnection, yardsticks: dict[str, pd.Series]) -> list[Correlation]:
    """The index, each category's contribution and each component's z-score (as the index used it that day)."""
    daily = (
        con.execute(
            "select * from marts.fct_market_stress_daily where obs_date <= $last order by obs_date", {"last": LAST_DAY}
        )
        .df()
        .set_index("obs_date")
    )
    rows = [correlate("stress_index", "index", "", daily["stress_index"], yardsticks)]
    for category, components in stress_categories().items():
        rows.append(correlate(category, "category", category, daily[f"contribution_{category}"], yardsticks))
        rows += [
            correlate(component, "component", COMPONENTS[component], daily[f"z_{component}"], yardsticks)
            for component in components
        ]
    return rows


def format_correlations(rows: list[Correlation]) -> str:
    cells = [
        (
            {"index": "", "category": "  ", "component": "    "}[row.kind] + row.name,
            row.category,
            *(f"{row.r[name]:+.2f}" if row.r[name] == row.r[name] else "n/a" for name in YARDSTICKS),
            str(row.weeks),
        )
        for row in rows
    ]
    numbers = range(2, 3 + len(YARDSTICKS))
    return render_table(("series", "category", *YARDSTICKS, "weeks"), cells, right=numbers)
