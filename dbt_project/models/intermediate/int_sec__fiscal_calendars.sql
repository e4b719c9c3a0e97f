-- each filer's fiscal year end month, read from its latest annual (350-380 day) fact
with

facts as (
    select * from {{ ref('stg_sec__company_facts') }}
),

annual_periods as (
    select
        cik,
        period_end,
        row_number() over (partition by cik order by period_end desc) as recency_rank
    from facts
    where period_days between 350 and 380
),

final as (
    select
        cik,
        month(period_end) as fiscal_year_end_month
    from annual_periods
    where recency_rank = 1
)

select * from final
