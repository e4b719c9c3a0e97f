-- The composite stress index as first published: each FRED value as its first vintage gave it (ALFRED, where raw
-- keeps vintages), counted from that vintage's day, so the index of an evening is what that evening could compute.
-- Equal to fct_market_stress_daily where no value was revised; for backtests.
with

stress_index as (
    select * from {{ ref('stress_index') }}
),

final as (
    select * from stress_index
    where value_basis = 'first_release'
)

select * from final
