-- Every stress component on the sessions its value was public, oriented so that a higher value means more stress.
-- Categories follow the OFR Financial Stress Index: volatility, credit, equity, safe_assets, funding.
with

equity as (
    select * from {{ ref('fct_equity_daily') }}
),

rates as (
    select * from {{ ref('fct_rates_daily') }}
),

credit as (
    select * from {{ ref('fct_credit_spreads_daily') }}
),

megacaps as (
    select * from {{ ref('fct_megacap_daily') }}
),

macro as (
    select * from {{ ref('fct_macro_monthly') }}
),

vix as (
    select trade_date as obs_date, 'vix_level' as component, 'volatility' as category, close as value
    from equity
    where symbol = 'VIX'
),

spreads as (
    select obs_date, 'hy_oas_level' as component, 'credit' as category, hy_oas_bp as value from credit
    union all
    select obs_date, 'ig_oas_level', 'credit', ig_oas_bp from credit where ig_oas_bp is not null
    union all
    select obs_date, 'hy_oas_change_3d', 'credit', hy_oas_change_3d_bp from credit where hy_oas_change_3d_bp is not null
),

stocks as (
    -- the depth of the S&P 500's drawdown, its distance below the 200-day average, mega-caps moving as one
    select trade_date as obs_date, 'spx_drawdown' as component, 'equity' as category, -drawdown_252d_pct as value
    from equity
    where symbol = '^GSPC' and drawdown_252d_pct is not null
    union all
    select trade_date, 'spx_below_sma_200d', 'equity', -100 * (close / sma_200d - 1)
    from equity
    where symbol = '^GSPC' and sma_200d is not null
    union all
    select trade_date, 'megacap_correlation', 'equity', avg_pairwise_corr_60d
    from megacaps
    where avg_pairwise_corr_60d is not null
),

breakeven_sessions as (
    select
        obs_date,
        breakeven_10y_pct,
        lag(breakeven_10y_pct, 20) over (order by obs_date) as breakeven_20_sessions_earlier_pct
    from rates
    where breakeven_10y_pct is not null
),

safe_assets as (
    -- large 10-year moves either way, an inverted curve, and unanchoring inflation expectations
    select obs_date, 'ust_10y_move_5d' as component, 'safe_assets' as category, abs(ust_10y_change_5d_bp) as value
    from rates
    where ust_10y_change_5d_bp is not null
    union all
    select obs_date, 'curve_inversion', 'safe_assets', -curve_10y_2y_bp
    from rates
    where curve_10y_2y_bp is not null
    union all
    select obs_date, 'breakeven_move_20d', 'safe_assets',
        abs(100 * (breakeven_10y_pct - breakeven_20_sessions_earlier_pct))
    from breakeven_sessions
    where breakeven_20_sessions_earlier_pct is not null
),

fed_funds_known as (
    -- a monthly average is published after its month ends: day t uses the previous month's value
    select
        cast({{ dbt.dateadd('month', 1, 'month') }} as date) as known_from_month,
        fed_funds_pct
    from macro
    where fed_funds_pct is not null
),

funding as (
    -- the 2-year yield far below the policy rate prices emergency cuts
    select
        rates.obs_date,
        'fed_funds_minus_2y' as component,
        'funding' as category,
        100 * (fed_funds_known.fed_funds_pct - rates.ust_2y_pct) as value
    from rates
    inner join fed_funds_known
        on fed_funds_known.known_from_month = cast({{ dbt.date_trunc('month', 'rates.obs_date') }} as date)
    where rates.ust_2y_pct is not null
),

fred_components as (
    -- dated by their observation: what FRED says about that day
    select * from spreads
    union all select * from safe_assets
    union all select * from funding
),

fred_published as (
    -- FRED publishes a daily value the next business day (ICE's spreads, the Fed's yields): a value enters the
    -- index on the date of the series' next row, and the newest one on the next calendar day (the next session
    -- that forward filling reaches), so the index of an evening uses only what was public that evening
    select
        coalesce(
            lead(obs_date) over (partition by component order by obs_date),
            cast({{ dbt.dateadd('day', 1, 'obs_date') }} as date)
        ) as obs_date,
        component,
        category,
        value
    from fred_components
),

final as (
    -- Cboe's VIX and the price feed's bars are public the evening of their session
    select * from vix
    union all select * from stocks
    union all select * from fred_published
)

select * from final
