-- quarterly values of the flow concepts (revenue, cost of revenue, gross profit): reported quarters of 80-100 days,
-- plus a derived fourth quarter (fiscal year minus its three quarters) where the filer reports only the year
with

facts as (
    select * from {{ ref('stg_sec__company_facts') }}
    where taxonomy = 'us-gaap'
        and unit = 'USD'
        and period_start is not null
        and concept in (
            'RevenueFromContractWithCustomerExcludingAssessedTax',
            'Revenues',
            'GrossProfit',
            'CostOfRevenue',
            'CostOfGoodsAndServicesSold'
        )
),

reported_quarters as (
    select cik, concept, period_start, period_end, value, first_filed, false as is_derived
    from facts
    where period_days between 80 and 100
),

fiscal_years as (
    select cik, concept, period_start, period_end, value, first_filed
    from facts
    where period_days between 350 and 380
),

quarters_in_year as (
    select
        fiscal_years.cik,
        fiscal_years.concept,
        fiscal_years.period_start as year_start,
        fiscal_years.period_end as year_end,
        fiscal_years.value as year_value,
        fiscal_years.first_filed as year_first_filed,
        count(*) as n_quarters,
        sum(reported_quarters.value) as quarters_value,
        max(reported_quarters.period_end) as last_quarter_end
    from fiscal_years
    inner join reported_quarters
        on fiscal_years.cik = reported_quarters.cik
        and fiscal_years.concept = reported_quarters.concept
        and reported_quarters.period_start >= fiscal_years.period_start
        and reported_quarters.period_end <= fiscal_years.period_end
    group by 1, 2, 3, 4, 5, 6
),

derived_fourth_quarters as (
    select
        cik,
        concept,
        cast({{ dbt.dateadd('day', 1, 'last_quarter_end') }} as date) as period_start,
        year_end as period_end,
        year_value - quarters_value as value,
        year_first_filed as first_filed,
        true as is_derived
    from quarters_in_year
    where n_quarters = 3
        and last_quarter_end < year_end
),

final as (
    select * from reported_quarters
    union all
    select * from derived_fourth_quarters
)

select * from final
