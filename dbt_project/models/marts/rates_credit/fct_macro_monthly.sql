with

observations as (
    select series_id, obs_date, value
    from {{ ref('stg_fred__observations') }}
    where series_id in ('CPILFESL', 'FEDFUNDS', 'USREC')
),

cpi_first_published as (
    -- the day FRED first gave each month's core CPI, where its vintages are kept
    select obs_date as month, min(realtime_start) as first_published_date
    from {{ ref('stg_fred__vintages') }}
    where series_id = 'CPILFESL'
    group by obs_date
),

months as (
    -- every month the core CPI source lists, with or without a value (October 2025 was never published)
    select obs_date as month, value as core_cpi_index
    from observations
    where series_id = 'CPILFESL'
),

other_series as (
    select
        obs_date as month,
        max(case when series_id = 'FEDFUNDS' then value end) as fed_funds_pct,
        max(case when series_id = 'USREC' then value end) as recession_flag
    from observations
    where series_id in ('FEDFUNDS', 'USREC')
    group by obs_date
),

year_earlier as (
    select
        months.month,
        months.core_cpi_index,
        earlier.core_cpi_index as core_cpi_index_12m_earlier
    from months
    left join months as earlier
        on earlier.month = cast({{ dbt.dateadd('month', -12, 'months.month') }} as date)
),

final as (
    select
        year_earlier.month,
        year_earlier.core_cpi_index,
        100 * (year_earlier.core_cpi_index / year_earlier.core_cpi_index_12m_earlier - 1) as core_cpi_yoy_pct,
        -- without vintages, BLS's usual release: by the given day of the next month (var core_cpi_release_day)
        coalesce(
            cpi_first_published.first_published_date,
            cast({{ dbt.dateadd('day', var('core_cpi_release_day') - 1,
                                dbt.dateadd('month', 1, 'year_earlier.month')) }} as date)
        ) as core_cpi_published_date,
        other_series.fed_funds_pct,
        other_series.recession_flag = 1 as is_recession
    from year_earlier
    left join other_series on year_earlier.month = other_series.month
    left join cpi_first_published on year_earlier.month = cpi_first_published.month
)

select * from final
