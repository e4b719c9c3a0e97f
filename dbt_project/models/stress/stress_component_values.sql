-- Every stress component on the day its value was public, oriented so that a higher value means more stress, on two
-- bases: `revised` (today's values: fct_market_stress_daily) and `first_release` (each FRED value as first
-- published, from ALFRED vintages where raw keeps them: fct_market_stress_first_release, what was known then).
-- Which components count, and in which category, is the var `stress_categories` (dbt_project.yml): chosen on their
-- 1997-2011 correlation with the St. Louis and Chicago Feds' stress indexes (README, "Choosing the components").
with

equity as (
    select * from {{ ref('fct_equity_daily') }}
),

systemic_risk as (
    select * from {{ ref('fct_systemic_risk_daily') }}
),

observations as (
    select series_id, obs_date, value
    from {{ ref('stg_fred__observations') }}
    where series_id in ('BAMLH0A0HYM2', 'BAMLC0A0CM', 'DGS10', 'T10YIE')
        and value is not null
),

first_releases as (
    select * from {{ ref('int_fred__first_releases') }}
),

bases as (
    select 'revised' as basis
    union all
    select 'first_release'
),

volatility as (
    -- implied (Cboe's VIX) and realized (the S&P 500's last 20 sessions) equity volatility
    select trade_date as obs_date, 'vix_level' as component, close as value
    from equity
    where symbol = 'VIX'
    union all
    select trade_date, 'spx_realized_vol' as component, realized_vol_20d_pct
    from equity
    where symbol = '^GSPC' and realized_vol_20d_pct is not null
),

stocks as (
    -- the depth of the S&P 500's drawdown, its distance below the 200-day average, and the same drawdown of the
    -- financial sector (XLF): banks' shares price the funding stress that free daily data does not show
    select trade_date as obs_date, 'spx_drawdown' as component, -drawdown_252d_pct as value
    from equity
    where symbol = '^GSPC' and drawdown_252d_pct is not null
    union all
    select trade_date, 'spx_below_sma_200d' as component, -100 * (close / sma_200d - 1)
    from equity
    where symbol = '^GSPC' and sma_200d is not null
    union all
    select trade_date, 'financials_drawdown' as component, -drawdown_252d_pct
    from equity
    where symbol = 'XLF' and drawdown_252d_pct is not null
),

systemic as (
    select obs_date, 'absorption_shift' as component, absorption_shift_z as value
    from systemic_risk
    where absorption_shift_z is not null
    union all
    select obs_date, 'turbulence' as component, turbulence_20d
    from systemic_risk
    where turbulence_20d is not null
),

session_values as (
    -- Cboe's VIX, the price feed's bars and what Python derives from them are public the evening of their session,
    -- and nobody revises them: the same on both bases
    select bases.basis, session_components.*
    from (
        select * from volatility
        union all select * from stocks
        union all select * from systemic
    ) as session_components
    cross join bases
),

fred_values as (
    -- every FRED value on both bases, with the day of its first vintage where raw keeps one
    select
        bases.basis,
        observations.series_id,
        observations.obs_date,
        case
            when bases.basis = 'first_release' then coalesce(first_releases.first_value, observations.value)
            else observations.value
        end as value,
        -- a first vintage long after its observation is when ALFRED began archiving the series, not when the value
        -- was published: FRED's timetable dates it instead
        case
            when first_releases.first_public_on
                <= cast({{ dbt.dateadd('day', var('vintage_max_publication_lag_days'), 'observations.obs_date') }} as date)  -- noqa: LT05
                then first_releases.first_public_on
        end as first_public_on
    from observations
    cross join bases
    left join first_releases
        on observations.series_id = first_releases.series_id
        and observations.obs_date = first_releases.obs_date
),

fred_changes as (
    select
        *,
        100 * (value - lag(value) over (partition by basis, series_id order by obs_date)) as change_1d_bp,
        lag(value, 20) over (partition by basis, series_id order by obs_date) as value_20_sessions_earlier
    from fred_values
),

fred_windows as (
    select
        *,
        {{ trailing_stddev('change_1d_bp', 'obs_date', var('realized_vol_returns'), 'basis, series_id') }}
            as realized_vol_bp
    from fred_changes
),

fred_components as (
    -- dated by their observation: what FRED says about that day
    select basis, obs_date, first_public_on, 'hy_oas_level' as component, 100 * value as value
    from fred_windows
    where series_id = 'BAMLH0A0HYM2'
    union all
    select basis, obs_date, first_public_on, 'ig_oas_level' as component, 100 * value
    from fred_windows
    where series_id = 'BAMLC0A0CM'
    union all
    -- the Treasury market's own volatility: the safe asset moving is stress (what the MOVE index prices)
    select basis, obs_date, first_public_on, 'ust_10y_realized_vol' as component, realized_vol_bp
    from fred_windows
    where series_id = 'DGS10' and realized_vol_bp is not null
    union all
    -- inflation expectations unanchoring either way
    select
        basis, obs_date, first_public_on, 'breakeven_move_20d' as component,
        abs(100 * (value - value_20_sessions_earlier)) as value
    from fred_windows
    where series_id = 'T10YIE' and value_20_sessions_earlier is not null
),

fred_published as (
    -- a value enters the index on the day FRED first published it: its first vintage's realtime_start where raw
    -- keeps vintages, else FRED's timetable for daily series, the next business day (ICE's spreads, the Fed's
    -- yields): the date of the series' next row, and for the newest one the next calendar day (the next session
    -- that forward filling reaches), so the index of an evening uses only what was public that evening
    select
        basis,
        coalesce(
            first_public_on,
            lead(obs_date) over (partition by basis, component order by obs_date),
            cast({{ dbt.dateadd('day', 1, 'obs_date') }} as date)
        ) as obs_date,
        obs_date as observed_on,
        component,
        value
    from fred_components
),

fred_newest_public as (
    -- two observations public the same day (a late first vintage): that evening knew both, and the newer counts
    select
        *,
        row_number() over (partition by basis, component, obs_date order by observed_on desc) as newest_first
    from fred_published
),

public_values as (
    select basis, obs_date, component, value from session_values
    union all
    select basis, obs_date, component, value from fred_newest_public
    where newest_first = 1
),

final as (
    select
        basis,
        obs_date,
        component,
        case component
            {%- for category, components in var('stress_categories').items() %}
                {%- for component in components %}
                    when '{{ component }}' then '{{ category }}'
                {%- endfor %}
            {%- endfor %}
        end as category,
        value
    from public_values
)

select * from final
