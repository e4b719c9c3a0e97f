{#- Spark's Parquet marts are rebuilt whole (see fct_equity_daily); on DuckDB an incremental run recomputes the
    per-session asset rules for the sessions fct_equity_daily rewrote, and every other rule whole. -#}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ delete_recomputed_alerts() }}",
    )
}}

-- Every crossing of a rule in the stress_thresholds seed: the day a metric moves past its threshold (not every day
-- it stays there), the day an event flag turns on, or the day the stress regime changes. The CTEs below compute the
-- metrics; the rules (id, metric, subject, comparator, threshold, severity, text) are only the seed's rows.
with

thresholds as (
    select * from {{ ref('stress_thresholds') }}
),

equity as {{ read_again() }} (
    select * from {{ ref('fct_equity_daily') }}
),

-- CTEs chosen by a Jinja block sit at the CTE level, not one indent deeper
-- noqa: disable=LT02
{% if alerts_recompute_sessions_only() %}

    sessions_in_scope as (
    -- the sessions the last equity build rewrote (newest_equity_sessions); each row carries its previous session's
    -- values, so these rows alone decide their alerts
        select * from equity
        where _built_at = (select max(newest._built_at) from equity as newest)
    ),

    equity_history as (
    -- the volume rule looks back over an episode: the rewritten sessions and the 30 days before them. The bound is
    -- a date, as trade_date is: DuckDB then filters the scan by it, where the timestamp dateadd gives made it cast
    -- every one of the 60 M sessions (a nested loop: 0.34 s against 0.14 s at 8,000 symbols)
        select
            *,
            _built_at = (select max(newest._built_at) from equity as newest) as is_in_scope
        from equity
        where trade_date >= (
            select cast({{ dbt.dateadd('day', -30, 'min(trade_date)') }} as date) from sessions_in_scope
        )
    ),

{% else %}

sessions_in_scope as (
    select * from equity
),

equity_history as (
    select
        *,
        true as is_in_scope
    from equity
),

{% endif %}
-- noqa: enable=LT02

volatility_symbols as (
    select symbol from {{ ref('universe') }}
    where sector = 'volatility'
),

priced_assets as (
    -- volume spikes and 200-day breaches are about assets; a falling VIX is no stress
    select sessions_in_scope.*
    from sessions_in_scope
    left join volatility_symbols on sessions_in_scope.symbol = volatility_symbols.symbol
    where volatility_symbols.symbol is null
),

vix_observations as (
    select
        'vix_close' as metric,
        trade_date as alert_date,
        'VIX' as subject,
        close as observed_value,
        lag(close) over (order by trade_date) as previous_value,
        cast(null as double) as threshold_override
    from equity
    where symbol = 'VIX'
),

volume_episodes as (
    -- a spike alerts on the first session of an episode: compared with the highest relative volume of the
    -- sessions before it (var alert_episode_sessions), a spike within them continues its episode
    select
        symbol,
        trade_date,
        rel_volume_30d,
        is_in_scope,
        max(rel_volume_30d) over (
            partition by symbol
            order by trade_date
            rows between {{ var('alert_episode_sessions') }} preceding and 1 preceding
        ) as recent_max_rel_volume_30d
    from equity_history
),

volume_observations as (
    -- the sessions in scope of the assets, read off the episodes by a flag: joining them back on symbol and date
    -- would hash every session of every symbol a second time (60 M rows at 8,000 symbols)
    select
        'rel_volume_30d' as metric,
        volume_episodes.trade_date as alert_date,
        volume_episodes.symbol as subject,
        volume_episodes.rel_volume_30d as observed_value,
        volume_episodes.recent_max_rel_volume_30d as previous_value,
        cast(null as double) as threshold_override
    from volume_episodes
    left join volatility_symbols on volume_episodes.symbol = volatility_symbols.symbol
    where
        volume_episodes.is_in_scope
        and volatility_symbols.symbol is null
        and volume_episodes.rel_volume_30d is not null
),

breach_observations as (
    -- is_sma_200d_breach already marks the crossing day
    select
        'is_sma_200d_breach' as metric,
        trade_date as alert_date,
        symbol as subject,
        case when is_sma_200d_breach then 1.0 else 0.0 end as observed_value,
        cast(null as double) as previous_value,
        cast(null as double) as threshold_override
    from priced_assets
    where is_sma_200d_breach
),

credit_observations as (
    select
        'hy_oas_change_3d_bp' as metric,
        obs_date as alert_date,
        'US high yield' as subject,
        hy_oas_change_3d_bp as observed_value,
        lag(hy_oas_change_3d_bp) over (order by obs_date) as previous_value,
        cast(null as double) as threshold_override
    from {{ ref('fct_credit_spreads_daily') }}
    where hy_oas_change_3d_bp is not null
),

rates_observations as (
    select
        'is_ust_10y_52w_high' as metric,
        obs_date as alert_date,
        '10-year Treasury' as subject,
        case when is_ust_10y_52w_high then 1.0 else 0.0 end as observed_value,
        lag(case when is_ust_10y_52w_high then 1.0 else 0.0 end) over (order by obs_date) as previous_value,
        cast(null as double) as threshold_override
    from {{ ref('fct_rates_daily') }}
    where is_ust_10y_52w_high is not null
),

auction_observations as (
    -- every auction stands alone, with the threshold for its term
    select
        'bid_to_cover' as metric,
        auction_date as alert_date,
        security_term || ' ' || security_type || ' ' || cusip as subject,
        bid_to_cover as observed_value,
        cast(null as double) as previous_value,
        weak_demand_threshold as threshold_override
    from {{ ref('fct_treasury_auctions') }}
    where bid_to_cover is not null
),

inflation_observations as (
    -- period-dated data alerts on the day it was public (and is delivered then), naming its period
    select
        'core_cpi_yoy_pct' as metric,
        core_cpi_published_date as alert_date,
        'core CPI of ' || cast(month as {{ dbt.type_string() }}) as subject,
        core_cpi_yoy_pct as observed_value,
        lag(core_cpi_yoy_pct) over (order by month) as previous_value,
        cast(null as double) as threshold_override
    from {{ ref('fct_macro_monthly') }}
    where core_cpi_yoy_pct is not null
),

margin_observations as (
    -- each quarter's change is its own event
    select
        'gross_margin_change_qoq_bp' as metric,
        filed as alert_date,
        cik || ' quarter to ' || cast(period_end as {{ dbt.type_string() }}) as subject,
        gross_margin_change_qoq_bp as observed_value,
        cast(null as double) as previous_value,
        cast(null as double) as threshold_override
    from {{ ref('fct_company_fundamentals_quarterly') }}
    where gross_margin_change_qoq_bp is not null and filed is not null
),

losses_observations as (
    select
        'unrealized_loss_to_equity_pct' as metric,
        filed as alert_date,
        cik || ' quarter to ' || cast(period_end as {{ dbt.type_string() }}) as subject,
        unrealized_loss_to_equity_pct as observed_value,
        lag(unrealized_loss_to_equity_pct) over (partition by cik order by period_end) as previous_value,
        cast(null as double) as threshold_override
    from {{ ref('fct_securities_losses_quarterly') }}
    where unrealized_loss_to_equity_pct is not null and filed is not null
),

{%- set edges = var('stress_regime_edges') %}
{# the regimes above calm, rising, and all four by level (0 calm ... 3 severe): from the var, their one home #}
{%- set regimes = edges | dictsort(by='value') | map('first') | list %}
{%- set regime_names = ['calm'] + regimes %}

-- the columns of a Jinja loop: sqlfluff's layout rules misread its whitespace control
-- noqa: disable=LT02,LT05
regime_edges_seen as (
    -- per band edge: the last session the index was at or above it, and the last it was a margin below it
    select
        obs_date,
        {%- for regime in regimes %}
        max(case when stress_index >= {{ edges[regime] }} then obs_date end)
            over (order by obs_date rows between unbounded preceding and current row) as last_at_{{ regime }},
        max(case when stress_index < {{ edges[regime] }} - {{ var('stress_regime_exit_margin') }} then obs_date end)
            over (order by obs_date rows between unbounded preceding and current row) as last_left_{{ regime }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('fct_market_stress_daily') }}
    where stress_index is not null
),
-- noqa: enable=LT02,LT05

regime_levels as (
    -- hysteresis: a regime is entered when the index reaches its edge and left only when it falls the exit margin
    -- below it, so an index hovering at an edge does not flip the alert every session (0 calm ... 3 severe)
    select
        obs_date,
        {%- for regime in regimes %}
            case when last_at_{{ regime }} > coalesce(last_left_{{ regime }}, cast('1900-01-01' as date)) then 1 else 0 end{% if not loop.last %} +{% endif %}  -- noqa: LT05
        {%- endfor %}
            as level
    from regime_edges_seen
),

regime_observations as (
    select
        'regime' as metric,
        obs_date as alert_date,
        'stress index' as subject,
        cast(level as double) as observed_value,
        cast(lag(level) over (order by obs_date) as double) as previous_value,
        cast(null as double) as threshold_override
    from regime_levels
),

observations as (
    select * from vix_observations
    union all select * from volume_observations
    union all select * from breach_observations
    union all select * from credit_observations
    union all select * from rates_observations
    union all select * from auction_observations
    union all select * from inflation_observations
    union all select * from margin_observations
    union all select * from losses_observations
    union all select * from regime_observations
),

rules_applied as (
    -- a rule is one row of the seed: every rule on a metric computed here fires, whatever its id
    select
        observations.alert_date,
        thresholds.rule_id,
        observations.subject,
        observations.metric,
        thresholds.comparator,
        observations.observed_value,
        observations.previous_value,
        coalesce(observations.threshold_override, thresholds.threshold) as threshold,
        thresholds.severity,
        thresholds.description
    from observations
    inner join thresholds
        on observations.metric = thresholds.metric
        and thresholds.subject in ('*', observations.subject)
),

crossings as (
    select *
    from rules_applied
    where
        (
            comparator = 'above' and observed_value > threshold
            and not coalesce(previous_value > threshold, false)
        )
        or (
            comparator = 'below' and observed_value < threshold
            and not coalesce(previous_value < threshold, false)
        )
        or (
            comparator = 'is_true' and observed_value = 1
            and not coalesce(previous_value = 1, false)
        )
        or (comparator = 'changes' and previous_value is not null and observed_value <> previous_value)
),

final as (
    select
        alert_date,
        rule_id,
        subject,
        metric,
        observed_value,
        threshold,
        -- rising stress is the alert; a regime left behind is information
        case when metric = 'regime' and observed_value < previous_value then 'info' else severity end
            as severity,
        case
            when metric = 'regime'
                then description || ': from '
                    || case cast(previous_value as integer)
                        {%- for name in regime_names %}
                            when {{ loop.index0 }} then '{{ name }}'
                        {%- endfor %}
                    end
                    || ' to '
                    || case cast(observed_value as integer)
                        {%- for name in regime_names %}
                            when {{ loop.index0 }} then '{{ name }}'
                        {%- endfor %}
                    end
                    || ' on ' || cast(alert_date as {{ dbt.type_string() }}) || '.'
            when comparator = 'is_true'
                then description || ': ' || subject || ' on ' || cast(alert_date as {{ dbt.type_string() }}) || '.'
            else description || ': ' || subject || ' ' || metric
                || ' ' || cast(round(observed_value, 2) as {{ dbt.type_string() }})
                || ' ' || comparator || ' ' || cast(threshold as {{ dbt.type_string() }})
                || ' on ' || cast(alert_date as {{ dbt.type_string() }}) || '.'
        end as message,
        -- the seeds this row was computed with: an edit to them makes the next run recompute every alert
        '{{ alert_rules_fingerprint() }}' as _rules_fingerprint
    from crossings
)

select * from final
