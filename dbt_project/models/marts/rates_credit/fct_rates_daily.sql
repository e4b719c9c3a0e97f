with

observations as (
    select series_id, obs_date, value
    from {{ ref('stg_fred__observations') }}
    where series_id in ('DGS2', 'DGS10', 'DGS30', 'T10YIE')
        and value is not null
),

pivoted as (
    select
        obs_date,
        max(case when series_id = 'DGS2' then value end) as ust_2y_pct,
        max(case when series_id = 'DGS10' then value end) as ust_10y_pct,
        max(case when series_id = 'DGS30' then value end) as ust_30y_pct,
        max(case when series_id = 'T10YIE' then value end) as breakeven_10y_pct
    from observations
    group by obs_date
),

ten_year_sessions as (
    select * from pivoted
    where ust_10y_pct is not null
),

ten_year_changes as (
    select
        *,
        100 * (ust_10y_pct - lag(ust_10y_pct) over (order by obs_date)) as ust_10y_change_1d_bp
    from ten_year_sessions
),

session_windows as (
    select
        *,
        lag(ust_10y_pct, {{ var('ust_change_sessions') }}) over (order by obs_date) as ust_10y_sessions_earlier_pct,
        -- the Treasury market's own volatility (what the MOVE index prices): the spread of its daily moves
        {{ trailing_stddev('ust_10y_change_1d_bp', 'obs_date', var('realized_vol_returns')) }}
            as ust_10y_realized_vol_20d_bp,
        max(ust_10y_pct) over (
            order by obs_date
            rows between {{ var('high_window_sessions') - 1 }} preceding and current row
        ) as ust_10y_window_high_pct,
        count(ust_10y_pct) over (
            order by obs_date
            rows between {{ var('high_window_sessions') - 1 }} preceding and current row
        ) as n_sessions_window
    from ten_year_changes
),

highest_since as (
    -- the latest earlier session with a strictly higher 10-year yield
    select
        later.obs_date,
        max(earlier.obs_date) as ust_10y_highest_since
    from ten_year_sessions as later
    inner join ten_year_sessions as earlier
        on earlier.obs_date < later.obs_date
        and earlier.ust_10y_pct > later.ust_10y_pct
    group by later.obs_date
),

final as (
    select
        session_windows.obs_date,
        session_windows.ust_2y_pct,
        session_windows.ust_10y_pct,
        session_windows.ust_30y_pct,
        session_windows.breakeven_10y_pct,
        100 * (session_windows.ust_10y_pct - session_windows.ust_2y_pct) as curve_10y_2y_bp,
        100 * (session_windows.ust_10y_pct - session_windows.ust_10y_sessions_earlier_pct) as ust_10y_change_5d_bp,
        session_windows.ust_10y_realized_vol_20d_bp,
        highest_since.ust_10y_highest_since,
        case
            when session_windows.n_sessions_window = {{ var('high_window_sessions') }}
                then session_windows.ust_10y_pct >= session_windows.ust_10y_window_high_pct
        end as is_ust_10y_52w_high
    from session_windows
    left join highest_since on session_windows.obs_date = highest_since.obs_date
)

select * from final
