-- Each component standardized point-in-time: against the mean and sample standard deviation of its own history up
-- to and including the day (an expanding window), never the full sample; null until it has enough history.
-- The running sums are exact decimals: a floating-point running sum depends on the order the engine adds in, which
-- changes with the length of the history, and then appending data would move earlier values in the last digit.
with

component_values as (
    select * from {{ ref('stress_component_values') }}
),

quantized as (
    select
        basis,
        obs_date,
        component,
        category,
        value,
        cast(value as decimal(38, 6)) as value_exact
    from component_values
),

expanding as (
    select
        *,
        sum(value_exact) over (
            partition by basis, component order by obs_date rows between unbounded preceding and current row
        ) as history_sum,
        sum(value_exact * value_exact) over (
            partition by basis, component order by obs_date rows between unbounded preceding and current row
        ) as history_sum_of_squares,
        count(value_exact) over (
            partition by basis, component order by obs_date rows between unbounded preceding and current row
        ) as history_sessions
    from quantized
),

moments as (
    select
        basis,
        obs_date,
        component,
        category,
        value,
        cast(value_exact as double) as value_used,
        history_sessions,
        cast(history_sum as double) / history_sessions as history_mean,
        case
            when history_sessions > 1
                then (
                    cast(history_sum_of_squares as double)
                    - cast(history_sum as double) * cast(history_sum as double) / history_sessions
                )
                / (history_sessions - 1)
        end as history_variance
    from expanding
),

final as (
    select
        basis,
        obs_date,
        component,
        category,
        value,
        case
            when history_sessions >= {{ var('stress_min_history_sessions') }} and history_variance > 0
                then (value_used - history_mean) / sqrt(history_variance)
        end as score
    from moments
)

select * from final
