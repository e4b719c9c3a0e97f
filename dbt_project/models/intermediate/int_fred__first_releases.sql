-- Each FRED observation as first published: the first vintage ALFRED kept for it (raw.fred_vintages, live mode or
-- alfred/ files), its value and the day it became FRED's answer. No row where raw has no vintage of it.
with

vintages as (
    select * from {{ ref('stg_fred__vintages') }}
),

final as (
    select
        series_id,
        obs_date,
        min(realtime_start) as first_public_on,
        min_by(value, realtime_start) as first_value
    from vintages
    group by series_id, obs_date
)

select * from final
