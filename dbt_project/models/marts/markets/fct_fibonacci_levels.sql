{#- delete+insert needs a table format with row-level changes (Delta, Iceberg): Spark's Parquet marts are rebuilt
    whole, which is also what makes each Spark run comparable with a DuckDB full build. -#}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        unique_key=['symbol', 'swing_year'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

-- Incremental: a finished calendar year's swing never changes, so a run recomputes only each symbol's latest built
-- year onwards, carries the earlier swings over, and refreshes the latest close on every row.
with

equity as {{ read_again() }} (
    select symbol, trade_date, close, _built_at from {{ ref('fct_equity_daily') }}
),

-- CTEs chosen by a Jinja block sit at the CTE level, not one indent deeper
-- noqa: disable=LT02
{% if is_incremental() %}

    built_years as (
        select symbol, max(swing_year) as last_built_year
        from {{ this }}
        group by symbol
    ),

    rebased as (
    -- a built swing low no longer equals the equity mart's close that day: the symbol's history was re-based (a
    -- split or dividend, orchestration/ingest/price_basis.py) or corrected, so its years are recomputed, none carried.
    -- A close changes only where the last equity build rewrote the row (as in fct_stress_alerts): only those rows are
    -- compared, a filter on the build stamp that skips the rest of the 60 M
        select distinct built.symbol
        from {{ this }} as built
        inner join equity as rewritten
            on rewritten.symbol = built.symbol
            and rewritten.trade_date = built.swing_low_date
        where rewritten._built_at = (select max(newest._built_at) from equity as newest)
            and rewritten.close is distinct from built.swing_low
    ),

    read_whole as (
    -- a symbol without built years, or re-based, is recomputed from its whole history
        select symbols_in_equity.symbol
        from (select distinct equity.symbol from equity) as symbols_in_equity
        left join built_years on symbols_in_equity.symbol = built_years.symbol
        where built_years.symbol is null
        union
        select rebased.symbol from rebased
    ),

    scoped as (
    -- the rest from their latest built year on: a range join, which DuckDB applies as a filter in the scan
        select equity.*
        from equity
        inner join built_years
            on equity.symbol = built_years.symbol
            and equity.trade_date >= make_date(built_years.last_built_year, 1, 1)
        where equity.symbol not in (select read_whole.symbol from read_whole)
        union all
        select equity.*
        from equity
        inner join read_whole on equity.symbol = read_whole.symbol
    ),

    carried_swings as (
        select
            built.symbol,
            built.swing_year,
            built.swing_low,
            built.swing_low_date,
            built.swing_high,
            built.swing_high_date
        from {{ this }} as built
        inner join built_years on built.symbol = built_years.symbol
        where built.swing_year < built_years.last_built_year
            and built.symbol not in (select rebased.symbol from rebased)
    ),

{% else %}

scoped as (
    select * from equity
),

{% endif %}
-- noqa: enable=LT02

recomputed_swings as (
    -- the first session of the year's lowest and of its highest close, as aggregates over a compound key: one hashed
    -- pass, where ranking every session twice would sort them all (60 M at 8,000 symbols) twice
    select
        symbol,
        year(trade_date) as swing_year,
        min(close) as swing_low,
        min_by(trade_date, {{ sort_key(['close', 'trade_date']) }}) as swing_low_date,
        max(close) as swing_high,
        min_by(trade_date, {{ sort_key(['-close', 'trade_date']) }}) as swing_high_date
    from scoped
    group by symbol, year(trade_date)
),

swings as (
    select * from recomputed_swings
    {% if is_incremental() %}
        union all
        select * from carried_swings
    {% endif %}
),

latest as (
    select
        symbol,
        max_by(close, trade_date) as latest_close,
        max(trade_date) as latest_trade_date
    from scoped
    group by symbol
),

final as (
    select
        swings.symbol,
        cast(swings.swing_year as bigint) as swing_year,
        swings.swing_low,
        swings.swing_low_date,
        swings.swing_high,
        swings.swing_high_date,
        swings.swing_high - 0.236 * (swings.swing_high - swings.swing_low) as level_236,
        swings.swing_high - 0.382 * (swings.swing_high - swings.swing_low) as level_382,
        swings.swing_high - 0.500 * (swings.swing_high - swings.swing_low) as level_500,
        swings.swing_high - 0.618 * (swings.swing_high - swings.swing_low) as level_618,
        latest.latest_close,
        latest.latest_trade_date,
        100 * (latest.latest_close / (swings.swing_high - 0.382 * (swings.swing_high - swings.swing_low)) - 1)
            as latest_vs_level_382_pct
    from swings
    inner join latest on swings.symbol = latest.symbol
)

select * from final
