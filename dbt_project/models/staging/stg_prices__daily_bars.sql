with

source as (
    select * from {{ source('raw', 'price_bars') }}
),

renamed as (
    select
        symbol,
        trade_date,
        cast(open as double) as open,
        cast(high as double) as high,
        cast(low as double) as low,
        cast(close as double) as close,
        cast(volume as double) as volume,
        source as source_file,
        _loaded_at
    from source
    where close is not null
)

select * from renamed
