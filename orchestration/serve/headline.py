"""The report's headline: today's index and regime, its change on the session and the week, its percentile in its own
history, the three components that move it most, and how old each input is (with why the index stops when it does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from orchestration.ingest.market_calendar import sessions_between
from orchestration.serve.status import latest_index, top_drivers
from orchestration.serve.stress_components import CATEGORIES, COMPONENTS, max_staleness_days, min_categories


@dataclass
class Driver:
    component: str
    category: str
    contribution: float
    z: float


@dataclass
class InputAge:
    """A component of the index: its newest score and how far that trails the newest price session."""

    component: str
    category: str
    newest: date | None
    age_days: int | None
    age_sessions: int | None
    stale: bool  # older than the index's staleness limit: it no longer counts


@dataclass
class Headline:
    as_of: date
    index: float
    regime: str
    change_1d: float | None  # against the previous index day
    change_5d: float | None  # against the index five index days before
    percentile: float  # share of the index's days (since it began) at or below today's value, in %
    first_date: date
    drivers: list[Driver] = field(default_factory=list)
    inputs: list[InputAge] = field(default_factory=list)
    newest_session: date | None = None  # the newest price session in the warehouse
    stops_because: str | None = None  # why the index ends before the newest price session


def _changes(con: duckdb.DuckDBPyConnection) -> tuple:
    return con.execute(
        """
        with series as (
            select
                obs_date,
                stress_index,
                stress_index - lag(stress_index, 1) over (order by obs_date) as change_1d,
                stress_index - lag(stress_index, 5) over (order by obs_date) as change_5d,
                cume_dist() over (order by stress_index) as at_or_below,
                min(obs_date) over () as first_date
            from marts.fct_market_stress_daily
            where stress_index is not null
        )
        select change_1d, change_5d, 100 * at_or_below, first_date from series order by obs_date desc limit 1
        """
    ).fetchall()[0]


def _input_ages(con: duckdb.DuckDBPyConnection, newest_session: date | None) -> list[InputAge]:
    newest = dict(
        con.execute(
            "select component, max(obs_date) from intermediate.stress_component_scores "
            "where basis = 'revised' and score is not null group by component"
        ).fetchall()
    )
    ages = []
    for component, category in COMPONENTS.items():
        scored = newest.get(component)
        if scored is None or newest_session is None:
            ages.append(InputAge(component, category, scored, None, None, True))
            continue
        age_days = max((newest_session - scored).days, 0)  # a value public the morning after counts as current
        # sessions after the score's day up to the newest one (its day may be a holiday: a value public next morning)
        age_sessions = len(sessions_between(scored + timedelta(days=1), newest_session)) if age_days else 0
        ages.append(InputAge(component, category, scored, age_days, age_sessions, age_days > max_staleness_days()))
    return ages


def _why_it_stops(con: duckdb.DuckDBPyConnection, as_of: date, newest_session: date | None, inputs) -> str | None:
    if newest_session is None or as_of >= newest_session:
        return None
    after = con.execute(
        "select obs_date, n_categories from marts.fct_market_stress_daily "
        "where obs_date > $d and stress_index is null order by obs_date limit 1",
        {"d": as_of},
    ).fetchall()
    stale = ", ".join(f"{age.component} (newest {age.newest})" for age in inputs if age.stale)
    if after:
        day, categories = after[0]
        return (
            f"The index stops on {as_of}: from {day} only {categories} of its {len(CATEGORIES)} categories have an "
            f"input no older than {max_staleness_days()} days, and it needs {min_categories()}. "
            f"Stale inputs: {stale or 'none'}."
        )
    vix = con.execute("select max(trade_date) from marts.fct_equity_daily where symbol = 'VIX'").fetchall()[0][0]
    return (
        f"The index stops on {as_of}: it is scored on VIX sessions, and the warehouse's VIX history ends on {vix} "
        f"while prices run to {newest_session}."
    )


def read_headline(con: duckdb.DuckDBPyConnection) -> Headline | None:
    """The headline's figures, all read from the marts (and the index's component scores); None before any index."""
    today = latest_index(con)
    if today is None:
        return None
    change_1d, change_5d, percentile, first_date = _changes(con)
    drivers = [Driver(name, COMPONENTS[name], share, today[f"z_{name}"]) for name, share in top_drivers(today)]
    newest_session = con.execute("select max(trade_date) from marts.fct_equity_daily").fetchall()[0][0]
    inputs = _input_ages(con, newest_session)
    return Headline(
        as_of=today["obs_date"],
        index=today["stress_index"],
        regime=today["regime"],
        change_1d=change_1d,
        change_5d=change_5d,
        percentile=percentile,
        first_date=first_date,
        drivers=drivers,
        inputs=inputs,
        newest_session=newest_session,
        stops_because=_why_it_stops(con, today["obs_date"], newest_session, inputs),
    )
