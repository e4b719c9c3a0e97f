with

equity as (
    select * from {{ ref('fct_equity_daily') }}
),

members as (
    select symbol from {{ ref('universe') }}
    where is_megacap
),

companies as (
    select * from {{ ref('sec_companies') }}
),

shares as (
    select companies.ticker as symbol, facts.period_end as as_of_date, facts.value as shares_outstanding
    from {{ ref('stg_sec__company_facts') }} as facts
    inner join companies on facts.cik = companies.cik
    where facts.taxonomy = 'dei' and facts.concept = 'EntityCommonStockSharesOutstanding'
),

member_sessions as (
    select
        equity.symbol,
        equity.trade_date,
        equity.close,
        equity.return_1d_pct,
        equity.is_below_sma_200d,
        100 * (equity.close / lag(equity.close, 2) over (partition by equity.symbol order by equity.trade_date) - 1)
            as return_2d_pct
    from equity
    inner join members on equity.symbol = members.symbol
),

member_shares as (
    -- the latest share count known on each session (null when the filer's facts are not loaded)
    select
        member_sessions.symbol,
        member_sessions.trade_date,
        shares.shares_outstanding,
        row_number() over (
            partition by member_sessions.symbol, member_sessions.trade_date order by shares.as_of_date desc
        ) as recency_rank
    from member_sessions
    inner join shares
        on member_sessions.symbol = shares.symbol
        and shares.as_of_date <= member_sessions.trade_date
),

member_caps as (
    select
        member_sessions.*,
        member_sessions.close * member_shares.shares_outstanding as market_cap_usd
    from member_sessions
    left join member_shares
        on member_sessions.symbol = member_shares.symbol
        and member_sessions.trade_date = member_shares.trade_date
        and member_shares.recency_rank = 1
),

pair_returns as (
    select
        first_member.symbol as symbol_a,
        second_member.symbol as symbol_b,
        first_member.trade_date,
        first_member.return_1d_pct as return_a_pct,
        second_member.return_1d_pct as return_b_pct
    from member_sessions as first_member
    inner join member_sessions as second_member
        on first_member.trade_date = second_member.trade_date
        and first_member.symbol < second_member.symbol
    where first_member.return_1d_pct is not null
        and second_member.return_1d_pct is not null
),

pair_correlations as (
    select
        trade_date,
        corr(return_a_pct, return_b_pct) over (
            partition by symbol_a, symbol_b order by trade_date
            rows between {{ var('megacap_corr_sessions') - 1 }} preceding and current row
        ) as corr_window,
        count(*) over (
            partition by symbol_a, symbol_b order by trade_date
            rows between {{ var('megacap_corr_sessions') - 1 }} preceding and current row
        ) as n_sessions_window
    from pair_returns
),

daily_correlation as (
    select
        trade_date,
        avg(corr_window) as avg_pairwise_corr_60d
    from pair_correlations
    where n_sessions_window = {{ var('megacap_corr_sessions') }}
    group by trade_date
),

daily_group as (
    select
        trade_date,
        cast(count(*) as integer) as n_members,
        cast(sum(case when is_below_sma_200d then 1 else 0 end) as integer) as n_below_sma_200d,
        stddev_samp(return_1d_pct) as return_dispersion_1d_pct,
        avg(return_2d_pct) as group_return_2d_pct,
        case when count(market_cap_usd) = count(*) then sum(market_cap_usd) end as group_market_cap_usd
    from member_caps
    group by trade_date
),

final as (
    select
        daily_group.trade_date,
        daily_group.n_members,
        daily_group.n_below_sma_200d,
        daily_correlation.avg_pairwise_corr_60d,
        daily_group.return_dispersion_1d_pct,
        daily_group.group_return_2d_pct,
        daily_group.group_market_cap_usd,
        daily_group.group_market_cap_usd
        - lag(daily_group.group_market_cap_usd, 2) over (order by daily_group.trade_date)
            as group_market_cap_change_2d_usd
    from daily_group
    left join daily_correlation on daily_group.trade_date = daily_correlation.trade_date
)

select * from final
