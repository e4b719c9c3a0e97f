with

source as (
    select * from {{ source('raw', 'sec_company_facts') }}
),

renamed as (
    select
        cik,
        entity_name,
        taxonomy,
        concept,
        unit,
        period_start,
        period_end,
        case when period_start is not null then {{ dbt.datediff('period_start', 'period_end', 'day') }} end  -- noqa: LT05
            as period_days,
        value,
        accession,
        fiscal_year,
        fiscal_period,
        form,
        filed,
        frame
    from source
),

ranked as (
    -- the same fact is repeated by later filings (a 10-K restates the quarters); the latest filing wins
    select
        *,
        count(*) over (
            partition by cik, taxonomy, concept, unit, period_start, period_end
        ) as n_filings,
        min(filed) over (
            partition by cik, taxonomy, concept, unit, period_start, period_end
        ) as first_filed,
        row_number() over (
            partition by cik, taxonomy, concept, unit, period_start, period_end
            order by filed desc, accession desc
        ) as filing_rank
    from renamed
),

final as (
    select
        cik,
        entity_name,
        taxonomy,
        concept,
        unit,
        period_start,
        period_end,
        period_days,
        value,
        accession,
        fiscal_year,
        fiscal_period,
        form,
        filed,
        frame,
        n_filings,
        first_filed
    from ranked
    where filing_rank = 1
)

select * from final
