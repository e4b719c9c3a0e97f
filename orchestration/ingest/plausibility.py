"""Plausibility of new values: each against its own series' recent moves, with the raw table as history.

The rules (kinds, floors, the multiple) live in `expectations/plausibility.json`; analysts' confirmations of real
extremes in `expectations/accepted_moves.csv`. The verdict is a text column the suites check (`move_plausible`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from functools import cache

import duckdb
import numpy as np
import pandas as pd

from orchestration.ingest.raw_tables import RawTable
from orchestration.settings import PROJECT_ROOT

RULES_FILE = PROJECT_ROOT / "expectations" / "plausibility.json"
VERDICT_COLUMN = "_implausible_move"

# How each raw table names a series (its entity) and orders it; a company's facts in one unit form one series,
# measured against the largest value the company reported in that unit (its scale: total assets, shares).
_SERIES = {  # table -> (the series' name in SQL, the column it is ordered by, the columns naming it)
    "price_bars": ("symbol", "trade_date", ("symbol",)),
    "fred_observations": ("series_id", "obs_date", ("series_id",)),
    "sec_company_facts": ("cik || ':' || unit", "period_end", ("cik", "unit")),
}
_UNITS = {"log_pct": "log-%", "bp": "bp"}
_BASELINES = {"ratio_to_median": "its median", "ratio_to_largest": "the largest value in its unit"}


@cache
def rules() -> dict:
    return json.loads(RULES_FILE.read_text())


def checks_table(table: RawTable) -> bool:
    """Whether the table's suite has a plausibility check (and its frames a verdict column)."""
    return table.name in rules()["measures"]


def _kinds_frame() -> pd.DataFrame:
    kinds = rules()["kinds"]
    return pd.DataFrame(
        [{"kind": name, "move": spec["move"], "floor": float(spec["floor"])} for name, spec in kinds.items()]
    )


def _measure_sql(
    table: RawTable,
    column: str,
    entity: str,
    day: str,
    default_kind: str,
    moves: set[str],
    above: float = 1.0,
    limit: int | None = None,
) -> str:
    """Moves of the incoming rows against the series (raw's rows the batch does not replace, then the batch) that
    use more than `above` of their limit (1: beyond it), largest first.

    A windowed median over a full load's millions of rows is the costly part, so it is computed only for the
    candidates that could fail: a change beyond its floor (the limit is never below it), a size beyond the floor
    times the smallest size of the window's two calendar years (the median is never below that); the largest size is
    a cheap window."""
    limit = f"limit {limit}" if limit else ""
    # a lower bound of the window's smallest size: the smallest of the row's calendar year and the year before, which
    # hold the whole window (a prefilter only, so a bound is enough; a windowed minimum over millions of rows is not)
    smallest = "least(this_year.smallest, last_year.smallest)" if "ratio_to_median" in moves else "null::double"
    year_joins = (
        "\n    left join yearly as this_year on this_year.entity = moved.entity and this_year.y = year(moved.day)"
        "\n    left join yearly as last_year on last_year.entity = moved.entity and last_year.y = year(moved.day) - 1"
        if "ratio_to_median" in moves
        else ""
    )
    largest = "max(moved.size) over recent" if "ratio_to_largest" in moves else "null::double"
    window, history, multiple = rules()["window_days"], rules()["history_days"], rules()["multiple"]
    assert window <= 365, "the smallest-size bound covers two calendar years: a window of at most 365 days"
    return f"""
with named as (
    select {entity} as entity, {day} as day, cast({column} as double) as v, _row,
           case when kind_map.mapped_entity is null then '{default_kind}' else kind_map.mapped_kind end as kind
    from batch_view left join kind_map on kind_map.mapped_entity = {entity}
    where {column} is not null and {day} is not null
), incoming as (
    select * from named where kind is not null
), starts as (
    select entity, any_value(kind) as kind, min(day) as first_day from incoming group by entity
), history as (
    select {entity} as entity, {day} as day, cast({column} as double) as v, null::bigint as _row, starts.kind
    from {table.qualified} as r join starts on {entity} = starts.entity
    where r.{column} is not null and r.{day} >= starts.first_day - interval {history} days
      and not exists (select 1 from incoming where incoming.entity = starts.entity and incoming.day = r.{day})
), series as (
    select * from history union all select * from incoming
), with_previous as (
    select series.*, kinds.move, kinds.floor,
           lag(v) over by_day as previous_v, lag(day) over by_day as previous_day
    from series join kinds using (kind)
    window by_day as (partition by entity order by day, _row nulls first)
), moved as (
    select *,
           case move when 'log_pct' then case when v > 0 and previous_v > 0 then 100 * ln(v / previous_v) end
                     when 'bp' then 100 * (v - previous_v)
                     else v - previous_v end as change,
           case when move like 'ratio_to_%' then abs(v) end as size,
           date_diff('day', date '1970-01-01', day) as day_number  -- integer frames are the fast kind
    from with_previous
), yearly as (  -- the smallest positive size per series and calendar year (a grouping, not a window)
    select entity, year(day) as y, min(size) filter (where size > 0) as smallest from moved group by all
), bounded as (
    select moved.*, {smallest} as smallest_size, {largest} as largest_size
    from moved{year_joins}
    window recent as (
        partition by moved.entity order by moved.day_number range between {window} preceding and 1 preceding
    )
), candidates as (
    select * from bounded
    where _row is not null and (
        (move not like 'ratio_to_%' and (abs(change) > floor * {above} or (move = 'log_pct' and v <= 0)))
        or (move = 'ratio_to_median' and size > floor * {above} * smallest_size)
        or (move = 'ratio_to_largest' and size > floor * {above} * largest_size))
), baselines as (
    select candidates._row,
           median(abs(earlier.change)) as usual_change,
           median(earlier.size) filter (where earlier.size > 0) as median_size
    from candidates join moved as earlier on earlier.entity = candidates.entity
     and earlier.day_number between candidates.day_number - {window} and candidates.day_number - 1
    where candidates.move <> 'ratio_to_largest'
    group by candidates._row
), final as (
    select _row, entity, day, v, previous_v, previous_day, move, floor, change, usual_change,
           greatest(floor, {multiple} * coalesce(usual_change, 0)) as limit_value,
           abs(v) / case move when 'ratio_to_largest' then largest_size else median_size end as ratio,
           case when move like 'ratio_to_%' then ratio / floor
                when move = 'log_pct' and v <= 0 then 'infinity'::double
                else abs(change) / limit_value end as headroom_used
    from candidates left join baselines using (_row)
)
select * from final where headroom_used > {above} order by headroom_used desc {limit}
"""


def _describe(row: dict, column: str, source: str) -> str:
    unit = _UNITS.get(row["move"], "")
    accept = f"if it is real, confirm it: stresswatch run --accept '{source}:{row['entity']}@{row['day']}'"
    if row["move"] in _BASELINES:
        return (
            f"{column} {row['v']:.6g} is {row['ratio']:,.0f}x "
            f"{_BASELINES[row['move']]} of the year before (limit {row['floor']:g}x); {accept}"
        )
    if row["move"] == "log_pct" and row["v"] <= 0:
        return f"{column} {row['v']:.6g} is not positive"
    usual = (
        f", {rules()['multiple']}x its median move {row['usual_change']:.3g}"
        if row["usual_change"] is not None and not pd.isna(row["usual_change"])
        else ""
    )
    return (
        f"{column} {row['v']:.6g} after {row['previous_v']:.6g} "
        f"on {row['previous_day']} is a move of {row['change']:+.1f} {unit}, beyond the limit of "
        f"±{row['limit_value']:.1f} {unit} (floor {row['floor']:g}{usual}); {accept}"
    )


def _measured(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    batch: pd.DataFrame | str,
    above: float,
    limit: int | None = None,
) -> Iterator[tuple[str, pd.DataFrame]]:
    """Per measure of the table: the batch rows (by position; by rowid for a staged relation named instead of an
    in-memory batch) using more than `above` of their limit."""
    entity_sql, day_column, naming = _SERIES[table.name]
    con.register("kinds", _kinds_frame())
    try:
        for measure in rules()["measures"].get(table.name, []):
            read = (*naming, day_column, measure["column"])
            if isinstance(batch, str):  # a staging table: its rows stay in DuckDB
                frame = con.sql(f"select {', '.join(read)}, rowid as _row from {batch}")
            else:  # only what the measure reads crosses into DuckDB (a full load's batch has millions of rows)
                frame = pd.DataFrame({name: batch[name].to_numpy() for name in read})
                frame["_row"] = np.arange(len(frame))
            kinds = measure.get("kinds", {})
            kind_map = pd.DataFrame(
                {
                    "mapped_entity": pd.Series(list(kinds), dtype="string"),
                    "mapped_kind": pd.Series(list(kinds.values()), dtype="string"),
                }
            )
            con.register("batch_view", frame)
            con.register("kind_map", kind_map)
            try:
                used = {measure["default_kind"], *(kind for kind in kinds.values() if kind)}
                moves = {rules()["kinds"][kind]["move"] for kind in used}
                found = con.execute(
                    _measure_sql(
                        table, measure["column"], entity_sql, day_column, measure["default_kind"], moves, above, limit
                    )
                ).df()
            finally:
                con.unregister("batch_view")
                con.unregister("kind_map")
            for column in ("day", "previous_day"):
                found[column] = pd.to_datetime(found[column]).dt.date
            yield measure["column"], found
    finally:
        con.unregister("kinds")


def tightest_moves(con: duckdb.DuckDBPyConnection, table: RawTable, batch: pd.DataFrame, count: int) -> pd.DataFrame:
    """The batch's moves closest to their limits (for the benchmark that calibrates the rules on real history)."""
    found = [rows.assign(measure=column) for column, rows in _measured(con, table, batch, 0.0, count)]
    return pd.concat(found).sort_values("headroom_used", ascending=False).head(count) if found else pd.DataFrame()


def find_implausible(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    source: str,
    batch: pd.DataFrame,
    accepted: set[tuple[str, str, date]],
) -> pd.Series:
    """Per batch row, why its value is implausible, or NA: one text column aligned with the batch."""
    verdicts = pd.Series(None, index=batch.index, dtype=object)
    if batch.empty or not checks_table(table):
        return verdicts
    for column, found in _measured(con, table, batch, 1.0):
        for row in found.to_dict("records"):
            if (source, row["entity"], row["day"]) in accepted:
                continue
            position = batch.index[int(row["_row"])]
            text = _describe(row, column, source)
            earlier = verdicts.loc[position]
            verdicts.loc[position] = text if pd.isna(earlier) else f"{earlier}; {text}"
    return verdicts


def implausible_rows(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    source: str,
    relation: str,
    accepted: set[tuple[str, str, date]],
) -> pd.DataFrame:
    """find_implausible for a staged relation: `_row` (its rowid) and `verdict`, for the implausible rows only."""
    verdicts: dict[int, str] = {}
    if checks_table(table):
        for column, found in _measured(con, table, relation, 1.0):
            for row in found.to_dict("records"):
                if (source, row["entity"], row["day"]) not in accepted:
                    text = _describe(row, column, source)
                    position = int(row["_row"])
                    verdicts[position] = f"{verdicts[position]}; {text}" if position in verdicts else text
    return pd.DataFrame({"_row": list(verdicts), "verdict": list(verdicts.values())}, dtype=object)
