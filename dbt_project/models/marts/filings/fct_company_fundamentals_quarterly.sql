with

flows as (
    select * from {{ ref('int_sec__quarterly_flows') }}
),

calendars as (
    select * from {{ ref('int_sec__fiscal_calendars') }}
),

facts as (
    select * from {{ ref('stg_sec__company_facts') }}
),

companies as (
    select * from {{ ref('sec_companies') }}
),

prices as (
    select symbol, trade_date, close from {{ ref('stg_prices__daily_bars') }}
),

quarters as (
    select
        cik,
        period_start,
        period_end,
        max(case when concept = 'RevenueFromContractWithCustomerExcludingAssessedTax' then value end)
            as revenue_from_contracts_usd,
        max(case when concept = 'Revenues' then value end) as revenues_usd,
        max(case when concept = 'GrossProfit' then value end) as gross_profit_reported_usd,
        max(case when concept = 'CostOfRevenue' then value end) as cost_of_revenue_usd,
        max(case when concept = 'CostOfGoodsAndServicesSold' then value end) as cost_of_goods_sold_usd,
        max(case when is_derived then 1 else 0 end) = 1 as is_derived_fourth_quarter,
        max(first_filed) as filed
    from flows
    group by cik, period_start, period_end
),

measures as (
    select
        cik,
        period_start,
        period_end,
        is_derived_fourth_quarter,
        filed,
        coalesce(revenue_from_contracts_usd, revenues_usd) as revenue_usd,
        -- filers without a GrossProfit tag (Alphabet, say) report revenue and cost of revenue
        coalesce(
            gross_profit_reported_usd,
            coalesce(revenue_from_contracts_usd, revenues_usd) - coalesce(cost_of_revenue_usd, cost_of_goods_sold_usd)
        ) as gross_profit_usd
    from quarters
),

fiscal_labels as (
    -- shift each period end so that the fiscal year ends in December, then read year and quarter off it
    select
        measures.*,
        cast({{ dbt.dateadd('month', '12 - coalesce(calendars.fiscal_year_end_month, 12)',
                            dbt.dateadd('day', -15, 'measures.period_end')) }} as date) as fiscal_shifted_date
    from measures
    left join calendars on measures.cik = calendars.cik
),

labelled as (
    select
        *,
        year(fiscal_shifted_date) as fiscal_year,
        'Q' || cast(cast(ceil(month(fiscal_shifted_date) / 3.0) as integer) as {{ dbt.type_string() }})
            as fiscal_period,
        100 * gross_profit_usd / nullif(revenue_usd, 0) as gross_margin_pct
    from fiscal_labels
),

previous_quarters as (
    select
        *,
        lag(gross_margin_pct) over (partition by cik order by period_end) as previous_gross_margin_pct,
        lag(period_end) over (partition by cik order by period_end) as previous_period_end
    from labelled
),

shares as (
    select cik, period_end as as_of_date, value as shares_outstanding
    from facts
    where taxonomy = 'dei' and concept = 'EntityCommonStockSharesOutstanding'
),

shares_at_period_end as (
    -- the latest cover-page share count dated on or before the period end
    select
        previous_quarters.cik,
        previous_quarters.period_end,
        shares.shares_outstanding,
        row_number() over (
            partition by previous_quarters.cik, previous_quarters.period_end order by shares.as_of_date desc
        ) as recency_rank
    from previous_quarters
    inner join shares
        on previous_quarters.cik = shares.cik
        and shares.as_of_date <= previous_quarters.period_end
),

close_at_period_end as (
    select
        companies.cik,
        previous_quarters.period_end,
        prices.close,
        row_number() over (
            partition by companies.cik, previous_quarters.period_end order by prices.trade_date desc
        ) as recency_rank
    from previous_quarters
    inner join companies on previous_quarters.cik = companies.cik
    inner join prices
        on prices.symbol = companies.ticker
        and prices.trade_date <= previous_quarters.period_end
        and prices.trade_date > cast({{ dbt.dateadd('day', -10, 'previous_quarters.period_end') }} as date)
),

final as (
    select
        previous_quarters.cik,
        previous_quarters.period_end,
        previous_quarters.period_start,
        previous_quarters.fiscal_year,
        previous_quarters.fiscal_period,
        previous_quarters.is_derived_fourth_quarter,
        previous_quarters.filed,
        previous_quarters.revenue_usd,
        previous_quarters.gross_profit_usd,
        previous_quarters.gross_margin_pct,
        case
            when {{ dbt.datediff('previous_quarters.previous_period_end', 'previous_quarters.period_end', 'day') }}
                between 80 and 100
                then 100 * (previous_quarters.gross_margin_pct - previous_quarters.previous_gross_margin_pct)
        end as gross_margin_change_qoq_bp,
        shares_at_period_end.shares_outstanding,
        close_at_period_end.close * shares_at_period_end.shares_outstanding as market_cap_usd
    from previous_quarters
    left join shares_at_period_end
        on previous_quarters.cik = shares_at_period_end.cik
        and previous_quarters.period_end = shares_at_period_end.period_end
        and shares_at_period_end.recency_rank = 1
    left join close_at_period_end
        on previous_quarters.cik = close_at_period_end.cik
        and previous_quarters.period_end = close_at_period_end.period_end
        and close_at_period_end.recency_rank = 1
)

select * from final
