"""The plausibility rules as DuckDB statements: one measure of a table judged in one windowed pass over its series."""

from __future__ import annotations

from datetime import date

from orchestration.ingest.raw_tables import RawTable


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _kind_sql(entity: str, measure: dict) -> str:
    """The measure's kind of a series, by its name: its own kind where the rules name one (null: not measured)."""
    kinds = measure.get("kinds", {})
    default = _quoted(measure["default_kind"])
    if not kinds:
        return default
    named = " ".join(f"when {_quoted(name)} then {_quoted(kind) if kind else 'null'}" for name, kind in kinds.items())
    return f"case {entity} {named} else {default} end"


RATIO_MOVES = {"ratio_to_median", "ratio_to_largest"}  # a size against a baseline: no previous value needed


def _case(kinds: dict, used: set[str], field: str, literal) -> str:
    """A kind's move or floor as SQL over the series' `kind` (an inline CASE: no join of millions of rows)."""
    branches = " ".join(f"when {_quoted(name)} then {literal(kinds[name][field])}" for name in sorted(used))
    return f"case kind {branches} end"


def _previous(series: str, moves: set[str], streamed: bool) -> str:
    """`series` with each value's previous one in its series (and that row's `_row` when streamed).

    The previous value costs a sort of every series by day: a measure whose moves are all sizes against a baseline
    (volume, company facts) reads none, and skips it. Rows already in key order (`streamed`: each series one run of
    ascending days, key_order.py) read it from the row before, in one streaming pass without a sort; the row before's
    `_row` proves that order held (measure_sql reports a row that streamed out of order)."""
    if not moves - RATIO_MOVES:
        return f"""select *, null::double as previous_v, null::date as previous_day, null::bigint as previous_row
        from {series}"""
    if streamed:
        return f"""select *, case when lag(entity) over () = entity then lag(v) over () end as previous_v,
               case when lag(entity) over () = entity then lag(day) over () end as previous_day,
               lag(_row) over () as previous_row
        from {series}"""
    return f"""select *, lag(v) over by_day as previous_v, lag(day) over by_day as previous_day,
           null::bigint as previous_row
    from {series} window by_day as (partition by entity order by day, _row nulls first)"""


def _moved(series: str, rules: dict, measure: dict, used: set[str], moves: set[str], streamed: bool) -> str:
    """Each value of `series` with its kind, move, floor, change from the previous value, size and day number.

    The kind follows from the series' name, after the previous value is found: a sort carries only what it orders
    and the value."""
    kinds = rules["kinds"]
    previous = _previous(series, moves, streamed)
    return f"""select *,
           case move when 'log_pct' then case when v > 0 and previous_v > 0 then 100 * ln(v / previous_v) end
                     when 'bp' then 100 * (v - previous_v)
                     else v - previous_v end as change,
           case when move like 'ratio_to_%' then abs(v) end as size,
           date_diff('day', date '1970-01-01', day) as day_number  -- integer frames are the fast kind
    from (select *, {_case(kinds, used, "move", _quoted)} as move, {_case(kinds, used, "floor", float)} as floor
          from (select *, {_kind_sql("entity", measure)} as kind from ({previous})))"""


# The size bounds, a prefilter only (a bound is enough; a windowed minimum over millions of rows is not): against the
# median, the smallest size of the row's calendar year and the year before, which hold the whole window; only the
# rows of a year whose largest size is beyond that bound are joined to it. Against the largest, the largest size of
# the window itself (a cheap window).
def _against_median(above: float) -> str:
    return f"""yearly as (  -- per series and calendar year: its smallest positive and its largest size (a grouping)
    select entity, year(day) as y, min(size) filter (where size > 0) as smallest, max(size) as largest,
           any_value(floor) as floor  -- a series' kind, and so its floor, is one (it is named by the series)
    from moved where move = 'ratio_to_median' group by all
), suspect_years as (
    select this_year.entity, this_year.y, least(this_year.smallest, last_year.smallest) as smallest_size
    from yearly as this_year
    left join yearly as last_year on last_year.entity = this_year.entity and last_year.y = this_year.y - 1
    where this_year.largest > this_year.floor * {above} * least(this_year.smallest, last_year.smallest)
), against_median as (
    select moved.*, suspect_years.smallest_size, null::double as largest_size
    from moved join suspect_years on suspect_years.entity = moved.entity and suspect_years.y = year(moved.day)
    where moved.move = 'ratio_to_median'
)"""


def _against_others(window: int, with_largest: bool) -> str:
    largest = "max(size) over recent" if with_largest else "null::double"
    return f"""against_others as (
    select *, null::double as smallest_size, {largest} as largest_size
    from moved where move <> 'ratio_to_median'
    window recent as (partition by entity order by day_number range between {window} preceding and 1 preceding)
)"""


def measure_sql(
    rules: dict,
    table: RawTable,
    measure: dict,
    entity: str,
    day: str,
    with_history: bool,
    above: float = 1.0,
    limit: int | None = None,
    streamed: bool = False,
    history_from: date | None = None,
) -> str:
    """Moves of the incoming rows' values of one measure against their series (raw's values the batch does not
    replace, then the batch's) that use more than `above` of their limit (1: beyond it), largest first.

    One statement per measure, each ordering its own series (at 60 M bars, one pass holding close and volume together
    spills beyond the memory limit). `with_history` false (raw holds none of the series' last `history_days`) leaves
    out the lookup of the batch's days that replace raw's.

    A windowed median over a full load's millions of rows is the costly part, so it is computed only for the
    candidates that could fail: a change beyond its floor (the limit is never below it), a size beyond the floor
    times the smallest size of the window's two calendar years (the median is never below that); the largest size
    is a cheap window. The moves are stored for the baselines only when computing them again would sort again.

    `streamed`: the batch's rows are in key order and raw's history is not read, so each previous value is the row
    before's (no sort). A row found out of order comes back with `out_of_order` set: the caller judges again sorted.
    `history_from`: the batch's first day less `history_days`, when the caller knows it."""
    limit = f"limit {limit}" if limit else ""
    # the earliest history any series reads: a literal (`history_from`) DuckDB filters raw's scan with
    earliest = (
        f"date '{history_from.isoformat()}'"
        if history_from
        else f"(select min(first_day) from starts) - interval {rules['history_days']} days"
    )
    window, history, multiple = rules["window_days"], rules["history_days"], rules["multiple"]
    assert window <= 365, "the smallest-size bound covers two calendar years: a window of at most 365 days"
    column, kind = measure["column"], _kind_sql(entity, measure)
    used = {named for named in (measure["default_kind"], *measure.get("kinds", {}).values()) if named}
    moves = {rules["kinds"][named]["move"] for named in used}
    # the moves of a measure that sorts (a previous value) are stored, for the candidates' baselines to read; without
    # a sort they are a scan, read again rather than stored (60 M rows)
    stored = "materialized" if moves - RATIO_MOVES and not streamed else "not materialized"
    assert not (streamed and with_history), "raw's history joins the batch's rows out of key order"
    # changes from a previous value only (no size against a baseline): the incoming rows' previous values are among
    # raw's rows from each series' first incoming day on and the one just before, so only those are sorted; the
    # whole history is sorted only for the series of a candidate, whose baseline reads it (a daily batch at 8,000
    # symbols: 80 k rows sorted instead of 4.2 M)
    near_only = with_history and not moves & RATIO_MOVES
    history_cte = (
        f"""history as not materialized (  -- a raw value of a day the batch brings a value for is replaced: not history
    select {entity} as entity, r.{day} as day, null::bigint as _row, cast(r.{column} as double) as v
    from {table.qualified} as r join starts on {entity} = starts.entity
    where r.{day} >= starts.first_day - interval {history} days and r.{column} is not null and {kind} is not null
      -- the same bound for the earliest series: a filter on the scan, before the join (a daily batch's series
      -- all start near tonight, so millions of older rows never reach the join)
      and r.{day} >= {earliest}
      and not exists (select 1 from incoming where incoming.entity = starts.entity and incoming.day = r.{day})
), series as (
    select * from {"near_history" if near_only else "history"} union all select * from incoming
)"""
        if with_history
        else "series as (select * from incoming)"
    )
    if near_only:
        history_cte = history_cte.replace(
            "), series as (",
            """), near_history as (  -- raw's rows among which the incoming rows' previous values are
    select history.* from history join starts using (entity) where history.day >= starts.first_day
    union all
    select history.entity, max(history.day), null::bigint, arg_max(history.v, history.day)
    from history join starts using (entity) where history.day < starts.first_day
    group by history.entity
), series as (""",
        )
    # a candidate's baseline: the changes of its series' whole history (only the candidates' series, when near_only)
    earlier_moves = (
        f"""candidate_series as (
    select * from history where entity in (select entity from candidates)
    union all select * from incoming where entity in (select entity from candidates)
), earlier_moves as (
    {_moved("candidate_series", rules, measure, used, moves, streamed)}
), """
        if near_only
        else ""
    )
    bounded = {}  # the CTE ending each move's chain -> its chain, unioned below
    if "ratio_to_median" in moves:
        bounded["against_median"] = _against_median(above)
    if moves - {"ratio_to_median"}:
        bounded["against_others"] = _against_others(window, with_largest="ratio_to_largest" in moves)
    return f"""
with incoming as not materialized (
    select {entity} as entity, {day} as day, _row, cast({column} as double) as v
    from batch_view
    where {day} is not null and {column} is not null and {kind} is not null
), starts as (
    select entity, min(day) as first_day from incoming group by entity
), {history_cte}, moved as {stored} (
    {_moved("series", rules, measure, used, moves, streamed)}
), {", ".join(bounded.values())}, bounded as (
    {" union all ".join(f"select * from {name}" for name in bounded)}
), candidates as materialized (  -- stored after the filter: read twice below, and a handful of rows
    select * from bounded
    where _row is not null and (
        previous_row >= _row  -- streamed out of key order: reported, never judged
        or (move not like 'ratio_to_%' and (abs(change) > floor * {above} or (move = 'log_pct' and v <= 0)))
        or (move = 'ratio_to_median' and size > floor * {above} * smallest_size)
        or (move = 'ratio_to_largest' and size > floor * {above} * largest_size))
), {earlier_moves}baselines as (
    select candidates._row,
           median(abs(earlier.change)) as usual_change,
           median(earlier.size) filter (where earlier.size > 0) as median_size
    from candidates join {"earlier_moves" if near_only else "moved"} as earlier
      on earlier.entity = candidates.entity
     and earlier.day_number between candidates.day_number - {window} and candidates.day_number - 1
    where candidates.move <> 'ratio_to_largest'
    group by candidates._row
), final as (
    select _row, entity, day, v, previous_v, previous_day, move, floor, change, usual_change,
           greatest(floor, {multiple} * coalesce(usual_change, 0)) as limit_value,
           abs(v) / case move when 'ratio_to_largest' then largest_size else median_size end as ratio,
           coalesce(previous_row >= _row, false) as out_of_order,
           case when out_of_order then 'infinity'::double
                when move like 'ratio_to_%' then ratio / floor
                when move = 'log_pct' and v <= 0 then 'infinity'::double
                else abs(change) / limit_value end as headroom_used
    from candidates left join baselines using (_row)
)
select * from final where headroom_used > {above} order by headroom_used desc {limit}
"""
