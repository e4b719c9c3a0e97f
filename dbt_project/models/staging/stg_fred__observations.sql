with

source as (
    select * from {{ source('raw', 'fred_observations') }}
),

renamed as (
    select
        series_id,
        obs_date,
        -- FRED lists holidays and unpublished months (CPI, October 2025) without a value: they stay null.
        cast(value as double) as value,
        realtime_start
    from source
)

select * from renamed
