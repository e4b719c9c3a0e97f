with

source as (
    select * from {{ source('raw', 'fred_vintages') }}
),

renamed as (
    select
        series_id,
        obs_date,
        realtime_start,
        realtime_end,
        cast(value as double) as value
    from source
)

select * from renamed
