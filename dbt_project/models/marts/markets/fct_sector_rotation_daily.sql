with

equity as (
    select symbol, trade_date, close from {{ ref('fct_equity_daily') }}
    where symbol in ('XLP', 'XLU', 'XLK')
),

returns as (
    select
        symbol,
        trade_date,
        100 * (
            close / lag(close, {{ var('rotation_short_sessions') }}) over (partition by symbol order by trade_date) - 1
        ) as return_5d_pct,
        100 * (
            close / lag(close, {{ var('rotation_long_sessions') }}) over (partition by symbol order by trade_date) - 1
        ) as return_20d_pct
    from equity
),

pivoted as (
    select
        trade_date,
        max(case when symbol = 'XLP' then return_5d_pct end) as staples_return_5d_pct,
        max(case when symbol = 'XLU' then return_5d_pct end) as utilities_return_5d_pct,
        max(case when symbol = 'XLK' then return_5d_pct end) as tech_return_5d_pct,
        max(case when symbol = 'XLP' then return_20d_pct end) as staples_return_20d_pct,
        max(case when symbol = 'XLU' then return_20d_pct end) as utilities_return_20d_pct,
        max(case when symbol = 'XLK' then return_20d_pct end) as tech_return_20d_pct,
        count(*) as n_funds
    from returns
    group by trade_date
),

final as (
    select
        trade_date,
        staples_return_5d_pct,
        utilities_return_5d_pct,
        tech_return_5d_pct,
        (staples_return_5d_pct + utilities_return_5d_pct) / 2 - tech_return_5d_pct as defensive_vs_tech_5d_pp,
        (staples_return_20d_pct + utilities_return_20d_pct) / 2 - tech_return_20d_pct as defensive_vs_tech_20d_pp
    from pivoted
    where n_funds = 3
)

select * from final
