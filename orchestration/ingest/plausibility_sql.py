"""The plausibility rules as DuckDB statements: a table's measures judged in one windowed pass over their series."""

from __future__ import annotations

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


def measures_sql(
    rules: dict,
    table: RawTable,
    measures: list[dict],
    entity: str,
    day: str,
    moves: set[str],
    with_history: bool,
    above: float = 1.0,
    limit: int | None = None,
) -> str:
    """Moves of the incoming rows against their series (raw's rows the batch does not replace, then the batch) that
    use more than `above` of their limit (1: beyond it), largest first, for the measures given.

    One windowed pass orders each series once for all the measures given, each measure's previous value skipping
    the rows it does not measure (the loader gives one measure at a time: at 60 M bars, a pass holding both close
    and volume spills beyond the memory limit). `with_history` false (raw holds none of the series' last
    `history_days`) leaves out the lookup of the batch's days that replace raw's.

    A windowed median over a full load's millions of rows is the costly part, so it is computed only for the
    candidates that could fail: a change beyond its floor (the limit is never below it), a size beyond the floor
    times the smallest size of the window's two calendar years (the median is never below that); the largest size
    is a cheap window."""
    limit = f"limit {limit}" if limit else ""
    window, history, multiple = rules["window_days"], rules["history_days"], rules["multiple"]
    assert window <= 365, "the smallest-size bound covers two calendar years: a window of at most 365 days"
    numbered = list(enumerate(measures))
    measured = " or ".join(f"(v_{n} is not null and kind_{n} is not null)" for n, _ in numbered)
    values = ", ".join(
        f"cast({m['column']} as double) as v_{n}, {_kind_sql(entity, m)} as kind_{n}" for n, m in numbered
    )
    # a raw value of a day the batch brings a value for (of the same measure) is replaced: not history
    replaced = (
        "exists (select 1 from incoming where incoming.entity = starts.entity and incoming.day = r.{day} "
        "and incoming.v_{n} is not null and incoming.kind_{n} is not null)"
    )
    kept = ", ".join(
        f"case when not {replaced.format(day=day, n=n)} then cast(r.{m['column']} as double) end as v_{n}, "
        f"{_kind_sql(entity, m)} as kind_{n}"
        for n, m in numbered
    )
    history_cte = (
        f"""history as (
    select {entity} as entity, r.{day} as day, null::bigint as _row, {kept}
    from {table.qualified} as r join starts on {entity} = starts.entity
    where r.{day} >= starts.first_day - interval {history} days
), series as (
    select * from history union all select * from incoming
)"""
        if with_history
        else "series as (select * from incoming)"
    )
    previous = ", ".join(
        f"lag(v_{n} ignore nulls) over by_day as previous_v_{n}, "
        f"lag(case when v_{n} is not null then day end ignore nulls) over by_day as previous_day_{n}"
        for n, _ in numbered
    )
    per_measure = "\n    union all\n    ".join(
        f"select entity, day, _row, {_quoted(m['column'])} as measure, v_{n} as v, kind_{n} as kind, "
        f"previous_v_{n} as previous_v, previous_day_{n} as previous_day "
        f"from with_previous where v_{n} is not null and kind_{n} is not null"
        for n, m in numbered
    )
    # a lower bound of the window's smallest size: the smallest of the row's calendar year and the year before, which
    # hold the whole window (a prefilter only, so a bound is enough; a windowed minimum over millions of rows is not)
    largest = "max(size) over recent" if "ratio_to_largest" in moves else "null::double"
    return f"""
with named as (
    select {entity} as entity, {day} as day, _row, {values}
    from batch_view
    where {day} is not null
), incoming as (
    select * from named where {measured}
), starts as (
    select entity, min(day) as first_day from incoming group by entity
), {history_cte}, with_previous as (
    select *, {previous}
    from series
    window by_day as (partition by entity order by day, _row nulls first)
), per_measure as (
    {per_measure}
), moved as (
    select per_measure.*, kinds.move, kinds.floor,
           case move when 'log_pct' then case when v > 0 and previous_v > 0 then 100 * ln(v / previous_v) end
                     when 'bp' then 100 * (v - previous_v)
                     else v - previous_v end as change,
           case when move like 'ratio_to_%' then abs(v) end as size,
           date_diff('day', date '1970-01-01', day) as day_number  -- integer frames are the fast kind
    from per_measure join kinds using (kind)
), yearly as (  -- the smallest positive size per series and calendar year (a grouping, not a window)
    select measure, entity, year(day) as y, min(size) filter (where size > 0) as smallest
    from moved where move = 'ratio_to_median' group by all
), against_median as (
    select moved.*, least(this_year.smallest, last_year.smallest) as smallest_size, null::double as largest_size
    from moved
    left join yearly as this_year
      on this_year.measure = moved.measure and this_year.entity = moved.entity and this_year.y = year(moved.day)
    left join yearly as last_year
      on last_year.measure = moved.measure and last_year.entity = moved.entity and last_year.y = year(moved.day) - 1
    where moved.move = 'ratio_to_median'
), against_others as (
    select *, null::double as smallest_size, {largest} as largest_size
    from moved where move <> 'ratio_to_median'
    window recent as (partition by measure, entity order by day_number range between {window} preceding and 1 preceding)
), bounded as (
    select * from against_median union all select * from against_others
), candidates as (
    select * from bounded
    where _row is not null and (
        (move not like 'ratio_to_%' and (abs(change) > floor * {above} or (move = 'log_pct' and v <= 0)))
        or (move = 'ratio_to_median' and size > floor * {above} * smallest_size)
        or (move = 'ratio_to_largest' and size > floor * {above} * largest_size))
), baselines as (
    select candidates.measure, candidates._row,
           median(abs(earlier.change)) as usual_change,
           median(earlier.size) filter (where earlier.size > 0) as median_size
    from candidates join moved as earlier
      on earlier.measure = candidates.measure and earlier.entity = candidates.entity
     and earlier.day_number between candidates.day_number - {window} and candidates.day_number - 1
    where candidates.move <> 'ratio_to_largest'
    group by candidates.measure, candidates._row
), final as (
    select measure, _row, entity, day, v, previous_v, previous_day, move, floor, change, usual_change,
           greatest(floor, {multiple} * coalesce(usual_change, 0)) as limit_value,
           abs(v) / case move when 'ratio_to_largest' then largest_size else median_size end as ratio,
           case when move like 'ratio_to_%' then ratio / floor
                when move = 'log_pct' and v <= 0 then 'infinity'::double
                else abs(change) / limit_value end as headroom_used
    from candidates left join baselines using (measure, _row)
)
select * from final where headroom_used > {above} order by headroom_used desc {limit}
"""
