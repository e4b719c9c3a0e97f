with

equity as (
    select symbol, trade_date, close from {{ ref('fct_equity_daily') }}
),

sessions as (
    select
        symbol,
        trade_date,
        close,
        year(trade_date) as swing_year,
        row_number() over (partition by symbol, year(trade_date) order by close asc, trade_date asc) as low_rank,
        row_number() over (partition by symbol, year(trade_date) order by close desc, trade_date asc) as high_rank,
        row_number() over (partition by symbol order by trade_date desc) as recency_rank
    from equity
),

swings as (
    select
        symbol,
        swing_year,
        max(case when low_rank = 1 then close end) as swing_low,
        max(case when low_rank = 1 then trade_date end) as swing_low_date,
        max(case when high_rank = 1 then close end) as swing_high,
        max(case when high_rank = 1 then trade_date end) as swing_high_date
    from sessions
    group by symbol, swing_year
),

latest as (
    select symbol, close as latest_close, trade_date as latest_trade_date
    from sessions
    where recency_rank = 1
),

final as (
    select
        swings.symbol,
        swings.swing_year,
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
