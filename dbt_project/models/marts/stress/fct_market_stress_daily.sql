-- The composite stress index on today's data: every value as FRED, Cboe and the price feed give it now, each counted
-- from the evening it was first public (stress_index).
with

stress_index as (
    select * from {{ ref('stress_index') }}
),

final as (
    select * from stress_index
    where value_basis = 'revised'
)

select * from final
