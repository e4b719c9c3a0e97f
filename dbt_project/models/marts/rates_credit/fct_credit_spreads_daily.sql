with

observations as (
    select series_id, obs_date, value
    from {{ ref('stg_fred__observations') }}
    where series_id in ('BAMLH0A0HYM2', 'BAMLC0A0CM')
        and value is not null
),

pivoted as (
    select
        obs_date,
        100 * max(case when series_id = 'BAMLH0A0HYM2' then value end) as hy_oas_bp,
        100 * max(case when series_id = 'BAMLC0A0CM' then value end) as ig_oas_bp
    from observations
    group by obs_date
),

high_yield_sessions as (
    select * from pivoted
    where hy_oas_bp is not null
),

session_windows as (
    select
        *,
        lag(hy_oas_bp, 1) over (order by obs_date) as hy_oas_1_session_earlier_bp,
        lag(hy_oas_bp, 3) over (order by obs_date) as hy_oas_3_sessions_earlier_bp,
        lag(ig_oas_bp, 3) over (order by obs_date) as ig_oas_3_sessions_earlier_bp,
        avg(hy_oas_bp) over (
            order by obs_date
            rows between {{ var('hy_zscore_sessions') - 1 }} preceding and current row
        ) as hy_oas_window_mean_bp,
        stddev_samp(hy_oas_bp) over (
            order by obs_date
            rows between {{ var('hy_zscore_sessions') - 1 }} preceding and current row
        ) as hy_oas_window_stddev_bp,
        count(hy_oas_bp) over (
            order by obs_date
            rows between {{ var('hy_zscore_sessions') - 1 }} preceding and current row
        ) as n_sessions_window
    from high_yield_sessions
),

final as (
    select
        obs_date,
        hy_oas_bp,
        ig_oas_bp,
        hy_oas_bp - hy_oas_1_session_earlier_bp as hy_oas_change_1d_bp,
        hy_oas_bp - hy_oas_3_sessions_earlier_bp as hy_oas_change_3d_bp,
        ig_oas_bp - ig_oas_3_sessions_earlier_bp as ig_oas_change_3d_bp,
        case
            when n_sessions_window = {{ var('hy_zscore_sessions') }} and hy_oas_window_stddev_bp > 0
                then (hy_oas_bp - hy_oas_window_mean_bp) / hy_oas_window_stddev_bp
        end as hy_oas_zscore_252d
    from session_windows
)

select * from final
